"""Firing due timers: load only due cases, one transaction per case, each due case fired exactly once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.domain import CaseStatus, DueflowError
from engine.services import steps
from engine.services.runtime import Runtime
from engine.store import queries


RETRY_FAILED = timedelta(minutes=15)


@dataclass
class FiredReport:
    cases: list[str] = field(default_factory=list)  # case numbers that had timers fire
    events: int = 0
    failed: list[int] = field(default_factory=list)  # ids of cases whose timer step failed, set aside


def fire_due_timers(rt: Runtime, *, now: datetime | None = None, limit: int = 500) -> FiredReport:
    """Fire every timer due at `now` (default: the runtime's clock). On PostgreSQL each case is claimed with
    FOR UPDATE SKIP LOCKED, so several workers can run this at once and never fire a case twice. A case whose
    step fails is set aside (audited, retried later) so it never blocks the cases due after it."""
    now = now or rt.now()
    report = FiredReport()
    for _ in range(limit):
        claimed: list[int] = []
        try:
            with rt.store.transaction() as session:
                due = queries.due_case_ids(session, now, limit=1, claim=rt.store.is_postgres)
                if not due:
                    break
                claimed.append(due[0])
                step = steps.load(rt, session, due[0])
                if step.case.status != CaseStatus.OPEN.value or not step.case.next_due_at \
                        or step.case.next_due_at > now:
                    continue
                before = step.case.audit_seq
                steps.save(session, step, step.run.step(now), actor=steps.TIMER, now=now)
                report.cases.append(step.case.case_no)
                report.events += step.case.audit_seq - before
        except DueflowError as exc:
            if not claimed:
                raise
            _set_aside(rt, claimed[0], exc, now)
            report.failed.append(claimed[0])
    return report


def _set_aside(rt: Runtime, case_id: int, error: DueflowError, now: datetime) -> None:
    """Record why the case's timer could not fire and look at it again later."""
    with rt.store.transaction() as session:
        step = steps.load(rt, session, case_id)
        step.runtime = None
        steps.record(session, step, "timer_failed", steps.TIMER, now, None, code=error.code, reason=error.message,
                     retry_at=(now + RETRY_FAILED).isoformat())
        step.case.next_due_at = now + RETRY_FAILED
        queries.write_step(session, step.case, new_tasks=[], finished=[], events=step.pending)
