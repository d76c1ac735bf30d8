"""The statements of every step, run on the driver's own cursor inside the session's transaction.

A step runs six statements; through SQLAlchemy's execution layer each cost several times the database's own
work (bench/engine_bench.py measured it), so these few go straight to the DB-API cursor. Values are encoded
exactly as SQLAlchemy's column types store them, so rows written here and rows written through the ORM read
back the same on both databases."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import Session

from engine.store import deadlines
from engine.store.records import AuditEventRecord, CaseRecord, TaskRecord, UTCDateTime

_CASE, _TASK, _AUDIT = CaseRecord.__table__, TaskRecord.__table__, AuditEventRecord.__table__
CASE_COLUMNS = [c.key for c in _CASE.columns]
TASK_COLUMNS = [c.key for c in _TASK.columns]
AUDIT_COLUMNS = [c.key for c in _AUDIT.columns if c.key != "id"]
MUTABLE_CASE_COLUMNS = ["department", "status", "stage", "outcome", "closed_at", "suspended_at", "next_due_at",
                        "deadlines", "workflow_state", "audit_seq", "audit_head",
                        "procedure_version_id"]  # changes only when a migration moves the case
_DATETIMES = {c.key for t in (_CASE, _TASK, _AUDIT) for c in t.columns if isinstance(c.type, UTCDateTime)}
_JSONS = {c.key for t in (_CASE, _TASK, _AUDIT) for c in t.columns if isinstance(c.type, JSON)}
_SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores a value


class _Dialect:
    """SQL text and value encoding for one database."""

    def __init__(self, name: str):
        self.postgres = name == "postgresql"
        mark = "%s" if self.postgres else "?"
        lock = " FOR UPDATE" if self.postgres else ""
        case_cols = ", ".join(f"c.{c}" for c in CASE_COLUMNS)
        task_cols = ", ".join(f"t.{c}" for c in TASK_COLUMNS)
        self.select_case = f"SELECT {case_cols} FROM enforcement_case c WHERE c.id = {mark}"
        self.select_case_locked = self.select_case + lock
        # a due case for the timer loop: still open and due, locked, and skipped when another worker holds it
        self.claim_due_case = (self.select_case + f" AND c.status = 'open' AND c.next_due_at <= {mark}"
                               + (" FOR UPDATE SKIP LOCKED" if self.postgres else ""))
        self.select_task_case = (f"SELECT {task_cols}, {case_cols} FROM task t JOIN enforcement_case c "
                                 f"ON c.id = t.case_id WHERE t.id = {mark}")
        self.select_task_case_locked = self.select_task_case + (" FOR UPDATE OF c" if self.postgres else "")
        sets = ", ".join(f"{c} = {mark}" for c in MUTABLE_CASE_COLUMNS + ["row_version"])
        self.update_case = f"UPDATE enforcement_case SET {sets} WHERE id = {mark} AND row_version = {mark}"
        self.insert_task = (f"INSERT INTO task ({', '.join(TASK_COLUMNS)}) "
                            f"VALUES ({', '.join([mark] * len(TASK_COLUMNS))})")
        # by case and task id: every statement of a step names its case (distributed by case_id, docs/scaling.md)
        self.finish_task = (f"UPDATE task SET state = {mark}, finished_at = {mark}, finished_by = {mark} "
                            f"WHERE case_id = {mark} AND id = {mark}")
        self.move_task_due = f"UPDATE task SET due_at = {mark} WHERE case_id = {mark} AND id = {mark}"
        self.insert_audit = (f"INSERT INTO audit_event ({', '.join(AUDIT_COLUMNS)}) "
                             f"VALUES ({', '.join([mark] * len(AUDIT_COLUMNS))})")
        if self.postgres:
            from psycopg.types.json import Json

            self._json = Json

    def encode(self, column: str, value: Any) -> Any:
        if value is None:
            return None
        if column in _DATETIMES:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
            return value if self.postgres else value.astimezone(timezone.utc).strftime(_SQLITE_FORMAT)
        if column in _JSONS:
            return self._json(value) if self.postgres else json.dumps(value)
        return value

    def decode(self, column: str, value: Any) -> Any:
        if value is None:
            return None
        if column in _DATETIMES:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
        if column in _JSONS and isinstance(value, str):
            return json.loads(value)
        return value


_DIALECTS: dict[str, _Dialect] = {}


def _cursor(session: Session):
    """The dialect and a cursor on the session's own connection (asked for once per transaction)."""
    found = session.info.get("fastpath")
    if found is None:
        connection = session.connection()  # begins the session's transaction (BEGIN IMMEDIATE on SQLite)
        name = connection.dialect.name
        dialect = _DIALECTS.get(name) or _DIALECTS.setdefault(name, _Dialect(name))
        driver = connection.connection.driver_connection
        if driver is None:  # the pool invalidated the connection under us: the session's transaction is gone
            raise RuntimeError("the database connection was invalidated; retry the step")
        found = session.info["fastpath"] = (dialect, driver)
    return found[0], found[1].cursor()


