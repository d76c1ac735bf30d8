"""The server's side of the sandbox: a pool of locked-down worker processes that run every step of procedure
code, so a script that loops, allocates without end or escapes the language cannot touch the server.

A worker is a fresh interpreter (`python -I -m engine.sandbox_main`) with an empty environment: it holds no
secret, no database connection and, once started, cannot open a file or socket (see sandbox_worker). It
speaks length-prefixed JSON on its stdin and stdout; JSON, never pickle, so a compromised worker can send
nothing but data. A worker that overruns its wall-clock allowance is killed and replaced.
"""
from __future__ import annotations

import json
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from engine.domain import BudgetExceededError, SandboxError

_HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024
ENTRY_MODULE = "engine.sandbox_main"


def write_frame(fd: int, message: dict[str, Any]) -> None:
    body = json.dumps(message, separators=(",", ":"), allow_nan=False, default=str).encode()
    data = _HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd: int, size: int, deadline: float | None = None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> dict[str, Any]:
    (size,) = _HEADER.unpack(read_exactly(fd, _HEADER.size, deadline))
    if size > MAX_FRAME:
        raise SandboxError(f"the sandbox sent {size} bytes, more than {MAX_FRAME}")
    message = json.loads(read_exactly(fd, size, deadline))
    if not isinstance(message, dict):
        raise SandboxError("the sandbox sent something that is not a message")
    return message


@dataclass
class _Worker:
    process: subprocess.Popen
    known: set[str] = field(default_factory=set)  # procedure sha256s this worker has parsed
    served: int = 0

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class SandboxPool:
    """Worker processes shared by every Runtime of this process; `call` is thread-safe."""

    RECYCLE_AFTER = 20_000  # requests: a long-lived worker is replaced now and then, whatever happened in it

    def __init__(self, *, size: int = 2, memory_mib: int = 256, grace_seconds: float = 3.0, jurisdiction: str = "cn"):
        self.size, self.memory_mib, self.grace_seconds = size, memory_mib, grace_seconds
        self.jurisdiction = jurisdiction  # the legal calendar procedure code counts periods on
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()
        self.killed = 0  # workers killed for overrunning their allowance (for tests and the operator)

    def _spawn(self) -> _Worker:
        command = [sys.executable, "-I", "-m", ENTRY_MODULE, "--memory-mib", str(self.memory_mib),
                   "--jurisdiction", self.jurisdiction]
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "random"}
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env=env, close_fds=True, cwd="/")
        return _Worker(process)

    def _take(self) -> _Worker:
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                spawn = self._started < self.size
                if spawn:
                    self._started += 1
            worker = self._spawn() if spawn else self._idle.get()
        if not worker.alive:
            worker.kill()
            worker = self._spawn()
        return worker

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        if not healthy or worker.served >= self.RECYCLE_AFTER or not worker.alive:
            worker.kill()
            worker = self._spawn()
        self._idle.put(worker)

    def call(self, request: dict[str, Any], *, sha256: str, files: Callable[[], dict[str, str]],
             seconds: float) -> dict[str, Any]:
        """Send one request for the procedure `sha256` (its files sent once per worker); the answer, or
        BudgetExceededError when the worker had to be killed, SandboxError when it broke."""
        worker, healthy = self._take(), False
        try:
            message = dict(request, sha256=sha256, seconds=seconds)
            if sha256 not in worker.known:
                message["files"] = files()
            deadline = time.monotonic() + seconds + self.grace_seconds + (0 if sha256 in worker.known else 5)
            stdin, stdout = worker.process.stdin, worker.process.stdout
            if stdin is None or stdout is None:  # _spawn always opens both pipes
                raise SandboxError("a sandbox worker without its pipes")
            try:
                write_frame(stdin.fileno(), message)
                answer = read_frame(stdout.fileno(), deadline)
            except TimeoutError:
                self.killed += 1
                raise BudgetExceededError(
                    f"the procedure's code ran past its time budget ({seconds:g} s of CPU) and was stopped") from None
            except (EOFError, BrokenPipeError, OSError, ValueError) as exc:
                raise SandboxError(f"the sandbox process failed: {type(exc).__name__}") from None
            worker.known.add(sha256)
            worker.served += 1
            healthy = not answer.get("recycle")
            return answer
        finally:
            self._give_back(worker, healthy)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break


_POOLS: dict[tuple[int, int, str], SandboxPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(*, size: int, memory_mib: int, jurisdiction: str = "cn") -> SandboxPool:
    """One pool per process, budget and jurisdiction: every Runtime of a process shares its workers."""
    with _POOLS_LOCK:
        pool = _POOLS.get((size, memory_mib, jurisdiction))
        if pool is None:
            pool = _POOLS[(size, memory_mib, jurisdiction)] = SandboxPool(size=size, memory_mib=memory_mib,
                                                                          jurisdiction=jurisdiction)
        return pool
