"""The only package that imports SQLAlchemy: records, the database and its unit of work, and the queries
the services need. SQLite (WAL) by default, PostgreSQL by URL; the schema comes from Alembic migrations."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from datetime import datetime
from typing import Callable, Iterator

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.domain import ConflictError, StaleCaseError

try:
    import fcntl
except ImportError:  # not on Windows: there processes rely on SQLite's own lock
    fcntl = None  # type: ignore[assignment]  # the module is optional; every use checks it first
from engine.store.records import (AuditCheckpointRecord, AuditEventRecord, Base, CaseRecord, CoordinationRecord,
                                  DecisionEvidenceRecord, DepartmentRecord, DocumentRecord, EvidenceCustodyRecord,
                                  ExternalTaskRecord, GridCellRecord, IncidentRecord, InspectionRecord,
                                  MigrationCaseRecord, MigrationPlanRecord,
                                  PartyAccessRecord, ProcedureVersionRecord, ResponsibilityRecord, TaskRecord,
                                  UserRecord)
from engine.store import (assessment, audit_rows, coordination, deadlines, external_tasks, grid,  # noqa: E402
                          incidents, migrations, queries)
from engine.store.blobs import BlobStore, BlobTooLargeError, StoredBlob  # noqa: E402

__all__ = ["migrations", "MigrationCaseRecord", "MigrationPlanRecord", "Store", "Session", "queries", "audit_rows",
           "BlobStore", "BlobTooLargeError", "StoredBlob", "DecisionEvidenceRecord",
           "EvidenceCustodyRecord", "incidents", "external_tasks", "ExternalTaskRecord", "IncidentRecord",
           "coordination", "assessment", "grid", "InspectionRecord", "CoordinationRecord", "ResponsibilityRecord",
           "AuditCheckpointRecord", "AuditEventRecord", "Base", "CaseRecord", "DepartmentRecord", "DocumentRecord",
           "GridCellRecord", "PartyAccessRecord", "ProcedureVersionRecord", "TaskRecord", "UserRecord", "DEFAULT_URL", "APP_ROLE"]

DEFAULT_URL = "sqlite:///var/dueflow.db"
APP_ROLE = "dueflow_app"  # PostgreSQL: may only INSERT and SELECT audit rows (migration 0002 creates it)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_write = ContextVar("dueflow_write_transaction", default=True)


class Store:
    """One database: engine, sessions, migrations, and `transaction()`, the unit of work of every use case."""

    def __init__(self, url: str = DEFAULT_URL, *, echo: bool = False, pool_size: int = 10,
                 app_role: str | None = APP_ROLE, pooled: bool = False, listen_url: str | None = None):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect == "sqlite":
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # every transaction ends in an explicit commit or rollback: no extra ROLLBACK when a connection returns
            self.engine = create_engine(url, echo=echo, pool_reset_on_return=None,
                                        connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            # no pre-ping: it costs a round trip per transaction; recycled connections cover server restarts.
            # Behind a transaction-mode pooler (PgBouncer) a connection's session is shared with other clients:
            # no prepared statements (psycopg prepares a query run five times) and the role is taken per
            # transaction (SET LOCAL) instead of once per connection.
            self.engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=20, pool_recycle=1800,
                                        connect_args={"prepare_threshold": None} if pooled else {})
            if app_role and pooled:
                event.listen(self.engine, "begin", _postgres_local_role(app_role))
            elif app_role:
                event.listen(self.engine, "connect", _postgres_role(app_role))
        self.pooled = pooled
        self.listen_url = listen_url if listen_url is not None or pooled else url
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._writers = _WriterTurns(self.url) if self.dialect == "sqlite" else None
        self._deadline_listeners: list[Callable[[datetime], None]] = []

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (creates it on an empty database)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.owner_connection() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        if self.is_postgres:
            self.engine.dispose()  # connections opened before the role existed take it when they reconnect

    @contextmanager
    def owner_connection(self) -> Iterator[Connection]:
        """A transaction as the login user (the schema's owner), not the application role: migrations, and
        tests and tools that must reach under the engine. PostgreSQL's SET LOCAL ends with the transaction."""
        with self.engine.begin() as connection:
            if self.is_postgres:
                connection.exec_driver_sql("SET LOCAL ROLE NONE")
            yield connection

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One use case, one transaction: commit when the block ends, roll back on any error."""
        if write and self._writers is not None:
            with self._writers:
                with self._transaction(write=True) as session:
                    yield session
            return
        with self._transaction(write=write) as session:
            yield session

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Session]:
        token = _write.set(write)
        session = self._sessions()
        try:
            yield session
            session.commit()
            for callback in session.info.pop("after_commit", ()):
                callback()
            earlier = deadlines.take_noted(session)
            if earlier is not None:
                for listener in list(self._deadline_listeners):
                    listener(earlier)
        except StaleDataError:
            session.rollback()
            raise StaleCaseError("the case was changed by someone else; reload and try again") from None
        except IntegrityError as exc:
            session.rollback()
            raise ConflictError(f"a concurrent change conflicted: {exc.orig}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            _write.reset(token)

    @staticmethod
    def after_commit(session: Session, callback) -> None:
        """Run `callback` once this session's transaction has committed (never after a rollback)."""
        session.info.setdefault("after_commit", []).append(callback)

    def dispose(self) -> None:
        self.engine.dispose()

    def add_deadline_listener(self, listener: Callable[[datetime], None]) -> None:
        """Call `listener(instant)` after each commit of this process that set a case's next timer earlier."""
        self._deadline_listeners.append(listener)

    def remove_deadline_listener(self, listener: Callable[[datetime], None]) -> None:
        if listener in self._deadline_listeners:
            self._deadline_listeners.remove(listener)

    def listen_for_deadlines(self, on_due: Callable[[datetime | None], None], stop: threading.Event) -> None:
        """Block until `stop`, calling `on_due` for deadlines other processes set earlier (PostgreSQL's
        LISTEN on a direct connection: a transaction-mode pooler drops it; `on_due(None)`: look again). SQLite,
        and a pooled store given no direct URL, have no such channel: it returns at once (the loop looks again at
        its re-check interval)."""
        if self.is_postgres and self.listen_url:
            deadlines.listen(self.listen_url, on_due, stop)

    def execute_sql(self, sql: str, **params) -> list:
        """Raw SQL as the owner, for tests and tools that must reach under the engine (e.g. to tamper with
        the audit log as an attacker holding the database's owner rights would)."""
        with self.owner_connection() as connection:
            result = connection.execute(text(sql), params)
            return list(result) if result.returns_rows else []


class _WriterTurns:
    """SQLite has one writer. Writers that contend for its lock wait in its busy handler, which sleeps
    between tries and leaves the lock idle; so writers here take turns: threads on a lock, processes on a
    file lock beside the database, and the next in line starts as soon as the last one commits. Only write
    transactions take a turn, and they are short: a step computes from a snapshot and then writes."""

    def __init__(self, url: str):
        path = url.split("///", 1)[1] if "///" in url else ""
        self._path = path + ".writelock" if path and path != ":memory:" and fcntl else None
        self._threads = threading.RLock()  # re-entrant: a use case may open a write inside another
        self._depth = threading.local()
        self._file = None

    def __enter__(self):
        self._threads.acquire()
        depth = getattr(self._depth, "value", 0)
        if depth == 0 and self._path is not None:
            if self._file is None:
                self._file = open(self._path, "a")
            fcntl.flock(self._file, fcntl.LOCK_EX)
        self._depth.value = depth + 1
        return self

    def __exit__(self, *_exc) -> None:
        self._depth.value -= 1
        if self._depth.value == 0 and self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()


def _postgres_role(role: str):
    """On each new connection, take the application role when it exists and the login user may take it."""
    def connect(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                           (role,))
            found = cursor.fetchone()
            if found and found[0]:
                cursor.execute(f'SET ROLE "{role}"')
        dbapi_connection.commit()  # SET ROLE outlives the transaction that ran it only once committed

    return connect


def _postgres_local_role(role: str):
    """At the start of each transaction, take the application role for that transaction only (SET LOCAL: no
    session state a transaction-mode pooler would hand to another client). Whether the login user may take
    it is asked once."""
    allowed: list[bool] = []

    def begin(connection) -> None:
        if not allowed:
            found = connection.exec_driver_sql(
                "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %(role)s",
                {"role": role}).first()
            if found is None:  # not migrated yet: ask again on the next transaction
                return
            allowed.append(bool(found[0]))
        if allowed[0]:
            connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')

    return begin


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # A write transaction takes the write lock up front, so two steps of one case never interleave.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write.get() else "BEGIN")


def is_lock_timeout(exc: Exception) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()
