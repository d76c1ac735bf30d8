"""The assessment on both databases: periods of the local calendar, grouping, roles, CSV, public statistics,
and a proof that no statement it runs reads an amount, a payload or the workflow state (PL 74)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from engine.domain import Actor, ForbiddenError, InvalidDataError, Role
from engine.services import assessment, tasks
from tests.builders import a_case, a_supervisor, an_admin, an_officer, the_notice

LOCAL = "Asia/Shanghai"


@pytest.mark.parametrize("period, day, start, end", [
    ("day", date(2026, 3, 2), "2026-03-01T16:00", "2026-03-02T16:00"),
    ("week", date(2026, 3, 4), "2026-03-01T16:00", "2026-03-08T16:00"),
    ("month", date(2026, 2, 14), "2026-01-31T16:00", "2026-02-28T16:00"),
    ("quarter", date(2026, 5, 31), "2026-03-31T16:00", "2026-06-30T16:00"),
    ("year", date(2026, 7, 1), "2025-12-31T16:00", "2026-12-31T16:00")])
def test_periods_follow_the_local_calendar(period, day, start, end):
    first, last = assessment.period_bounds(period, day, LOCAL)
    assert (first.isoformat()[:16], last.isoformat()[:16]) == (start, end)


def _statements(rt) -> list[str]:
    seen: list[str] = []
    event.listen(rt.store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement.lower()))
    return seen


def test_the_assessment_counts_per_group_and_never_reads_an_amount(rt):
    the_notice(rt)
    opened = [a_case(rt, category="street_vending"), a_case(rt, actor=an_officer("mark", "markets"))]
    view = tasks.complete_task(rt, task_id=opened[0].ready_tasks[0].id, actor=an_officer(),
                               data={"findings": "stall", "severity": "serious", "fine_due": True})
    assert view.data  # the case now holds amounts in its variables and events: none may be read
    seen = _statements(rt)
    result = assessment.assess(rt, actor=an_admin(), period="month", day=date(2026, 3, 2), by="department")
    assert {g["group"]: g["reported"] for g in result["groups"]} == {"cityscape": 1, "markets": 1}
    assert result["total"]["reported"] == 2 and result["total"]["closure_rate"] == 0.0
    assert seen and not [s for s in seen if any(word in s for word in ("payload", "workflow_state", "amount",
                                                                       "fine"))]
    streets = assessment.assess(rt, actor=an_admin(), period="month", day=date(2026, 3, 2), by="street")
    assert streets["total"]["reported"] == 2  # the builder's cell is not in the grid: no street
    with pytest.raises(InvalidDataError):
        assessment.assess(rt, actor=an_admin(), period="year", day=date(9999, 12, 31))
    people = assessment.assess(rt, actor=an_admin(), period="year", day=date(2026, 1, 1), by="person")
    assert {g["group"] for g in people["groups"]} == {"olga", "mark"}
    assert "group,reported,filed" in assessment.to_csv(result).splitlines()[0]


def test_roles_and_departments(rt):
    the_notice(rt)
    a_case(rt)
    a_case(rt, actor=an_officer("mark", "markets"))
    own = assessment.assess(rt, actor=a_supervisor(), period="month", day=date(2026, 3, 2))
    assert [g["group"] for g in own["groups"]] == ["cityscape"] and own["total"]["reported"] == 1
    with pytest.raises(ForbiddenError):
        assessment.assess(rt, actor=a_supervisor(), period="month", day=date(2026, 3, 2), by="grid")
    with pytest.raises(ForbiddenError):
        assessment.assess(rt, actor=an_officer(), period="month", day=date(2026, 3, 2))
    with pytest.raises(InvalidDataError):
        assessment.assess(rt, actor=an_admin(), period="decade", day=date(2026, 3, 2))


def test_public_statistics_are_aggregates_per_district_and_month(rt):
    the_notice(rt)
    a_case(rt)  # grid cell HP-0412 (the builder's default location)
    rows = assessment.public_statistics(rt, year=2026)
    assert {"district": "HP", "month": "2026-03", "reported": 1, "closed": 0, "closure_rate": 0.0} in rows
    assert all(set(r) == {"district", "month", "reported", "closed", "closure_rate"} for r in rows)
