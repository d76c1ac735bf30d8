"""The timer loop: fire due timers every few seconds, in a background thread of the API or as `dueflow worker`."""
from __future__ import annotations

import logging
import threading

from engine.services.runtime import Runtime
from engine.services.timers import fire_due_timers

log = logging.getLogger("dueflow.timers")
BATCH = 200


class TimerLoop:
    """Calls fire_due_timers every `interval` seconds (at once again while a batch came back full). Any number
    of loops may share one database: PostgreSQL claims each due case with FOR UPDATE SKIP LOCKED, SQLite's
    write lock serialises them, and a case that is no longer due is skipped, so each fires once."""

    def __init__(self, rt: Runtime, interval: float = 5.0, batch: int = BATCH):
        self.rt, self.interval, self.batch = rt, interval, batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired = 0  # cases with timers fired by this loop, for tests and the log

    def run_once(self) -> int:
        report = fire_due_timers(self.rt, limit=self.batch)
        if report.cases:
            log.info("fired timers of %d case(s): %s", len(report.cases), ", ".join(report.cases[:10]))
        self.fired += len(report.cases)
        return len(report.cases)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                full = self.run_once() >= self.batch
            except Exception:  # the loop must outlive a bad case or a database hiccup: log it, try again later
                log.exception("timer loop failed; retrying in %.0f s", self.interval)
                full = False
            if not full:
                self._stop.wait(self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="dueflow-timers", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
