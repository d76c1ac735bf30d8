"""Incidents: nothing stuck in silence. A step that cannot run (a script error, code over its time or memory
budget, a DMN with no matching rule, a broken sandbox) keeps nothing of itself; the case keeps its last good
state, the failure is audited on the case's chain, and an incident waits until an admin retries the step
(after deploying a fix) or resolves it with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain import (Actor, ConflictError, DueflowError, NotFoundError, Role, UnsafeExpressionError,
                           WorkflowError)
from engine.domain import EventType
from engine.services import access, steps
from engine.services.runtime import Runtime
from engine.store import IncidentRecord, incidents

READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.SYSTEM})
HANDLERS = frozenset({Role.ADMIN, Role.SYSTEM})
STEP_FAILURES = (WorkflowError, UnsafeExpressionError)  # what the sandbox reports of a step that could not run


class IncidentNotFoundError(NotFoundError):
    code = "incident_not_found"


class IncidentClosedError(ConflictError):
    code = "incident_resolved"


@dataclass
class IncidentView:
    id: int
    case_id: int
    case_no: str | None
    opened_at: str
    opened_by: str
    code: str
    message: str
    element_id: str | None
    kind: str  # complete | message | timer | external
    attempts: int
    status: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None

    @classmethod
    def of(cls, record: IncidentRecord, case_no: str | None = None) -> "IncidentView":
        return cls(id=record.id, case_id=record.case_id, case_no=case_no, opened_at=record.opened_at.isoformat(),
                   opened_by=record.opened_by, code=record.code, message=record.message,
                   element_id=record.element_id, kind=str(record.action.get("kind")), attempts=record.attempts,
                   status=record.status, resolved_at=record.resolved_at.isoformat() if record.resolved_at else None,
                   resolved_by=record.resolved_by, resolution=record.resolution)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def record_failure(session, step: steps.Step, failure: DueflowError, *, actor: Actor, now: datetime,
                   element_id: str | None, action: dict[str, Any]) -> int:
    """Inside the failed step's transaction: audit the failure and open its incident (or count another
    attempt of the one already open for the same step). Written with the step's other writes. Returns the
    attempts made so far."""
    existing = incidents.open_incident_for(session, step.case.id, element_id, action["kind"])
    payload = {"code": failure.code, "reason": failure.message, "failed_step": action["kind"]}
    if existing is not None:
        steps.record(session, step, EventType.STEP_FAILED, actor, now, element_id, incident=existing.id, **payload)
        step.deferred.append(lambda write: incidents.count_attempt(write, existing.id))
        return existing.attempts + 1
    action = dict(action, actor={"username": actor.username, "role": actor.role.value,
                                 "department": actor.department})
    steps.record(session, step, EventType.INCIDENT_OPENED, actor, now, element_id, **payload)
    row = IncidentRecord(case_id=step.case.id, opened_at=now, opened_by=actor.username, code=failure.code,
                         message=failure.message, element_id=element_id, action=action, attempts=1, status="open")
    step.deferred.append(lambda write: write.add(row))
    return 1


def list_incidents(rt: Runtime, *, actor: Actor, status: str | None = "open", case_id: int | None = None,
                   after_id: int | None = None, limit: int = 100) -> list[IncidentView]:
    access.require_role(actor, READERS, "read incidents")
    visible = access.departments_visible(actor)
    with rt.store.transaction(write=False) as session:
        rows = incidents.incidents(session, status=status, case_id=case_id, after_id=after_id, limit=limit,
                                   departments=sorted(visible) if visible is not None else None)
        numbers = {row.case_id: steps.queries.case(session, row.case_id) for row in rows}
        return [IncidentView.of(row, case.case_no if (case := numbers[row.case_id]) else None) for row in rows]


def retry_incident(rt: Runtime, *, incident_id: int, actor: Actor):
    """Run the failed step again as it was asked for (same task, data and person, or the same message);
    the incident is resolved when it runs, and counts another attempt when it fails again."""
    from engine.services import cases, external_tasks, tasks

    access.require_role(actor, HANDLERS, "retry incidents")
    record = _open_incident(rt, incident_id)
    action = record.action
    who = action.get("actor") or {}
    original = Actor(str(who.get("username")), Role(str(who.get("role"))), who.get("department"))
    if action["kind"] == "complete":
        view = tasks.complete_task(rt, task_id=action["task_id"], data=action.get("data") or {}, actor=original)
    elif action["kind"] == "external":  # the worker's task is fetchable again; the view is the case's
        external_tasks.release(rt, task_id=action["task_id"], actor=actor)
        view = cases.get_case(rt, case_id=record.case_id, actor=actor)
    elif action["kind"] == "message":
        view = cases.deliver_message(rt, case_id=record.case_id, name=action["name"],
                                     payload=action.get("payload") or {}, actor=original)
    else:
        view = cases.run_engine(rt, case_id=record.case_id, actor=original)
    ran = "the task is offered to workers again" if action["kind"] == "external" else "the step ran"
    resolve_incident(rt, incident_id=incident_id, actor=actor, reason=f"retried by {actor.username}: {ran}")
    return view


def resolve_incident(rt: Runtime, *, incident_id: int, actor: Actor, reason: str) -> IncidentView:
    access.require_role(actor, HANDLERS, "resolve incidents")
    reason = (reason or "").strip()
    if not reason:
        from engine.domain import InvalidDataError

        raise InvalidDataError.for_fields({"reason": "say why the incident is resolved"})
    now = rt.now()
    with rt.store.transaction() as session:
        record = incidents.incident(session, incident_id, lock=True)
        if record is None:
            raise IncidentNotFoundError(f"no incident {incident_id}")
        if record.status != "open":
            raise IncidentClosedError(f"incident {incident_id} was already resolved")
        step = steps.load(rt, session, record.case_id)
        record.status, record.resolved_at, record.resolved_by, record.resolution = "resolved", now, actor.username, reason
        steps.record(session, step, EventType.INCIDENT_RESOLVED, actor, now, record.element_id, incident=record.id,
                     reason=reason)
        steps.save(session, step, [], actor=actor, now=now)
        return IncidentView.of(record, step.case.case_no)


def _open_incident(rt: Runtime, incident_id: int) -> IncidentRecord:
    with rt.store.transaction(write=False) as session:
        record = incidents.incident(session, incident_id)
        if record is None:
            raise IncidentNotFoundError(f"no incident {incident_id}")
        if record.status != "open":
            raise IncidentClosedError(f"incident {incident_id} was already resolved")
        session.expunge(record)
        return record
