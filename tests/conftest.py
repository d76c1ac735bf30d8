"""Shared fixtures: a fresh real database per test (SQLite always, PostgreSQL when reachable), a clock
tests move by hand, and the runtime the services take."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.domain import FixedClock
from engine.services.runtime import Runtime
from engine.settings import Settings
from engine.store import Base, Store

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("DUEFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SKIPPED: list[str] = []


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "dueflow.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database():
    """A PostgreSQL database of this test run's own (dropped at the end), or a skip naming why there is none."""
    if PG_ADMIN_URL.lower() in ("", "off", "none"):
        pytest.skip("PostgreSQL tests disabled (DUEFLOW_TEST_PG=off)")
    name = f"dueflow_test_{os.getpid()}"
    admin = Store(PG_ADMIN_URL, app_role=None)  # creates and drops databases: the login user itself
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            from sqlalchemy import text

            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # no server here: the plain test command must still pass on SQLite
        admin.dispose()
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"
        if os.environ.get("DUEFLOW_REQUIRE_PG") == "1":
            pytest.fail(reason + " (DUEFLOW_REQUIRE_PG=1: CI must test PostgreSQL)")
        pytest.skip(reason)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    store = Store(url)
    store.migrate()
    store.dispose()
    yield url
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        from sqlalchemy import text

        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _fresh_sqlite(template: Path, tmp_path: Path) -> Store:
    path = tmp_path / "dueflow.db"
    shutil.copy(template, path)
    return Store(f"sqlite:///{path}")


_PROTECTION = [  # a tamper test may have dropped a trigger: every test starts protected
    "CREATE OR REPLACE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_insert_only()",
    "CREATE OR REPLACE TRIGGER audit_checkpoint_no_update BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_insert_only()",
    "CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()",
    "CREATE OR REPLACE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()",
]


def _fresh_postgres(url: str) -> Store:
    store = Store(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with store.owner_connection() as connection:  # as the owner: the application role may not TRUNCATE
        for table in ("audit_event", "audit_checkpoint"):
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        for table in ("audit_event", "audit_checkpoint"):
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for statement in _PROTECTION:
            connection.exec_driver_sql(statement)
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, sqlite_template, tmp_path):
    """The contract fixture: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        db = _fresh_sqlite(sqlite_template, tmp_path)
    else:
        db = _fresh_postgres(request.getfixturevalue("pg_database"))
    yield db
    db.dispose()


@pytest.fixture
def sqlite_store(sqlite_template, tmp_path):
    db = _fresh_sqlite(sqlite_template, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_store(pg_database):
    db = _fresh_postgres(pg_database)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))  # a Monday


def settings_for(tmp_path: Path) -> Settings:
    """Fresh keys per test, and a witness file of the test's own."""
    return Settings.ephemeral(witness_path=tmp_path / "audit-witness.log")


@pytest.fixture
def rt(store, clock, tmp_path) -> Runtime:
    return Runtime(store, clock, settings=settings_for(tmp_path))


@pytest.fixture
def sqlite_rt(sqlite_store, clock, tmp_path) -> Runtime:
    return Runtime(sqlite_store, clock, settings=settings_for(tmp_path))


def pytest_runtest_logreport(report):
    # only the skips for want of a server: a PostgreSQL test may skip for its own reason (no Citus) and says so
    reason = report.longrepr[2] if report.skipped and isinstance(report.longrepr, tuple) else ""
    if report.skipped and "postgres" in report.keywords and reason.startswith(("Skipped: PostgreSQL", "PostgreSQL")):
        PG_SKIPPED.append(report.nodeid)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    if PG_SKIPPED:
        terminalreporter.write_line(
            f"PostgreSQL: {len(PG_SKIPPED)} test(s) skipped because no PostgreSQL was reachable "
            f"(set DUEFLOW_TEST_PG to a server URL to run them), e.g. {PG_SKIPPED[0]}")
