"""Case-changing calls from HTTP requests: run in a worker thread, and on SQLite one writer at a time, queued."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import anyio

from engine.store import Store

try:
    import fcntl
except ImportError:  # not on Windows: there the processes fall back to SQLite's own lock
    fcntl = None


class Writes:
    """SQLite has one writer per database. Threads or processes that contend for its lock wait in its busy
    handler, which sleeps 1, 2, 5 ... 100 ms between tries, so the lock often sits free while they sleep (and
    a process running several at once spends CPU switching between them). So on SQLite each process runs one
    write at a time (a limiter of 1), and processes take turns on a file lock beside the database, which
    wakes the next waiter at once. Measured with bench/http_bench.py (8 client threads): one process 178 ->
    202 completions/s, three processes 188 -> 255. On PostgreSQL writes run side by side in the thread pool."""

    def __init__(self, store: Store):
        sqlite = store.dialect == "sqlite"
        self.limiter = anyio.CapacityLimiter(1) if sqlite else None
        path = store.url.split("///", 1)[1] if sqlite and "///" in store.url else ""
        self._lock_path = path + ".writelock" if path and path != ":memory:" and fcntl else None
        self._lock_file = None
        self._opening = threading.Lock()

    async def run(self, function: Callable[..., Any], /, **kwargs: Any) -> Any:
        call = functools.partial(function, **kwargs)
        if self._lock_path is not None:
            call = functools.partial(self._locked, call)
        return await anyio.to_thread.run_sync(call, limiter=self.limiter)

    def _locked(self, call: Callable[[], Any]) -> Any:
        with self._opening:
            if self._lock_file is None:
                self._lock_file = open(self._lock_path, "a")
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            return call()
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
