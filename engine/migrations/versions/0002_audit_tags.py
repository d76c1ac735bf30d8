"""audit tags and signed checkpoints; on PostgreSQL an application role that may only add and read audit rows,
and a statement trigger that refuses TRUNCATE

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

APP_ROLE = "dueflow_app"  # engine.store.APP_ROLE: the store takes this role on every connection

# Events written before this revision have no tag: verify names them (they cannot be told from forgeries).
# op.add_column, not a batch: on SQLite a batch would rebuild the table and lose its insert-only triggers.
_COLUMNS: list[tuple[str, sa.Column]] = [
    ("audit_event", sa.Column("tag", sa.String(length=64), nullable=False, server_default="")),
    ("audit_checkpoint", sa.Column("key_id", sa.String(length=16), nullable=False, server_default="")),
    ("audit_checkpoint", sa.Column("signature", sa.String(length=128), nullable=False, server_default="")),
    ("audit_checkpoint", sa.Column("last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                   nullable=False, server_default="0")),
]

_POSTGRES_TRUNCATE = [
    "CREATE OR REPLACE FUNCTION audit_no_truncate() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '% is insert-only: TRUNCATE refused', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()",
    "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()",
    # checkpoints are insert-only too: a deleted or replaced one is exactly what an attacker would want
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE OR DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_insert_only()",
]
_SQLITE_CHECKPOINT = [
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is insert-only'); END",
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is insert-only'); END",
]

# The role is cluster-wide and created once (NOLOGIN: the login user takes it with SET ROLE); the grants are
# per database. Migrations run as the owner; the application, as the role, may change the working tables but
# only INSERT and SELECT audit rows. Default privileges cover tables later migrations add. An owner without
# CREATEROLE gets no role, and the application keeps running as the owner (the triggers still hold).
_POSTGRES_ROLE = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
      RAISE NOTICE 'no role {APP_ROLE}: the owner may not create roles';
      RETURN;
    END IF;
    BEGIN
      CREATE ROLE {APP_ROLE} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- created meanwhile by another database
    END;
  END IF;
  IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', current_schema());
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {APP_ROLE}',
                 current_schema());
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {APP_ROLE}', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES '
                 'TO {APP_ROLE}', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}',
                 current_schema());
  REVOKE UPDATE, DELETE, TRUNCATE ON audit_event, audit_checkpoint FROM {APP_ROLE};
  REVOKE ALL ON alembic_version FROM {APP_ROLE};
END
$$
"""


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.add_column(table, column)
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_TRUNCATE:
            op.execute(statement)
        op.execute(_POSTGRES_ROLE)
    else:
        for statement in _SQLITE_CHECKPOINT:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_update ON audit_checkpoint")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_checkpoint")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_no_truncate()")
        op.execute(f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
                   f"EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {APP_ROLE}', current_schema()); "
                   "END IF; END $$")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_delete")
    for table, column in reversed(_COLUMNS):
        op.drop_column(table, column.name)
