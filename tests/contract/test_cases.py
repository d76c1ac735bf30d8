"""One case, step by step: opening, completing tasks, timers, messages, cancelling, refusals."""
from datetime import datetime, timedelta

import pytest

from engine.domain import (CaseNotFoundError, CaseNotOpenError, ForbiddenError, InvalidDataError, MessageNotExpectedError,
                           TaskAlreadyCompletedError, TaskNotFoundError, TaskNotReadyError)
from engine.services import cases, tasks, timers
from engine.store import queries
from tests.builders import a_case, a_supervisor, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "amplified music after 22:00", "severity": "serious", "fine_due": True}


def events_of(rt, case_id):
    return [(e["event_type"], e["element_id"]) for e in cases.case_audit(rt, case_id=case_id, actor=an_auditor())]


def test_opening_a_case_runs_it_to_the_first_task(rt):
    the_notice(rt)
    case = a_case(rt)
    assert case.case_no == f"2026-{case.id:06d}" and case.status == "open"
    assert [(t.element_id, t.role, t.department) for t in case.ready_tasks] == [("inspect", "officer", "cityscape")]
    assert case.party["id_number"] == "913***********001X", "identity numbers are stored masked"
    assert len(case.access_code) == 11
    assert events_of(rt, case.id) == [("case_opened", None), ("path_taken", "start")]


def test_completing_a_task_validates_the_form_and_moves_on(rt):
    the_notice(rt)
    case = a_case(rt)
    with pytest.raises(InvalidDataError) as caught:
        tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data={"severity": "huge"}, actor=an_officer())
    assert {d["field"] for d in caught.value.details} == {"findings", "severity", "fine_due"}
    after = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    assert [t.element_id for t in after.ready_tasks] == ["approve"]
    assert after.data["findings"] == INSPECTION["findings"] and after.data["prior_offences"] == 0
    completed, deadline = cases.case_audit(rt, case_id=case.id, actor=an_auditor())[-2:]
    assert (completed["event_type"], completed["actor"], completed["actor_role"]) == ("task_completed", "olga",
                                                                                      "officer")
    assert completed["payload"]["data"]["severity"] == "serious"
    assert (deadline["event_type"], deadline["element_id"]) == ("deadline_set", "approve_deadline")


def test_a_second_completion_and_an_unknown_task_are_refused_distinctly(rt):
    the_notice(rt)
    case = a_case(rt)
    task_id = case.ready_tasks[0].id
    tasks.complete_task(rt, task_id=task_id, data=INSPECTION, actor=an_officer())
    with pytest.raises(TaskAlreadyCompletedError):
        tasks.complete_task(rt, task_id=task_id, data=INSPECTION, actor=an_officer())
    with pytest.raises(TaskNotFoundError):
        tasks.complete_task(rt, task_id="00000000-0000-0000-0000-000000000000", data={}, actor=an_officer())


def test_lanes_and_departments_decide_who_may_complete(rt):
    the_notice(rt)
    case = a_case(rt)
    task_id = case.ready_tasks[0].id
    with pytest.raises(ForbiddenError, match="officer lane"):
        tasks.complete_task(rt, task_id=task_id, data=INSPECTION, actor=a_supervisor())
    with pytest.raises(TaskNotFoundError, match=f"no task {task_id}"):  # not their case: as if there were none
        tasks.complete_task(rt, task_id=task_id, data=INSPECTION, actor=an_officer("otto", "water"))
    with pytest.raises(ForbiddenError):
        tasks.complete_task(rt, task_id=task_id, data=INSPECTION, actor=an_auditor())
    with pytest.raises(CaseNotFoundError, match=f"no case {case.id}"):
        cases.get_case(rt, case_id=case.id, actor=an_officer("otto", "water"))
    assert tasks.ready_tasks(rt, actor=an_officer("otto", "water")) == []
    assert [t.id for t in tasks.ready_tasks(rt, actor=an_officer())] == [task_id]
    assert events_of(rt, case.id)[-1] == ("path_taken", "start"), "refusals write nothing"


def test_the_deadline_wins_over_a_late_click(rt, clock):
    the_notice(rt)
    case = a_case(rt)
    after = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    approve = after.ready_tasks[0]
    assert approve.due_at == (clock.now + timedelta(hours=36)).isoformat()
    assert after.next_due_at == approve.due_at
    clock.advance(hours=37)
    with pytest.raises(TaskNotReadyError, match="deadline passed"):
        tasks.complete_task(rt, task_id=approve.id, data={"approved_by": "sam"}, actor=a_supervisor())
    closed = cases.get_case(rt, case_id=case.id, actor=a_supervisor())
    assert (closed.status, closed.outcome) == ("closed", "closed_unpaid")
    assert events_of(rt, case.id)[-3:] == [("timer_fired", "approve_deadline"), ("task_cancelled", "approve"),
                                            ("case_closed", "closed_unpaid")]


