"""Steps of features/coordination.feature: the closed loop's dispatch and return steps move the holder; the
dispatcher disputes and the coordinator assigns through engine.services.coordination."""
from __future__ import annotations

from datetime import date

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.domain import Actor, ConflictError, Role
from engine.services import assessment, assessment_cases, coordination, responsibilities, users
from tests.builders import ROOT, a_supervisor, an_admin, an_officer
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World

pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(ROOT / "features" / "coordination.feature"))

CENTRE = "command_centre"
CATEGORY = "cityscape_and_environment"


@given(parsers.parse('the responsibility list gives litter bins in grid cell "{cell}" to "{here}" and elsewhere '
                     'to "{elsewhere}"'))
def the_list(world: World, cell: str, here: str, elsewhere: str) -> None:
    for department in (here, elsewhere, CENTRE):  # departments exist once someone works for them
        users.add_user(world.rt, username=f"head-{department}".replace("_", "-"), password="correct horse",
                       role="supervisor", department=department, actor=Actor.system("tests"))
    text = ("department,category,area,legal_basis,return_days\n"
            f"{elsewhere},{CATEGORY},*,City Appearance Regulations art. 17,1\n"
            f"{here},{CATEGORY},{cell},Park Regulations art. 9,1\n")
    responsibilities.publish_csv(world.rt, text=text, actor=an_admin())


@given(parsers.parse('the inspector reports an overflowing litter bin in grid cell "{grid_cell}"'))
def inspector_reports(world: World, grid_cell: str) -> None:
    world.cast.update(inspector=an_officer("ivan", CENTRE), dispatcher=Actor("dora", Role.DISPATCHER, CENTRE),
                      coordinator=Actor("cora", Role.COORDINATOR),
                      **{"shift supervisor": a_supervisor("sam", CENTRE),
                         "sanitation officer": an_officer("wei", "sanitation"),
                         "greening officer": an_officer("gao", "greening")})
    world.open("closed_loop", "inspector", {"category": CATEGORY, "location": {
        "address": "Huaihai Road 12, east side", "grid_cell": grid_cell}})
    world.complete("inspector", "report_problem", {
        "grid_cell": grid_cell, "object_kind": "event",
        "description": "litter bin overflowing onto the pavement", "photo_ref": "IMG-0412-0930"})


def _held(world: World) -> coordination.HolderView:
    return coordination.holder(world.rt, case_id=world.case.id, actor=world.actor("dispatcher"))


@then("the dispatcher holds the case")
def dispatcher_holds(world: World) -> None:
    held = _held(world)
    assert (held.holder, held.department) == ("dispatcher", None)


@then(parsers.parse('the list proposes "{department}"'))
def list_proposes(world: World, department: str) -> None:
    assert _held(world).proposal["department"] == department


@then(parsers.parse('"{department}" holds the case and may return it until {day}'))
def department_holds_returnable(world: World, department: str, day: str) -> None:
    held = _held(world)
    assert (held.holder, held.department) == ("department", department)
    assert held.return_due_at and held.return_due_at.startswith(day)  # end of the local day, in UTC


@then(parsers.parse('"{department}" holds the case and may not return it'))
def department_holds_for_good(world: World, department: str) -> None:
    held = _held(world)
    assert (held.holder, held.department, held.return_due_at) == ("department", department, None)


@then(parsers.parse("the coordinator holds the case and must assign it by {day}"))
def coordinator_holds(world: World, day: str) -> None:
    held = _held(world)
    assert held.holder == "coordinator" and held.assign_due_at and held.assign_due_at.startswith(day)


@when("the dispatcher files the report as valid")
def file_valid(world: World) -> None:
    world.complete("dispatcher", "verify_and_file", {"report_valid": True, "verification_note": "seen on camera 17"})


@when(parsers.parse('the dispatcher dispatches it to "{department}" with 4 hours to handle it'))
def dispatch(world: World, department: str) -> None:
    world.complete("dispatcher", "dispatch_case", {"responsible_department": department, "handling_time": "PT4H"})


@then(parsers.parse('the dispatcher may not dispatch it to "{department}" now'))
def dispatch_refused(world: World, department: str) -> None:
    world.try_complete("dispatcher", "dispatch_case", {"responsible_department": department,
                                                       "handling_time": "PT4H"})
    assert isinstance(world.refusal, ConflictError), world.refusal


@when(parsers.parse('the {who} handles it: "{result}"'))
def handles(world: World, who: str, result: str) -> None:
    world.complete(who, "handle_case", {"handling_action": "handled", "result": result, "handled_on": "2026-03-02"})


@when(parsers.parse('the {who} returns it: "{grounds}"'))
def returns(world: World, who: str, grounds: str) -> None:
    world.complete(who, "handle_case", {"handling_action": "return", "result": grounds, "handled_on": "2026-03-02"})


@when("the shift supervisor approves the return")
def approve_return(world: World) -> None:
    world.complete("shift supervisor", "approve_return", {"return_approved": True,
                                                          "approval_reason": "the park does not own street bins"})


@when(parsers.parse('the dispatcher disputes it: "{reason}"'))
def disputes(world: World, reason: str) -> None:
    coordination.dispute_case(world.rt, case_id=world.case.id, actor=world.actor("dispatcher"), reason=reason)


