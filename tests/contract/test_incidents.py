"""Nothing stuck in silence: a step that cannot run opens an incident the admins see, retry and resolve."""
import pytest

from engine.domain import BudgetExceededError, ForbiddenError, InvalidDataError, WorkflowError
from engine.services import cases, incidents, procedures, tasks
from engine.services.incidents import IncidentClosedError
from engine.store import queries
from tests.builders import an_admin, an_auditor, an_officer
from tests.security.procedures import probe

SLOW = "total = 0\nfor i in range(3 * 10 ** 6):\n    total += i\nresult = 2"


def _case(rt, script):
    procedures.deploy_procedure(rt, files=probe(script=script), actor=an_admin())
    view = cases.open_case(rt, procedure="probe", data={}, actor=an_officer())
    return view, view.ready_tasks[0]


def _events(rt, case_id):
    with rt.store.transaction(write=False) as session:
        return [e.event_type for e in queries.audit_events(session, case_id)]


def test_a_step_over_budget_opens_one_incident_and_a_retry_after_the_fix_runs_it(rt):
    rt.settings = type(rt.settings).ephemeral(script_seconds=0.02)
    view, task = _case(rt, SLOW)
    for _ in range(2):  # the officer tries twice: one incident, two attempts
        with pytest.raises(BudgetExceededError):
            tasks.complete_task(rt, task_id=task.id, data={}, actor=an_officer())
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert (incident.case_id, incident.element_id, incident.kind, incident.attempts, incident.code) == \
        (view.id, "review", "complete", 2, "budget_exceeded")
    assert _events(rt, view.id)[-2:] == ["incident_opened", "step_failed"]
    assert incidents.list_incidents(rt, actor=an_auditor()) == [incident]  # auditors read them too

    rt.settings = type(rt.settings).ephemeral(script_seconds=5.0)  # the fix: a larger budget
    after = incidents.retry_incident(rt, incident_id=incident.id, actor=an_admin())
    assert [t.name for t in after.ready_tasks] == ["Check"]
    assert incidents.list_incidents(rt, actor=an_admin()) == []
    [closed] = incidents.list_incidents(rt, actor=an_admin(), status="resolved")
    assert closed.resolved_by == "ada" and "retried" in (closed.resolution or "")
    history = _events(rt, view.id)
    assert history.index("task_completed") > history.index("step_failed")
    assert history[-1] == "incident_resolved"


def test_an_incident_is_resolved_with_a_reason_once_and_only_by_an_admin(rt):
    _, task = _case(rt, "result = 1 // 0")
    with pytest.raises(WorkflowError):
        tasks.complete_task(rt, task_id=task.id, data={}, actor=an_officer())
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert "ZeroDivisionError" in incident.message or "division" in incident.message
    with pytest.raises(ForbiddenError):
        incidents.list_incidents(rt, actor=an_officer())
    with pytest.raises(ForbiddenError):
        incidents.resolve_incident(rt, incident_id=incident.id, actor=an_officer(), reason="x")
    with pytest.raises(InvalidDataError):
        incidents.resolve_incident(rt, incident_id=incident.id, actor=an_admin(), reason=" ")
    done = incidents.resolve_incident(rt, incident_id=incident.id, actor=an_admin(),
                                      reason="procedure fixed in version 2; case handled on paper")
    assert done.status == "resolved"
    with pytest.raises(IncidentClosedError):
        incidents.resolve_incident(rt, incident_id=incident.id, actor=an_admin(), reason="again")
    assert _events(rt, incident.case_id)[-1] == "incident_resolved"
