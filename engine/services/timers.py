"""Firing due timers: load only due cases, one transaction per case, each due case fired exactly once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.domain import CaseStatus
from engine.services import steps
from engine.services.runtime import Runtime
from engine.store import queries


@dataclass
class FiredReport:
    cases: list[str] = field(default_factory=list)  # case numbers that had timers fire
    events: int = 0


def fire_due_timers(rt: Runtime, *, now: datetime | None = None, limit: int = 500) -> FiredReport:
    """Fire every timer due at `now` (default: the runtime's clock). On PostgreSQL each case is claimed with
    FOR UPDATE SKIP LOCKED, so several workers can run this at once and never fire a case twice."""
    now = now or rt.now()
    report = FiredReport()
    for _ in range(limit):
        with rt.store.transaction() as session:
            due = queries.due_case_ids(session, now, limit=1, claim=rt.store.is_postgres)
            if not due:
                break
            step = steps.load(rt, session, due[0])
            if step.case.status != CaseStatus.OPEN.value or not step.case.next_due_at or step.case.next_due_at > now:
                continue
            before = step.case.audit_seq
            changes = step.run.step(now)
            steps.save(session, step, changes, actor=steps.TIMER, now=now)
            report.cases.append(step.case.case_no)
            report.events += step.case.audit_seq - before
    return report
