"""Firing due timers: due cases found in batches, each claimed and fired in its own transaction, exactly once;
and what a timer loop needs to sleep until the next deadline and wake when an earlier one is set."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from engine.domain import DueflowError, WorkflowError
from engine.services import incidents, steps
from engine.services.runtime import Runtime
from engine.store import queries

RETRY_FAILED = timedelta(minutes=15)
LOCKED_RETRY = timedelta(milliseconds=100)
BATCH = 100
log = logging.getLogger("dueflow.timers")


@dataclass
class FiredReport:
    cases: list[str] = field(default_factory=list)  # case numbers that had timers fire
    events: int = 0
    failed: list[int] = field(default_factory=list)  # ids of cases whose timer step failed, set aside
    lateness: list[float] = field(default_factory=list)  # seconds between each fired case's due time and firing
    # When the next timer falls due, as seen at the end (None: none waits), unless the limit cut the run short
    next_due: datetime | None = None
    next_due_known: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


def fire_due_timers(rt: Runtime, *, now: datetime | None = None, limit: int = 500, batch: int = BATCH,
                    threads: int = 1) -> FiredReport:
    """Fire the timers due at `now`, up to `limit` cases. Due cases are read `batch` at a time, earliest first;
    each is then claimed (locked, checked still due: PostgreSQL skips a case another worker holds) and fired in
    a transaction of its own, so any number of workers fire each timer once and a case whose step fails is set
    aside (audited, retried later) without holding up the others. Without `now`, each case fires at the
    runtime clock's time when its turn comes: that instant is what its audit event records. On PostgreSQL up to
    `threads` cases of a batch fire side by side: a case spends most of its time waiting for the database."""
    report = FiredReport()

    def fire(case_id: int) -> datetime | None:
        return _fire_one(rt, case_id, now or rt.now(), report)
    tried = 0
    while tried < limit:
        seen = now or rt.now()
        with rt.store.transaction(write=False) as session:
            upcoming = queries.upcoming_timers(session, limit=min(batch, limit - tried))
        due = [case_id for case_id, at in upcoming if at <= seen]
        later = [at for _, at in upcoming if at > seen]
        if threads > 1 and len(due) > 1 and rt.store.is_postgres:
            with ThreadPoolExecutor(min(threads, len(due)), thread_name_prefix="dueflow-fire") as pool:
                rescheduled = list(pool.map(fire, due))
        else:
            rescheduled = [fire(case_id) for case_id in due]
        tried += len(due)
        if later or len(upcoming) < batch:  # everything due is done: the next look is at the earliest of these
            report.next_due = min([at for at in rescheduled + later[:1] if at is not None], default=None)
            report.next_due_known = True
            break
    return report


def _fire_one(rt: Runtime, case_id: int, now: datetime, report: FiredReport) -> datetime | None:
    """Claim and fire one case; returns when to look at it next (None: no timer of it waits)."""
    try:
        with rt.store.transaction() as session:
            case = queries.claim_due_case(session, case_id, now)
            if case is None:  # fired meanwhile, closed, suspended, or locked by another worker or a user's write:
                return now + LOCKED_RETRY  # look again shortly, in case it is still due once they commit
            due_at = case.next_due_at
            step = steps.load(rt, session, case_id, case)
            before = step.case.audit_seq
            steps.save(session, step, step.run.step(now), actor=steps.TIMER, now=now)
    except Exception as exc:  # noqa: BLE001 - one case's failure must never stop the cases due after it
        if not isinstance(exc, DueflowError):
            log.exception("the timers of case %s could not fire", case_id)
        with report._lock:
            report.failed.append(case_id)
        try:
            _set_aside(rt, case_id, exc, now)
        except Exception:  # noqa: BLE001 - not even loadable: only move its timers out of the way
            log.exception("case %s could not be set aside; its timers are looked at again in %s", case_id,
                          RETRY_FAILED)
            with rt.store.transaction() as session:
                queries.postpone_timers(session, case_id, now + RETRY_FAILED)
        return now + RETRY_FAILED
    with report._lock:
        report.cases.append(step.case.case_no or str(case_id))
        report.events += step.case.audit_seq - before
        if due_at is not None:
            report.lateness.append((now - due_at).total_seconds())
    return step.case.next_due_at


def _set_aside(rt: Runtime, case_id: int, error: Exception, now: datetime) -> None:
    """Nothing of the failed firing is kept: the failure is audited and waits as an incident (one per case and
    step, counting attempts); the timer is tried again later, backing off from 15 minutes to a day."""
    failure = error if isinstance(error, DueflowError) else WorkflowError(f"{type(error).__name__}: {error}")
    with rt.store.transaction() as session:
        step = steps.load(rt, session, case_id)
        step.runtime = None
        attempts = incidents.record_failure(session, step, failure, actor=steps.TIMER, now=now, element_id=None,
                                            action={"kind": "timer"})
        step.case.next_due_at = now + RETRY_FAILED * min(2 ** (attempts - 1), 96)
        steps.write_prepared(session, step)


def next_due(rt: Runtime) -> datetime | None:
    """When the next timer of any open case falls due; None when no case waits on a timer."""
    with rt.store.transaction(write=False) as session:
        return queries.earliest_due(session)


def watch_deadlines(rt: Runtime, *, on_due: Callable[[datetime | None], None],
                    stop: threading.Event) -> Callable[[], None]:
    """Call `on_due(instant)` whenever a case's next timer is set earlier: at once for writes of this process,
    and through PostgreSQL's LISTEN/NOTIFY (a thread of its own) for other processes; `on_due(None)` means
    "notifications may have been missed, look again". Returns the function that stops watching."""
    rt.store.add_deadline_listener(on_due)
    listener = None
    if rt.store.is_postgres:
        listener = threading.Thread(target=rt.store.listen_for_deadlines, args=(on_due, stop),
                                    name="dueflow-deadlines", daemon=True)
        listener.start()

    def unwatch() -> None:
        rt.store.remove_deadline_listener(on_due)
        stop.set()
        if listener is not None:
            listener.join(5)
    return unwatch
