"""Planning a migration: which running cases of a version can move to another, where each would stand, what
its ready tasks, timers and deadlines become, and why a case cannot move. Computed, never run."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import audit, policy
from engine.domain import Actor, EventType, InvalidDataError, Role
from engine.services import access, gates, revisions, steps
from engine.services.runtime import Runtime
from engine.store import (CaseRecord, MigrationCaseRecord, MigrationPlanRecord, Session, migrations, queries)
from engine.workflow import Procedure
from engine.workflow.migration import rebuild

FILTER_KINDS = ("all", "cases", "stage", "department")


@dataclass
class CasePlan:
    """What the plan says of one case."""

    case_id: int
    case_no: str
    status: str  # movable | refused | moved | failed | reverted
    reasons: list[str] = field(default_factory=list)
    preview: dict[str, Any] = field(default_factory=dict)


@dataclass
class MigrationView:
    id: int
    procedure_key: str
    source_version: int
    target_version: int
    case_filter: dict[str, Any]
    mapping: dict[str, str]
    due_changes: dict[str, Any]
    reason: str
    status: str
    proposed_by: str
    proposed_at: str
    approved_by: str | None
    approval_reason: str | None
    cases: list[CasePlan] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for case in self.cases:
            found[case.status] = found.get(case.status, 0) + 1
        return found


def _check_filter(case_filter: dict[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in (case_filter or {}).items() if v not in (None, "", [], False)}
    unknown = sorted(set(given) - set(FILTER_KINDS))
    if unknown or len(given) != 1:
        extra = f"; unknown: {', '.join(unknown)}" if unknown else ""
        raise InvalidDataError.for_fields({"case_filter": "give exactly one of all (true), cases (a list of case "
                                                          f"numbers), stage or department{extra}"})
    if "cases" in given and not isinstance(given["cases"], list):
        raise InvalidDataError.for_fields({"case_filter": "cases must be a list of case numbers"})
    return given


def _check_mapping(mapping: dict[str, Any], source: Procedure, target: Procedure) -> dict[str, str]:
    errors = {}
    for old, new in (mapping or {}).items():
        if old not in source.elements:
            errors[f"mapping.{old}"] = f"'{old}' is no element of the source version"
        elif not isinstance(new, str) or new not in target.elements:
            errors[f"mapping.{old}"] = f"'{new}' is no element of the target version"
    if errors:
        raise InvalidDataError.for_fields(errors)
    return {str(k): str(v) for k, v in (mapping or {}).items()}


def _check_due(due_changes: dict[str, Any], target: Procedure) -> dict[str, dict[str, str]]:
    """A deadline moves only when the plan gives the new instant and says why (else it keeps its due time)."""
    errors, checked = {}, {}
    for element, change in (due_changes or {}).items():
        change = change if isinstance(change, dict) else {}
        reason = str(change.get("reason") or "").strip()
        try:
            due = datetime.fromisoformat(str(change.get("due_at")))
        except ValueError:
            due = None
        if element not in target.elements:
            errors[f"due_changes.{element}"] = f"'{element}' is no element of the target version"
        elif due is None or due.tzinfo is None:
            errors[f"due_changes.{element}"] = "due_at must be an ISO instant with its time zone"
        elif not reason:
            errors[f"due_changes.{element}"] = "say why this deadline moves (a running deadline keeps its due time)"
        else:
            checked[element] = {"due_at": due.isoformat(), "reason": reason}
    if errors:
        raise InvalidDataError.for_fields(errors)
    return checked


def _versions(session: Session, key: str, source: int, target: int):
    found = revisions.version_records(session, key, source, target)
    if source == target:
        raise InvalidDataError.for_fields({"target_version": "the target version must differ from the source"})
    return found


def _position(run) -> dict[str, Any]:
    view = run.view
    active = sorted({element for state, element in view["states"].values() if state in ("ready", "waiting", "started")})
    return {"positions": active, "ready": [row[1] for row in view["ready"]],
            "timers": {element: due for element, due in view["timers"]}}


def _deadline_element(procedure: Procedure, element: str) -> str:
    """A timer behind an event-based gateway waits as the gateway; deadlines name the timer."""
    info = procedure.elements.get(element)
    if info is not None and info.kind == "eventBasedGateway":
        return next((t for t in info.outgoing if t in procedure.elements and procedure.elements[t].event == "timer"),
                    element)
    return element


def timer_expressions(procedure: Procedure) -> dict[str, str]:
    """Each timer element's expression as written (the engine rewrites some), to say when a kept deadline
    differs from what the target version would set."""
    return {node.id: node.timer[1] for graph in procedure.source.graphs for node in graph.nodes.values()
            if node.timer}


def _deadlines(before: dict[str, str], after: dict[str, str], source: Procedure, target: Procedure,
               due: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each deadline before and after the move, and why it keeps or changes its due time."""
    old = {_deadline_element(source, e): d for e, d in before.items()}
    new = {_deadline_element(target, e): d for e, d in after.items()}
    written_old, written_new = timer_expressions(source), timer_expressions(target)
    rows = []
    for element in sorted(set(old) | set(new)):
        row = {"element_id": element, "before": old.get(element), "after": new.get(element)}
        change = due.get(element) or next((c for e, c in due.items() if _deadline_element(target, e) == element), None)
        # why: a code the pages put in words (docs/migration.md); the plan's own reason travels with "moved"
        if element not in new:
            row["why"] = "gone"  # no longer waited on at the case's new position
        elif element not in old:
            row["why"] = "new"  # a new wait at the case's new position
        elif change is not None:
            row.update(why="moved", reason=change["reason"])
        elif written_old.get(element) != written_new.get(element):
            # the running deadline keeps its due time; the target's timer applies to new waits only
            row.update(why="kept", target_timer=written_new.get(element))
        else:
            row["why"] = "kept"
        rows.append(row)
    return rows


