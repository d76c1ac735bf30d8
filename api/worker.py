"""The timer loop, in a background thread of the API or as `dueflow worker`: it sleeps until the next case's
timer falls due, wakes early when a deadline is set earlier, and fires what is due."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from engine.services import timers
from engine.services.runtime import Runtime

log = logging.getLogger("dueflow.timers")
RECHECK = 30.0  # seconds: the longest sleep, in case a notification was missed
RETRY = 5.0  # seconds after the database failed
THREADS = 4  # cases fired side by side on PostgreSQL (SQLite writes one at a time anyway)


class TimerLoop:
    """Fires due timers on time with no interval to tune: it sleeps until the earliest next_due_at of an open
    case, and wakes early when this process sets an earlier deadline or (PostgreSQL) another process NOTIFYs
    one. `recheck` bounds the sleep, for a notification lost on the way. Any number of loops may share one
    database: each due case is claimed in its own transaction (PostgreSQL skips one another worker holds,
    SQLite's write lock serialises them) and checked still due, so each timer fires once."""

    def __init__(self, rt: Runtime, recheck: float = RECHECK, batch: int = timers.BATCH, threads: int = THREADS):
        self.rt, self.recheck, self.batch, self.threads = rt, recheck, batch, threads
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._planned: datetime | None = None  # when the loop means to look next; None while it is awake
        self._thread: threading.Thread | None = None
        self.fired = 0  # cases with timers fired by this loop, for tests and the log

    def run_once(self) -> int:
        """Fire everything due now, batch after batch; how many cases had timers fire."""
        before = self.fired
        self._fire()
        return self.fired - before

    def _fire(self) -> timers.FiredReport:
        """Batch after batch until nothing is due (the report then says when the next timer is) or stop."""
        while True:
            report = timers.fire_due_timers(self.rt, limit=self.batch, batch=self.batch, threads=self.threads)
            if report.cases:
                log.info("fired timers of %d case(s): %s", len(report.cases), ", ".join(report.cases[:10]))
            self.fired += len(report.cases)
            if report.next_due_known or self._stop.is_set():
                return report

    def _on_due(self, due: datetime | None) -> None:
        """A deadline was set earlier (None: notifications may have been lost): wake if it beats the plan."""
        planned = self._planned
        if due is None or planned is None or due < planned:
            self._wake.set()

    def _sleep(self, report: timers.FiredReport) -> None:
        """Until the next timer falls due, a deadline set earlier wakes it, `recheck` passes, or stop."""
        upcoming = report.next_due if report.next_due_known else timers.next_due(self.rt)
        now = self.rt.now()
        seconds = self.recheck
        if upcoming is not None:
            # a millisecond past the due instant, so the timer is due when the loop looks
            seconds = min(seconds, max(0.0, (upcoming - now).total_seconds() + 0.001))
        self._planned = now + timedelta(seconds=seconds)
        if seconds > 0:
            self._wake.wait(seconds)

    def run_forever(self) -> None:
        watching = threading.Event()
        unwatch = timers.watch_deadlines(self.rt, on_due=self._on_due, stop=watching)
        try:
            while not self._stop.is_set():
                self._planned = None  # awake: any deadline set from here on wakes the next sleep at once
                self._wake.clear()
                try:
                    report = self._fire()
                    if not self._stop.is_set():
                        self._sleep(report)
                except Exception:  # the loop must outlive a bad case or a database hiccup: log it, try again
                    log.exception("timer loop failed; retrying in %.0f s", RETRY)
                    self._planned = self.rt.now() + timedelta(seconds=RETRY)
                    self._wake.wait(RETRY)
        finally:
            unwatch()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="dueflow-timers", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
