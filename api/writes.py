"""Case-changing calls from HTTP requests: on SQLite one at a time per process, on PostgreSQL in the thread pool."""
from __future__ import annotations

import functools
from typing import Any, Callable

import anyio

from engine.store import Store


class Writes:
    """On SQLite a process runs case-changing calls one at a time on its event loop: its threads would share
    one interpreter lock, so a worker thread only adds hand-overs (measured: about 0.5 ms a completion).
    Across processes the store makes writers take turns on a file lock, only for the short write
    transaction: a step computes from a snapshot first. On PostgreSQL calls run side by side in the pool."""

    def __init__(self, store: Store):
        self.limiter = anyio.CapacityLimiter(1) if store.dialect == "sqlite" else None

    async def run(self, function: Callable[..., Any], /, **kwargs: Any) -> Any:
        if self.limiter is not None:
            return function(**kwargs)
        return await anyio.to_thread.run_sync(functools.partial(function, **kwargs), limiter=self.limiter)
