"""Telling timer loops about earlier deadlines: a write that moves a case's next_due_at earlier notes it on the
session; PostgreSQL also gets a NOTIFY in the same transaction (delivered at commit, never after a rollback),
and the Store calls its in-process listeners after the commit. A listener thread LISTENs for other processes."""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

CHANNEL = "dueflow_deadlines"
NOTIFY_SQL = "SELECT pg_notify('" + CHANNEL + "', %s)"
_EARLIEST = "dueflow_earlier_due"  # session.info key: the earliest newly set next_due_at of the transaction
log = logging.getLogger("dueflow.deadlines")


def note_written(session: Session, record: Any) -> datetime | None:
    """Note the case's next_due_at if this write sets it earlier than it was read (or sets it at all on a case
    read without one); returns it when the listeners should hear of it."""
    due = getattr(record, "next_due_at", None)
    before = getattr(record, "loaded_next_due_at", None)
    if due is None or (before is not None and due >= before):
        return None
    record.loaded_next_due_at = due
    noted = session.info.get(_EARLIEST)
    session.info[_EARLIEST] = due if noted is None else min(noted, due)
    return due


def notify_sql(session: Session, record: Any) -> None:
    """For writes outside the step fast path: note the deadline and, on PostgreSQL, NOTIFY now."""
    due = note_written(session, record)
    if due is not None and session.bind is not None and session.bind.dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_notify(:channel, :due)"),
                                     {"channel": CHANNEL, "due": due.isoformat()})


def take_noted(session: Session) -> datetime | None:
    """The earliest deadline the transaction set earlier (called once it committed)."""
    return session.info.pop(_EARLIEST, None)


def listen(url: str, on_due: Callable[[datetime | None], None], stop: threading.Event,
           *, poll: float = 1.0) -> None:
    """LISTEN for deadlines set earlier by any process on this PostgreSQL, calling `on_due(instant)` for each,
    until `stop` is set. After every (re)connection it calls `on_due(None)`: notifications sent while it was
    not listening are lost, so the caller should look at the database again."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute("LISTEN " + CHANNEL)
                on_due(None)
                while not stop.is_set():
                    for notice in connection.notifies(timeout=poll):
                        on_due(_instant(notice.payload))
        except psycopg.Error as exc:
            log.warning("listening for deadlines failed (%s); connecting again in %.0f s", exc, poll)
            stop.wait(poll)


def _instant(payload: str) -> datetime | None:
    try:
        return datetime.fromisoformat(payload)
    except ValueError:
        return None  # not ours: treat it as "look again"
