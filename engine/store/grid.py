"""Queries of the grid: cells with their polygons and bounding boxes, inspections, and coverage per cell."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from engine.store.records import CaseRecord, GridCellRecord, InspectionRecord, TaskRecord


def save_cells(session: Session, cells: Iterable[dict[str, Any]]) -> int:
    """Insert or replace cells by code (a re-import of the same file changes nothing else)."""
    count = 0
    for values in cells:
        row = session.get(GridCellRecord, values["code"])
        if row is None:
            session.add(GridCellRecord(**values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
        count += 1
    session.flush()
    return count


def cells(session: Session) -> Sequence[GridCellRecord]:
    return session.scalars(select(GridCellRecord).order_by(GridCellRecord.code)).all()


def cell(session: Session, code: str) -> GridCellRecord | None:
    return session.get(GridCellRecord, code)


def candidates(session: Session, x: float, y: float) -> Sequence[GridCellRecord]:
    """Cells whose bounding box holds the point: the only ones worth a point-in-polygon test."""
    return session.scalars(select(GridCellRecord).where(
        GridCellRecord.min_x <= x, GridCellRecord.max_x >= x, GridCellRecord.min_y <= y, GridCellRecord.max_y >= y)
        .order_by(GridCellRecord.code)).all()


def add_inspection(session: Session, record: InspectionRecord) -> InspectionRecord:
    session.add(record)
    session.flush()
    return record


def inspections(session: Session, *, cell: str | None = None, limit: int = 50) -> Sequence[InspectionRecord]:
    query = select(InspectionRecord).order_by(InspectionRecord.inspected_at.desc()).limit(limit)
    if cell:
        query = query.where(InspectionRecord.cell == cell)
    return session.scalars(query).all()


def coverage(session: Session, *, since: datetime, now: datetime) -> dict[str, dict[str, Any]]:
    """Per cell: the last inspection ever, inspections since `since`, open cases, and open cases with a task
    past its due time (overdue). Three grouped queries, whatever the number of cells."""
    result: dict[str, dict[str, Any]] = {
        code: {"last_inspection": None, "inspections": 0, "open_cases": 0, "overdue_cases": 0}
        for code in session.scalars(select(GridCellRecord.code))}
    inspected = select(InspectionRecord.cell, func.max(InspectionRecord.inspected_at),
                       func.sum(case((InspectionRecord.inspected_at >= since, 1), else_=0))).group_by(
        InspectionRecord.cell)
    for code, last, recent in session.execute(inspected):
        if code in result:
            result[code].update(last_inspection=_aware(last), inspections=int(recent or 0))
    open_cases = select(CaseRecord.grid_cell, func.count()).where(
        CaseRecord.status == "open", CaseRecord.grid_cell.is_not(None)).group_by(CaseRecord.grid_cell)
    for code, count in session.execute(open_cases):
        if code in result:
            result[code]["open_cases"] = int(count)
    overdue = select(CaseRecord.grid_cell, func.count(func.distinct(CaseRecord.id))).join(
        TaskRecord, and_(TaskRecord.case_id == CaseRecord.id, TaskRecord.state == "ready",
                         TaskRecord.due_at < now)).where(
        CaseRecord.status == "open", CaseRecord.grid_cell.is_not(None)).group_by(CaseRecord.grid_cell)
    for code, count in session.execute(overdue):
        if code in result:
            result[code]["overdue_cases"] = int(count)
    return result


def _aware(value: datetime | None) -> datetime | None:
    from datetime import timezone

    if value is not None and value.tzinfo is None:  # SQLite returns an aggregate's datetime naive (stored UTC)
        return value.replace(tzinfo=timezone.utc)
    return value


def last_inspections(session: Session, *, before: datetime) -> dict[str, datetime | None]:
    """Each cell's last inspection before a moment (a past month's blind spots are as they were then)."""
    result: dict[str, datetime | None] = {code: None for code in session.scalars(
        select(GridCellRecord.code).order_by(GridCellRecord.code))}
    query = select(InspectionRecord.cell, func.max(InspectionRecord.inspected_at)).where(
        InspectionRecord.inspected_at < before).group_by(InspectionRecord.cell)
    for code, last in session.execute(query):
        if code in result:
            result[code] = _aware(last)
    return result
