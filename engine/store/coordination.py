"""Queries of the responsibility list and of who holds a case between departments."""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.records import CoordinationRecord, ResponsibilityRecord


def current_version(session: Session) -> int:
    return int(session.scalar(select(func.max(ResponsibilityRecord.version))) or 0)


def entries(session: Session, version: int | None = None) -> Sequence[ResponsibilityRecord]:
    version = current_version(session) if version is None else version
    return session.scalars(select(ResponsibilityRecord).where(ResponsibilityRecord.version == version)
                           .order_by(ResponsibilityRecord.category, ResponsibilityRecord.area,
                                     ResponsibilityRecord.id)).all()


def entry(session: Session, entry_id: int) -> ResponsibilityRecord | None:
    return session.get(ResponsibilityRecord, entry_id)


def matching(session: Session, *, category: str | None, areas: Sequence[str]) -> list[ResponsibilityRecord]:
    """The current list's entries for a category, the most specific area first (a named area before "*")."""
    if not category:
        return []
    rows = session.scalars(select(ResponsibilityRecord).where(
        ResponsibilityRecord.version == current_version(session), ResponsibilityRecord.category == category,
        ResponsibilityRecord.area.in_([*areas, "*"]))).all()
    return sorted(rows, key=lambda r: (r.area == "*", r.id))


def holding(session: Session, case_id: int, *, lock: bool = False) -> CoordinationRecord | None:
    query = select(CoordinationRecord).where(CoordinationRecord.case_id == case_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def move_ready_tasks(session: Session, case_id: int, previous: str, department: str) -> None:
    """The case's open tasks of the department it leaves go with it to the one now responsible (a joint
    case's tasks named for another department stay where they are)."""
    from sqlalchemy import update

    from engine.store.records import TaskRecord

    session.execute(update(TaskRecord).where(TaskRecord.case_id == case_id, TaskRecord.state == "ready",
                                            TaskRecord.department == previous)
                    .values(department=department))


def waiting(session: Session, *, holder: str, limit: int = 200) -> list[tuple[Any, ...]]:
    """Open cases the dispatcher or the coordinator holds: (case id, case no, category, grid cell, since, due).
    A case with no coordination row has never been dispatched: the dispatcher holds it since it was opened."""
    from engine.store.records import CaseRecord

    columns = (CaseRecord.id, CaseRecord.case_no, CaseRecord.category, CaseRecord.grid_cell)
    held = select(*columns, CoordinationRecord.since, CoordinationRecord.assign_due_at).join(
        CoordinationRecord, CoordinationRecord.case_id == CaseRecord.id).where(
        CaseRecord.status == "open", CoordinationRecord.holder == holder).order_by(CoordinationRecord.since)
    rows: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(held.limit(limit)).all()]
    if holder == "dispatcher":
        fresh = select(*columns, CaseRecord.opened_at, CaseRecord.closed_at).outerjoin(
            CoordinationRecord, CoordinationRecord.case_id == CaseRecord.id).where(
            CaseRecord.status == "open", CoordinationRecord.case_id.is_(None)).order_by(CaseRecord.opened_at)
        rows += [tuple(row) for row in session.execute(fresh.limit(limit)).all()]
    return sorted(rows, key=lambda row: row[4])[:limit]
