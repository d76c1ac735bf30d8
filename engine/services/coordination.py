"""Dispatch, return, dispute and the coordinator's assignment: every case has exactly one holder at every
instant (the dispatcher until dispatched, a department, or the coordinator during a dispute), and every hop
is an audit event on the case's chain, from which the chain of hops is read back."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.domain import (Actor, CaseNotOpenError, CaseStatus, ConflictError, EventType, ForbiddenError,
                           InvalidDataError, Role)
from engine.services import access, handover, responsibilities, steps
from engine.services.handover import COORDINATOR, DEPARTMENT, DISPATCHER
from engine.services.runtime import Runtime
from engine.store import CoordinationRecord, Session, coordination, queries

DISPATCHERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})
COORDINATORS = frozenset({Role.COORDINATOR, Role.SYSTEM})
ASSIGN_DAYS = 2  # working days the coordinator has to decide
HOPS = (EventType.CASE_DISPATCHED, EventType.CASE_RETURNED, EventType.CASE_DISPUTED, EventType.COORDINATOR_ASSIGNED)


@dataclass
class HolderView:
    """Who holds the case now, since when, the limits running, and every hop before."""

    case_id: int
    holder: str  # dispatcher | department | coordinator
    department: str | None
    since: str
    return_due_at: str | None
    assign_due_at: str | None
    returns: int
    proposal: dict[str, Any] | None = None
    chain: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def holder(rt: Runtime, *, case_id: int, actor: Actor) -> HolderView:
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            from engine.domain import CaseNotFoundError
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        return _view(session, case)


def dispatch_case(rt: Runtime, *, case_id: int, actor: Actor, department: str | None = None,
                  reason: str = "") -> HolderView:
    """The dispatcher gives the case to the department the list proposes, or to another with a reason. The
    handling clock starts now; the department may return it within the entry's return limit."""
    access.require_role(actor, DISPATCHERS, "dispatch cases")
    now = rt.now()
    with rt.store.transaction() as session:
        step, held = _load(rt, session, case_id, actor)
        if held is not None and held.holder != DISPATCHER:
            raise ConflictError(f"the case is held by the {held.holder}, not the dispatcher")
        proposal = handover.proposal(session, step.case)
        chosen = (department or "").strip() or (proposal.department if proposal else "")
        if not chosen:
            raise InvalidDataError.for_fields({"department": "the list proposes none: name the department"})
        _check_department(session, chosen)
        overridden = proposal is None or chosen != proposal.department
        if overridden and not reason.strip():
            raise InvalidDataError.for_fields({"reason": "say why the list's proposal is overridden"})
        days = proposal.return_days if proposal and not overridden else 1
        return_due = handover.due(rt.jurisdiction, now, days)
        held = held or CoordinationRecord(case_id=case_id, returns=0, hops=0)
        handover.hand(held, DEPARTMENT, chosen, now, return_due=return_due)
        held.dispatched_at = held.dispatched_at or now  # a re-dispatch after a return keeps the first start
        steps.record(session, step, EventType.CASE_DISPATCHED, actor, now, None, previous=step.case.department,
                     department=chosen, proposed=proposal.department if proposal else None,
                     entry=proposal.id if proposal else None, overridden=overridden, reason=reason.strip(),
                     return_due_at=return_due.isoformat())
        return _finish(session, step, held, actor, now, chosen)


