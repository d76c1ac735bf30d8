"""The sandbox process: runs one step of a case at a time for the server, under budgets, locked down.

Lock-down, once everything it needs is imported and warmed up: no new file or socket can be opened (the
descriptor limit is 3: stdin, stdout, stderr), nothing can be written to a file, no process can be started,
no privilege gained; as root it also drops to `nobody`. Each request runs under a CPU budget (SIGPROF) and
the process under a memory budget (RLIMIT_AS); the server kills it if it does not answer in time.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections import OrderedDict
from datetime import datetime
from typing import Any

from engine.domain import DueflowError, UnsafeExpressionError
from engine.workflow.parsing import Procedure, parse_procedure
from engine.workflow.running import CaseRun
from engine.workflow.sandbox import read_frame, write_frame

NOBODY = 65534
_PR_SET_NO_NEW_PRIVS = 38


class _OverBudget(BaseException):
    """Raised by the CPU timer inside procedure code; a BaseException so no `except Exception` swallows it."""


def _on_cpu_budget(signum, frame):
    raise _OverBudget()


def lock_down(memory_mib: int) -> None:
    """Give up everything the steps do not need. Called once, after imports and warm-up."""
    os.closerange(3, 1 << 16)
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    used = _address_space_bytes()
    limits = {resource.RLIMIT_NOFILE: 3, resource.RLIMIT_FSIZE: 0, resource.RLIMIT_CORE: 0,
              resource.RLIMIT_NPROC: 0, resource.RLIMIT_AS: used + memory_mib * 1024 * 1024}
    for limit, value in limits.items():
        resource.setrlimit(limit, (value, value))


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


class Worker:
    """Parsed procedures by sha256 and the workflows it answered last (keyed by their saved state)."""

    def __init__(self) -> None:
        self.procedures: dict[str, Procedure] = {}
        self.warm: OrderedDict[str, CaseRun] = OrderedDict()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        sha = request["sha256"]
        if sha not in self.procedures:
            if "files" not in request:
                return {"ok": False, "error": {"kind": "internal", "message": "procedure files missing"}}
            files = {name: text.encode("utf-8") for name, text in request["files"].items()}
            self.procedures[sha] = parse_procedure(files)
        procedure = self.procedures[sha]
        now = datetime.fromisoformat(request["now"])
        action, state = request["action"], request.get("state") or ""
        if action["kind"] != "start" and not state:
            return {"ok": False, "error": {"kind": "internal", "message": "workflow state missing"}}
        signal.setitimer(signal.ITIMER_PROF, float(request["seconds"]))
        try:
            if action["kind"] == "start":
                run, changes = CaseRun.start(procedure, action["data"], now)
            else:
                run = self.warm.pop(state) if state in self.warm else CaseRun.load(procedure, state)
                changes = _act(run, action, now)
            view = run.view()  # before dump(), which prunes finished tasks whose end the server must still see
            try:
                dumped = run.dump()
            except (ValueError, TypeError, OverflowError) as exc:
                return _failure("workflow", f"the step produced a value that cannot be stored: {exc}")
        except _OverBudget:
            return _failure("budget", f"the procedure's code ran past its time budget ({request['seconds']:g} s "
                                      "of CPU) and was stopped", recycle=True)
        except MemoryError:
            return _failure("budget", "the procedure's code ran past its memory budget and was stopped",
                            recycle=True)
        except UnsafeExpressionError as exc:
            return _failure("unsafe", exc.message)
        except DueflowError as exc:
            return _failure("workflow", exc.message)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        self.warm[dumped] = run
        while len(self.warm) > 64:
            self.warm.popitem(last=False)
        return {"ok": True, "state": dumped, "changes": [_change(c) for c in changes], "view": view}


def _act(run: CaseRun, action: dict[str, Any], now: datetime):
    kind = action["kind"]
    if kind == "step":
        return run.step(now)
    if kind == "complete":
        return run.complete(action["task_id"], action["data"], now)
    if kind == "deliver":
        return run.deliver(action["name"], action["payload"], now)
    if kind == "external_complete":
        return run.complete_external(action["task_id"], action["variables"], now)
    if kind == "external_error":
        return run.external_error(action["task_id"], action["error_code"], action["error_message"],
                                  action["variables"], now)
    raise UnsafeExpressionError(f"unknown sandbox action {kind!r}")


def _change(change) -> dict[str, Any]:
    return {"kind": change.kind, "element_id": change.element_id, "name": change.name,
            "task_id": change.task_id, "payload": change.payload}


def _failure(kind: str, message: str, *, recycle: bool = False) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": kind, "message": message}, "recycle": recycle}


def serve(memory_mib: int) -> None:
    """Answer requests on stdin until it closes."""
    signal.signal(signal.SIGPROF, _on_cpu_budget)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock_down(memory_mib)
    worker = Worker()
    while True:
        try:
            request = read_frame(0)
        except EOFError:
            return
        try:
            answer = worker.handle(request)
        except MemoryError:
            answer = _failure("budget", "the procedure's code ran past its memory budget and was stopped",
                              recycle=True)
        except Exception as exc:  # noqa: BLE001 - whatever broke, the server hears of it and the case is kept
            answer = _failure("workflow", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        try:
            write_frame(1, answer)
        except ValueError:  # a value JSON cannot carry (NaN, infinity) in the case's data
            write_frame(1, _failure("workflow", "the step produced a value that cannot be stored "
                                                "(NaN or infinity)"))
        if answer.get("recycle"):
            return
