"""The Alembic migrations build exactly the schema the records describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store import Base


def test_migrations_match_the_records(store):
    def on_this_database(item, name, kind, reflected, compare_to) -> bool:
        """Records marked for one database only (PostgreSQL's trigram indexes) are compared there only."""
        return item.info.get("only_on", store.dialect) == store.dialect if kind == "index" else True

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": on_this_database})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_the_audit_log_is_protected_by_the_database(store):
    if store.is_postgres:
        triggers = store.execute_sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                                     "AND NOT tgisinternal")
    else:
        triggers = store.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = 'audit_event'")
    assert {name for (name,) in triggers} >= {"audit_event_no_update"}


def test_upgrading_a_log_from_before_tags_keeps_its_triggers_and_names_the_untagged_events(tmp_path):
    """Migration 0002 on a SQLite file that already holds events: the insert-only triggers survive (no table
    rebuild), and verify names the events written before tags existed rather than passing them silently."""
    from alembic import command
    from alembic.config import Config

    from datetime import datetime, timezone

    from engine import audit
    from engine.services import cases
    from engine.services.runtime import Runtime
    from engine.store import MIGRATIONS, AuditEventRecord, Store
    from tests.builders import an_auditor

    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    old = AuditEventRecord(case_id=0, seq=1, occurred_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc), actor="ada",
                           actor_role="admin", event_type="user_added", element_id=None, procedure_version=None,
                           payload="{}", prev_hash=audit.GENESIS)
    store.execute_sql("INSERT INTO audit_event (case_id, seq, occurred_at, actor, actor_role, event_type, payload, "
                      "prev_hash, hash) VALUES (0, 1, '2026-03-02 09:00:00.000000', 'ada', 'admin', 'user_added', "
                      "'{}', :genesis, :h)", genesis=audit.GENESIS, h=audit.event_hash(audit.GENESIS, old))
    store.migrate()
    triggers = {name for (name,) in store.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_event_no_update", "audit_event_no_delete", "audit_checkpoint_no_update"} <= triggers
    report = cases.verify_audit(Runtime(store), actor=an_auditor())
    [problem] = report["problems"]
    assert problem["seq"] == 1 and "no valid tag" in problem["problem"]
    store.dispose()
