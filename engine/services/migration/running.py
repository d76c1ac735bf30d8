"""Approving, running and reverting a migration plan. Four eyes: the proposer cannot approve. Each case moves
(or moves back) in its own transaction, state and audit together; a case that fails stays where it was."""
from __future__ import annotations

from typing import Any, Callable

from engine import audit
from engine.domain import (Actor, CaseStatus, DueflowError, EventType, ForbiddenError, FourEyesError,
                           InvalidDataError, MigrationNotFoundError, MigrationStateError, Role)
from engine.services import access, steps
from engine.services.migration.planning import MigrationView, preview_case, view_of
from engine.services.runtime import Runtime
from engine.store import MigrationCaseRecord, MigrationPlanRecord, Session, TaskRecord, migrations, queries

APPROVERS = {Role.ADMIN, Role.LEGAL_REVIEWER}


def _plan(session: Session, plan_id: int, *, lock: bool = False) -> MigrationPlanRecord:
    plan = migrations.plan(session, plan_id, lock=lock)
    if plan is None:
        raise MigrationNotFoundError(f"no migration plan {plan_id}")
    return plan


def _require_status(plan: MigrationPlanRecord, wanted: str, act: str) -> None:
    if plan.status != wanted:
        raise MigrationStateError(f"migration plan {plan.id} is {plan.status}; it must be {wanted} to {act}")


def _readable(session: Session, actor: Actor, plan: MigrationPlanRecord) -> bool:
    """Admins and auditors read every plan; a legal reviewer the plans that move their department's cases only."""
    if access.role_of(actor) != Role.LEGAL_REVIEWER:
        return True
    return migrations.case_departments(session, plan.id) <= {actor.department}


def get_migration(rt: Runtime, *, plan_id: int, actor: Actor) -> MigrationView:
    access.require_role(actor, APPROVERS | {Role.AUDITOR}, "read migration plans")
    with rt.store.transaction(write=False) as session:
        plan = _plan(session, plan_id)
        if not _readable(session, actor, plan):
            raise MigrationNotFoundError(f"no migration plan {plan_id}")  # as for a case of another department
        return view_of(session, plan)


def list_migrations(rt: Runtime, *, actor: Actor, procedure: str | None = None) -> list[MigrationView]:
    access.require_role(actor, APPROVERS | {Role.AUDITOR}, "read migration plans")
    with rt.store.transaction(write=False) as session:
        return [view_of(session, plan) for plan in migrations.plans(session, procedure_key=procedure)
                if _readable(session, actor, plan)]


def approve_migration(rt: Runtime, *, plan_id: int, reason: str, actor: Actor) -> MigrationView:
    """A second admin or a legal reviewer approves the plan, saying why; never its proposer."""
    access.require_role(actor, APPROVERS, "approve migrations")
    if not (reason or "").strip():
        raise InvalidDataError.for_fields({"reason": "say why the plan may run"})
    now = rt.now()
    with rt.store.transaction() as session:
        plan = _plan(session, plan_id, lock=True)
        _require_status(plan, "proposed", "approve it")
        if plan.proposed_by == actor.username:
            raise FourEyesError(f"{actor.username} proposed migration plan {plan.id} and may not approve it: a second "
                                "admin or a legal reviewer approves")
        if not _readable(session, actor, plan):  # a department's legal reviewer approves its own cases only
            others = sorted(migrations.case_departments(session, plan.id) - {actor.department})
            raise ForbiddenError(f"migration plan {plan.id} moves cases of {', '.join(others)}; a legal reviewer "
                                 f"of {actor.department} may not approve it")
        plan.status, plan.approved_by, plan.approved_at = "approved", actor.username, now
        plan.approved_role, plan.approval_reason = access.role_of(actor).value, reason.strip()
        audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.MIGRATION_APPROVED,
                     actor=actor, now=now, payload={"plan": plan.id, "proposed_by": plan.proposed_by,
                                                    "reason": plan.approval_reason})
        session.flush()
        return view_of(session, plan)


def _each_case(rt: Runtime, plan_id: int, status: str, act: Callable[[Session, MigrationPlanRecord,
                                                                          MigrationCaseRecord], None]) -> None:
    """Run `act` on every case of the plan in `status`, one transaction per case; a refusal or failure is
    written on the case's row of the plan in a transaction of its own, and the case stays as it was."""
    with rt.store.transaction(write=False) as session:
        case_ids = [r.case_id for r in migrations.plan_cases(session, plan_id) if r.status == status]
    for case_id in case_ids:
        try:
            with rt.store.transaction() as session:
                plan, row = _plan(session, plan_id), migrations.plan_case(session, plan_id, case_id)
                if row is not None:
                    act(session, plan, row)
        except DueflowError as exc:
            with rt.store.transaction() as session:
                row = migrations.plan_case(session, plan_id, case_id)
                if row is not None:
                    row.reasons = [*(row.reasons or []), exc.message]
                    row.status = "failed" if status == "movable" else row.status


