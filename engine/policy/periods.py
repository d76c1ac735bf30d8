"""Legal periods in timer expressions: read how long a timer waits and whether that surely meets a minimum."""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

# Calls of our calendar helpers that a timer may use (in timeDate): name -> counts working days?
CALENDAR_HELPERS = {"working_days_after": True, "calendar_days_after": False}

_ISO_DURATION = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                           r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_JUEL = re.compile(r"^\s*\$\{(.*)\}\s*$", re.S)
# Lower bounds in days: a minimum check must hold for the shortest month and year the timer can span.
_ISO_UNIT_DAYS = (365, 28, 7, 1, 1 / 24, 1 / 1440, 1 / 86400)


@dataclass(frozen=True)
class Period:
    """A length of time counted in working days or in calendar days."""

    days: float
    working: bool

    def __str__(self) -> str:
        amount = int(self.days) if float(self.days).is_integer() else round(self.days, 2)
        return f"{amount} {'working' if self.working else 'calendar'} day{'' if amount == 1 else 's'}"


def iso_duration_days(text: str) -> float | None:
    """Days of an ISO 8601 duration such as P15D or PT36H (months count 28 days, years 365), else None."""
    match = _ISO_DURATION.match(text.strip())
    if not match:
        return None
    return sum(float(part) * unit for part, unit in zip(match.groups(), _ISO_UNIT_DAYS) if part)


def parse_timer(kind: str, text: str) -> Period | None:
    """How long a timer of this kind (timeDuration, timeDate, timeCycle) waits, or None when we cannot tell."""
    source = (text or "").strip()
    juel = _JUEL.match(source)
    if juel:
        source = juel.group(1).strip()
    if kind == "timeCycle":
        return None  # a cycle repeats; its first firing says nothing sure about a legal period
    days = iso_duration_days(source)
    if days is not None:
        return Period(days, working=False) if kind == "timeDuration" else None
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Constant) and isinstance(tree.value, str) and kind == "timeDuration":
        days = iso_duration_days(tree.value)
        return None if days is None else Period(days, working=False)
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in CALENDAR_HELPERS:
        count = tree.args[1] if len(tree.args) >= 2 else next(
            (kw.value for kw in tree.keywords if kw.arg == "days"), None)
        if isinstance(count, ast.Constant) and isinstance(count.value, (int, float)) \
                and not isinstance(count.value, bool):
            return Period(float(count.value), working=CALENDAR_HELPERS[tree.func.id])
    return None


def calendar_days_needed(minimum: Period, holiday_margin: int) -> float:
    """Calendar days that surely contain `minimum`, whatever weekday it starts on and a holiday run.

    m working days are sure to fit in m + 2*ceil(m/5) calendar days (a weekend for every started five),
    plus the policy's holiday margin (the longest run of public holidays beyond weekends)."""
    if not minimum.working:
        return minimum.days
    return minimum.days + 2 * math.ceil(minimum.days / 5) + holiday_margin


def covers(period: Period, minimum: Period, holiday_margin: int) -> bool:
    """True when `period` is surely at least `minimum` on any jurisdiction calendar."""
    if period.working == minimum.working:
        return period.days >= minimum.days
    if period.working:
        return period.days >= minimum.days  # every working day is a calendar day too
    return period.days >= calendar_days_needed(minimum, holiday_margin)
