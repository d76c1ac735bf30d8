"""Steps of processes/joint_enforcement: a lead department and two partner departments under one case."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.domain import DueflowError
from engine.services import tasks
from tests.builders import PROCESSES, a_supervisor, an_officer
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World

# `rt` is parametrized over SQLite and PostgreSQL; steps reach it only at run time, so name it here
pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(PROCESSES / "joint_enforcement" / "joint_enforcement.feature"))

LEAD = "city_management"
INSPECTIONS = {"cityscape officer": "cityscape", "market officer": "market", "environment officer": "environment"}


@given(parsers.parse('the lead supervisor files a joint case on "{party}" with "{market}" and "{environment}"'))
def lead_files(world: World, party: str, market: str, environment: str) -> None:
    world.cast.update(**{"lead supervisor": a_supervisor("lin", LEAD), "cityscape officer": an_officer("olga", LEAD),
                         "market officer": an_officer("mia", market),
                         "environment officer": an_officer("eli", environment)})
    world.open("joint_enforcement", "lead supervisor",
               {"party": {"name": party, "type": "organisation"}, "category": "restaurant_street",
                "location": {"address": "Shouning Road 31", "grid_cell": "HP-0207"}})
    world.complete("lead supervisor", "file_and_plan", {
        "joint_subject": "night-time restaurant street: food safety, fumes, pavement",
        "market_department": market, "environment_department": environment,
        "operation_plan": "20:00 joint visit; each department inspects its own matters",
        "operation_date": "2026-03-02"})


def _report(world: World, who: str, findings: str, violation: bool) -> None:
    prefix = INSPECTIONS[who]
    world.complete(who, f"inspect_{prefix}", {f"{prefix}_findings": findings, f"{prefix}_violation_found": violation,
                                              f"{prefix}_evidence_ref": f"{prefix}-photos-1"})


@when(parsers.parse('the {who} reports "{findings}" with a violation'))
def reports_violation(world: World, who: str, findings: str) -> None:
    _report(world, who, findings, True)


@when(parsers.parse('the {who} reports "{findings}" without a violation'))
def reports_nothing(world: World, who: str, findings: str) -> None:
    _report(world, who, findings, False)


@given("every department has reported a violation")
def all_reported(world: World) -> None:
    for who in INSPECTIONS:
        _report(world, who, "violation seen during the joint visit", True)


@then(parsers.parse('the {who} sees only "{element_id}" in the case'))
def sees_only(world: World, who: str, element_id: str) -> None:
    assert [t.element_id for t in world.worklist(who)] == [element_id]


@when("the environment officer tries to complete the market inspection")
def complete_foreign_task(world: World) -> None:
    market_task = [t for t in world.worklist("market officer") if t.element_id == "inspect_market"][0]
    world.refusal = None
    try:
        tasks.complete_task(world.rt, task_id=market_task.id, actor=world.actor("environment officer"),
                            data={"market_findings": "not mine to say", "market_violation_found": False})
    except DueflowError as refusal:
        world.refusal = refusal


@when(parsers.parse('the lead supervisor decides "{outcome}" because "{reasons}"'))
def lead_decides(world: World, outcome: str, reasons: str) -> None:
    world.complete("lead supervisor", "decide_joint_outcome", {"joint_outcome": outcome, "outcome_reasons": reasons})


@when(parsers.parse('the cityscape officer orders the party to "{correction}" within {days:d} days'))
def order_correction(world: World, correction: str, days: int) -> None:
    world.complete("cityscape officer", "order_correction", {"correction_ordered": correction, "remedy_days": days,
                                                             "order_served_on": "2026-03-02"})


@when("the cityscape officer re-inspects and the party corrected")
def reinspect_corrected(world: World) -> None:
    world.complete("cityscape officer", "reinspect", {"corrected": True})


@when("the cityscape officer re-inspects and the party did not correct")
def reinspect_not_corrected(world: World) -> None:
    world.complete("cityscape officer", "reinspect", {"corrected": False, "reinspection_note": "tables still out"})


@when("the cityscape officer educates the party")
def educate(world: World) -> None:
    world.complete("cityscape officer", "educate_party", {
        "education_given": "explained the pavement, food and fume rules to the manager"})


@when(parsers.parse('the lead supervisor refers the case as ordinary case "{case_no}"'))
def refer(world: World, case_no: str) -> None:
    world.complete("lead supervisor", "refer_case", {"ordinary_case_no": case_no})
