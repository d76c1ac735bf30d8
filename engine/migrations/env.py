"""Alembic environment: runs on the connection Store.migrate() hands in, or for the alembic CLI on the URL
it is given (`-x db=URL` or sqlalchemy.url): engine.bootstrap is the only reader of the process environment."""

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
    url = context.get_x_argument(as_dictionary=True).get("db") or context.config.get_main_option("sqlalchemy.url")
    with create_engine(url or "sqlite:///var/dueflow.db").begin() as conn:
        run(conn)
