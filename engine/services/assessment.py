"""Assessment of the closed loop (GB/T 30428): per department, grid cell, street or person, for a day, week,
month, quarter or year of the local calendar, the cases reported, filed, dispatched, handled and closed and
the rates made of them. Computed by SQL over case rows and audit events (engine.store.assessment), which never
read amounts: fines and revenue are no measure of enforcement and never appear here (PL 74)."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from engine.domain import Actor, ForbiddenError, InvalidDataError, Role
from engine.services import access
from engine.services.runtime import Runtime
from engine.store import assessment as sql

PERIODS = ("day", "week", "month", "quarter", "year")
GROUPS = ("department", "grid", "street", "person")
READERS = frozenset({Role.ADMIN, Role.AUDITOR, Role.DISPATCHER, Role.COORDINATOR, Role.SUPERVISOR, Role.SYSTEM})
NOT_FILED = ("not_established",)  # a report found invalid at filing is no case (closed_loop's closed_invalid)
HANDLED_ELEMENT, VERIFIED_ELEMENT = "feed_back", "recheck_on_site"  # the closed loop's handling and check
HOP_TYPES = ("case_dispatched", "case_returned", "case_disputed", "coordinator_assigned")
COUNTS = ("reported", "filed", "dispatched", "handled", "closed")
RATES = ("closure_rate", "on_time_closure_rate", "on_time_handling_rate", "rework_rate", "accurate_dispatch_rate",
         "return_rate", "avg_hours_without_department", "inspector_report_rate", "verification_rate")


def period_bounds(period: str, day: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the day, ISO week (from Monday), month, quarter or year holding `day`, local."""
    if period not in PERIODS:
        raise InvalidDataError.for_fields({"period": "one of " + ", ".join(PERIODS)})
    if not 1900 <= day.year <= 2200:
        raise InvalidDataError.for_fields({"date": "a date between 1900 and 2200"})
    if period == "day":
        first, last = day, day + timedelta(days=1)
    elif period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    elif period == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    elif period == "quarter":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        last = (first + timedelta(days=95)).replace(day=1)
    else:
        first, last = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    zone = ZoneInfo(tz)
    return tuple(datetime.combine(d, time(), zone).astimezone(timezone.utc) for d in (first, last))  # type: ignore


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours_without_department(rows: list[tuple[Any, ...]], by: str, end: datetime) -> dict[str, list[float]]:
    """Per group, each case's hours with the dispatcher or the coordinator (from opening to the last hop)."""
    index = {"department": 2, "grid": 3, "street": 4, "person": 5}[by]
    per_case: dict[int, dict[str, Any]] = {}
    for row in rows:
        state = per_case.setdefault(row[0], {"group": row[index] or "", "since": row[1], "with": False, "hours": 0.0})
        kind, at = row[6], row[7]
        if kind in ("case_dispatched", "coordinator_assigned") and not state["with"]:
            state["hours"] += (at - state["since"]).total_seconds() / 3600
            state["with"] = True
        elif kind in ("case_returned", "case_disputed") and state["with"]:
            state["since"], state["with"] = at, False
    out: dict[str, list[float]] = defaultdict(list)
    for state in per_case.values():
        if not state["with"]:
            state["hours"] += (end - state["since"]).total_seconds() / 3600
        out[state["group"]].append(state["hours"])
    return out


def assess(rt: Runtime, *, actor: Actor, period: str, day: date, by: str = "department") -> dict[str, Any]:
    """The indicators per group, with totals. Supervisors see their own department only."""
    access.require_role(actor, READERS, "read the assessment")
    if by not in GROUPS:
        raise InvalidDataError.for_fields({"by": "one of " + ", ".join(GROUPS)})
    own = None
    if access.role_of(actor) == Role.SUPERVISOR:
        if by != "department":
            raise ForbiddenError("a supervisor reads the assessment of their own department only")
        own = actor.department or ""
    start, end = period_bounds(period, day, rt.settings.timezone)
    kinds = {"dispatched": ("case_dispatched", None), "returned": ("case_returned", None),
             "verified": ("task_completed", VERIFIED_ELEMENT)}
    with rt.store.transaction(write=False) as session:
        parts = [sql.case_figures(session, by=by, start=start, end=end, not_filed=NOT_FILED),
                 sql.event_figures(session, by=by, start=start, end=end, kinds=kinds),
                 sql.handled_figures(session, by=by, start=start, end=end, element=HANDLED_ELEMENT),
                 sql.inspection_figures(session, by=by, start=start, end=end)]
        hours = _hours_without_department(sql.hops(session, start=start, end=end, types=HOP_TYPES), by,
                                          min(end, rt.now()))
    groups: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for part in parts:
        for key, figures in part.items():
            for name, value in figures.items():
                groups[key][name] += value
    for key in hours:
        groups[key]["hours_without_department"] = sum(hours[key])
        groups[key]["cases_with_hops"] = len(hours[key])
    rows = [_row(key, figures) for key, figures in sorted(groups.items()) if own is None or key == own]
    total: dict[str, float] = defaultdict(float)
    for key, figures in groups.items():
        if own is None or key == own:
            for name, value in figures.items():
                total[name] += value
    return {"period": period, "date": day.isoformat(), "by": by, "start": start.isoformat(), "end": end.isoformat(),
            "groups": rows, "total": _row("", total)}


def _row(key: str, f: dict[str, float]) -> dict[str, Any]:
    g = defaultdict(float, f)
    return {"group": key, **{name: int(g[name]) for name in COUNTS},
            "returned": int(g["returned"]), "inspections": int(g["inspections"]),
            "inspector_reports": int(g["inspector_reports"]),
            "closure_rate": _ratio(g["closed"], g["filed"]),
            "on_time_closure_rate": _ratio(g["closed_on_time"], g["closed"]),
            "on_time_handling_rate": _ratio(g["handled_on_time"], g["handled"]),
            "rework_rate": _ratio(g["reworked"], g["handled"]),
            "accurate_dispatch_rate": _ratio(g["dispatched"] - g["returned"], g["dispatched"]),
            "return_rate": _ratio(g["returned"], g["dispatched"]),
            "avg_hours_without_department": round(g["hours_without_department"] / g["cases_with_hops"], 2)
            if g["cases_with_hops"] else None,
            "inspector_report_rate": _ratio(g["inspector_reports"], g["inspections"]),
            "verification_rate": _ratio(g["verified_cases"], g["handled"])}


def to_csv(result: dict[str, Any]) -> str:
    columns = ["group", *COUNTS, "returned", "inspections", "inspector_reports", *RATES]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in [*result["groups"], dict(result["total"], group="total")]:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return out.getvalue()


def public_statistics(rt: Runtime, *, year: int) -> list[dict[str, Any]]:
    """Per district (the grid code's first part, e.g. HP of HP-0412-07) and month of a year: reported,
    closed and the closure rate. Aggregates only: no names, no case numbers."""
    if not 2000 <= year <= 2100:
        raise InvalidDataError.for_fields({"year": "2000 to 2100"})
    system = Actor.system("public-statistics")
    rows = []
    for month in range(1, 13):
        result = assess(rt, actor=system, period="month", day=date(year, month, 1), by="grid")
        districts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for group in result["groups"]:
            district = (group["group"] or "").split("-", 1)[0] or "unknown"
            for name in ("reported", "filed", "closed"):
                districts[district][name] += group[name]
        for district, f in sorted(districts.items()):
            rows.append({"district": district, "month": f"{year}-{month:02d}", "reported": f["reported"],
                         "closed": f["closed"], "closure_rate": _ratio(f["closed"], f["filed"])})
    return rows
