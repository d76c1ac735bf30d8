"""Alembic environment: runs on the connection Store.migrate() hands in, or on DUEFLOW_DB for the CLI."""
import os

from alembic import context
from sqlalchemy import create_engine

from engine.store.records import Base

target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with create_engine(os.environ.get("DUEFLOW_DB", "sqlite:///var/dueflow.db")).begin() as conn:
        run(conn)
