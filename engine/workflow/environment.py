"""The restricted script environment every procedure expression runs in, and the injectable clock that
SpiffWorkflow's timers read (so tests move time without sleeping). Nothing here acts at import: the
sandbox's bootstrap (engine.sandbox_main) registers the helpers; the clock is installed on first use."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Callable, Iterator

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine import expressions, juel
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


def _install_clock() -> None:
    if spiff_timer.datetime is not _ClockedDatetime:
        spiff_timer.datetime = _ClockedDatetime


@contextmanager
def clock_at(now: datetime) -> Iterator[None]:
    _install_clock()
    token = _clock.set(lambda: now)
    try:
        yield
    finally:
        _clock.reset(token)


# ---- the restricted script environment ------------------------------------------------------------

class SafeEnvironment(TaskDataEnvironment):
    """Evaluates only the checked subset (engine.expressions), compiled by RestrictedPython, with the
    run-time guards, whitelisted builtins and the helpers the bootstrap registered; every evaluation gets
    fresh globals, so nothing one case's code does reaches another's."""

    def evaluate(self, expression, context, external_context=None):
        code = _checked(expression, "eval")
        # A variable Python cannot name (`class`, `from`) is read as execution['class'] (engine.juel): a copy
        # of the data, so an expression cannot change the case through it.
        data = {juel.DATA: dict(context)} if juel.DATA in expression else {}
        return _guarded(lambda: eval(code, expressions.scope(self.globals, external_context or {}, context, data)))

    def execute(self, script, context, external_context=None):
        code = _checked(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        for key, value in expressions.scope(self.globals, external_context or {}).items():
            context[key] = value
        try:
            _guarded(lambda: exec(code, context))
        finally:
            for key in list(context):
                if key in expressions.GUARDS or key == "__builtins__":
                    context.pop(key)
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def _checked(source: str, mode: str):
    try:
        return expressions.compile_checked(source, mode)
    except expressions.ExpressionError as exc:
        raise UnsafeExpressionError(str(exc)) from None


def _guarded(run: Callable[[], object]) -> object:
    try:
        return run()
    except expressions.GuardError as exc:
        raise UnsafeExpressionError(str(exc)) from None


def build_script_engine(helpers: dict[str, Callable] | None = None) -> PythonScriptEngine:
    """A script engine whose procedure code sees exactly these helpers (plain functions of plain values)."""
    return PythonScriptEngine(environment=SafeEnvironment(dict(helpers or {})))


def register_helper(name: str, function: Callable) -> None:
    """Expose a plain function (e.g. a legal-calendar period) to procedure expressions: bootstrap only."""
    SCRIPT_ENGINE.environment.globals[name] = function


SCRIPT_ENGINE = build_script_engine()
