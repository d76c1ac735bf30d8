"""One responsible department: a case changes department only when a dispatcher (or shift supervisor) hands it
over by completing a dispatch form; an officer cannot move it by naming `responsible_department` anywhere."""
import pytest

from engine.domain import Actor, ForbiddenError, InvalidDataError, Role
from engine.services import cases, procedures, tasks
from tests.builders import a_case, an_admin, an_auditor, an_officer, files_of, procedure_files

INSPECTION = {"findings": "crates on the pavement", "fine_due": False}
FIELD = (b'<camunda:formField id="responsible_department" label="Department" type="string"/>'
         b'<camunda:formField id="findings"')


def _notice(rt, *, field: bool = False, script: str | None = None) -> None:
    """The notice procedure, its inspection form optionally asking for a department, optionally with a script
    between the inspection and the approval."""
    files = files_of("notice.bpmn", "fine_amount.dmn")
    if field:
        files["notice.bpmn"] = files["notice.bpmn"].replace(b'<camunda:formField id="findings"', FIELD, 1)
    if script:
        task = (f'<bpmn:scriptTask id="route" scriptFormat="python"><bpmn:incoming>f2</bpmn:incoming>'
                f'<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
                f'<bpmn:sequenceFlow id="f2b" sourceRef="route" targetRef="approve"/>').encode()
        files["notice.bpmn"] = files["notice.bpmn"].replace(
            b'<bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="approve"/>',
            b'<bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="route"/>' + task)
    procedures.deploy_procedure(rt, files=files, actor=an_admin())


def _handovers(rt, case_id: int) -> list:
    return [e["payload"]["department"] for e in cases.case_audit(rt, case_id=case_id, actor=an_auditor())
            if e["event_type"] == "department_assigned"]


def test_an_officer_cannot_open_a_case_into_another_department_through_case_data(rt):
    _notice(rt)
    with pytest.raises(InvalidDataError) as refused:
        a_case(rt, responsible_department="markets")
    assert [d["field"] for d in refused.value.details] == ["responsible_department"]
    assert cases.list_cases(rt, actor=an_admin())[1] == 0, "nothing was written"


def test_an_officer_cannot_hand_a_case_over_through_task_data(rt):
    _notice(rt, field=True)
    case = a_case(rt)
    with pytest.raises(ForbiddenError):
        tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                            data={**INSPECTION, "responsible_department": "markets"})
    after = cases.get_case(rt, case_id=case.id, actor=an_officer())
    assert after.department == "cityscape" and after.row_version == case.row_version
    assert _handovers(rt, case.id) == []


def test_naming_the_own_department_again_is_no_handover_and_is_allowed(rt):
    _notice(rt, field=True)
    case = a_case(rt)
    after = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                                data={**INSPECTION, "responsible_department": "cityscape"})
    assert after.department == "cityscape" and _handovers(rt, case.id) == []


def test_the_dispatcher_of_the_closed_loop_still_hands_the_case_over_on_the_record(rt):
    procedures.deploy_procedure(rt, files=procedure_files("closed_loop"), actor=an_admin())
    inspector, dora = an_officer("ivan", "command_centre"), Actor("dora", Role.DISPATCHER, "command_centre")
    case = a_case(rt, "closed_loop", actor=inspector, category="cityscape_and_environment")

    def complete(actor, element_id, data):
        task = next(t for t in tasks.ready_tasks(rt, actor=actor, case_id=case.id) if t.element_id == element_id)
        return tasks.complete_task(rt, task_id=task.id, actor=actor, data=data)
    complete(inspector, "report_problem", {"grid_cell": "HP-0412", "object_kind": "event",
                                           "description": "litter bin overflowing", "photo_ref": "IMG-1"})
    complete(dora, "verify_and_file", {"report_valid": True, "verification_note": "seen on camera 17"})
    after = complete(dora, "dispatch_case", {"responsible_department": "sanitation", "handling_time": "P1D"})
    assert after.department == "sanitation" and _handovers(rt, case.id) == ["sanitation"]


def test_a_script_setting_the_variable_does_not_move_the_case(rt):
    _notice(rt, script="responsible_department = 'markets'")
    case = a_case(rt)
    after = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(), data=INSPECTION)
    assert after.department == "cityscape" and _handovers(rt, case.id) == []


def test_a_malformed_department_code_is_refused_naming_the_field(rt):
    _notice(rt, field=True)
    case = a_case(rt, actor=Actor("sam", Role.SUPERVISOR, "cityscape"))
    with pytest.raises(InvalidDataError) as refused:
        tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                            data={**INSPECTION, "responsible_department": "Markets Dept!"})
    assert [d["field"] for d in refused.value.details] == ["responsible_department"]