def return_case(rt: Runtime, *, case_id: int, actor: Actor, reason: str, entry: int | None = None) -> HolderView:
    """The department that holds the case gives it back, with a reason and the list entry it relies on,
    before its limit; a second return of the same case is a dispute and goes to the coordinator."""
    now = rt.now()
    with rt.store.transaction() as session:
        step, held = _load(rt, session, case_id, actor)
        if held is None or held.holder != DEPARTMENT:
            raise ConflictError("only a case dispatched to a department can be returned")
        _require_holding_department(actor, held)
        if held.return_due_at is None or now > held.return_due_at:
            raise ConflictError("the time to return this case has passed: it is your department's")
        errors = {}
        if not reason.strip():
            errors["reason"] = "say why the case is not your department's"
        cited = coordination.entry(session, entry) if entry is not None else None
        if cited is None:
            errors["entry"] = "cite the list entry the return relies on"
        if errors:
            raise InvalidDataError.for_fields(errors)
        assert cited is not None
        held.returns += 1
        steps.record(session, step, EventType.CASE_RETURNED, actor, now, None, department=held.department,
                     reason=reason.strip(), entry=cited.id, entry_department=cited.department,
                     entry_version=cited.version, returns=held.returns)
        if held.returns >= 2:
            _dispute(rt, session, step, held, actor, now, "returned a second time")
        else:
            handover.hand(held, DISPATCHER, None, now)
        return _finish(session, step, held, actor, now, None)


def dispute_case(rt: Runtime, *, case_id: int, actor: Actor, reason: str) -> HolderView:
    """The dispatcher, or the department holding the case, escalates it to the coordinator."""
    if not reason.strip():
        raise InvalidDataError.for_fields({"reason": "say what the dispute is"})
    now = rt.now()
    with rt.store.transaction() as session:
        step, held = _load(rt, session, case_id, actor)
        held = held or CoordinationRecord(case_id=case_id, holder=DISPATCHER, returns=0, hops=0, since=now)
        if held.holder == COORDINATOR:
            raise ConflictError("the case is with the coordinator already")
        if held.holder == DEPARTMENT:
            _require_holding_department(actor, held)
        else:
            access.require_role(actor, DISPATCHERS, "dispute a case the dispatcher holds")
        _dispute(rt, session, step, held, actor, now, reason.strip())
        return _finish(session, step, held, actor, now, None)


def assign_case(rt: Runtime, *, case_id: int, actor: Actor, department: str, reason: str,
                legal_basis: str = "") -> HolderView:
    """The coordinator decides, with a reason; with a legal basis the decision also amends the list for the
    case's category and area. The department assigned may not return the case."""
    access.require_role(actor, COORDINATORS, "settle disputes")
    department = (department or "").strip()
    if not reason.strip() or not department:
        raise InvalidDataError.for_fields({k: "required" for k, v in (("reason", reason.strip()),
                                                                        ("department", department)) if not v})
    now = rt.now()
    with rt.store.transaction() as session:
        step, held = _load(rt, session, case_id, actor)
        if held is None or held.holder != COORDINATOR:
            raise ConflictError("only a disputed case is assigned by the coordinator")
        _check_department(session, department)
        amended = None
        if legal_basis.strip():
            amended = responsibilities.amend(session, rt, actor=actor, reason=f"case {step.case.case_no}: {reason}",
                                             entry={"department": department, "category": step.case.category,
                                                    "area": step.case.grid_cell or "*", "legal_basis": legal_basis})
        late = held.assign_due_at is not None and now > held.assign_due_at
        handover.hand(held, DEPARTMENT, department, now, return_due=None)
        held.dispatched_at = held.dispatched_at or now
        steps.record(session, step, EventType.COORDINATOR_ASSIGNED, actor, now, None, previous=step.case.department,
                     department=department, reason=reason.strip(), late=late,
                     amended_entry=amended.id if amended else None, list_version=amended.version if amended else None)
        return _finish(session, step, held, actor, now, department)


def _load(rt: Runtime, session: Session, case_id: int, actor: Actor):
    step = steps.load(rt, session, case_id)
    access.require_case_readable(session, actor, step.case)
    if step.case.status != CaseStatus.OPEN.value:
        raise CaseNotOpenError(f"case {step.case.case_no} is {step.case.status}")
    return step, coordination.holding(session, case_id, lock=True)