def _switch(rt: Runtime, session: Session, step: steps.Step, version_id: int, state: str) -> None:
    """Put the case's step on another version with the given workflow state."""
    procedure, label = rt.procedure_by_version_id(session, version_id)
    step.procedure, step.label, step.run = procedure, label, rt.load_run(procedure, state)
    step.case.procedure_version_id = version_id


def _relabel_tasks(step: steps.Step) -> None:
    """READY task rows keep their ids across a move; where the element changed (a mapping), so does the row."""
    elements = {t.task_id: t for t in step.run.ready_tasks()}
    for row in step.ready_records or []:
        task = elements.get(row.id)
        if task is not None and task.element_id != row.element_id:
            info = step.procedure.elements.get(task.element_id)
            row.element_id, row.name = task.element_id, task.name
            row.stage = info.stage if info else row.stage
            row.role = (info.role if info else None) or row.role
            step.deferred.append(_merge(row))


def _merge(row: TaskRecord) -> Callable[[Session], None]:
    def write(session: Session) -> None:
        session.merge(row)
    return write


def run_migration(rt: Runtime, *, plan_id: int, actor: Actor) -> MigrationView:
    """Move every movable case of an approved plan, each in its own transaction."""
    access.require_role(actor, {Role.ADMIN}, "run migrations")
    with rt.store.transaction() as session:
        plan = _plan(session, plan_id, lock=True)
        _require_status(plan, "approved", "run it")
        plan.status, plan.run_by, plan.run_at = "run", actor.username, rt.now()

    def move(session: Session, plan: MigrationPlanRecord, row: MigrationCaseRecord) -> None:
        now = rt.now()
        case = queries.case(session, row.case_id, lock=True)
        if case is None or case.procedure_version_id != plan.source_version_id or \
                case.status not in (CaseStatus.OPEN.value, CaseStatus.SUSPENDED.value):
            raise MigrationStateError("the case is no longer running on the plan's source version")
        target = queries.procedure_version_by_id(session, plan.target_version_id)
        reasons, preview, state = preview_case(rt, session, case, target, mapping=dict(plan.mapping),
                                               due=dict(plan.due_changes))
        if reasons or state is None:  # the case took steps since the plan: it is judged again where it stands
            raise MigrationStateError("; ".join(reasons) or "the case cannot move")
        step = steps.load(rt, session, case.id, case)
        before_version, before_state = step.label, case.workflow_state
        _switch(rt, session, step, plan.target_version_id, state)
        steps.record(session, step, EventType.CASE_MIGRATED, actor, now, None, plan=plan.id,
                     from_version=before_version, to_version=step.label, mapping=dict(plan.mapping),
                     moved=preview.get("moved", {}), deadlines=preview.get("deadlines", []),
                     approved_by=plan.approved_by, reason=plan.reason)
        steps.save(session, step, [], actor=actor, now=now, write=False)
        _relabel_tasks(step)
        steps.write_prepared(session, step)
        row.status, row.preview, row.previous_version_id = "moved", preview, plan.source_version_id
        row.previous_state, row.audit_seq_after = before_state, step.case.audit_seq

    _each_case(rt, plan_id, "movable", move)
    with rt.store.transaction(write=False) as session:
        return view_of(session, _plan(session, plan_id))


def revert_migration(rt: Runtime, *, plan_id: int, reason: str, actor: Actor) -> MigrationView:
    """Move the plan's cases back to their old version, state and deadlines, each that took no step since."""
    access.require_role(actor, {Role.ADMIN}, "revert migrations")
    if not (reason or "").strip():
        raise InvalidDataError.for_fields({"reason": "say why the cases move back"})
    with rt.store.transaction() as session:
        plan = _plan(session, plan_id, lock=True)
        _require_status(plan, "run", "revert it")
        plan.status, plan.reverted_by, plan.reverted_at = "reverted", actor.username, rt.now()

    def move_back(session: Session, plan: MigrationPlanRecord, row: MigrationCaseRecord) -> None:
        now = rt.now()
        case = queries.case(session, row.case_id, lock=True)
        if case is None or case.audit_seq != row.audit_seq_after or row.previous_state is None:
            raise MigrationStateError("the case has taken a step since it moved; it stays on the target version")
        step = steps.load(rt, session, case.id, case)
        moved_from = step.label
        _switch(rt, session, step, row.previous_version_id or plan.source_version_id, row.previous_state)
        steps.record(session, step, EventType.CASE_MIGRATION_REVERTED, actor, now, None, plan=plan.id,
                     from_version=moved_from, to_version=step.label, reason=reason.strip())
        steps.save(session, step, [], actor=actor, now=now, write=False)
        _relabel_tasks(step)
        steps.write_prepared(session, step)
        row.status = "reverted"

    _each_case(rt, plan_id, "moved", move_back)
    with rt.store.transaction(write=False) as session:
        return view_of(session, _plan(session, plan_id))


def summary(view: MigrationView) -> dict[str, Any]:
    """The plan in a line, for the CLI's progress."""
    return {"plan": view.id, "status": view.status, **view.counts}
