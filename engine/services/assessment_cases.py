"""The cases behind an assessment figure (each number on the dashboard links here): the same period, grouping
and group as the figure, paged by a keyset. Same readers as the assessment; a supervisor lists their own
department's cases only."""
from __future__ import annotations

from datetime import date, timezone
from typing import Any

from engine.domain import Actor, ForbiddenError, InvalidDataError, Role
from engine.services import access
from engine.services.assessment import (GROUPS, HANDLED_ELEMENT, NOT_FILED, READERS, VERIFIED_ELEMENT,
                                        period_bounds)
from engine.services.runtime import Runtime
from engine.store import assessment_cases as sql

INDICATORS = sql.INDICATORS
# A rate links to the cases of its numerator; the average hours link to the cases that had hops.
RATE_CASES = {"closure_rate": "closed", "on_time_closure_rate": "closed_on_time",
              "on_time_handling_rate": "handled_on_time", "rework_rate": "reworked",
              "accurate_dispatch_rate": "dispatched", "return_rate": "returned",
              "avg_hours_without_department": "with_hops", "inspector_report_rate": "inspector_reports",
              "verification_rate": "verified"}
MAX_PAGE = 200
MAX_KEY = 2**62  # keys are database integers: a larger `after` would overflow the driver, not page


def cases_behind(rt: Runtime, *, actor: Actor, indicator: str, period: str, day: date, by: str = "department",
                 group: str | None = None, after: int = 0, limit: int = 50) -> dict[str, Any]:
    """One page of the cases counted in a figure; `next` is the key to pass as `after`, None on the last page."""
    access.require_role(actor, READERS, "read the assessment")
    indicator = RATE_CASES.get(indicator, indicator)
    if indicator not in INDICATORS:
        raise InvalidDataError.for_fields({"indicator": "one of " + ", ".join([*INDICATORS, *RATE_CASES])})
    if by not in GROUPS:
        raise InvalidDataError.for_fields({"by": "one of " + ", ".join(GROUPS)})
    if not 1 <= limit <= MAX_PAGE or not 0 <= after <= MAX_KEY:
        raise InvalidDataError.for_fields({"limit": f"1 to {MAX_PAGE}, after a key of 0 or more"})
    if group is not None and "\x00" in group:  # PostgreSQL refuses NUL in text: no group holds one
        raise InvalidDataError.for_fields({"group": "must not contain a NUL character"})
    if access.role_of(actor) == Role.SUPERVISOR:
        own = actor.department or ""
        if by != "department" or group not in (None, own):
            raise ForbiddenError("a supervisor reads the cases of their own department only")
        group = own
    start, end = period_bounds(period, day, rt.settings.timezone)
    with rt.store.transaction(write=False) as session:
        rows = sql.cases_behind(session, indicator=indicator, by=by, group=group, start=start, end=end,
                                not_filed=NOT_FILED, handled=HANDLED_ELEMENT, verified=VERIFIED_ELEMENT,
                                after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        for name in ("at", "opened_at", "closed_at"):
            value = row[name]
            if value is not None and value.tzinfo is None:  # SQLite hands back UTC without its zone
                value = value.replace(tzinfo=timezone.utc)
            row[name] = value.isoformat() if value is not None else None
    return {"indicator": indicator, "period": period, "date": day.isoformat(), "by": by, "group": group,
            "cases": rows, "next": rows[-1]["key"] if more else None}