def _to_payment(rt):
    the_notice(rt)
    case = a_case(rt)
    case = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    return tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data={"approved_by": "sam"}, actor=a_supervisor())


def test_a_decision_table_sets_the_fine_and_a_message_closes_the_case(rt):
    case = _to_payment(rt)
    assert case.data["fine"] == 2000 and case.ready_tasks == []
    decision = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
                if e["event_type"] == "decision_evaluated"]
    assert decision[0]["payload"]["result"] == {"fine": 2000}
    paid = cases.deliver_message(rt, case_id=case.id, name="fine_paid", payload={"receipt": "B-1"}, actor=an_officer())
    assert (paid.status, paid.outcome, paid.next_due_at) == ("closed", "closed_paid", None)
    assert ("message_received", "paid") in events_of(rt, case.id)
    with pytest.raises(Exception):
        cases.deliver_message(rt, case_id=case.id, name="fine_paid", payload={}, actor=an_officer())


def test_a_message_the_case_does_not_wait_for_is_refused(rt):
    the_notice(rt)
    case = a_case(rt)
    with pytest.raises(MessageNotExpectedError):
        cases.deliver_message(rt, case_id=case.id, name="fine_paid", payload={}, actor=an_officer())


def test_fire_due_timers_loads_only_due_cases_and_records_the_timer(rt, clock):
    waiting = _to_payment(rt)
    other = a_case(rt)
    assert timers.fire_due_timers(rt, now=clock.now).cases == []
    report = timers.fire_due_timers(rt, now=clock.now + timedelta(days=15, seconds=1))
    assert report.cases == [waiting.case_no]
    assert cases.get_case(rt, case_id=waiting.id, actor=an_officer()).outcome == "closed_unpaid"
    assert cases.get_case(rt, case_id=other.id, actor=an_officer()).status == "open"
    assert ("timer_fired", "payment_window") in events_of(rt, waiting.id)
    assert timers.fire_due_timers(rt, now=clock.now + timedelta(days=30)).cases == []


def test_cancelling_a_case_withdraws_its_tasks(rt):
    the_notice(rt)
    case = a_case(rt)
    with pytest.raises(ForbiddenError):
        cases.cancel_case(rt, case_id=case.id, reason="duplicate", actor=an_officer())
    cancelled = cases.cancel_case(rt, case_id=case.id, reason="filed twice", actor=a_supervisor())
    assert cancelled.status == "cancelled" and cancelled.ready_tasks == []
    assert tasks.ready_tasks(rt, actor=an_officer()) == []
    assert events_of(rt, case.id)[-1] == ("case_cancelled", None)


def test_an_unknown_case_is_not_found(rt):
    with pytest.raises(CaseNotFoundError):
        cases.get_case(rt, case_id=999, actor=an_auditor())


def test_stored_state_excludes_the_spec(rt):
    the_notice(rt)
    case = a_case(rt)
    with rt.store.transaction(write=False) as session:
        state = queries.case(session, case.id).workflow_state
    assert len(state) < 10_000 and '"spec"' not in state


def test_a_suspended_case_stops_its_clock_and_resumes_with_deadlines_moved(rt, clock):
    the_notice(rt)
    case = a_case(rt)
    case = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    due = datetime.fromisoformat(case.ready_tasks[0].due_at)
    clock.advance(hours=10)
    suspended = cases.suspend_case(rt, case_id=case.id, reason="the party applied for reconsideration",
                                   actor=a_supervisor())
    assert suspended.status == "suspended"
    with pytest.raises(CaseNotOpenError):
        tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data={"approved_by": "sam"}, actor=a_supervisor())
    clock.advance(days=30)
    assert timers.fire_due_timers(rt).cases == [], "a suspended case's deadline does not run"
    resumed = cases.resume_case(rt, case_id=case.id, actor=a_supervisor())
    assert datetime.fromisoformat(resumed.next_due_at) == due + timedelta(days=30)
    assert resumed.ready_tasks[0].element_id == "approve"
    assert resumed.ready_tasks[0].due_at == resumed.next_due_at
    assert [e for e, _ in events_of(rt, case.id)][-3:] == ["case_suspended", "case_resumed", "deadline_set"]


