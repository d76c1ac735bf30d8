"""The Alembic migrations build exactly the schema the records describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store import Base


def test_migrations_match_the_records(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], differences


def test_the_audit_log_is_protected_by_the_database(store):
    if store.is_postgres:
        triggers = store.execute_sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                                     "AND NOT tgisinternal")
    else:
        triggers = store.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = 'audit_event'")
    assert {name for (name,) in triggers} >= {"audit_event_no_update"}