@when(parsers.parse('the coordinator assigns it to "{department}" amending the list: "{basis}"'))
def assigns(world: World, department: str, basis: str) -> None:
    coordination.assign_case(world.rt, case_id=world.case.id, actor=world.actor("coordinator"),
                             department=department, reason="street furniture is sanitation's", legal_basis=basis)


@then(parsers.parse('the list gives litter bins in grid cell "{cell}" to "{department}" in version {version:d}'))
def list_amended(world: World, cell: str, department: str, version: int) -> None:
    entries = responsibilities.published(world.rt)
    assert {e.version for e in entries} == {version}
    assert [e.department for e in entries if e.area == cell] == [department]


@when(parsers.parse('the {who} feeds back with photo "{photo}"'))
def feeds_back(world: World, who: str, photo: str) -> None:
    world.complete(who, "feed_back", {"feedback": "done as dispatched", "result_photo_ref": photo})


@when("the inspector re-checks on site and it passed")
def recheck_passed(world: World) -> None:
    world.complete("inspector", "recheck_on_site", {"recheck_passed": True, "recheck_photo_ref": "IMG-check-1"})


@when(parsers.parse('the inspector re-checks on site and it failed: "{note}"'))
def recheck_failed(world: World, note: str) -> None:
    world.complete("inspector", "recheck_on_site", {"recheck_passed": False, "recheck_note": note,
                                                    "recheck_photo_ref": "IMG-check-2"})


@when("the shift supervisor closes the case")
def close(world: World) -> None:
    world.complete("shift supervisor", "close_case", {"closing_note": "checked and closed"})


@then(parsers.parse("the hops were {holders}"))
def hops(world: World, holders: str) -> None:
    chain = _held(world).chain
    assert [h["department"] or h["holder"] for h in chain] == [h.strip() for h in holders.split(",")]
    times = [h["at"] for h in chain]
    assert times == sorted(times)  # one holder at every instant: each hop ends the one before


@then(parsers.parse('the audit trail shows {event_type:w} by "{username}"'))
def audit_by(world: World, event_type: str, username: str) -> None:
    assert any(e["event_type"] == event_type and e["actor"] == username for e in world.audit()), event_type


def _month(world: World, group: str) -> dict:
    result = assessment.assess(world.rt, actor=an_admin(), period="month", day=date(2026, 3, 2), by="department")
    [row] = [g for g in result["groups"] if g["group"] == group]
    return row


@then(parsers.parse('the month\'s assessment by department for "{group}" counts {figures}'))
def month_counts(world: World, group: str, figures: str) -> None:
    row = _month(world, group)
    expected = {name: int(value) for name, value in (part.strip().split(" ") for part in figures.split(","))}
    assert {name: row[name] for name in expected} == expected


@then(parsers.parse('the month\'s assessment by department for "{group}" rates {figures}'))
def month_rates(world: World, group: str, figures: str) -> None:
    row = _month(world, group)
    pairs = (part.strip().split(" ") for part in figures.split(","))
    expected = {name + "_rate": float(value) for name, value in pairs}
    assert {name: row[name] for name in expected} == expected


@then(parsers.parse('the month\'s assessment by department for "{group}" has {hours:g} hours without a department '
                    'on average'))
def month_hours(world: World, group: str, hours: float) -> None:
    assert _month(world, group)["avg_hours_without_department"] == hours


# Each indicator's list beside its figure: counts directly, a rate through its numerator (rate x denominator).
_COUNTED = {"reported": "reported", "filed": "filed", "dispatched": "dispatched", "returned": "returned",
            "handled": "handled", "closed": "closed", "inspector_reports": "inspector_reports"}
_NUMERATORS = {"closed_on_time": ("on_time_closure_rate", "closed"), "handled_on_time": ("on_time_handling_rate",
               "handled"), "reworked": ("rework_rate", "handled"), "verified": ("verification_rate", "handled")}


def _listed(world: World, indicator: str, by: str, group: str | None) -> int:
    """Every page of the figure's list, one case a page, so the keyset is walked to the end."""
    count, after = 0, 0
    while True:
        page = assessment_cases.cases_behind(world.rt, actor=an_admin(), indicator=indicator, period="month",
                                             day=date(2026, 3, 2), by=by, group=group, after=after, limit=1)
        count += len(page["cases"])
        if page["next"] is None:
            return count
        after = page["next"]


@then("every figure of the month's assessment, in every grouping, lists as many cases as it counts")
def figures_list_their_cases(world: World) -> None:
    checked = 0
    for by in assessment.GROUPS:
        result = assessment.assess(world.rt, actor=an_admin(), period="month", day=date(2026, 3, 2), by=by)
        for row, group in [(g, g["group"]) for g in result["groups"]] + [(result["total"], None)]:
            for indicator, name in _COUNTED.items():
                assert _listed(world, indicator, by, group) == row[name], (by, group, indicator)
                checked += row[name]
            for indicator, (rate, whole) in _NUMERATORS.items():
                expected = round((row[rate] or 0) * row[whole])
                assert _listed(world, indicator, by, group) == expected, (by, group, indicator)
            has_hops = row["avg_hours_without_department"] is not None
            assert (_listed(world, "with_hops", by, group) > 0) == has_hops, (by, group)
    assert checked > 0
