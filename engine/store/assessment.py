"""The assessment's SQL: grouped counts over case rows and audit events in a period. It reads case columns
(department, grid cell, opener, status, outcome, times) and event type, element, case and time only: never
workflow state, event payloads or anything holding an amount (PL 74: fines are no measure of enforcement)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, any_, case, cast, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from engine.store.records import AuditEventRecord, CaseRecord, GridCellRecord, InspectionRecord

Figures = dict[str, dict[str, float]]


def _group(by: str):
    return {"department": CaseRecord.department, "grid": CaseRecord.grid_cell, "street": GridCellRecord.street,
            "person": CaseRecord.opened_by}[by]


def _joined(query, by: str):
    """Cases with their cell's street when grouping by street (the query's left side must be the cases)."""
    if by == "street":
        return query.outerjoin(GridCellRecord, GridCellRecord.code == CaseRecord.grid_cell)
    return query


def _no_timer_fired():
    """No legal or handling period of the case ran out: nothing was late. One hashed set of the cases that had a
    timer fire (read from the type index), not a probe per case."""
    return CaseRecord.id.not_in(select(AuditEventRecord.case_id).where(AuditEventRecord.event_type == "timer_fired"))


def _without_jit(session: Session) -> None:
    """PostgreSQL settings for these grouped reads, for this transaction only: no compiling of plans to machine
    code (JIT costs more than it saves here), and memory enough to sort a month's hops without spilling to disk."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"))


def _by_case(column):
    """The event type as an expression no index covers, so that a per-case subquery walks the case's own events
    (the (case_id, seq) key) instead of every event of that type (SQLite would pick the type index)."""
    return column.concat("")


def case_figures(session: Session, *, by: str, start: datetime, end: datetime, not_filed: tuple[str, ...]) -> Figures:
    _without_jit(session)
    out: Figures = defaultdict(lambda: defaultdict(float))
    group = _group(by)
    opened = _joined(select(group, func.count(), func.sum(case(
        (CaseRecord.status == "cancelled", 0), (CaseRecord.outcome.in_(not_filed), 0), else_=1))).select_from(
        CaseRecord), by).where(
        CaseRecord.opened_at >= start, CaseRecord.opened_at < end).group_by(group)
    for key, reported, filed in session.execute(opened):
        out[key or ""].update(reported=reported, filed=float(filed or 0))
    closed = _joined(select(group, func.count(), func.sum(case((_no_timer_fired(), 1), else_=0))).select_from(
        CaseRecord), by).where(
        # the status as an expression no index covers: nine cases in ten are closed, the period's index decides
        _by_case(CaseRecord.status) == "closed", CaseRecord.closed_at >= start, CaseRecord.closed_at < end,
        CaseRecord.outcome.not_in(not_filed)).group_by(group)
    for key, count, on_time in session.execute(closed):
        out[key or ""].update(closed=count, closed_on_time=float(on_time or 0))
    return out


def event_figures(session: Session, *, by: str, start: datetime, end: datetime,
                  kinds: dict[str, tuple[str, str | None]]) -> Figures:
    """Per group and named kind (event type, element or None): events and distinct cases in the period."""
    _without_jit(session)
    out: Figures = defaultdict(lambda: defaultdict(float))
    group = _group(by)
    # one pass over the period's events of every kind, each case joined once (not once per kind)
    matches = {name: AuditEventRecord.event_type == event_type if element is None else and_(
        AuditEventRecord.event_type == event_type, AuditEventRecord.element_id == element)
        for name, (event_type, element) in kinds.items()}
    columns = [column for match in matches.values() for column in (
        func.count(case((match, 1))), func.count(func.distinct(case((match, AuditEventRecord.case_id)))))]
    query = _joined(select(group, *columns).select_from(AuditEventRecord).join(
        CaseRecord, CaseRecord.id == AuditEventRecord.case_id), by).where(
        AuditEventRecord.event_type.in_(sorted({event_type for event_type, _ in kinds.values()})),
        AuditEventRecord.occurred_at >= start, AuditEventRecord.occurred_at < end, or_(*matches.values()))
    for key, *counts in session.execute(query.group_by(group)):
        for index, name in enumerate(matches):
            events, cases_ = counts[2 * index], counts[2 * index + 1]
            if events:
                out[key or ""][name] = events
                out[key or ""][name + "_cases"] = cases_
    return out