class Row:
    """A record read for a step: plain attributes named as the columns (building an ORM instance, with its
    instrumentation, cost more than the query). Written back only through this module."""

    def __init__(self, **values: Any):
        self.__dict__.update(values)


def _record(cls, columns: list[str], dialect: _Dialect, values) -> Any:
    row = Row(**{c: dialect.decode(c, v) for c, v in zip(columns, values)})
    if cls is CaseRecord:  # to tell, when it is written back, whether its deadline moved earlier
        row.__dict__["loaded_next_due_at"] = row.__dict__["next_due_at"]
    return row


def case(session: Session, case_id: int, *, lock: bool) -> CaseRecord | None:
    dialect, cursor = _cursor(session)
    cursor.execute(dialect.select_case_locked if lock else dialect.select_case, (case_id,))
    row = cursor.fetchone()
    return _record(CaseRecord, CASE_COLUMNS, dialect, row) if row else None


def claim_due_case(session: Session, case_id: int, now: datetime) -> CaseRecord | None:
    """The case, locked, if it is still open and due at `now`; None when it is not, or (PostgreSQL) when
    another transaction holds it: then another worker is firing it."""
    dialect, cursor = _cursor(session)
    cursor.execute(dialect.claim_due_case, (case_id, dialect.encode("next_due_at", now)))
    row = cursor.fetchone()
    return _record(CaseRecord, CASE_COLUMNS, dialect, row) if row else None


def task_with_case(session: Session, task_id: str, *, lock: bool) -> tuple[TaskRecord, CaseRecord] | None:
    dialect, cursor = _cursor(session)
    cursor.execute(dialect.select_task_case_locked if lock else dialect.select_task_case, (task_id,))
    row = cursor.fetchone()
    if row is None:
        return None
    split = len(TASK_COLUMNS)
    return (_record(TaskRecord, TASK_COLUMNS, dialect, row[:split]),
            _record(CaseRecord, CASE_COLUMNS, dialect, row[split:]))


def write_step(session: Session, record: CaseRecord, *, new_tasks: list[TaskRecord],
               finished: list[tuple[str, datetime, str, list[str]]], events: list[AuditEventRecord]) -> bool:
    """Everything a step writes: the case row if it still has the version read (False, and nothing written,
    when someone else changed the case meanwhile), then together (one pipelined round trip on PostgreSQL)
    new task rows, closed task rows (state, at, by, ids; state "due" moves due_at), the audit events."""
    dialect, cursor = _cursor(session)
    task_rows = [tuple(dialect.encode(c, getattr(r, c)) for c in TASK_COLUMNS) for r in new_tasks]
    finish_rows = [(state, dialect.encode("finished_at", at), by, record.id, i)
                   for state, at, by, ids in finished if state != "due" for i in ids]
    due_rows = [(dialect.encode("due_at", at), record.id, i)
                for state, at, _, ids in finished if state == "due" for i in ids]
    event_rows = [tuple(dialect.encode(c, getattr(e, c)) for c in AUDIT_COLUMNS) for e in events]
    case_values = [dialect.encode(c, getattr(record, c)) for c in MUTABLE_CASE_COLUMNS]

    # The case row first: a concurrent writer of the same case waits here for the row, then finds its
    # version gone and writes nothing else (no duplicate audit sequence numbers to collide on).
    cursor.execute(dialect.update_case, (*case_values, record.row_version + 1, record.id, record.row_version))
    if cursor.rowcount != 1:
        return False
    earlier = deadlines.note_written(session, record)

    def send() -> None:
        if earlier is not None and dialect.postgres:  # delivered to listeners when this transaction commits
            cursor.execute(deadlines.NOTIFY_SQL, (earlier.isoformat(),))
        if task_rows:
            cursor.executemany(dialect.insert_task, task_rows)
        if finish_rows:
            cursor.executemany(dialect.finish_task, finish_rows)
        if due_rows:
            cursor.executemany(dialect.move_task_due, due_rows)
        if event_rows:
            cursor.executemany(dialect.insert_audit, event_rows)

    if dialect.postgres:
        with cursor.connection.pipeline():
            send()
    else:
        send()
    return True


def update_case(session: Session, record: CaseRecord) -> bool:
    """Write the changing columns if the row still has the version read; False when someone else changed it."""
    dialect, cursor = _cursor(session)
    values = [dialect.encode(c, getattr(record, c)) for c in MUTABLE_CASE_COLUMNS]
    cursor.execute(dialect.update_case, (*values, record.row_version + 1, record.id, record.row_version))
    if cursor.rowcount != 1:
        return False
    earlier = deadlines.note_written(session, record)
    if earlier is not None and dialect.postgres:
        cursor.execute(deadlines.NOTIFY_SQL, (earlier.isoformat(),))
    return True


def insert_audit_events(session: Session, events: list[AuditEventRecord]) -> None:
    if events:
        dialect, cursor = _cursor(session)
        cursor.executemany(dialect.insert_audit, [
            tuple(dialect.encode(c, getattr(event, c)) for c in AUDIT_COLUMNS) for event in events])
