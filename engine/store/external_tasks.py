"""Queries of external tasks: the rows workers fetch and lock by topic."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from engine.store.records import CaseRecord, ExternalTaskRecord

def fetchable(session: Session, *, topics: Iterable[str], now: datetime,
              limit: int) -> Sequence[ExternalTaskRecord]:
    """READY tasks of these topics that no worker holds (never locked, or the lock or retry timeout passed)
    and whose retries are not used up, of open cases, oldest first. On PostgreSQL the rows are locked and rows another
    fetch holds are skipped (SKIP LOCKED), so two workers never get the same task."""
    query = (select(ExternalTaskRecord).join(CaseRecord, CaseRecord.id == ExternalTaskRecord.case_id)
             .where(CaseRecord.status == "open", ExternalTaskRecord.state == "ready", ExternalTaskRecord.topic.in_(list(topics)),
                    or_(ExternalTaskRecord.lock_expires_at.is_(None), ExternalTaskRecord.lock_expires_at <= now),
                    or_(ExternalTaskRecord.retries.is_(None), ExternalTaskRecord.retries > 0))
             .order_by(ExternalTaskRecord.created_at, ExternalTaskRecord.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=ExternalTaskRecord)
    return session.scalars(query).all()


def external_task(session: Session, task_id: str, *, lock: bool = False) -> ExternalTaskRecord | None:
    query = select(ExternalTaskRecord).where(ExternalTaskRecord.id == task_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def ready_of_case(session: Session, case_id: int) -> Sequence[ExternalTaskRecord]:
    return session.scalars(select(ExternalTaskRecord).where(ExternalTaskRecord.case_id == case_id,
                                                            ExternalTaskRecord.state == "ready")
                           .order_by(ExternalTaskRecord.created_at)).all()


def close(session: Session, task_ids: list[str], *, state: str, now: datetime, by: str | None) -> None:
    """Mark tasks that left READY in a step (completed by their worker, or withdrawn by a boundary event)."""
    if task_ids:
        session.execute(update(ExternalTaskRecord)
                        .where(ExternalTaskRecord.id.in_(task_ids), ExternalTaskRecord.state == "ready")
                        .values(state=state, finished_at=now, finished_by=by, lock_owner=None,
                                lock_expires_at=None))


def set_lock(session: Session, task_id: str, **values) -> None:
    """Change a task's lock, retries or error (fetch, failure, incident retry)."""
    session.execute(update(ExternalTaskRecord).where(ExternalTaskRecord.id == task_id).values(**values))
