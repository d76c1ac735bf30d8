"""Steps of the ordinary procedure, in the officer's language; they call engine.services only."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pytest_bdd import given, parsers, then, when

from engine.domain import Actor, Role, RightsGateError, SeparationOfDutiesError, TaskNotReadyError
from engine.services import cases, procedures, tasks, timers
from tests.builders import an_admin, an_auditor, procedure_files

DEPARTMENT = "cityscape"


def person(role: Role, name: str) -> Actor:
    return Actor(name, role, DEPARTMENT)


class CaseJourney:
    """The case under test and the clock it lives by."""

    def __init__(self, rt, clock):
        self.rt, self.clock, self.case = rt, clock, None

    def refresh(self):
        self.case = cases.get_case(self.rt, case_id=self.case.id, actor=an_auditor())
        return self.case

    def task(self, element_id: str):
        ready = {t.element_id: t for t in self.refresh().ready_tasks}
        assert element_id in ready, f"{element_id} is not ready; ready: {sorted(ready)}, stage {self.case.stage}"
        return ready[element_id]

    def complete(self, element_id: str, actor: Actor, **data):
        self.case = tasks.complete_task(self.rt, task_id=self.task(element_id).id, data=data, actor=actor)
        return self.case

    def today(self) -> str:
        return self.clock().date().isoformat()

    def audit(self):
        return cases.case_audit(self.rt, case_id=self.case.id, actor=an_auditor())


@pytest.fixture
def journey(rt, clock):
    return CaseJourney(rt, clock)


@given("the ordinary procedure is deployed")
def deployed(journey):
    procedures.deploy_procedure(journey.rt, files=procedure_files("ordinary_procedure"), actor=an_admin())


@given(parsers.parse('a {category} case against "{party}" is filed by officer "{name}" of "{department}"'))
def filed(journey, category, party, name, department):
    journey.case = cases.open_case(journey.rt, procedure="ordinary_procedure",
                                   data={"category": category, "party": {"name": party, "type": "organisation"},
                                         "location": {"address": "12 Huaihai Road", "grid_cell": "HP-0412"}},
                                   actor=Actor(name, Role.OFFICER, department))


@given(parsers.parse('officer "{name}" registers the case and investigates it as a "{severity}" violation '
                     'with {prior:d} prior offences'))
def registered_and_investigated(journey, name, severity, prior):
    officer = person(Role.OFFICER, name)
    journey.complete("register_case", officer, facts="amplified music after 22:00 on three nights",
                     legal_basis="Noise Pollution Prevention Law art. 87", filed_on=journey.today())
    journey.complete("investigate", officer, evidence_summary="sound level 72 dB(A) at the nearest window",
                     second_officer="oscar", severity=severity, prior_offences=prior)


@given(parsers.parse('officer "{name}" determines that a violation is established'))
def determined(journey, name):
    journey.complete("determine", person(Role.OFFICER, name), outcome="violation")


@given(parsers.parse('officer "{name}" orders correction within {days:d} days'))
def ordered(journey, name, days):
    journey.complete("order_correction", person(Role.OFFICER, name),
                     correction_required="stop amplified music after 22:00", remedy_days=days)


@given(parsers.parse('the violation was not corrected and the rights notice is served on "{served_on}"'))
def not_corrected_and_notified(journey, served_on):
    pass_days(journey, 8)
    journey.complete("reinspect", person(Role.OFFICER, "olga"), corrected=False)
    journey.complete("serve_rights_notice", person(Role.OFFICER, "olga"), served_on=served_on,
                     service_method="in_person")


@when(parsers.parse("{days:d} days pass"))
def pass_days(journey, days):
    journey.clock.advance(days=days)
    timers.fire_due_timers(journey.rt)
    journey.refresh()


@when(parsers.parse('officer "{name}" reinspects and finds the violation corrected'))
def reinspected_corrected(journey, name):
    journey.complete("reinspect", person(Role.OFFICER, name), corrected=True)


@when(parsers.parse('officer "{name}" records the education given'))
def educated(journey, name):
    journey.complete("educate_party", person(Role.OFFICER, name),
                     education_given="explained the night-time limits and the neighbours' rights")


@when(parsers.parse('legal reviewer "{name}" approves the case'))
def approved(journey, name):
    journey.complete("legal_review", person(Role.LEGAL_REVIEWER, name), review_opinion="facts and basis sound",
                     approved=True)


@when(parsers.parse('supervisor "{name}" decides a fine of {amount:d}'))
def decided(journey, name, amount):
    journey.complete("decide_penalty", person(Role.SUPERVISOR, name), fine_amount=amount, decision_no="CG-2026-17",
                     decided_on=journey.today())


@when(parsers.parse('officer "{name}" serves the decision'))
def served(journey, name):
    journey.complete("serve_decision", person(Role.OFFICER, name), decision_served_on="2026-03-23",
                     decision_service_method="in_person")


@when("the bank reports the fine paid")
def paid(journey):
    journey.case = cases.deliver_message(journey.rt, case_id=journey.case.id, name="fine_paid",
                                         payload={"receipt": "BOC-0001"}, actor=person(Role.OFFICER, "olga"))


@when(parsers.parse('officer "{name}" serves a demand for {amount:d}'))
def demanded(journey, name, amount):
    journey.complete("serve_demand", person(Role.OFFICER, name), demand_served_on="2026-04-08", amount_due=amount)


@when(parsers.parse('legal reviewer "{name}" applies to the court'))
def applied(journey, name):
    journey.complete("apply_to_court", person(Role.LEGAL_REVIEWER, name), court="Huangpu District People's Court",
                     application_no="HP-2026-ZX-31")


@when(parsers.parse('the party states "{statement}"'))
def party_states(journey, statement):
    journey.case = cases.deliver_message(journey.rt, case_id=journey.case.id, name="statement_received",
                                         payload={"statement": statement},
                                         actor=Actor(journey.case.case_no, Role.PARTY))


@when(parsers.parse('supervisor "{name}" re-checks the statement and lowers the severity to "{severity}"'))
def rechecked(journey, name, severity):
    journey.complete("recheck_statement", person(Role.SUPERVISOR, name), recheck_result="lowered",
                     recheck_notes="a single event; the party has stopped", revised_severity=severity)


@then(parsers.parse('the case is closed with outcome "{outcome}"'))
def closed(journey, outcome):
    case = journey.refresh()
    assert (case.status, case.outcome) == ("closed", outcome)


@then("no penalty was decided")
def no_penalty(journey):
    assert not [e for e in journey.audit() if e["element_id"] == "decide_penalty"]


@then(parsers.parse("the proposed fine is {amount:d}"))
def proposed(journey, amount):
    assert journey.refresh().data["proposed_fine"] == amount


@then("the case waits for service of the decision")
def waits_for_service(journey):
    assert [t.element_id for t in journey.refresh().ready_tasks] == ["serve_decision"]


@then(parsers.parse('officer "{name}" can no longer serve the decision'))
def too_late(journey, name):
    late = [e for e in journey.audit() if e["event_type"] == "task_cancelled"]
    with pytest.raises(TaskNotReadyError):
        tasks.complete_task(journey.rt, task_id=late[-1]["payload"]["task_id"], actor=person(Role.OFFICER, name),
                            data={"decision_served_on": "2026-04-01", "decision_service_method": "post"})


@then(parsers.parse('the task "{element_id}" is due on "{day}"'))
def due_on(journey, element_id, day):
    """The day (in the city's time zone) the worklist shows for the task: its time limit or its timer."""
    due = journey.task(element_id).due_at
    assert due is not None, f"{element_id} has no due date"
    local = datetime.fromisoformat(due).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert local == day, (element_id, due)
    listed = [t for t in tasks.ready_tasks(journey.rt, actor=an_auditor(), all_roles=True)
              if t.element_id == element_id]
    assert [t.due_at for t in listed] == [due], "the worklist shows the same date"


@then(parsers.parse('the case waits for supervisor "{name}" to serve the decision'))
def escalated(journey, name):
    task = journey.task("escalate_service")
    assert task.role == "supervisor"


@then(parsers.parse('supervisor "{name}" cannot decide a fine of {amount:d}'))
def refused_decision(journey, name, amount):
    with pytest.raises(RightsGateError, match="exceeds the notified"):
        journey.complete("decide_penalty", person(Role.SUPERVISOR, name), fine_amount=amount, decision_no="CG-9",
                         decided_on=journey.today())
    assert journey.task("decide_penalty"), "the task is still there to decide lawfully"


@then(parsers.parse('legal reviewer "{name}" who investigated the case cannot do its legal review'))
def separated(journey, name):
    with pytest.raises(SeparationOfDutiesError):
        journey.complete("legal_review", person(Role.LEGAL_REVIEWER, name), review_opinion="fine", approved=True)


@then(parsers.parse('the audit trail shows "{event_type}" at "{element_id}"'))
def audit_shows(journey, event_type, element_id):
    assert (event_type, element_id) in [(e["event_type"], e["element_id"]) for e in journey.audit()]


@then("the audit trail verifies")
def audit_verifies(journey):
    report = cases.verify_audit(journey.rt, actor=an_auditor(), case_id=journey.case.id)
    assert report["ok"], report["problems"]
