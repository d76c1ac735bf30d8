"""Case-changing calls from HTTP requests: run in a worker thread; on SQLite one at a time per process."""
from __future__ import annotations

import functools
from typing import Any, Callable

import anyio

from engine.store import Store


class Writes:
    """On SQLite each process runs one case-changing call at a time (a limiter of 1): its threads share one
    interpreter lock, so more at once only adds switching. Across processes the store makes writers take
    turns on a file lock, and only for the short write transaction: a step computes from a snapshot first.
    On PostgreSQL calls run side by side in the thread pool."""

    def __init__(self, store: Store):
        self.limiter = anyio.CapacityLimiter(1) if store.dialect == "sqlite" else None

    async def run(self, function: Callable[..., Any], /, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(function, **kwargs), limiter=self.limiter)
