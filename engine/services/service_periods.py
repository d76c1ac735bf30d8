"""The legal periods that service (送达) of a document starts, in the engine and not only on paper: the service
record computes each period's end on the jurisdiction's calendar from the recorded service time, stores it with
the service (what the party reads), sets the case variable `<document>_served_at`, and moves every waiting timer
the procedure marks `served_period=<document>[:<period>]` to that end, with a `deadline_set` event saying why.
A marked timer the case reaches after the service is recorded is set the same way when it starts to wait."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.calendar import Calendar, Period, legal_period, load_calendar

PROPERTY = "served_period"  # on a timer event: its period runs from the recorded service of this document
# What starts to run when a document is served (PL 64, 67; Reconsideration Law 20; CL 35, 37).
PERIODS: dict[str, tuple[tuple[str, Period], ...]] = {
    "rights_notice": (("statement_and_hearing_request", legal_period(5, "PL")),),
    "penalty_decision": (("payment", Period.calendar_days(15)), ("reconsideration", Period.calendar_days(60))),
    "demand_notice": (("performance", legal_period(10, "CL")),),
}


def served_variable(kind: str) -> str:
    """The case variable holding when a document of this kind was served (UTC ISO 8601)."""
    return f"{kind}_served_at"


def periods_after_service(calendar: Calendar, template: str, served_at: datetime,
                          data: dict[str, Any]) -> dict[str, str]:
    """When each period that service starts ends (the end of that local day), on the working-day calendar
    where the law counts working days; an order to correct runs for the case's `remedy_days`."""
    start = calendar.local_date(served_at.isoformat())
    periods = list(PERIODS.get(template, ()))
    days = data.get("remedy_days")
    if template == "order_to_correct" and isinstance(days, int) and not isinstance(days, bool) and days > 0:
        periods.append(("correction", Period.calendar_days(days)))
    return {name: calendar.due_at(start, period).isoformat() for name, period in periods}


def _marked(step, element_id: str) -> tuple[str, str, str | None] | None:
    """(timer element, document, period or None for its first) of the timer waiting at element_id, if the
    procedure marks it."""
    elements = step.procedure.elements
    info = elements.get(element_id)
    if info is not None and info.kind == "eventBasedGateway":
        info = next((elements[t] for t in info.outgoing if t in elements and elements[t].event == "timer"), info)
    value = (info.properties.get(PROPERTY) or "").strip() if info is not None else ""
    if not value:
        return None
    kind, _, period = value.partition(":")
    return info.id, kind.strip(), period.strip() or None


def reset_timers(step, *, jurisdiction: str) -> dict[str, dict[str, Any]]:
    """Move each waiting timer marked `served_period` whose document has been served (its `_served_at` variable)
    to the end of the period that service started. Returns what moved by timer element, for the audit trail."""
    marked_timers = [(waiting, due, marked) for waiting, due in step.run.waiting_timers()
                     if (marked := _marked(step, waiting)) is not None]
    if not marked_timers:  # most steps: nothing to read
        return {}
    data = step.run.data
    moved: dict[str, dict[str, Any]] = {}
    for waiting, due, (timer, kind, period) in marked_timers:
        served_at = data.get(served_variable(kind))
        if not served_at:
            continue
        ends = periods_after_service(load_calendar(jurisdiction), kind, datetime.fromisoformat(served_at), data)
        name = period or next(iter(ends), None)
        if name is None or name not in ends:
            continue
        end = datetime.fromisoformat(ends[name])
        if end != due and step.run.set_timer(waiting, end):
            moved[timer] = {"was": due.isoformat(), "document": kind, "period": name, "served_at": served_at}
    return moved
