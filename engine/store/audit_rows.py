"""Audit rows as plain tuples, streamed in chain order: verification reads millions of them, so it skips the ORM
(objects, identity map) and holds one batch at a time (a server-side cursor on PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import ColumnElement, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from engine.store.records import AuditEventRecord, CaseRecord

BATCH = 10_000


# The fields of a streamed audit row (a plain tuple: verification reads millions, by position).
ID, CASE_ID, SEQ, OCCURRED_AT, ACTOR, ACTOR_ROLE, EVENT_TYPE, ELEMENT_ID, PROCEDURE_VERSION, PAYLOAD, PREV_HASH, \
    HASH, TAG = range(13)
AuditRow = tuple  # OCCURRED_AT is the instant's text as the chain hashes it: 2026-12-01T09:30:00.000000Z


_E = AuditEventRecord


def _instant(session: Session) -> ColumnElement[Any]:
    """occurred_at as the text the chain hashes, formatted by the database (a third of verify's time in Python):
    PostgreSQL formats it in UTC; SQLite returns the stored text, turned into the same form in `_sqlite_instant`."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(literal_column("audit_event.occurred_at AT TIME ZONE 'UTC'"),
                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    stored = "audit_event.occurred_at"
    return type_coerce(literal_column(  # the stored text (2026-12-01 09:30:00.000000) in the chain's form
        f"CASE WHEN length({stored}) = 26 AND substr({stored}, 11, 1) = ' ' AND substr({stored}, 20, 1) = '.' "
        f"THEN substr({stored}, 1, 10) || 'T' || substr({stored}, 12) || 'Z' ELSE {stored} END"), String)


def _sqlite_instant(stored: str) -> str:
    """SQLite's stored text in another shape than the engine writes (written around it), parsed as the store
    parses it, so it hashes exactly as the stored instant does (naive means UTC)."""
    moment = datetime.fromisoformat(stored)
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _rows(session: Session, query) -> Iterator[AuditRow]:
    """The query's rows as the driver returns them (tuples, no result processing), a batch at a time, in the
    session's transaction: a named (server-side) cursor on PostgreSQL, SQLite's own cursor otherwise."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})  # ints only
    driver: Any = connection.connection.driver_connection  # psycopg's or sqlite3's connection
    if connection.dialect.name == "postgresql":
        with driver.cursor(name="dueflow_audit_rows") as cursor:
            cursor.itersize = BATCH
            cursor.execute(str(compiled))
            yield from cursor
        return
    cursor = driver.execute(str(compiled))
    try:
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                if row[OCCURRED_AT][-1:] != "Z":
                    row = (*row[:OCCURRED_AT], _sqlite_instant(row[OCCURRED_AT]), *row[OCCURRED_AT + 1:])
                yield row
    finally:
        cursor.close()


def _columns(session: Session) -> tuple:
    return (_E.id, _E.case_id, _E.seq, _instant(session).label("occurred_at"), _E.actor, _E.actor_role,
            _E.event_type, _E.element_id,
            _E.procedure_version, _E.payload, _E.prev_hash, _E.hash, _E.tag)


def stream_events(session: Session, *, case_id: int | None = None, after_id: int = 0) -> Iterator[AuditRow]:
    """Every event (or one chain's, or those written after row `after_id`) by chain and position."""
    query = select(*_columns(session)).order_by(_E.case_id, _E.seq, _E.id)
    if case_id is not None:
        query = query.where(_E.case_id == case_id)
    if after_id:
        query = query.where(_E.id > after_id)
    return _rows(session, query)


def stream_case_heads(session: Session, case_id: int | None = None) -> Iterator[tuple[int, int, str, str | None]]:
    """(case id, audit_seq, audit_head, case_no) of every case (or one) by id, to merge with the events."""
    query = (select(CaseRecord.id, CaseRecord.audit_seq, CaseRecord.audit_head, CaseRecord.case_no)
             .order_by(CaseRecord.id))
    if case_id is not None:
        query = query.where(CaseRecord.id == case_id)
    for row in session.connection().execute(query.execution_options(yield_per=BATCH)):
        yield row[0], row[1] or 0, row[2] or "", row[3]


def case_heads_of(session: Session, case_ids: list[int]) -> dict[int, tuple[int, str, str | None]]:
    """case id -> (audit_seq, audit_head, case_no) for the given cases (read in chunks)."""
    found: dict[int, tuple[int, str, str | None]] = {}
    for start in range(0, len(case_ids), 1000):
        chunk = case_ids[start:start + 1000]
        rows = session.execute(select(CaseRecord.id, CaseRecord.audit_seq, CaseRecord.audit_head, CaseRecord.case_no)
                               .where(CaseRecord.id.in_(chunk)))
        found.update({row[0]: (row[1] or 0, row[2] or "", row[3]) for row in rows})
    return found


def stream_chains(session: Session, chains: list[int], *, from_seq: int = 1) -> Iterator[AuditRow]:
    """The events of a few chains from position `from_seq` on, by chain and position."""
    query = (select(*_columns(session)).where(_E.case_id.in_(chains), _E.seq >= from_seq)
             .order_by(_E.case_id, _E.seq, _E.id))
    return _rows(session, query)
