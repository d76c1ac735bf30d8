"""Statutory time limits of user tasks, declared, never run: the extension property `time_limit` written like a
timer, `working_days_after(<date variable>, <days>)` or `calendar_days_after(...)` (e.g. PL 60: the decision
within 90 days of filing). It gives the task its due date on the worklist from the day the date variable is
set; nothing moves when it passes (a boundary timer does that). Read with `ast`, so it is never code."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from engine.domain import Problem

TIME_LIMIT_PROPERTY = "time_limit"
HELPERS = ("working_days_after", "calendar_days_after")


@dataclass(frozen=True)
class TimeLimit:
    helper: str  # one of HELPERS
    variable: str  # the case variable holding the start date
    days: int


def parse_time_limit(text: str) -> TimeLimit | None:
    """The declared limit, or None when the text is not exactly `helper(variable, days)`."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in HELPERS
            and len(tree.args) == 2 and not tree.keywords):
        return None
    variable, days = tree.args
    if not (isinstance(variable, ast.Name) and isinstance(days, ast.Constant) and type(days.value) is int
            and 0 < days.value <= 3660):
        return None
    return TimeLimit(tree.func.id, variable.id, days.value)


def check_time_limits(model: Any) -> None:
    """A `time_limit` property that is not `helper(variable, days)` is a deploy error with its element."""
    for info in model.elements.values():
        text = info.properties.get(TIME_LIMIT_PROPERTY)
        if text is not None and parse_time_limit(text) is None:
            model.problems.append(Problem(
                message=f"time limit '{text}' must read working_days_after(<date variable>, <days>) or "
                        "calendar_days_after(<date variable>, <days>)",
                file=info.file, line=info.line, element_id=info.id, rule="TIME_LIMIT"))