def _finish(session: Session, step: steps.Step, held: CoordinationRecord, actor: Actor, now: datetime,
            department: str | None) -> HolderView:
    steps.save(session, step, [], actor=actor, now=now, write=False)
    if department:  # the case and its open tasks move to the department that handles it now
        previous, step.case.department = step.case.department, department
        step.deferred.append(lambda write: coordination.move_ready_tasks(write, step.case.id, previous, department))
    def keep(write: Session) -> None:
        write.merge(held)
        write.flush()
    step.deferred.append(keep)
    steps.write_prepared(session, step)
    return _view(session, step.case, held)




def _dispute(rt: Runtime, session: Session, step: steps.Step, held: CoordinationRecord, actor: Actor,
             now: datetime, reason: str) -> None:
    due = handover.due(rt.jurisdiction, now, ASSIGN_DAYS)
    previous = held.department
    handover.hand(held, COORDINATOR, None, now, assign_due=due)
    steps.record(session, step, EventType.CASE_DISPUTED, actor, now, None, department=previous, reason=reason,
                 assign_due_at=due.isoformat())


def _require_holding_department(actor: Actor, held: CoordinationRecord) -> None:
    if access.role_of(actor) not in (Role.OFFICER, Role.SUPERVISOR, Role.SYSTEM) or (
            access.role_of(actor) != Role.SYSTEM and actor.department != held.department):
        raise ForbiddenError("only the department holding the case may return or dispute it")


def _check_department(session: Session, code: str) -> None:
    if queries.department(session, code) is None:
        raise InvalidDataError.for_fields({"department": f"no department '{code}'"})






def _view(session: Session, case, held: CoordinationRecord | None = None) -> HolderView:
    held = held or coordination.holding(session, case.id)
    chain = [{"at": case.opened_at.isoformat(), "event": "case_opened", "actor": case.opened_by,
              "holder": DISPATCHER, "department": None, "reason": None}]
    for event in queries.audit_events(session, case.id):
        if event.event_type in HOPS:
            payload = json.loads(event.payload)
            to = {EventType.CASE_DISPATCHED: DEPARTMENT, EventType.COORDINATOR_ASSIGNED: DEPARTMENT,
                  EventType.CASE_DISPUTED: COORDINATOR}.get(EventType(event.event_type), DISPATCHER)
            chain.append({"at": event.occurred_at.isoformat(), "event": event.event_type, "actor": event.actor,
                          "holder": to, "department": payload.get("department") if to == DEPARTMENT else None,
                          "reason": payload.get("reason") or None})
    proposal = handover.proposal(session, case)
    if held is None:
        return HolderView(case_id=case.id, holder=DISPATCHER, department=None, since=case.opened_at.isoformat(),
                          return_due_at=None, assign_due_at=None, returns=0, chain=chain,
                          proposal=responsibilities.ResponsibilityView.of(proposal).as_dict() if proposal else None)
    return HolderView(case_id=case.id, holder=held.holder, department=held.department, since=held.since.isoformat(),
                      return_due_at=held.return_due_at.isoformat() if held.return_due_at else None,
                      assign_due_at=held.assign_due_at.isoformat() if held.assign_due_at else None,
                      returns=held.returns, chain=chain,
                      proposal=responsibilities.ResponsibilityView.of(proposal).as_dict() if proposal else None)


@dataclass
class WaitingView:
    case_id: int
    case_no: str | None
    category: str | None
    grid_cell: str | None
    since: str
    due_at: str | None


def waiting_cases(rt: Runtime, *, actor: Actor) -> dict[str, list[WaitingView]]:
    """What the dispatcher and the coordinator hold now, longest-held first (their worklists)."""
    access.require_role(actor, DISPATCHERS | COORDINATORS | {Role.AUDITOR}, "see the cases between departments")
    with rt.store.transaction(write=False) as session:
        return {holder: [WaitingView(case_id=r[0], case_no=r[1], category=r[2], grid_cell=r[3],
                                     since=r[4].isoformat(), due_at=r[5].isoformat() if r[5] else None)
                         for r in coordination.waiting(session, holder=holder)]
                for holder in (DISPATCHER, COORDINATOR)}
