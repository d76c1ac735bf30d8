"""Steps of features/incidents.feature: a failed step, the incident, the administrator's retry or resolution."""
from __future__ import annotations

from dataclasses import replace

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.services import incidents, procedures
from tests.builders import ROOT, an_admin, an_auditor, an_officer
from tests.security.procedures import probe
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World

pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(ROOT / "features" / "incidents.feature"))

SLOW = "total = 0\nfor i in range(3 * 10 ** 6):\n    total += i\nresult = 2"


@given(parsers.parse('an officer "{officer}" and an administrator "{admin}" of the agency'))
def cast(world: World, officer: str, admin: str) -> None:
    world.cast.update(officer=an_officer(officer), administrator=an_admin(admin), auditor=an_auditor())


def _deploy_and_open(world: World, script: str) -> None:
    procedures.deploy_procedure(world.rt, files=probe(script=script), actor=world.actor("administrator"))
    world.open("probe", "officer", {})


@given("a procedure whose check after the review takes a while to compute")
def slow_procedure(world: World) -> None:
    _deploy_and_open(world, SLOW)


@given("a procedure whose script after the review divides by zero")
def broken_procedure(world: World) -> None:
    _deploy_and_open(world, "result = 1 // 0")


@given(parsers.parse("the agency allows procedure code {seconds:g} seconds of CPU per step"))
@when(parsers.parse("the agency allows procedure code {seconds:g} seconds of CPU per step"))
def budget(world: World, seconds: float) -> None:
    world.rt.settings = replace(world.rt.settings, script_seconds=seconds)


@when(parsers.parse('the officer completes "{element_id}"'))
def officer_completes(world: World, element_id: str) -> None:
    world.try_complete("officer", element_id, {})


def _open_incidents(world: World) -> list[incidents.IncidentView]:
    return incidents.list_incidents(world.rt, actor=world.actor("administrator"), case_id=world.case.id)


@then(parsers.parse('the administrator sees an open incident for "{element_id}" after {attempts:d} attempt'))
@then(parsers.parse('the administrator sees an open incident for "{element_id}" after {attempts:d} attempts'))
def open_incident(world: World, element_id: str, attempts: int) -> None:
    [incident] = _open_incidents(world)
    assert (incident.element_id, incident.attempts, incident.status) == (element_id, attempts, "open")


@then("the administrator sees no open incident")
def no_open_incident(world: World) -> None:
    assert _open_incidents(world) == []


@when("the administrator runs the failed step again")
def retry(world: World) -> None:
    [incident] = _open_incidents(world)
    world.case = incidents.retry_incident(world.rt, incident_id=incident.id, actor=world.actor("administrator"))


@when(parsers.parse('the administrator resolves the incident saying "{reason}"'))
def resolve(world: World, reason: str) -> None:
    [incident] = _open_incidents(world)
    incidents.resolve_incident(world.rt, incident_id=incident.id, actor=world.actor("administrator"), reason=reason)


@then(parsers.parse('the auditor reads "{words}" in the resolved incident'))
def auditor_reads(world: World, words: str) -> None:
    [incident] = incidents.list_incidents(world.rt, actor=world.actor("auditor"), status="resolved",
                                          case_id=world.case.id)
    assert words in (incident.resolution or "") and incident.resolved_by == world.actor("administrator").username
