"""The holder of a case follows the procedure too: a task marked `coordination` = `dispatch` (the closed loop's
dispatch_case) is the dispatcher's, so completing it with a department dispatches the case (CASE_DISPATCHED,
the handling clock starts) and seeing it ready again while a department holds the case is a return
(CASE_RETURNED). Called from steps.save inside the step's transaction; imports no use case (steps imports it)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from engine.calendar import Period, load_calendar
from engine.domain import Actor, ConflictError, EventType
from engine.store import CoordinationRecord, Session, coordination

COORDINATION_PROPERTY = "coordination"
DISPATCH = "dispatch"
DISPATCHER, DEPARTMENT, COORDINATOR = "dispatcher", "department", "coordinator"


def due(jurisdiction: str, now: datetime, days: int) -> datetime:
    """The end of the n-th working day after today (the legal calendar of the jurisdiction)."""
    calendar = load_calendar(jurisdiction)
    return calendar.due_at(calendar.local_date(now), Period.working_days(days))


def hand(held: CoordinationRecord, to: str, department: str | None, now: datetime, *,
         return_due: datetime | None = None, assign_due: datetime | None = None) -> None:
    held.holder, held.department, held.since = to, department, now
    held.return_due_at, held.assign_due_at = return_due, assign_due
    held.hops = (held.hops or 0) + 1


def proposal(session: Session, case):
    found = coordination.matching(session, category=case.category, areas=[a for a in [case.grid_cell] if a])
    return found[0] if found else None


def follow(session: Session, step, *, actor: Actor, now: datetime, completed: list[str], ready: list[str],
           jurisdiction: str, record: Callable[..., None], note: str = "") -> None:
    """Record the hop the procedure just made, if any, and keep the holder row in step with it: completing a
    dispatch-marked task dispatches the case to its (new) department; such a task ready again while a
    department holds the case is a return to the dispatcher."""
    dispatched, returned = _marked(step, completed), _marked(step, ready)
    if not dispatched and not returned:
        return
    held = coordination.holding(session, step.case.id, lock=True)
    target = step.case.department  # after the handover, if the form named another department
    if dispatched:
        if held is not None and held.holder == COORDINATOR:
            raise ConflictError("the coordinator decides which department handles this case now")
        if held is not None and held.holder == DEPARTMENT and held.return_due_at is None:
            if target != held.department:
                raise ConflictError(f"the coordinator assigned this case to {held.department}: dispatch it there")
            return  # the coordinator's decision, carried out: the department holds it already
        entry = proposal(session, step.case)
        overridden = entry is None or entry.department != target
        days = entry.return_days if entry is not None and not overridden else 1
        return_due = due(jurisdiction, now, days)
        held = held or CoordinationRecord(case_id=step.case.id, returns=0, hops=0)
        previous = held.department
        hand(held, DEPARTMENT, target, now, return_due=return_due)
        held.dispatched_at = held.dispatched_at or now
        record(session, step, EventType.CASE_DISPATCHED, actor, now, dispatched[0], previous=previous,
               department=target, proposed=entry.department if entry else None, entry=entry.id if entry else None,
               overridden=overridden, reason=note, return_due_at=return_due.isoformat())
    elif held is not None and held.holder == DEPARTMENT:
        held.returns += 1
        record(session, step, EventType.CASE_RETURNED, actor, now, returned[0], department=held.department,
               reason=note, entry=None, returns=held.returns)
        hand(held, DISPATCHER, None, now)
    else:
        return
    kept = held

    def write(session_: Session) -> None:
        session_.merge(kept)
        session_.flush()
    step.deferred.append(write)


def _marked(step, element_ids: list[str]) -> list[str]:
    elements = step.procedure.elements
    return [e for e in element_ids
            if e in elements and elements[e].properties.get(COORDINATION_PROPERTY) == DISPATCH]


def note_of(data: dict[str, Any] | None) -> str:
    """The reason a form gave, if it has one (dispatch_note, approval_reason)."""
    data = data or {}
    for name in ("dispatch_note", "approval_reason", "reason"):
        if isinstance(data.get(name), str) and data[name].strip():
            return data[name].strip()[:2000]
    return ""
