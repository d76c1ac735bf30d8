"""A case's workflow as the server holds it: the saved state and what is known of it (ready tasks, timers,
data). Every action that may run procedure code (start, step, complete, deliver) goes to the sandbox;
what runs no procedure code (suspending, cancelling) is done here on a locally loaded copy."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from engine import values
from engine.domain import BudgetExceededError, SandboxError, UnsafeExpressionError, WorkflowError
from engine.workflow.parsing import Procedure
from engine.workflow.running import CaseRun, Change, ReadyTask
from engine.workflow.sandbox import SandboxPool

_ERRORS: dict[str, type[WorkflowError] | type[UnsafeExpressionError]] = {
    "budget": BudgetExceededError, "unsafe": UnsafeExpressionError, "workflow": WorkflowError,
    "internal": SandboxError,
}


class RemoteRun:
    """Same reading interface as CaseRun; acting goes through the sandbox pool."""

    def __init__(self, procedure: Procedure, state: str | None, view: dict[str, Any] | None,
                 sandbox: SandboxPool, seconds: float, live: CaseRun | None = None):
        self.procedure, self.state, self.sandbox, self.seconds = procedure, state, sandbox, seconds
        self._view, self._live = view, live

    @classmethod
    def load(cls, procedure: Procedure, state: str, *, sandbox: SandboxPool, seconds: float) -> "RemoteRun":
        return cls(procedure, state, None, sandbox, seconds)

    @classmethod
    def start(cls, procedure: Procedure, data: dict[str, Any], now: datetime, *, sandbox: SandboxPool,
              seconds: float) -> tuple["RemoteRun", list[Change]]:
        run = cls(procedure, None, None, sandbox, seconds)
        return run, run._call({"kind": "start", "data": data}, now)

    # -- acting, in the sandbox --
    def step(self, now: datetime) -> list[Change]:
        return self._call({"kind": "step"}, now)

    def complete(self, task_id: str, data: dict[str, Any], now: datetime) -> list[Change]:
        return self._call({"kind": "complete", "task_id": task_id, "data": data}, now)

    def deliver(self, name: str, payload: dict[str, Any], now: datetime) -> list[Change]:
        return self._call({"kind": "deliver", "name": name, "payload": payload}, now)

    def complete_external(self, task_id: str, variables: dict[str, Any], now: datetime) -> list[Change]:
        return self._call({"kind": "external_complete", "task_id": task_id, "variables": variables}, now)

    def external_error(self, task_id: str, code: str, message: str, variables: dict[str, Any],
                       now: datetime) -> list[Change]:
        return self._call({"kind": "external_error", "task_id": task_id, "error_code": code,
                           "error_message": message, "variables": variables}, now)

    def _call(self, action: dict[str, Any], now: datetime) -> list[Change]:
        procedure = self.procedure
        answer = self.sandbox.call({"action": action, "state": self.state, "now": now.isoformat()},
                                   sha256=procedure.sha256, files=_files_of(procedure), seconds=self.seconds)
        if not answer.get("ok"):
            error = answer.get("error") or {}
            raise _ERRORS.get(str(error.get("kind")), SandboxError)(str(error.get("message") or "step failed"))
        _check_produced(answer)
        try:
            self.state, self._view, self._live = str(answer["state"]), dict(answer["view"]), None
            return [Change(str(c["kind"]), str(c["element_id"]), str(c["name"]), str(c["task_id"]),
                           dict(c["payload"])) for c in answer["changes"]]
        except (KeyError, TypeError, ValueError):
            raise SandboxError("the sandbox answered something that is not a step") from None

    # -- acting here: no procedure code runs --
    def shift_timers(self, delta: timedelta) -> None:
        self._local(lambda live: live.shift_timers(delta))

    def set_timer(self, element_id: str, due: datetime) -> bool:
        found: list[bool] = []
        self._local(lambda live: found.append(live.set_timer(element_id, due)))
        return found[0]

    def set_variable(self, name: str, value: Any) -> None:
        self._local(lambda live: live.set_variable(name, value))

    def cancel(self) -> None:
        self._local(lambda live: live.cancel())

    def _local(self, action: Callable[[CaseRun], Any]) -> None:
        live = self.live()
        action(live)
        view = live.view()  # before dump(), which prunes finished tasks
        self.state, self._view, self._live = live.dump(), view, live

    def live(self) -> CaseRun:
        """The workflow loaded in this process, for reading (no procedure code runs on load)."""
        if self._live is None:
            if self.state is None:
                raise SandboxError("the case has no saved state yet")
            self._live = CaseRun.load(self.procedure, self.state)
        return self._live

    # -- reading --
    @property
    def view(self) -> dict[str, Any]:
        if self._view is None:
            self._view = self.live().view()
        return self._view

    def ready_tasks(self) -> list[ReadyTask]:
        return [ReadyTask(*row) for row in self.view["ready"]]

    def external_tasks(self) -> list[ReadyTask]:
        return [ReadyTask(str(task_id), str(element_id), str(name), None)
                for task_id, element_id, name in self.view.get("external", [])]

    def task_state(self, task_id: str) -> str | None:
        entry = self.view["states"].get(task_id)
        return entry[0] if entry else None

    def task_element(self, task_id: str) -> str | None:
        entry = self.view["states"].get(task_id)
        return entry[1] if entry else None

    @property
    def data(self) -> dict[str, Any]:
        return self.view["data"]

    @property
    def completed(self) -> bool:
        return bool(self.view["completed"])

    def waiting_timers(self) -> list[tuple[str, datetime]]:
        return [(element, datetime.fromisoformat(due)) for element, due in self.view["timers"]]

    def waiting_messages(self) -> set[str]:
        return set(self.view["messages"])

    def dump(self) -> str:
        if self.state is None:
            raise SandboxError("the case has no saved state yet")
        return self.state


def _check_produced(answer: dict[str, Any]) -> None:
    """The data a step produced is adopted only if it can be stored and read back (engine.values): a lone
    surrogate, NUL, a huge number or deep nesting made by procedure code fails the step, naming the variable."""
    view = answer.get("view")
    problems = values.json_value_problems(view.get("data") if isinstance(view, dict) else None, "data")
    if problems:
        first = next(iter(problems))
        raise WorkflowError(f"the procedure produced a value that cannot be stored: {first} {problems[first]}",
                            [{"field": name, "message": message} for name, message in problems.items()])


def _files_of(procedure: Procedure) -> Callable[[], dict[str, str]]:
    return lambda: {name: content.decode("utf-8") for name, content in procedure.files.items()}
