"""Lanes with any name: they keep their names; roles come from candidate groups, the deploy's lane mapping,
a lane named like a role, or the default role with a warning. Enforcement procedures must map every lane."""
from __future__ import annotations

import pytest

from engine.domain import Actor, DueflowError, ProcedureInvalidError, Role
from engine.services import cases, procedures, tasks
from tests.builders import a_case, a_legal_reviewer, a_supervisor, an_admin, an_officer, files_of

LANES = files_of("elements/lanes_any_name.bpmn")
ENFORCEMENT = files_of("elements/lanes_enforcement.bpmn")


def _ready(rt, case_id: int) -> dict[str, tuple[str, str]]:
    view = cases.get_case(rt, case_id=case_id, actor=an_admin())
    return {t.element_id: (t.role, t.department) for t in view.ready_tasks}


def _complete(rt, case_id: int, element_id: str, actor: Actor):
    view = cases.get_case(rt, case_id=case_id, actor=an_admin())
    task = next(t for t in view.ready_tasks if t.element_id == element_id)
    return tasks.complete_task(rt, task_id=task.id, data={}, actor=actor)


def test_a_plain_workflow_with_lanes_named_anything_deploys_with_a_warning_per_lane(rt):
    result = procedures.deploy_procedure(rt, files=LANES, actor=an_admin())
    lanes = [(w["element_id"], w["line"], w["severity"]) for w in result.lint if w["rule"] == "LANE_ROLE"]
    assert lanes == [("lane_boss", 7, "warning"), ("lane_hr", 10, "warning"), ("lane_unnamed", 15, "warning")]
    boss = next(w for w in result.lint if w["element_id"] == "lane_boss")
    assert "'Boss'" in boss["message"] and "officer" in boss["message"]
    case = a_case(rt, "leave_request")
    assert _ready(rt, case.id) == {"approve": (Role.OFFICER.value, "cityscape")}, "the default role"
    _complete(rt, case.id, "approve", an_officer())
    _complete(rt, case.id, "record", an_officer())
    assert _ready(rt, case.id) == {"archive": (Role.LEGAL_REVIEWER.value, "cityscape")}, \
        "camunda:candidateGroups names the role (the first group that is one)"
    with pytest.raises(DueflowError) as refused:
        _complete(rt, case.id, "archive", an_officer())
    assert refused.value.code == "forbidden"
    done = _complete(rt, case.id, "archive", a_legal_reviewer())
    assert done.status == "closed"


def test_the_lane_mapping_given_with_the_deploy_chooses_roles_and_departments(rt):
    lanes = {"Boss": "supervisor", "HR": {"role": "officer", "department": "hr"}}
    result = procedures.deploy_procedure(rt, files=LANES, actor=an_admin(), lanes=lanes)
    assert [w["element_id"] for w in result.lint if w["rule"] == "LANE_ROLE"] == ["lane_unnamed"]
    case = a_case(rt, "leave_request")
    assert _ready(rt, case.id) == {"approve": ("supervisor", "cityscape")}
    with pytest.raises(DueflowError) as refused:
        _complete(rt, case.id, "approve", an_officer())
    assert refused.value.code == "forbidden"
    _complete(rt, case.id, "approve", a_supervisor())
    assert _ready(rt, case.id) == {"record": ("officer", "hr")}
    again = procedures.deploy_procedure(rt, files=LANES, actor=an_admin(), lanes=lanes)
    assert (again.version, again.created) == (result.version, False), "the same files and mapping: that version"
    other = procedures.deploy_procedure(rt, files=LANES, actor=an_admin(), lanes={"Boss": "admin"})
    assert other.version == result.version + 1, "another mapping is another version"


def test_a_mapping_to_no_role_is_refused_naming_the_lane(rt):
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files=LANES, actor=an_admin(), lanes={"Boss": "chief"})
    [problem] = refused.value.problems
    assert (problem.rule, problem.file) == ("LANE_ROLE", "dueflow-lanes.json")
    assert "'Boss'" in problem.message and "supervisor" in problem.message
    with pytest.raises(ProcedureInvalidError) as broken:
        procedures.deploy_procedure(rt, files=LANES, actor=an_admin(), lanes="{not json")
    assert "not JSON" in broken.value.problems[0].message


def test_an_enforcement_procedure_must_map_every_lane(rt):
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files=ENFORCEMENT, actor=an_admin())
    found = {(p.element_id, p.line, p.rule) for p in refused.value.problems if p.rule == "LANE_ROLE"}
    assert found == {("lane_boss", 8, "LANE_ROLE"), ("lane_hr", 11, "LANE_ROLE"), ("lane_unnamed", 16, "LANE_ROLE")}
    assert all(p.severity == "error" for p in refused.value.problems if p.rule == "LANE_ROLE")


def test_a_task_whose_candidate_groups_name_no_role_is_listed(rt):
    odd = LANES["lanes_any_name.bpmn"].replace(b'"archivists, legal_reviewer"', b'"archivists"')
    result = procedures.deploy_procedure(rt, files={"odd.bpmn": odd}, actor=an_admin(),
                                         lanes={"Boss": "supervisor", "HR": "officer", "lane_unnamed": "admin"})
    [warning] = [w for w in result.lint if w["rule"] == "LANE_ROLE"]
    assert (warning["element_id"], warning["line"], warning["severity"]) == ("archive", 22, "warning")
    assert "archivists" in warning["message"]
