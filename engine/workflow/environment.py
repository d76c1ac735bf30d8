"""The restricted script environment every procedure expression runs in, and the injectable clock that
SpiffWorkflow's timers read (so tests move time without sleeping)."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Callable, Iterator

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine import expressions
from engine.domain import UnsafeExpressionError

# ---- the clock: SpiffWorkflow reads datetime.now() for timers; route it through an injectable clock ----

_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("dueflow_clock", default=None)


class _ClockedDatetime(datetime):
    """datetime whose now() answers from the clock of the current step, so tests move time without sleeping."""

    @classmethod
    def now(cls, tz=None):
        clock = _clock.get()
        if clock is None:
            return datetime.now(tz)
        value = clock()
        return value.astimezone(tz) if tz else value


spiff_timer.datetime = _ClockedDatetime


@contextmanager
def clock_at(now: datetime) -> Iterator[None]:
    token = _clock.set(lambda: now)
    try:
        yield
    finally:
        _clock.reset(token)


# ---- the restricted script environment ------------------------------------------------------------

class SafeEnvironment(TaskDataEnvironment):
    """Evaluates only the checked Python subset, with whitelisted builtins and helper functions."""

    def evaluate(self, expression, context, external_context=None):
        code = _checked(expression, "eval")
        scope = {**self.globals, **(external_context or {}), **context, "__builtins__": expressions.SAFE_BUILTINS}
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = _checked(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = expressions.SAFE_BUILTINS
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def _checked(source: str, mode: str):
    try:
        return expressions.compile_checked(source, mode)
    except expressions.ExpressionError as exc:
        raise UnsafeExpressionError(str(exc)) from None


_helpers: dict[str, Callable] = {}


def register_helper(name: str, function: Callable) -> None:
    """Expose a plain function (e.g. a legal-calendar period) to procedure expressions."""
    _helpers[name] = function
    SCRIPT_ENGINE.environment.globals[name] = function


SCRIPT_ENGINE = PythonScriptEngine(environment=SafeEnvironment({}))


