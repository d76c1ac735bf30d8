"""Case-changing calls from HTTP requests: on SQLite one at a time per process, on PostgreSQL in the thread pool."""
from __future__ import annotations

import functools
from typing import Any, Callable

import anyio

from engine.store import Store


class Writes:
    """Case-changing calls never run on the event loop: a step waits for the sandbox process that runs its
    procedure code (up to its time budget), and other requests must keep answering meanwhile. On SQLite a
    process runs them one at a time in a worker thread (its threads share one interpreter lock and one
    file); across processes the store makes writers take turns on a file lock, only for the short write
    transaction. On PostgreSQL calls run side by side in the pool."""

    def __init__(self, store: Store):
        self.limiter = anyio.CapacityLimiter(1) if store.dialect == "sqlite" else None

    async def run(self, function: Callable[..., Any], /, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(function, **kwargs), limiter=self.limiter)
