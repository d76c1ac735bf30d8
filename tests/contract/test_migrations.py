"""Migration plans on both databases, beyond the feature: what a plan refuses and why (an element that changed
kind, a subprocess that is gone, data the new start form requires), a deadline moved by the plan with a reason,
a case that changed after the plan failing alone at the run, and acts out of order."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain import MigrationNotFoundError, MigrationStateError
from engine.services import cases, migration, procedures, tasks, timers
from tests.builders import FIXTURES, an_admin, an_auditor, an_officer

V1 = (FIXTURES / "migration" / "street_order_v1.bpmn").read_text()
V2 = (FIXTURES / "migration" / "street_order_v2.bpmn").read_text()
ALAN = an_admin("alan")


def _deploy(rt, text: str) -> None:
    procedures.deploy_procedure(rt, files={"street_order.bpmn": text.encode()}, actor=an_admin())


def _complete(rt, case, element: str, data: dict | None = None):
    [task] = [t for t in cases.get_case(rt, case_id=case.id, actor=an_auditor()).ready_tasks
              if t.element_id == element]
    return tasks.complete_task(rt, task_id=task.id, data=data or {}, actor=an_officer())


def _at_timer(rt):
    case = cases.open_case(rt, procedure="street_order", data={}, actor=an_officer())
    return _complete(rt, case, "register_case", {"violation": "stall"})


def _plan(rt, **kwargs):
    arguments = {"procedure": "street_order", "source_version": 1, "target_version": 2,
                 "case_filter": {"all": True}, "reason": "rule 7", "actor": an_admin(), **kwargs}
    return migration.propose_migration(rt, **arguments)


def _approve_and_run(rt, plan):
    migration.approve_migration(rt, plan_id=plan.id, reason="checked", actor=ALAN)
    return migration.run_migration(rt, plan_id=plan.id, actor=an_admin())


def test_an_element_that_changed_kind_is_named_and_the_case_stays(rt):
    _deploy(rt, V1)
    case = cases.open_case(rt, procedure="street_order", data={}, actor=an_officer())
    _deploy(rt, V2)
    plan = _plan(rt, mapping={"register_case": "acceptance_wait"})
    [row] = plan.cases
    assert row.status == "refused"
    assert row.reasons == ["'register_case' changed kind (UserTask -> IntermediateCatchEvent): the case's position "
                           "there cannot be carried over"]
    ran = _approve_and_run(rt, plan)
    assert [c.status for c in ran.cases] == ["refused"]
    assert cases.get_case(rt, case_id=case.id, actor=an_auditor()).procedure_version == 1


def test_a_case_inside_a_subprocess_the_target_lacks_cannot_move(rt, clock):
    _deploy(rt, V1)
    case = _at_timer(rt)
    clock.advance(days=4)
    timers.fire_due_timers(rt)
    _deploy(rt, V1.replace("gather_records", "collect_records"))
    [row] = _plan(rt).cases
    assert row.case_id == case.id and row.status == "refused"
    assert row.reasons == ["the case is inside subprocess 'gather_records', which the target version does not have"]


def test_data_the_new_start_form_requires_is_named(rt):
    _deploy(rt, V1)
    _at_timer(rt)
    required = ('<bpmn:startEvent id="case_received"><bpmn:extensionElements><camunda:formData><camunda:formField '
                'id="district" label="District" type="string"><camunda:validation><camunda:constraint '
                'name="required"/></camunda:validation></camunda:formField></camunda:formData>'
                '</bpmn:extensionElements></bpmn:startEvent>')
    _deploy(rt, V2.replace('<bpmn:startEvent id="case_received"/>', required))
    [row] = _plan(rt, mapping={"inspect_site": "inspect_premises"}).cases
    assert (row.status, row.reasons) == ("refused", ["the target version's start form requires 'district', which "
                                                     "the case lacks"])


def test_a_deadline_moves_only_as_the_plan_says_and_why(rt, clock):
    _deploy(rt, V1)
    case = _at_timer(rt)
    _deploy(rt, V2)
    later = clock.now + timedelta(days=5)
    plan = _plan(rt, mapping={"inspect_site": "inspect_premises"},
                 due_changes={"acceptance_wait": {"due_at": later.isoformat(), "reason": "rule 7 gives 5 days"}})
    [deadline] = plan.cases[0].preview["deadlines"]
    assert deadline == {"element_id": "acceptance_wait", "before": case.deadlines[0]["due_at"],
                        "after": later.isoformat(), "why": "moved", "reason": "rule 7 gives 5 days"}
    _approve_and_run(rt, plan)
    moved = cases.get_case(rt, case_id=case.id, actor=an_auditor())
    assert [d["due_at"] for d in moved.deadlines] == [later.isoformat()]
    [event] = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
               if e["event_type"] == "case_migrated"]
    assert event["payload"]["deadlines"] == [deadline]


def test_a_case_that_moved_on_after_the_plan_fails_alone_and_stays_on_its_version(rt, clock):
    _deploy(rt, V1)
    moving_on, staying = _at_timer(rt), None
    clock.advance(days=1)
    staying = _at_timer(rt)
    _deploy(rt, V2)
    plan = _plan(rt)  # no mapping: both cases wait on the timer, which v2 has too
    assert [c.status for c in plan.cases] == ["movable", "movable"]
    clock.advance(days=2, hours=12)  # the first case's acceptance period ends: it stands at inspect_site now
    timers.fire_due_timers(rt)
    ran = _approve_and_run(rt, plan)
    by_case = {c.case_id: c for c in ran.cases}
    assert by_case[staying.id].status == "moved"
    assert by_case[moving_on.id].status == "failed"
    assert "'inspect_site', which has no counterpart" in by_case[moving_on.id].reasons[0]
    assert cases.get_case(rt, case_id=moving_on.id, actor=an_auditor()).procedure_version == 1
    audit = cases.case_audit(rt, case_id=moving_on.id, actor=an_auditor())
    assert "case_migrated" not in [e["event_type"] for e in audit]


def test_acts_out_of_order_are_refused_naming_the_state(rt):
    _deploy(rt, V1)
    _at_timer(rt)
    _deploy(rt, V2)
    plan = _plan(rt)
    with pytest.raises(MigrationStateError, match="proposed; it must be approved"):
        migration.run_migration(rt, plan_id=plan.id, actor=an_admin())
    with pytest.raises(MigrationStateError, match="must be run to revert"):
        migration.revert_migration(rt, plan_id=plan.id, reason="x", actor=an_admin())
    _approve_and_run(rt, plan)
    with pytest.raises(MigrationStateError):
        migration.run_migration(rt, plan_id=plan.id, actor=an_admin())


def test_a_legal_reviewer_approves_plans_of_their_own_department_only(rt):
    from engine.domain import ForbiddenError
    from tests.builders import a_legal_reviewer

    _deploy(rt, V1)
    _at_timer(rt)  # a cityscape case
    _deploy(rt, V2)
    plan = _plan(rt)
    lu = a_legal_reviewer("lu", "markets")
    with pytest.raises(ForbiddenError, match="moves cases of cityscape"):
        migration.approve_migration(rt, plan_id=plan.id, reason="ok", actor=lu)
    assert migration.list_migrations(rt, actor=lu) == []  # another department's cases are not theirs to read
    with pytest.raises(MigrationNotFoundError):
        migration.get_migration(rt, plan_id=plan.id, actor=lu)
    approved = migration.approve_migration(rt, plan_id=plan.id, reason="ok", actor=a_legal_reviewer())
    assert (approved.status, approved.approved_by) == ("approved", "lena")
