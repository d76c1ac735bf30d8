"""The legal calendar: due dates of periods in working or calendar days on a jurisdiction's calendar."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.domain import DueflowError

log = logging.getLogger(__name__)

Unit = Literal["working", "calendar"]
Law = Literal["PL", "CL"]
# A suspension is (first suspended day, day the case resumed): start inclusive, end exclusive, so the day
# of resumption counts again ("期间继续计算" from the day the cause ends). (d, d) suspends nothing.
Suspension = tuple[date, date]

# PL 85: the periods of "2, 3, 5 and 7 days" in the Administrative Penalty Law are working days.
PL_WORKING_DAY_PERIODS = frozenset({2, 3, 5, 7})
# CL 69: periods of ten days or less in the Administrative Compulsion Law are working days.
CL_WORKING_DAY_LIMIT = 10

END_OF_DAY = time(23, 59, 59)  # a period runs to the end of its last day, local time


class CalendarError(DueflowError, ValueError):
    """A period, calendar or calendar file that cannot give a lawful due date."""

    code = "calendar_error"


# ---- periods ---------------------------------------------------------------------------------------

_PERIOD_TEXT = re.compile(r"^\s*(\d+)\s*(wd|d)\s*$", re.I)


@dataclass(frozen=True)
class Period:
    """A legal period: a number of days counted as working days or as calendar days."""

    days: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise CalendarError(f"a period is a whole number of days >= 1, not {self.days!r}")
        if self.unit not in ("working", "calendar"):
            raise CalendarError(f"a period counts 'working' or 'calendar' days, not {self.unit!r}")

    @classmethod
    def working_days(cls, days: int) -> Period:
        return cls(days, "working")

    @classmethod
    def calendar_days(cls, days: int) -> Period:
        return cls(days, "calendar")

    @property
    def working(self) -> bool:
        return self.unit == "working"

    def __str__(self) -> str:
        # The same text parse_period reads, so a period round-trips through BPMN properties and forms.
        return f"{self.days}{'wd' if self.working else 'd'}"


def parse_period(text: str) -> Period:
    """Read "5wd" (working days) or "15d" (calendar days), the short form used in procedures."""
    match = _PERIOD_TEXT.match(text) if isinstance(text, str) else None
    if not match:
        raise CalendarError(f"not a period: {text!r} (write e.g. '5wd' for working days, '15d' for calendar days)")
    return Period(int(match.group(1)), "working" if match.group(2).lower() == "wd" else "calendar")


def legal_period(days: int, law: Law = "PL") -> Period:
    """The period a statute means by "N days": working days for PL 85 / CL 69 periods, else calendar days."""
    if law == "PL":
        working = days in PL_WORKING_DAY_PERIODS
    elif law == "CL":
        # Only the ceiling is read from CL 69; days < 1 are refused by Period itself.
        working = isinstance(days, int) and days <= CL_WORKING_DAY_LIMIT
    else:
        raise CalendarError(f"unknown law {law!r}: 'PL' (Administrative Penalty Law) or 'CL' (Compulsion Law)")
    return Period(days, "working" if working else "calendar")


# ---- the calendar ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """A jurisdiction's working days: weekdays except holidays, plus make-up working days (调休) on weekends.

    `roll_forward` (default on): a calendar-day period whose last day is not a working day ends on the
    next working day: the Civil Procedure Law's rule on periods, which other procedure laws borrow; it is
    a flag because no statute states it for penalty periods (unconfirmed). `years` are the years the
    holiday data covers (None: complete, as synthetic calendars are). `tz` is where a day ends."""

    name: str
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    weekend: tuple[int, ...] = (5, 6)
    roll_forward: bool = True
    tz: str = "Asia/Shanghai"
    years: frozenset[int] | None = None

    def __post_init__(self) -> None:
        # Accept any iterables (sets, lists) but keep the calendar immutable and hashable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        object.__setattr__(self, "weekend", tuple(sorted(set(self.weekend))))
        if self.years is not None:
            object.__setattr__(self, "years", frozenset(self.years))
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in self.weekend) or len(self.weekend) > 5:
            raise CalendarError(f"calendar {self.name}: weekend must be up to 5 weekday numbers 0-6 (Mon=0)")
        if any(type(d) is not date for d in self.holidays | self.makeup_workdays):
            raise CalendarError(f"calendar {self.name}: holidays and make-up working days must be dates")
        both = self.holidays & self.makeup_workdays
        if both:
            raise CalendarError(f"calendar {self.name}: both holiday and make-up working day: {_dates(both)}")
        # A make-up working day on a weekday changes nothing; one there is almost surely a typo in the data.
        stray = {d for d in self.makeup_workdays if d.weekday() not in self.weekend}
        if stray:
            raise CalendarError(f"calendar {self.name}: make-up working days must fall on the weekend: "
                                f"{_dates(stray)}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"calendar {self.name}: unknown time zone {self.tz!r}") from None

    def is_working_day(self, day: date) -> bool:
        """True when offices are open on `day`: make-up days first, then holidays, then the weekend."""
        if day in self.makeup_workdays:
            return True
        return day not in self.holidays and day.weekday() not in self.weekend

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts); n = 0 gives `start`."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise CalendarError(f"cannot add {n!r} working days")
        if n == 0:
            return start
        return self.period_end(start, Period(n, "working"))

    def period_end(self, start: date, period: Period, *, suspensions: Iterable[Suspension] = ()) -> date:
        """Last day of `period` counted from the day after `start`, skipping suspended days."""
        start = _plain_date(start, "start")
        days = self._counted_days(start, _check_suspensions(suspensions))
        counted = filter(self.is_working_day, days) if period.working else days
        end = _nth(counted, period.days)
        if not period.working and self.roll_forward and not self.is_working_day(end):
            # Continue the same stream, so a suspended day can never become the last day either.
            end = next(d for d in days if self.is_working_day(d))
        self._warn_beyond_data(start, end)
        return end

    def end_of_day(self, day: date) -> datetime:
        """The UTC instant at 23:59:59 local time on `day`: when a period ending that day runs out."""
        return datetime.combine(day, END_OF_DAY, tzinfo=ZoneInfo(self.tz)).astimezone(timezone.utc)

    def due_at(self, start: date, period: Period, *, suspensions: Iterable[Suspension] = ()) -> datetime:
        """The UTC instant a period runs out: the end of its last day in the calendar's time zone."""
        return self.end_of_day(self.period_end(start, period, suspensions=suspensions))

    def local_date(self, moment: str | date) -> date:
        """The local calendar day of an event given as a date, a datetime or an ISO 8601 string.

        Aware datetimes are converted to the calendar's zone (a service at 01:00 Beijing time on Monday
        is a Monday service even though it is Sunday in UTC); naive ones are taken as local wall time."""
        if isinstance(moment, str):
            try:
                return date.fromisoformat(moment.strip())
            except ValueError:
                pass
            try:
                moment = datetime.fromisoformat(moment.strip())
            except ValueError:
                raise CalendarError(f"not an ISO 8601 date or datetime: {moment!r}") from None
        if isinstance(moment, datetime):
            return (moment.astimezone(ZoneInfo(self.tz)) if moment.tzinfo else moment).date()
        if isinstance(moment, date):
            return moment
        raise CalendarError(f"not a date: {moment!r}")

    def _counted_days(self, start: date, suspensions: tuple[Suspension, ...]) -> Iterator[date]:
        day = start
        while True:
            day += timedelta(days=1)
            if not any(first <= day < resumed for first, resumed in suspensions):
                yield day

    def _warn_beyond_data(self, start: date, end: date) -> None:
        # Beyond the published years we only know the weekend. Refusing would block a case whose period
        # crosses into a year whose schedule is not yet published (notices come out each November), so
        # the due date is computed and the gap is logged for whoever maintains the calendar file.
        if self.years is None:
            return
        missing = [y for y in range(start.year, end.year + 1) if y not in self.years]
        if missing:
            log.warning("calendar %s has no holiday data for %s: %s..%s counted with weekends only; "
                        "add the State Council schedule to engine/calendars/%s.json",
                        self.name, missing, start, end, self.name)


