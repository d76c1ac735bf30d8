"""The checkpoint loop: every few seconds, while audit events arrive, sign a checkpoint over every chain's head
and append it to the witness file. One thread per serving process; several processes take turns on the
system-chain lock, and a checkpoint with no new event since the last is skipped."""
from __future__ import annotations

import logging
import threading

from engine.domain import Actor
from engine.services.audit_trail import take_checkpoint
from engine.services.runtime import Runtime

log = logging.getLogger("dueflow.checkpoints")
CHECKPOINTER = Actor.system("checkpoint")


class CheckpointLoop:
    """Calls take_checkpoint(only_if_new=True) every `interval` seconds, in a daemon thread of its own."""

    def __init__(self, rt: Runtime, interval: float = 5.0):
        self.rt, self.interval = rt, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.taken = 0

    def run_once(self) -> bool:
        entry = take_checkpoint(self.rt, actor=CHECKPOINTER, only_if_new=True)
        if entry is not None:
            self.taken += 1
            log.debug("checkpoint %s over %s chains, root %s", entry["id"], entry["chains"], entry["root"])
        return entry is not None

    def run_forever(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # a database hiccup must not end the loop: the window stays one interval longer
                log.exception("audit checkpoint failed; retrying in %.0f s", self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="dueflow-checkpoints", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        try:
            self.run_once()  # the events of the last interval are signed before the process ends
        except Exception:
            log.exception("final audit checkpoint failed")
