"""The cases behind each assessment figure: the same sets engine.store.assessment counts, listed by a keyset
(case id, audit event id or inspection id, ascending) so a figure of any size pages in constant time. Reads
the same columns as the counts and never an amount (PL 74)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.store.records import AuditEventRecord, CaseRecord, GridCellRecord, InspectionRecord

CASE_SETS = ("reported", "filed", "closed", "closed_on_time", "handled", "handled_on_time", "reworked", "verified",
             "with_hops")
EVENT_SETS = {"dispatched": "case_dispatched", "returned": "case_returned"}
INDICATORS = (*CASE_SETS, *EVENT_SETS, "inspector_reports")


def _group(by: str, case=CaseRecord):
    return {"department": case.department, "grid": case.grid_cell, "street": GridCellRecord.street,
            "person": case.opened_by}[by]


def _where_group(query, column, group: str | None):
    """No filter for the total; "" is the group of cases without a value (as the figures count them)."""
    if group is None:
        return query
    if group == "":
        return query.where(or_(column.is_(None), column == ""))
    return query.where(column == group)


def _no_timer_fired():
    return ~exists().where(AuditEventRecord.case_id == CaseRecord.id,
                           AuditEventRecord.event_type.concat("") == "timer_fired")


def _completed(element: str, start: datetime | None, end: datetime):
    """Cases with the element's task completed in [start, end) (from the beginning when start is None)."""
    query = select(AuditEventRecord.case_id).where(
        AuditEventRecord.event_type == "task_completed", AuditEventRecord.element_id == element,
        AuditEventRecord.occurred_at < end)
    if start is not None:
        query = query.where(AuditEventRecord.occurred_at >= start)
    return query


def _case_set(indicator: str, *, start: datetime, end: datetime, not_filed: tuple[str, ...], handled: str,
              verified: str):
    """(key, time) of the cases in one case-based set, and its conditions."""
    at: Any = CaseRecord.opened_at
    conditions: list[Any] = []
    if indicator in ("reported", "filed"):
        conditions += [CaseRecord.opened_at >= start, CaseRecord.opened_at < end]
        if indicator == "filed":
            conditions += [CaseRecord.status != "cancelled",
                           or_(CaseRecord.outcome.is_(None), CaseRecord.outcome.not_in(not_filed))]
    elif indicator in ("closed", "closed_on_time"):
        at = CaseRecord.closed_at
        conditions += [CaseRecord.status == "closed", CaseRecord.closed_at >= start, CaseRecord.closed_at < end,
                       CaseRecord.outcome.not_in(not_filed)]
        if indicator == "closed_on_time":
            conditions.append(_no_timer_fired())
    elif indicator in ("handled", "handled_on_time", "reworked"):
        conditions.append(CaseRecord.id.in_(_completed(handled, start, end)))
        if indicator == "handled_on_time":
            conditions.append(_no_timer_fired())
        if indicator == "reworked":
            again = aliased(AuditEventRecord)
            conditions.append(select(func.count()).where(
                again.case_id == CaseRecord.id, again.event_type.concat("") == "task_completed",
                again.element_id == handled, again.occurred_at < end).scalar_subquery() > 1)
    elif indicator == "verified":
        conditions.append(CaseRecord.id.in_(_completed(verified, start, end)))
    elif indicator == "with_hops":
        conditions.append(CaseRecord.id.in_(select(AuditEventRecord.case_id).where(
            AuditEventRecord.event_type == "case_dispatched", AuditEventRecord.occurred_at >= start,
            AuditEventRecord.occurred_at < end)))
    return CaseRecord.id, at, conditions


def cases_behind(session: Session, *, indicator: str, by: str, group: str | None, start: datetime, end: datetime,
                 not_filed: tuple[str, ...], handled: str, verified: str, after: int = 0,
                 limit: int = 50) -> list[dict[str, Any]]:
    """One page of the figure's rows, oldest key first: each row is a case (with the time that made it count)
    and its `key` for the next page; an event or inspection set lists a case once per event."""
    if indicator in EVENT_SETS:
        key, at = AuditEventRecord.id, AuditEventRecord.occurred_at
        query = select(key, at, CaseRecord).join(CaseRecord, CaseRecord.id == AuditEventRecord.case_id).where(
            AuditEventRecord.event_type == EVENT_SETS[indicator], AuditEventRecord.occurred_at >= start,
            AuditEventRecord.occurred_at < end)
        column = _group(by)
    elif indicator == "inspector_reports":
        key, at = InspectionRecord.id, InspectionRecord.inspected_at
        query = select(key, at, CaseRecord).join(CaseRecord, CaseRecord.id == InspectionRecord.case_id).where(
            InspectionRecord.inspected_at >= start, InspectionRecord.inspected_at < end)
        column = {"department": InspectionRecord.department, "grid": InspectionRecord.cell,
                  "street": GridCellRecord.street, "person": InspectionRecord.inspector}[by]
        if by == "street":
            query = query.join(GridCellRecord, GridCellRecord.code == InspectionRecord.cell)
        query = _where_group(query, column, group)
        rows = session.execute(query.where(key > after).order_by(key).limit(limit)).all()
        return [_row(k, t, case) for k, t, case in rows]
    elif indicator in CASE_SETS:
        key, at, conditions = _case_set(indicator, start=start, end=end, not_filed=not_filed, handled=handled,
                                        verified=verified)
        query = select(key, at, CaseRecord).where(and_(*conditions))
        column = _group(by)
    else:
        raise ValueError(f"unknown indicator {indicator!r}")
    if by == "street":
        query = query.outerjoin(GridCellRecord, GridCellRecord.code == CaseRecord.grid_cell)
    query = _where_group(query, column, group)
    rows = session.execute(query.where(key > after).order_by(key).limit(limit)).all()
    return [_row(k, t, case) for k, t, case in rows]


def _row(key: int, at: datetime | None, case: CaseRecord) -> dict[str, Any]:
    return {"key": int(key), "at": at, "case_id": case.id, "case_no": case.case_no, "department": case.department,
            "grid_cell": case.grid_cell, "category": case.category, "status": case.status, "stage": case.stage,
            "opened_at": case.opened_at, "closed_at": case.closed_at}


__all__ = ["CASE_SETS", "EVENT_SETS", "INDICATORS", "cases_behind"]