def test_a_timer_in_working_days_from_service_lands_on_the_right_day(rt):
    from tests.builders import a_deployed

    a_deployed(rt, "working_days.bpmn")
    case = a_case(rt, procedure="working_days")
    # served on Monday 2 March 2026: five working days later is Monday 9 March, to the end of the day in Beijing
    after = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data={"served_on": "2026-03-02"},
                                actor=an_officer())
    assert after.next_due_at == "2026-03-09T15:59:59+00:00"
    assert after.deadlines[0]["element_id"] == "statement_period_ends"


def test_a_department_holding_a_task_in_a_joint_case_may_read_it(rt):
    from engine.services import procedures
    from tests.builders import an_admin, procedure_files

    procedures.deploy_procedure(rt, files=procedure_files("joint_enforcement"), actor=an_admin())
    case = a_case(rt, procedure="joint_enforcement", actor=a_supervisor(), category="night_market")
    market, water = an_officer("mia", "markets"), an_officer("otto", "water")
    with pytest.raises(CaseNotFoundError):
        cases.get_case(rt, case_id=case.id, actor=market)
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=a_supervisor(), data={
        "joint_subject": "night market stalls", "market_department": "markets", "environment_department": "env",
        "operation_plan": "joint inspection at 21:00", "operation_date": "2026-03-05"})
    assert cases.get_case(rt, case_id=case.id, actor=market).department == "cityscape"
    assert [t.element_id for t in tasks.ready_tasks(rt, actor=market)] == ["inspect_market"]
    with pytest.raises(CaseNotFoundError):
        cases.get_case(rt, case_id=case.id, actor=water)


def test_a_case_whose_timer_step_fails_is_set_aside_and_does_not_block_others(rt, clock):
    """After the payment window a script fails (it uses a value nobody entered): that case is set aside."""
    from engine.services import procedures
    from tests.builders import an_admin, files_of

    broken = files_of("notice.bpmn", "fine_amount.dmn")
    script = (b'<bpmn:scriptTask id="late_fee" scriptFormat="python"><bpmn:incoming>f9</bpmn:incoming>'
              b'<bpmn:outgoing>f9b</bpmn:outgoing><bpmn:script>late_fee = fine * surcharge_rate</bpmn:script>'
              b'</bpmn:scriptTask><bpmn:sequenceFlow id="f9b" sourceRef="late_fee" targetRef="closed_unpaid"/>')
    broken["notice.bpmn"] = broken["notice.bpmn"].replace(
        b'<bpmn:sequenceFlow id="f9" sourceRef="payment_window" targetRef="closed_unpaid"/>',
        b'<bpmn:sequenceFlow id="f9" sourceRef="payment_window" targetRef="late_fee"/>' + script)
    procedures.deploy_procedure(rt, files=broken, actor=an_admin())
    failing = _to_payment_on(rt)
    healthy = a_case(rt)
    tasks.complete_task(rt, task_id=healthy.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    clock.advance(days=16)
    report = timers.fire_due_timers(rt)
    assert report.cases == [healthy.case_no] and report.failed == [failing.id]
    assert ("incident_opened", None) in events_of(rt, failing.id)
    assert cases.verify_audit(rt, actor=an_auditor())["ok"]
    assert timers.fire_due_timers(rt).cases == [], "set aside: not retried until later"
    from engine.services import incidents
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert (incident.case_id, incident.kind, incident.attempts) == (failing.id, "timer", 1)
    assert "surcharge_rate" in incident.message
    clock.advance(minutes=16)  # tried again after 15 minutes, then after 30: one incident, counted attempts
    assert timers.fire_due_timers(rt).failed == [failing.id]
    clock.advance(minutes=16)
    assert timers.fire_due_timers(rt).failed == [], "backing off: 30 minutes after the second failure"
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert incident.attempts == 2 and events_of(rt, failing.id)[-1] == ("step_failed", None)


def _to_payment_on(rt):
    case = a_case(rt)
    case = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    return tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data={"approved_by": "sam"}, actor=a_supervisor())


def test_cases_are_found_by_category_and_by_the_deadline(rt, clock):
    """The Cases page's filters (engine.store.queries.find_cases), on both databases."""
    the_notice(rt)
    noisy = a_case(rt, category="noise")
    timed = tasks.complete_task(rt, task_id=a_case(rt, category="street_order").ready_tasks[0].id, data=INSPECTION,
                                actor=an_officer())  # waits with a deadline now
    found, total = cases.list_cases(rt, actor=an_officer(), category="noise")
    assert ([c["id"] for c in found], total) == ([noisy.id], 1)
    soon = clock() + timedelta(days=400)
    found, _ = cases.list_cases(rt, actor=an_officer(), due_before=soon)
    assert [c["id"] for c in found] == [timed.id], "only the case with a deadline before then"
    assert cases.list_cases(rt, actor=an_officer(), due_before=clock())[1] == 0
