"""Steps of processes/closed_loop: the centre (inspector, dispatcher, shift supervisor) and the departments."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.domain import Actor, Role
from tests.builders import PROCESSES, a_supervisor, an_officer
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World

# `rt` is parametrized over SQLite and PostgreSQL; steps reach it only at run time, so name it here
pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(PROCESSES / "closed_loop" / "closed_loop.feature"))

CENTRE = "command_centre"
HOURS = {2: "PT2H", 4: "PT4H", 24: "P1D", 72: "P3D", 168: "P7D"}


def _time(amount: int, unit: str) -> str:
    return HOURS[amount * (24 if unit.startswith("day") else 1)]


@given(parsers.parse('the inspector reports an overflowing litter bin in grid cell "{grid_cell}"'))
def inspector_reports(world: World, grid_cell: str) -> None:
    world.cast.update(inspector=an_officer("ivan", CENTRE), dispatcher=Actor("dora", Role.DISPATCHER, CENTRE),
                      **{"shift supervisor": a_supervisor("sam", CENTRE),
                         "sanitation officer": an_officer("wei", "sanitation"),
                         "greening officer": an_officer("gao", "greening")})
    world.open("closed_loop", "inspector", {"category": "cityscape_and_environment",
                                            "location": {"address": "Huaihai Road 12, east side",
                                                         "grid_cell": grid_cell}})
    world.complete("inspector", "report_problem", {
        "grid_cell": grid_cell, "object_kind": "event",
        "description": "litter bin overflowing onto the pavement", "photo_ref": "IMG-0412-0930"})


@when("the dispatcher files the report as valid")
def file_valid(world: World) -> None:
    world.complete("dispatcher", "verify_and_file", {"report_valid": True, "verification_note": "seen on camera 17"})


@when(parsers.parse('the dispatcher files the report as invalid: "{note}"'))
def file_invalid(world: World, note: str) -> None:
    world.complete("dispatcher", "verify_and_file", {"report_valid": False, "verification_note": note})


@when(parsers.parse('the dispatcher dispatches it to "{department}" with {amount:d} {unit:w} to handle it'))
def dispatch(world: World, department: str, amount: int, unit: str) -> None:
    world.complete("dispatcher", "dispatch_case", {"responsible_department": department,
                                                   "handling_time": _time(amount, unit)})


@given(parsers.parse('the case is dispatched to "{department}" with {amount:d} {unit:w} to handle it'))
def dispatched(world: World, department: str, amount: int, unit: str) -> None:
    file_valid(world)
    dispatch(world, department, amount, unit)


def _handle(world: World, who: str, action: str, result: str) -> None:
    world.complete(who, "handle_case", {"handling_action": action, "result": result, "handled_on": "2026-03-02"})


@when(parsers.parse('the {who} handles it: "{result}"'))
def handles(world: World, who: str, result: str) -> None:
    _handle(world, who, "handled", result)


@when(parsers.parse('the {who} asks for an extension: "{grounds}"'))
def asks_extension(world: World, who: str, grounds: str) -> None:
    _handle(world, who, "extension", grounds)


@when(parsers.parse('the {who} returns it: "{grounds}"'))
def returns(world: World, who: str, grounds: str) -> None:
    _handle(world, who, "return", grounds)


@when(parsers.parse('the {who} asks to park it: "{grounds}"'))
def asks_parking(world: World, who: str, grounds: str) -> None:
    _handle(world, who, "parking", grounds)


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


@when(parsers.parse("the shift supervisor presses the department and gives it {amount:d} {unit:w}"))
def urge(world: World, amount: int, unit: str) -> None:
    world.complete("shift supervisor", "urge_department", {"urge_note": "called the sanitation duty desk",
                                                           "handling_time": _time(amount, unit)})


@when(parsers.parse("the shift supervisor approves the extension with {amount:d} {unit:w}"))
def approve_extension(world: World, amount: int, unit: str) -> None:
    world.complete("shift supervisor", "approve_extension", {
        "extension_approved": True, "approval_reason": "replacement bin on order", "handling_time": _time(amount, unit)})


@when("the shift supervisor approves the return")
def approve_return(world: World) -> None:
    world.complete("shift supervisor", "approve_return", {"return_approved": True,
                                                          "approval_reason": "the park owns the bin"})


@when(parsers.parse("the shift supervisor refuses the return and gives {amount:d} {unit:w}"))
def refuse_return(world: World, amount: int, unit: str) -> None:
    world.complete("shift supervisor", "approve_return", {
        "return_approved": False, "approval_reason": "street bins are sanitation's", "handling_time": _time(amount, unit)})


@when(parsers.parse('the shift supervisor approves parking because "{reason}"'))
def approve_parking(world: World, reason: str) -> None:
    world.complete("shift supervisor", "approve_parking", {"parking_approved": True, "parking_reason": reason,
                                                           "review_on": "2027-01-15"})


@then(parsers.parse('the dispatch sheet "{number}" names "{department}", "{limit}" and the grid cell "{cell}"'))
def dispatch_sheet(world: World, number: str, department: str, limit: str, cell: str) -> None:
    import io

    from pypdf import PdfReader

    from engine.services import issuing
    from tests.builders import an_auditor

    [(sheet, content)] = [(view, content) for view, content in issuing.case_documents_for_export(
        world.rt, case_id=world.case.id, actor=an_auditor()) if view.template == "dispatch_sheet"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert sheet.number == number
    for wanted in (number, world.case.case_no, department, limit, cell, "案件派遣单", "overflowing"):
        assert wanted in text, wanted