def handled_figures(session: Session, *, by: str, start: datetime, end: datetime, element: str) -> Figures:
    """Cases whose handling was fed back in the period: how many, how many with no period run out, and how
    many needed it more than once (rework after a failed check)."""
    _without_jit(session)
    out: Figures = defaultdict(lambda: defaultdict(float))
    group = _group(by)
    in_period = select(AuditEventRecord.case_id).where(
        AuditEventRecord.event_type == "task_completed", AuditEventRecord.element_id == element,
        AuditEventRecord.occurred_at >= start, AuditEventRecord.occurred_at < end).distinct().subquery()
    again = aliased(AuditEventRecord)
    fed_back = select(func.count()).where(
        again.case_id == CaseRecord.id, _by_case(again.event_type) == "task_completed", again.element_id == element,
        again.occurred_at < end).scalar_subquery()
    query = _joined(select(group, func.count(), func.sum(case((_no_timer_fired(), 1), else_=0)),
                           func.sum(case((fed_back > 1, 1), else_=0))).select_from(CaseRecord).join(
        in_period, in_period.c.case_id == CaseRecord.id), by)
    for key, handled, on_time, reworked in session.execute(query.group_by(group)):
        out[key or ""].update(handled=handled, handled_on_time=float(on_time or 0), reworked=float(reworked or 0))
    return out


def hops(session: Session, *, start: datetime, end: datetime, types: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """(case id, opened_at, group columns, event type, time) of the hop events of cases dispatched in the
    period, oldest first: the service adds up the hours each case spent with no department."""
    _without_jit(session)
    dispatched = select(AuditEventRecord.case_id).where(
        AuditEventRecord.event_type == "case_dispatched", AuditEventRecord.occurred_at >= start,
        AuditEventRecord.occurred_at < end).distinct()
    query = select(CaseRecord.id, CaseRecord.opened_at, CaseRecord.department, CaseRecord.grid_cell,
                   GridCellRecord.street, CaseRecord.opened_by, AuditEventRecord.event_type,
                   AuditEventRecord.occurred_at).select_from(CaseRecord).join(
        AuditEventRecord, and_(AuditEventRecord.case_id == CaseRecord.id, AuditEventRecord.event_type.in_(types))
    ).outerjoin(GridCellRecord, GridCellRecord.code == CaseRecord.grid_cell).order_by(
        CaseRecord.id, AuditEventRecord.seq)
    if session.get_bind().dialect.name == "postgresql":
        # the period's case ids as one array: PostgreSQL then reads each case's hops from the (case, type) index
        # instead of hashing every hop event ever recorded
        ids = cast(select(func.array_agg(dispatched.subquery().c.case_id)).scalar_subquery(), ARRAY(Integer))
        query = query.where(CaseRecord.id == any_(ids), AuditEventRecord.case_id == any_(ids))
    else:
        period = dispatched.subquery()
        query = query.join(period, period.c.case_id == CaseRecord.id)
    return [tuple(row) for row in session.execute(query)]


def inspection_figures(session: Session, *, by: str, start: datetime, end: datetime) -> Figures:
    out: Figures = defaultdict(lambda: defaultdict(float))
    group = {"department": InspectionRecord.department, "grid": InspectionRecord.cell,
             "street": GridCellRecord.street, "person": InspectionRecord.inspector}[by]
    query = select(group, func.count(), func.count(InspectionRecord.case_id)).select_from(InspectionRecord)
    if by == "street":
        query = query.join(GridCellRecord, GridCellRecord.code == InspectionRecord.cell)
    query = query.where(InspectionRecord.inspected_at >= start, InspectionRecord.inspected_at < end)
    for key, inspections, reports in session.execute(query.group_by(group)):
        out[key or ""].update(inspections=inspections, inspector_reports=reports)
    return out
