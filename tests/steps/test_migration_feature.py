"""Steps of features/migration.feature: cases at several stages of the street order procedure, a plan to move
them to version 2, its approval, the run, the refusal of a plan that skips a right, and the revert."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.domain import DueflowError, RightsGateError
from engine.services import cases, migration, procedures, timers
from tests.builders import FIXTURES, ROOT, a_legal_reviewer, a_supervisor, an_admin, an_auditor, an_officer
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World

pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(ROOT / "features" / "migration.feature"))

MIGRATION = FIXTURES / "migration"


def _files(version: int) -> dict[str, bytes]:
    return {"street_order.bpmn": (MIGRATION / f"street_order_v{version}.bpmn").read_bytes()}


def _cases(world: World) -> dict:
    return world.facts.setdefault("cases", {})


def _case(world: World, name: str):
    return cases.get_case(world.rt, case_id=_cases(world)[name].id, actor=an_auditor())


def _act(world: World, name: str, fn):
    """Point the shared World helpers at one named case, act, and keep the result under that name."""
    world.case = _cases(world)[name]
    result = fn()
    _cases(world)[name] = world.refresh()
    return result


@given(parsers.parse('administrators "{first}" and "{second}", a legal reviewer "{reviewer}", an officer '
                     '"{officer}" and a supervisor "{supervisor}"'))
def cast(world: World, first: str, second: str, reviewer: str, officer: str, supervisor: str) -> None:
    world.cast.update({first: an_admin(first), second: an_admin(second), reviewer: a_legal_reviewer(reviewer),
                       "officer": an_officer(officer), "supervisor": a_supervisor(supervisor)})


@given(parsers.parse("version {version:d} of the street order procedure is deployed"))
def deployed(world: World, version: int) -> None:
    result = procedures.deploy_procedure(world.rt, files=_files(version), actor=an_admin())
    assert (result.key, result.version) == ("street_order", version), result
    assert [p for p in result.lint if p["severity"] == "error"] == []


def _open(world: World, name: str):
    world.open("street_order", "officer", {})
    _cases(world)[name] = world.case
    return world.case


@given(parsers.parse('a case "{name}" waiting to be registered'))
def fresh_case(world: World, name: str) -> None:
    _open(world, name)


@given(parsers.parse('a case "{name}" waiting on the acceptance period'))
def timer_case(world: World, name: str) -> None:
    _open(world, name)
    _act(world, name, lambda: world.complete("officer", "register_case", {"violation": "stall on the pavement"}))


@given(parsers.parse('a case "{name}" at the parallel gateway with both branches ready'))
def parallel_case(world: World, name: str) -> None:
    timer_case(world, name)
    world.clock.advance(days=4)
    timers.fire_due_timers(world.rt)
    world.case = _cases(world)[name]
    assert sorted(t.element_id for t in world.refresh().ready_tasks) == ["inspect_site", "request_records"]
    _cases(world)[name] = world.case


@given(parsers.parse('a case "{name}" inside the records subprocess with the site inspected'))
def subprocess_case(world: World, name: str) -> None:
    parallel_case(world, name)
    _act(world, name, lambda: world.complete("officer", "inspect_site", {}))
    assert [t.element_id for t in _cases(world)[name].ready_tasks] == ["request_records"]


@given(parsers.parse('a case "{name}" whose party made a statement that was re-checked, waiting for the statement '
                     'period'))
def statement_case(world: World, name: str) -> None:
    parallel_case(world, name)
    _act(world, name, lambda: world.complete("officer", "inspect_site", {}))
    _act(world, name, lambda: world.complete("officer", "request_records", {}))
    _act(world, name, lambda: world.complete("officer", "serve_rights_notice", {"proposed_fine": 200}))
    _act(world, name, lambda: world.deliver("statement_received", {"text": "I moved the stall"},
                                            world.actor("officer")))
    _act(world, name, lambda: world.complete("officer", "recheck_statement", {}))
    assert [d["element_id"] for d in _cases(world)[name].deadlines] == ["statement_period_ends"]


@when(parsers.parse('"{admin}" plans to move all running cases to version {version:d} mapping {old:w} to {new:w}'))
def plan(world: World, admin: str, version: int, old: str, new: str) -> None:
    world.facts["before"] = {name: _case(world, name) for name in _cases(world)}
    world.facts["plan"] = migration.propose_migration(
        world.rt, procedure="street_order", source_version=1, target_version=version, case_filter={"all": True},
        mapping={old: new}, reason="local rule 7 changed the inspection", actor=world.actor(admin))


def _plan_case(world: World, name: str):
    case_id = _cases(world)[name].id
    [row] = [c for c in world.facts["plan"].cases if c.case_id == case_id]
    return row


@then(parsers.parse("the plan can move {count:d} cases and refuses none"))
def plan_counts(world: World, count: int) -> None:
    view = world.facts["plan"]
    assert view.counts == {"movable": count}, [(c.case_no, c.status, c.reasons) for c in view.cases]


@then(parsers.parse('the plan says the deadline {element:w} of case "{name}" keeps its original due time'))
def plan_keeps_deadline(world: World, element: str, name: str) -> None:
    [row] = [d for d in _plan_case(world, name).preview["deadlines"] if d["element_id"] == element]
    assert row["before"] == row["after"] and row["why"] == "kept", row
    assert row["target_timer"] == '"P20D"', row  # the target's longer period applies to new waits only, and says so


@then(parsers.parse('the plan refuses case "{name}" because it "{words}" the rights notice'))
def plan_refuses(world: World, name: str, words: str) -> None:
    row = _plan_case(world, name)
    assert row.status == "refused" and any(words in r and "rights notice" in r for r in row.reasons), row


@then(parsers.parse('the plan can move case "{name}"'))
def plan_moves(world: World, name: str) -> None:
    assert _plan_case(world, name).status == "movable", _plan_case(world, name)


@when(parsers.parse('"{admin}" approves her own plan'))
def approve_own(world: World, admin: str) -> None:
    world.refusal = None
    try:
        migration.approve_migration(world.rt, plan_id=world.facts["plan"].id, reason="fine", actor=world.actor(admin))
    except DueflowError as refusal:
        world.refusal = refusal


@then(parsers.parse('the migration is refused with "{code}"'))
def migration_refused(world: World, code: str) -> None:
    assert world.refusal is not None and world.refusal.code == code, world.refusal


@when(parsers.parse('"{who}" approves the plan saying "{reason}"'))
def approve(world: World, who: str, reason: str) -> None:
    world.facts["plan"] = migration.approve_migration(world.rt, plan_id=world.facts["plan"].id, reason=reason,
                                                      actor=world.actor(who))


@when(parsers.parse('"{admin}" runs the plan'))
def run(world: World, admin: str) -> None:
    world.facts["plan"] = migration.run_migration(world.rt, plan_id=world.facts["plan"].id, actor=world.actor(admin))


@when(parsers.parse('"{admin}" reverts the plan saying "{reason}"'))
def revert(world: World, admin: str, reason: str) -> None:
    world.facts["plan"] = migration.revert_migration(world.rt, plan_id=world.facts["plan"].id, reason=reason,
                                                     actor=world.actor(admin))


def _due(view) -> dict[str, str]:
    return {d["element_id"]: d["due_at"] for d in view.deadlines}


@then("every case of the plan is on version 2 and its deadlines are due when they were before")
def all_moved(world: World) -> None:
    for name, before in world.facts["before"].items():
        after = _case(world, name)
        assert after.procedure_version == 2, (name, after.procedure_version, _plan_case(world, name))
        assert _due(after) == _due(before), (name, _due(before), _due(after))
        assert after.next_due_at == before.next_due_at, name


@then(parsers.parse('case "{name}" waits on {element:w}'))
def waits_on(world: World, name: str, element: str) -> None:
    assert element in _due(_case(world, name)), _case(world, name).deadlines


@then(parsers.parse('case "{name}" has {first:w} and {second:w} ready'))
def has_two_ready(world: World, name: str, first: str, second: str) -> None:
    ready = sorted(t.element_id for t in _case(world, name).ready_tasks)
    assert ready == sorted([first, second]), ready


@then(parsers.parse('case "{name}" has {element:w} ready'))
def has_ready(world: World, name: str, element: str) -> None:
    ready = [t.element_id for t in _case(world, name).ready_tasks]
    assert ready == [element], ready


@then("each case's audit trail shows case_migrated from version 1 to 2 with the plan and the mapping")
def audit_migrated(world: World) -> None:
    for name in world.facts["before"]:
        world.case = _cases(world)[name]
        [event] = [e for e in world.audit() if e["event_type"] == "case_migrated"]
        payload = event["payload"]
        assert (payload["plan"], payload["from_version"], payload["to_version"]) == \
               (world.facts["plan"].id, "street_order:1", "street_order:2"), payload
        assert payload["mapping"] == {"inspect_site": "inspect_premises"} and event["actor"] == "alan", event


@when(parsers.parse('the officer completes {element:w} in case "{name}"'))
def officer_completes(world: World, element: str, name: str) -> None:
    _act(world, name, lambda: world.complete("officer", element, {}))


@then(parsers.parse('the supervisor decides the penalty of case "{name}" at {fine:d} without a rights refusal'))
def decide(world: World, name: str, fine: int) -> None:
    try:
        _act(world, name, lambda: world.complete("supervisor", "decide_penalty", {"fine": fine}))
    except RightsGateError as refusal:  # the notice, the statement and its re-check must have carried over
        pytest.fail(f"the rights exercised before the move were lost: {refusal.message}")
    assert [t.element_id for t in _cases(world)[name].ready_tasks] == ["order_correction"]


@then("the audit trail of every case verifies")
def every_case_verifies(world: World) -> None:
    for case in _cases(world).values():
        report = cases.verify_audit(world.rt, actor=an_auditor(), case_id=case.id)
        assert report["ok"] and report["problems"] == [], report


@then(parsers.parse('case "{name}" is still on version 1 with {element:w} ready'))
def still_on_one(world: World, name: str, element: str) -> None:
    view = _case(world, name)
    assert view.procedure_version == 1 and [t.element_id for t in view.ready_tasks] == [element], view


@then(parsers.parse('case "{name}" is on version 2'))
def on_two(world: World, name: str) -> None:
    assert _case(world, name).procedure_version == 2


@then(parsers.parse('the audit trail of case "{name}" shows no {event_type:w}'))
def audit_lacks_event(world: World, name: str, event_type: str) -> None:
    world.case = _cases(world)[name]
    assert event_type not in [e["event_type"] for e in world.audit()]


@then(parsers.parse('the audit trail of case "{name}" shows {event_type:w}'))
def audit_has_event(world: World, name: str, event_type: str) -> None:
    world.case = _cases(world)[name]
    assert event_type in [e["event_type"] for e in world.audit()]


@then(parsers.parse('case "{name}" is on version 1 again and its deadlines are due when they were before'))
def back_on_one(world: World, name: str) -> None:
    before, after = world.facts["before"][name], _case(world, name)
    assert after.procedure_version == 1 and _due(after) == _due(before), (after.procedure_version, after.deadlines)
    assert _plan_case(world, name).status == "reverted"


@then(parsers.parse('case "{name}" stays on version 2 because it "{words}"'))
def stays_on_two(world: World, name: str, words: str) -> None:
    row = _plan_case(world, name)
    assert _case(world, name).procedure_version == 2 and row.status == "moved", row
    assert any(words in reason for reason in row.reasons), row.reasons

