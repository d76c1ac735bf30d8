"""Steps and helpers every procedure feature shares: deploy, act as someone, move the clock, read the audit trail.

A feature's test module imports them with `from tests.steps.common import *` (pytest-bdd registers steps as
fixtures of the module that defines them) and keeps its cast of actors in `world.cast`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from engine.domain import Actor, DueflowError
from engine.services import cases, procedures, tasks, timers
from engine.services.views import CaseView
from tests.builders import an_admin, an_auditor, procedure_files


@dataclass
class World:
    """What one scenario has done so far: the runtime, its clock, the case, the last refusal."""

    rt: Any
    clock: Any
    cast: dict[str, Actor] = field(default_factory=dict)
    case: CaseView | None = None
    refusal: DueflowError | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def actor(self, who: str) -> Actor:
        who = who.removeprefix("the ").strip()
        if who not in self.cast:
            raise KeyError(f"no one called '{who}' in this feature's cast: {', '.join(self.cast)}")
        return self.cast[who]

    def open(self, procedure: str, opener: str, data: dict[str, Any]) -> CaseView:
        self.case = cases.open_case(self.rt, procedure=procedure, data=data, actor=self.actor(opener))
        return self.case

    def refresh(self) -> CaseView:
        """The case as an auditor sees it: auditors read every department's cases (officers of a partner
        department may not, see the README of joint_enforcement)."""
        self.case = cases.get_case(self.rt, case_id=self.case.id, actor=an_auditor())
        return self.case

    def worklist(self, who: str) -> list:
        return tasks.ready_tasks(self.rt, actor=self.actor(who), case_id=self.case.id)

    def complete(self, who: str, element_id: str, data: dict[str, Any]) -> CaseView:
        """Complete the actor's READY task for this element from their own worklist, as they would."""
        mine = [t for t in self.worklist(who) if t.element_id == element_id]
        assert mine, (f"{who} has no ready '{element_id}' in their worklist; ready in the case: "
                      f"{[(t.element_id, t.role, t.department) for t in self.refresh().ready_tasks]}")
        self.case = tasks.complete_task(self.rt, task_id=mine[0].id, data=data, actor=self.actor(who))
        return self.case

    def try_complete(self, who: str, element_id: str, data: dict[str, Any]) -> None:
        """Complete, keeping a refusal for a Then step instead of failing."""
        self.refusal = None
        try:
            self.complete(who, element_id, data)
        except DueflowError as refusal:
            self.refusal = refusal

    def deliver(self, name: str, payload: dict[str, Any], sender: Actor) -> CaseView:
        self.case = cases.deliver_message(self.rt, case_id=self.case.id, name=name, payload=payload, actor=sender)
        return self.case

    def audit(self) -> list[dict[str, Any]]:
        return cases.case_audit(self.rt, case_id=self.case.id, actor=an_auditor())


@pytest.fixture
def world(rt, clock) -> World:
    return World(rt, clock)


@given(parsers.parse('the procedure "{name}" is deployed'))
def procedure_deployed(world: World, name: str) -> None:
    result = procedures.deploy_procedure(world.rt, files=procedure_files(name), actor=an_admin())
    assert result.key == name and [p for p in result.lint if p["severity"] == "error"] == []


@when(parsers.parse("{days:d} days pass"))
@when(parsers.parse("{days:d} day passes"))
def days_pass(world: World, days: int) -> None:
    world.clock.advance(days=days)
    timers.fire_due_timers(world.rt)
    world.refresh()


@when(parsers.parse("{hours:d} hours pass"))
def hours_pass(world: World, hours: int) -> None:
    world.clock.advance(hours=hours)
    timers.fire_due_timers(world.rt)
    world.refresh()


@then(parsers.parse('the case is closed with outcome "{outcome}"'))
def case_closed(world: World, outcome: str) -> None:
    case = world.refresh()
    assert (case.status, case.outcome) == ("closed", outcome), (case.status, case.outcome)
    assert case.ready_tasks == []


@then(parsers.parse('the case is closed at {end_id:w} with outcome "{outcome}"'))
def case_closed_at(world: World, end_id: str, outcome: str) -> None:
    case_closed(world, outcome)
    closing = [e for e in world.audit() if e["event_type"] == "case_closed"]
    assert [e["element_id"] for e in closing] == [end_id]


@then("the case is still open")
def case_open(world: World) -> None:
    assert world.refresh().status == "open"


@then(parsers.parse('the {who} has "{element_id}" in the worklist'))
def has_task(world: World, who: str, element_id: str) -> None:
    mine = [t.element_id for t in world.worklist(who)]
    assert element_id in mine, f"{who}'s worklist for the case: {mine}"


@then(parsers.parse('the {who} has "{element_id}" due in {hours:d} hours'))
def has_task_due(world: World, who: str, element_id: str, hours: int) -> None:
    mine = [t for t in world.worklist(who) if t.element_id == element_id]
    assert mine, f"{who} has no '{element_id}'"
    assert mine[0].due_at == (world.clock.now + timedelta(hours=hours)).isoformat(), mine[0].due_at


@then(parsers.parse('the {who} has nothing to do in the case'))
def has_no_task(world: World, who: str) -> None:
    assert world.worklist(who) == []


@then(parsers.parse("the audit trail shows {event_type:w} by the {role:w} for {element_id:w}"))
def audit_shows_by(world: World, event_type: str, role: str, element_id: str) -> None:
    events = [(e["event_type"], e["actor_role"], e["element_id"]) for e in world.audit()]
    assert (event_type, role, element_id) in events, events


@then(parsers.parse('the audit trail shows {event_type:w} by "{username}" for {element_id:w}'))
def audit_shows_by_user(world: World, event_type: str, username: str, element_id: str) -> None:
    events = [(e["event_type"], e["actor"], e["element_id"]) for e in world.audit()]
    assert (event_type, username, element_id) in events, events


@then(parsers.parse("the audit trail shows {event_type:w} for {element_id:w}"))
def audit_shows(world: World, event_type: str, element_id: str) -> None:
    events = [(e["event_type"], e["element_id"]) for e in world.audit()]
    assert (event_type, element_id) in events, events


@then(parsers.parse("the audit trail shows {event_type:w} for {element_id:w} {times:d} times"))
def audit_shows_times(world: World, event_type: str, element_id: str, times: int) -> None:
    found = [e for e in world.audit() if (e["event_type"], e["element_id"]) == (event_type, element_id)]
    assert len(found) == times, [(e["event_type"], e["element_id"]) for e in world.audit()]


@then(parsers.parse('the audit trail shows the case handed to "{department}"'))
def audit_shows_handover(world: World, department: str) -> None:
    handovers = [e["payload"]["department"] for e in world.audit() if e["event_type"] == "department_assigned"]
    assert department in handovers, handovers


@then(parsers.parse("the audit trail shows no {event_type:w} for {element_id:w}"))
def audit_lacks(world: World, event_type: str, element_id: str) -> None:
    events = [(e["event_type"], e["element_id"]) for e in world.audit()]
    assert (event_type, element_id) not in events, events


@then("the audit trail verifies")
def audit_verifies(world: World) -> None:
    report = cases.verify_audit(world.rt, actor=an_auditor(), case_id=world.case.id)
    assert report["ok"] and report["problems"] == [], report


@then(parsers.parse('the step is refused with "{code}"'))
def step_refused(world: World, code: str) -> None:
    assert world.refusal is not None, "the step was not refused"
    assert world.refusal.code == code, (world.refusal.code, world.refusal.message)