def _nth(days: Iterator[date], n: int) -> date:
    for _ in range(n - 1):
        next(days)
    return next(days)


def _plain_date(value: date, what: str) -> date:
    # datetime is a date subclass but does not compare with dates; the caller must pick the local day.
    if type(value) is not date:
        raise CalendarError(f"{what} must be a date (use Calendar.local_date for datetimes), not {value!r}")
    return value


def _check_suspensions(suspensions: Iterable[Suspension]) -> tuple[Suspension, ...]:
    spans = []
    for span in suspensions:
        first, resumed = (_plain_date(bound, "a suspension bound") for bound in span)
        if resumed < first:
            raise CalendarError(f"suspension resumes ({resumed}) before it starts ({first})")
        spans.append((first, resumed))
    return tuple(spans)


def _dates(days: Iterable[date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days))


# ---- calendar files --------------------------------------------------------------------------------
# One JSON file per jurisdiction in engine/calendars/, named by the jurisdiction ("cn.json"). A city can
# say "extends": "cn" and add (or override) holidays and make-up working days of its own.
#
# Where the data comes from: cn.json transcribes the State Council General Office notices on public
# holidays (国务院办公厅关于2025年部分节假日安排的通知, 12 Nov 2024; ...关于2026年..., 4 Nov 2025), each
# cited under "years" in the file. It is a transcription, not the authority: an agency must check it
# against the notice before relying on it, and add each new year when the notice is published (usually
# in November). Past the years listed, periods count weekends only and a warning is logged.