def _missing_data(target: Procedure, data: dict[str, Any], ready: list[str]) -> list[str]:
    """Data the target's forms require that the case does not have: the start form's required fields, and the
    read-only fields of the tasks it would stand at (no one can fill those in)."""
    reasons = []
    for form_field in target.source.start_form:
        if form_field.required and data.get(form_field.id) in (None, ""):
            reasons.append(f"the target version's start form requires '{form_field.id}', which the case lacks")
    for element in ready:
        for form_field in target.form(element):
            if form_field.readonly and data.get(form_field.id) in (None, ""):
                reasons.append(f"the target's form of '{element}' shows '{form_field.id}', which the case lacks")
    return reasons


def preview_case(rt: Runtime, session: Session, case: CaseRecord, target_record, *, mapping: dict[str, str],
                 due: dict[str, dict[str, str]]) -> tuple[list[str], dict[str, Any], str | None]:
    """(reasons it cannot move, the preview, the rebuilt state) of one case; nothing is written."""
    step = steps.load(rt, session, case.id, case)
    source, target = step.procedure, rt.procedure(target_record)
    before = _position(step.run)
    instants = {e: datetime.fromisoformat(c["due_at"]) for e, c in due.items()}
    rebuilt = rebuild(source, target, case.workflow_state, mapping, instants)
    preview: dict[str, Any] = {"before": before}
    if rebuilt.problems:
        return rebuilt.problems, preview, None
    had = gates.rights_had(session, step, rt.now())
    graph = next((g for g in target.source.graphs if g.id == target.key), None)
    reasons = _missing_data(target, step.run.data, rebuilt.ready)
    if graph is not None:
        reasons += policy.rights_skipped(graph, rt.policy or policy.load_policy(), rebuilt.positions, had)
    preview.update(after={"positions": rebuilt.positions, "ready": rebuilt.ready, "timers": rebuilt.timers},
                   moved=rebuilt.moved, rights_had=sorted(had),
                   deadlines=_deadlines(before["timers"], rebuilt.timers, source, target, due))
    return reasons, preview, None if reasons else rebuilt.state


def propose_migration(rt: Runtime, *, procedure: str, source_version: int, target_version: int,
                      case_filter: dict[str, Any], reason: str, actor: Actor, mapping: dict[str, Any] | None = None,
                      due_changes: dict[str, Any] | None = None) -> MigrationView:
    """Compute and store a plan to move running cases of one version to another (admin only); runs nothing."""
    access.require_role(actor, {Role.ADMIN}, "plan migrations")
    if not (reason or "").strip():
        raise InvalidDataError.for_fields({"reason": "say why the cases should move"})
    case_filter = _check_filter(case_filter)
    now = rt.now()
    with rt.store.transaction() as session:
        source_record, target_record = _versions(session, procedure, source_version, target_version)
        source, target = rt.procedure(source_record), rt.procedure(target_record)
        checked_mapping = _check_mapping(mapping or {}, source, target)
        due = _check_due(due_changes or {}, target)
        plan = MigrationPlanRecord(procedure_key=procedure, source_version_id=source_record.id,
                                   target_version_id=target_record.id, case_filter=case_filter,
                                   mapping=checked_mapping, due_changes=due, reason=reason.strip(), status="proposed",
                                   proposed_by=actor.username, proposed_at=now)
        session.add(plan)
        session.flush()
        counts = {"movable": 0, "refused": 0}
        for case_id in migrations.case_ids_to_move(session, source_record.id, case_filter):
            case = queries.case(session, case_id)
            if case is None:
                continue
            reasons, preview, _ = preview_case(rt, session, case, target_record, mapping=checked_mapping, due=due)
            status = "refused" if reasons else "movable"
            counts[status] += 1
            session.add(MigrationCaseRecord(plan_id=plan.id, case_id=case_id, status=status, reasons=reasons,
                                            preview=preview))
        audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.MIGRATION_PLANNED,
                     actor=actor, now=now, procedure_version=f"{procedure}:{target_version}",
                     payload={"plan": plan.id, "procedure": procedure, "from_version": source_version,
                              "to_version": target_version, "case_filter": case_filter, "mapping": checked_mapping,
                              "due_changes": due, "reason": plan.reason, **counts})
        session.flush()
        return view_of(session, plan)


def view_of(session: Session, plan: MigrationPlanRecord) -> MigrationView:
    versions = {r.id: r.version for r in (queries.procedure_version_by_id(session, plan.source_version_id),
                                          queries.procedure_version_by_id(session, plan.target_version_id)) if r}
    rows = migrations.plan_cases(session, plan.id)
    numbers = migrations.case_numbers(session, [r.case_id for r in rows]) if rows else {}
    return MigrationView(id=plan.id, procedure_key=plan.procedure_key,
                         source_version=versions.get(plan.source_version_id, 0),
                         target_version=versions.get(plan.target_version_id, 0), case_filter=dict(plan.case_filter),
                         mapping=dict(plan.mapping), due_changes=dict(plan.due_changes), reason=plan.reason,
                         status=plan.status, proposed_by=plan.proposed_by, proposed_at=plan.proposed_at.isoformat(),
                         approved_by=plan.approved_by, approval_reason=plan.approval_reason,
                         cases=[CasePlan(r.case_id, numbers.get(r.case_id, ""), r.status, list(r.reasons or []),
                                         dict(r.preview or {})) for r in rows])
