"""The periods that service starts run in the ENGINE from the recorded service (docs/documents.md): the rights
notice is issued on Tuesday, served on Thursday, and the statement period's timer moves to five working days
after Thursday (across the weekend), with a deadline_set event saying why; it does not fire at the end the task
completion set, and fires after the one service set. The party's documents page shows the same instant. A
payment period the case reaches after the decision's service runs from that service too, past a holiday. SQLite
and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.domain import Actor, Role
from engine.services import cases, issuing, party, procedures, tasks, timers
from engine.services.party import PartyAccess
from tests.builders import an_admin, an_auditor, procedure_files

OFFICER = Actor("olga", Role.OFFICER, "cityscape")
TUESDAY_END = "2026-03-17T15:59:59+00:00"  # 5 working days after Tue 10 March: 23:59:59 Beijing on Tue 17
THURSDAY_END = "2026-03-19T15:59:59+00:00"  # 5 working days after Thu 12 March (Sat 14, Sun 15 do not count)


def _complete(rt, case_id: int, element_id: str, actor: Actor = OFFICER, **data):
    view = cases.get_case(rt, case_id=case_id, actor=an_auditor())
    task = next(t for t in view.ready_tasks if t.element_id == element_id)
    return tasks.complete_task(rt, task_id=task.id, data=data, actor=actor)


def _rights_notice_issued_tuesday(rt, clock):
    procedures.deploy_procedure(rt, files=procedure_files("ordinary_procedure"), actor=an_admin())
    case = cases.open_case(rt, procedure="ordinary_procedure", actor=OFFICER, data={
        "category": "noise", "party": {"name": "Green Grocer Ltd", "type": "organisation"},
        "location": {"address": "12 Huaihai Road", "grid_cell": "HP-0412"}})
    _complete(rt, case.id, "register_case", facts="amplified music after 22:00",
              legal_basis="Noise Pollution Prevention Law art. 87", filed_on="2026-03-02")
    _complete(rt, case.id, "investigate", evidence_summary="72 dB(A)", second_officer="oscar", severity="serious",
              prior_offences=0)
    _complete(rt, case.id, "determine", outcome="violation")
    _complete(rt, case.id, "order_correction", correction_required="stop the music", remedy_days=7)
    clock.advance(days=8)  # Tuesday 10 March
    timers.fire_due_timers(rt)
    _complete(rt, case.id, "reinspect", corrected=False)
    _complete(rt, case.id, "serve_rights_notice", served_on="2026-03-10", service_method="in_person")
    return case


def _deadline(rt, case_id: int, element_id: str) -> str:
    view = cases.get_case(rt, case_id=case_id, actor=an_auditor())
    return next(d["due_at"] for d in view.deadlines if d["element_id"] == element_id)


def _notice(rt, case_id: int) -> issuing.IssuedDocument:
    return next(d for d in issuing.list_issued(rt, case_id=case_id, actor=OFFICER) if d.template == "rights_notice")


def test_the_statement_period_runs_five_working_days_from_the_recorded_service(rt, clock):
    case = _rights_notice_issued_tuesday(rt, clock)
    assert _deadline(rt, case.id, "statement_period_ends") == TUESDAY_END
    clock.advance(days=2)  # Thursday 12 March, 09:00 UTC
    served = issuing.serve_document(rt, case_id=case.id, document_id=_notice(rt, case.id).view.id,
                                    method="registered_mail", tracking_no="EMS1234567890CN",
                                    served_at=clock() - timedelta(hours=1), recipient="", actor=OFFICER)
    assert served.service["periods"]["statement_and_hearing_request"] == THURSDAY_END
    assert _deadline(rt, case.id, "statement_period_ends") == THURSDAY_END

    events = cases.case_audit(rt, case_id=case.id, actor=an_auditor())
    [moved] = [e for e in events if e["event_type"] == "deadline_set" and "from_service" in e["payload"]]
    assert moved["payload"]["due_at"] == THURSDAY_END and moved["element_id"] == "statement_period_ends"
    assert moved["payload"]["from_service"]["document"] == "rights_notice"
    assert moved["payload"]["from_service"]["was"] == TUESDAY_END
    assert [e["event_type"] for e in events].index("document_served") < events.index(moved)

    seen = party.party_case(rt, access=PartyAccess(case.id, case.case_no))
    [shown] = [d for d in seen.documents if d["number"] == served.number]
    assert shown["periods"]["statement_and_hearing_request"] == THURSDAY_END
    assert THURSDAY_END in [d["due_at"] for d in seen.deadlines]

    clock.advance(days=6)  # Wednesday 18 March: past the end the task completion set, before service's end
    timers.fire_due_timers(rt)
    assert _fired(rt, case.id) == []
    clock.advance(days=2)  # Friday 20 March
    timers.fire_due_timers(rt)
    assert _fired(rt, case.id) == ["statement_period_ends"]
    assert cases.verify_audit(rt, actor=an_auditor(), case_id=case.id)["ok"]


def _fired(rt, case_id: int) -> list[str]:
    return [e["element_id"] for e in cases.case_audit(rt, case_id=case_id, actor=an_auditor())
            if e["event_type"] == "timer_fired" and e["element_id"] == "statement_period_ends"]


def test_a_payment_period_reached_after_the_decisions_service_runs_from_that_service(rt, clock):
    case = _rights_notice_issued_tuesday(rt, clock)
    issuing.serve_document(rt, case_id=case.id, document_id=_notice(rt, case.id).view.id, method="in_person",
                           recipient="Wang Wu", served_at=clock(), actor=OFFICER)
    clock.advance(days=10)
    timers.fire_due_timers(rt)
    _complete(rt, case.id, "legal_review", Actor("lena", Role.LEGAL_REVIEWER, "cityscape"),
              review_opinion="sound", approved=True)
    _complete(rt, case.id, "decide_penalty", Actor("sam", Role.SUPERVISOR, "cityscape"), fine_amount=1000,
              decision_no="CG-2026-17", decided_on=clock().date().isoformat())
    decision = next(d for d in issuing.list_issued(rt, case_id=case.id, actor=OFFICER)
                    if d.template == "penalty_decision")
    served_at = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)  # Friday 20 March, 10:00 Beijing
    issuing.serve_document(rt, case_id=case.id, document_id=decision.view.id, method="in_person",
                           recipient="Wang Wu", served_at=served_at, actor=OFFICER)
    clock.advance(days=3)  # the serve_decision task is completed three days later
    _complete(rt, case.id, "serve_decision", decision_served_on="2026-03-20", decision_service_method="in_person")
    # 15 calendar days from Friday 20 March (not from the completion on Monday 23) end on Saturday 4 April, the
    # Qingming holiday (4-6 April): the period rolls forward to the next working day, Tuesday 7 April
    assert _deadline(rt, case.id, "payment_window") == "2026-04-07T15:59:59+00:00"
    set_events = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
                  if e["event_type"] == "deadline_set" and e["element_id"] == "payment_window"]
    assert set_events[-1]["payload"]["from_service"]["period"] == "payment"