CALENDAR_DIR = Path(__file__).with_name("calendars")
_JURISDICTION = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")  # also keeps names from escaping CALENDAR_DIR
_FILE_KEYS = {"title", "extends", "timezone", "weekend", "roll_forward", "years", "holidays",
              "makeup_workdays"}


def read_calendar(jurisdiction: str, *, directory: Path | None = None) -> Calendar:
    """Build a jurisdiction's calendar from its JSON file (and the files it extends), uncached."""
    return _read(jurisdiction, directory or CALENDAR_DIR, ())


@lru_cache(maxsize=64)
def load_calendar(jurisdiction: str = "cn") -> Calendar:
    """The shipped calendar of a jurisdiction, read once per process."""
    return read_calendar(jurisdiction)


def _read(jurisdiction: str, directory: Path, chain: tuple[str, ...]) -> Calendar:
    if not isinstance(jurisdiction, str) or not _JURISDICTION.match(jurisdiction):
        raise CalendarError(f"not a jurisdiction name: {jurisdiction!r} (lower-case letters, digits, - and _)")
    if jurisdiction in chain:
        circle = " -> ".join(chain + (jurisdiction,))
        raise CalendarError(f"calendar files extend each other in a circle: {circle}")
    path = directory / f"{jurisdiction}.json"
    if not path.is_file():
        raise CalendarError(f"no calendar for jurisdiction {jurisdiction!r} (looked for {path})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CalendarError(f"{path.name}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CalendarError(f"{path.name}: must hold a JSON object")
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise CalendarError(f"{path.name}: unknown keys {sorted(unknown)}; allowed: {sorted(_FILE_KEYS)}")
    parent = _read(data["extends"], directory, chain + (jurisdiction,)) if "extends" in data else None
    try:
        holidays = {d for entry in data.get("holidays", []) for d in _holiday_days(entry)}
        makeup = {date.fromisoformat(entry["date"]) for entry in data.get("makeup_workdays", [])}
        years: frozenset[int] | set[int] | None = {int(year) for year in data["years"]} if "years" in data else None
    except (KeyError, TypeError, ValueError) as exc:
        raise CalendarError(f"{path.name}: bad entry ({exc}); holidays are {{name, from, to}}, "
                            "make-up working days {name, date}, years {\"2026\": source}") from None
    if holidays & makeup:
        raise CalendarError(f"{path.name}: both holiday and make-up working day: {_dates(holidays & makeup)}")
    if parent is not None:
        # The local file wins where it disagrees with its parent; a year is known only if both know it.
        holidays |= parent.holidays - makeup
        makeup |= parent.makeup_workdays - holidays
        years = parent.years if years is None else (years if parent.years is None else years & parent.years)
    inherited = parent or Calendar(jurisdiction)
    return Calendar(
        name=jurisdiction,
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup),
        weekend=tuple(data.get("weekend", inherited.weekend)),
        roll_forward=bool(data.get("roll_forward", inherited.roll_forward)),
        tz=data.get("timezone", inherited.tz),
        years=None if years is None else frozenset(years),
    )


def _holiday_days(entry: dict) -> Iterator[date]:
    first = date.fromisoformat(entry["from"])
    last = date.fromisoformat(entry.get("to", entry["from"]))  # inclusive, as the notices write them
    if last < first:
        raise ValueError(f"holiday {entry.get('name')!r} ends before it starts")
    while first <= last:
        yield first
        first += timedelta(days=1)


# ---- helpers for BPMN timer expressions ------------------------------------------------------------
# Plain functions of plain values, meant to be whitelisted in the script environment. The count is
# called `days` because the due-process lint (engine.policy.periods) reads it by that name too.


def working_days_after(start_iso: str | date, days: int, jurisdiction: str = "cn") -> str:
    """UTC ISO 8601 instant at which `days` working days after the event run out (23:59:59 local)."""
    return _due(start_iso, Period(days, "working"), jurisdiction)


def calendar_days_after(start_iso: str | date, days: int, jurisdiction: str = "cn") -> str:
    """UTC ISO 8601 instant at which `days` calendar days after the event run out (23:59:59 local)."""
    return _due(start_iso, Period(days, "calendar"), jurisdiction)


def _due(start: str | date, period: Period, jurisdiction: str) -> str:
    calendar = load_calendar(jurisdiction)
    return calendar.due_at(calendar.local_date(start), period).isoformat()


BPMN_HELPERS = {"working_days_after": working_days_after, "calendar_days_after": calendar_days_after}


def bpmn_helpers(jurisdiction: str) -> dict[str, Callable[..., str]]:
    """The helpers as procedure code sees them: counting on the deployment's jurisdiction unless told another."""
    def working(start_iso: str | date, days: int, jurisdiction: str = jurisdiction) -> str:
        return working_days_after(start_iso, days, jurisdiction)

    def calendar(start_iso: str | date, days: int, jurisdiction: str = jurisdiction) -> str:
        return calendar_days_after(start_iso, days, jurisdiction)

    return {"working_days_after": working, "calendar_days_after": calendar}
