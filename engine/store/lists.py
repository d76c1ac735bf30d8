"""The list reads: an officer's worklist and case search. They select the columns a list shows, never workflow
state (tests/contract/test_list_queries.py watches the SQL), and page by keyset: a cursor names the last row
shown, so page 1,000 costs what page 1 does (no OFFSET)."""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Iterable, Sequence, cast

from sqlalchemy import Integer, Row, Table, bindparam, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from engine.store.records import CaseRecord, TaskRecord

_CASE, _TASK = cast(Table, CaseRecord.__table__), cast(Table, TaskRecord.__table__)
_WORK_COLUMNS = (_TASK.c.id, _TASK.c.case_id, _TASK.c.element_id, _TASK.c.name, _TASK.c.role, _TASK.c.stage,
                 _TASK.c.department, _TASK.c.state, _TASK.c.created_at, _TASK.c.due_at, _CASE.c.case_no,
                 _CASE.c.party_name, _CASE.c.procedure_version_id)
_LIST_COLUMNS = (_CASE.c.id, _CASE.c.case_no, _CASE.c.status, _CASE.c.stage, _CASE.c.outcome, _CASE.c.category,
                 _CASE.c.department, _CASE.c.party_name, _CASE.c.address, _CASE.c.grid_cell, _CASE.c.opened_at,
                 _CASE.c.next_due_at)
COUNT_CAP = 1000  # a list counts its matches up to here: "more than 1,000" is all a reader needs beyond it


def worklist(session: Session, *, roles: Iterable[str] | None, departments: Iterable[str] | None,
             case_id: int | None = None, after: tuple[datetime | None, datetime, str] | None = None,
             limit: int = 200) -> Sequence[Row]:
    """READY tasks with their case's number, party and procedure version, soonest due first (undated last),
    starting after the (due_at, created_at, task id) of `after`."""
    params: dict[str, object] = {"roles": list(roles or ()), "departments": list(departments or ()),
                                 "case_id": case_id, "limit": limit}
    if after is not None:
        params.update(after_due=after[0], after_created=after[1], after_id=after[2])
    statement = _worklist_statement(roles is not None, departments is not None, case_id is not None,
                                    None if after is None else after[0] is not None)
    return session.connection().execute(statement, params).all()


@functools.lru_cache(maxsize=64)
def _worklist_statement(by_role: bool, by_department: bool, by_case: bool, after_dated: bool | None):
    """The worklist's statement for one shape of filters, built once: dated and undated tasks are two ordered,
    limited reads of the ready-task index, sent as one statement (one round trip)."""
    query = select(*_WORK_COLUMNS).join(_CASE, _CASE.c.id == _TASK.c.case_id).where(_TASK.c.state == "ready")
    if by_role:
        query = query.where(_TASK.c.role.in_(bindparam("roles", expanding=True)))
    if by_department:
        query = query.where(_TASK.c.department.in_(bindparam("departments", expanding=True)))
    if by_case:
        query = query.where(_TASK.c.case_id == bindparam("case_id"))
    limit = bindparam("limit", type_=Integer)
    created = bindparam("after_created", type_=_TASK.c.created_at.type)
    task_id = bindparam("after_id", type_=_TASK.c.id.type)
    parts = []
    if after_dated is not False:
        dated = query.where(_TASK.c.due_at.is_not(None))
        if after_dated:
            dated = dated.where(tuple_(_TASK.c.due_at, _TASK.c.created_at, _TASK.c.id) > tuple_(
                bindparam("after_due", type_=_TASK.c.due_at.type), created, task_id))
        parts.append(dated.add_columns(literal(0).label("part"))
                     .order_by(_TASK.c.due_at, _TASK.c.created_at, _TASK.c.id).limit(limit).subquery())
    undated = query.where(_TASK.c.due_at.is_(None))
    if after_dated is False:
        undated = undated.where(tuple_(_TASK.c.created_at, _TASK.c.id) > tuple_(created, task_id))
    parts.append(undated.add_columns(literal(1).label("part"))  # due_at (all NULL) keeps the index's order
                 .order_by(_TASK.c.due_at, _TASK.c.created_at, _TASK.c.id).limit(limit).subquery())
    both = union_all(*[select(part) for part in parts]).subquery()
    return select(both).order_by(both.c.part, both.c.due_at, both.c.created_at, both.c.id).limit(limit)


def find_cases(session: Session, *, departments: Iterable[str] | None = None, status: str | None = None,
               stage: str | None = None, grid_cell: str | None = None, text_query: str | None = None,
               category: str | None = None, due_before: datetime | None = None,
               after: int | None = None, limit: int = 50) -> tuple[list[Row], int, bool]:
    """Case summaries newest first, after case id `after`, how many match (counted up to COUNT_CAP) and whether
    more than that do.
    Text matches number, party or address anywhere (PostgreSQL answers it from trigram indexes)."""
    query = select(*_LIST_COLUMNS)
    if category:
        query = query.where(_CASE.c.category == category)
    if due_before is not None:  # open cases whose earliest deadline falls before it (overdue ones too)
        query = query.where(_CASE.c.next_due_at < due_before, _CASE.c.status == "open")
    if departments is not None:
        query = query.where(_CASE.c.department.in_(list(departments)))
    if status:
        query = query.where(_CASE.c.status == status)
    if stage:
        query = query.where(_CASE.c.stage == stage)
    if grid_cell:
        query = query.where(_CASE.c.grid_cell == grid_cell)
    if text_query:
        like = f"%{text_query}%"
        query = query.where(or_(_CASE.c.case_no.like(like), _CASE.c.party_name.like(like), _CASE.c.address.like(like)))
    connection = session.connection()
    counted = query.with_only_columns(_CASE.c.id).limit(COUNT_CAP + 1).subquery()
    total = connection.execute(select(func.count()).select_from(counted)).scalar_one()
    if after is not None:
        query = query.where(_CASE.c.id < after)
    rows = list(connection.execute(query.order_by(_CASE.c.id.desc()).limit(limit)).all())
    return rows, min(total, COUNT_CAP), total > COUNT_CAP
