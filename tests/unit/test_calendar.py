"""The legal calendar counts periods as the law does, on synthetic calendars (the shipped data only loads)."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone
from importlib import resources

import pytest
from hypothesis import given, settings, strategies as st

from engine import calendar as cal
from engine.calendar import (
    BPMN_HELPERS, Calendar, CalendarError, Period, calendar_days_after, legal_period, load_calendar,
    parse_period, read_calendar, working_days_after,
)

D = date.fromisoformat
# March 2030: Fri 1, Sat 2, Sun 3, Mon 4 ... Fri 8, Sat 9, Sun 10, Mon 11 ... Fri 15, Sat 16, Sun 17, Mon 18.
FRI, SAT, SUN, MON, TUE, WED, THU = D("2030-03-01"), D("2030-03-02"), D("2030-03-03"), D("2030-03-04"), \
    D("2030-03-05"), D("2030-03-06"), D("2030-03-07")


def a_calendar(*, holidays=(), makeup=(), roll_forward=True, name="test", tz="Asia/Shanghai") -> Calendar:
    """A synthetic calendar: Saturday/Sunday weekend plus the given holiday and make-up day strings."""
    return Calendar(name, holidays={D(d) for d in holidays}, makeup_workdays={D(d) for d in makeup},
                    roll_forward=roll_forward, tz=tz)


def days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(i) for i in range((last - first).days + 1)]


# ---- examples ----------------------------------------------------------------------------------------

def test_the_day_of_service_is_not_counted():
    assert a_calendar().add_working_days(MON, 1) == TUE
    assert a_calendar().period_end(MON, Period.calendar_days(1)) == TUE


def test_working_days_skip_the_weekend():
    assert a_calendar().add_working_days(THU, 2) == D("2030-03-11")  # Fri, (Sat, Sun), Mon
    assert a_calendar().add_working_days(FRI, 5) == D("2030-03-08")  # served Friday: Mon..Fri next week


def test_working_days_skip_holidays():
    calendar = a_calendar(holidays=["2030-03-05", "2030-03-06"])
    assert not calendar.is_working_day(TUE)
    assert calendar.add_working_days(MON, 3) == D("2030-03-11")  # Thu, Fri, (weekend), Mon


def test_a_make_up_working_day_on_a_weekend_counts():
    calendar = a_calendar(makeup=["2030-03-02"])
    assert calendar.is_working_day(SAT) and not calendar.is_working_day(SUN)
    assert calendar.add_working_days(FRI, 2) == MON  # Sat (make-up), Mon


def test_a_calendar_period_ending_on_a_non_working_day_rolls_forward_to_the_next_working_day():
    calendar = a_calendar(holidays=["2030-03-18"])
    assert calendar.period_end(D("2030-03-02"), Period.calendar_days(15)) == D("2030-03-19")  # Sun, holiday Mon
    assert calendar.period_end(D("2030-03-01"), Period.calendar_days(15)) == D("2030-03-19")  # Sat
    assert calendar.period_end(D("2030-02-27"), Period.calendar_days(15)) == D("2030-03-14")  # Thu: no roll


def test_without_roll_forward_a_calendar_period_may_end_on_a_weekend():
    assert a_calendar(roll_forward=False).period_end(FRI, Period.calendar_days(1)) == SAT
    assert a_calendar(roll_forward=True).period_end(FRI, Period.calendar_days(1)) == MON


def test_a_roll_forward_lands_on_a_make_up_working_day():
    assert a_calendar(makeup=["2030-03-03"]).period_end(FRI, Period.calendar_days(1)) == SUN


def test_suspended_days_do_not_count_and_the_day_of_resumption_does():
    calendar = a_calendar()
    # Suspended Tue 5 .. resumed Thu 7: Tue and Wed are not counted, Thu is.
    assert calendar.period_end(MON, Period.working_days(3), suspensions=[(TUE, THU)]) == D("2030-03-11")
    assert calendar.period_end(MON, Period.calendar_days(3), suspensions=[(TUE, THU)]) == D("2030-03-11")
    assert calendar.period_end(MON, Period.working_days(3), suspensions=[(TUE, TUE)]) == THU  # empty


def test_suspensions_before_the_start_or_after_the_end_change_nothing():
    calendar, period = a_calendar(), Period.working_days(3)
    plain = calendar.period_end(MON, period)
    assert calendar.period_end(MON, period, suspensions=[(D("2030-02-01"), MON)]) == plain
    assert calendar.period_end(MON, period, suspensions=[(D("2030-03-08"), D("2030-04-01"))]) == plain


def test_a_roll_forward_skips_suspended_days():
    # One calendar day from Thu 7 with Fri 8 suspended ends Sat 9; the roll passes Sun 10 and the
    # suspended Mon 11 and stops on Tue 12.
    spans = [(D("2030-03-08"), D("2030-03-09")), (D("2030-03-11"), D("2030-03-12"))]
    assert a_calendar().period_end(THU, Period.calendar_days(1), suspensions=spans) == D("2030-03-12")


def test_a_bad_suspension_is_refused():
    with pytest.raises(CalendarError, match="resumes"):
        a_calendar().period_end(MON, Period.working_days(3), suspensions=[(THU, TUE)])
    with pytest.raises(CalendarError, match="must be a date"):
        a_calendar().period_end(MON, Period.working_days(3), suspensions=[(datetime(2030, 3, 5), THU)])


@pytest.mark.parametrize(("days", "law", "unit"), [
    (2, "PL", "working"), (3, "PL", "working"), (5, "PL", "working"), (7, "PL", "working"),
    (10, "PL", "calendar"), (15, "PL", "calendar"), (60, "PL", "calendar"), (4, "PL", "calendar"),
    (1, "CL", "working"), (10, "CL", "working"), (11, "CL", "calendar"), (30, "CL", "calendar"),
])
def test_the_statutes_pick_the_unit(days, law, unit):
    assert legal_period(days, law) == Period(days, unit)


def test_legal_period_refuses_unknown_laws_and_empty_periods():
    with pytest.raises(CalendarError, match="unknown law"):
        legal_period(5, "XX")
    with pytest.raises(CalendarError):
        legal_period(0, "CL")


@pytest.mark.parametrize(("text", "period"), [
    ("5wd", Period(5, "working")), ("15d", Period(15, "calendar")), (" 10 WD ", Period(10, "working")),
])
def test_periods_are_parsed_from_their_short_form(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["", "5", "5w", "-5d", "0d", "1.5d", "P5D", "5 days", None])
def test_anything_else_is_not_a_period(text):
    with pytest.raises(CalendarError):
        parse_period(text)


def test_a_period_is_due_at_the_end_of_its_last_local_day_in_utc():
    due = a_calendar().due_at(MON, Period.working_days(3))
    assert due == datetime(2030, 3, 7, 15, 59, 59, tzinfo=timezone.utc)  # 23:59:59 in Shanghai (UTC+8)
    assert a_calendar(tz="Europe/Berlin").end_of_day(THU) == datetime(2030, 3, 7, 22, 59, 59, tzinfo=timezone.utc)


def test_the_start_is_the_local_day_of_the_event():
    calendar = a_calendar()
    assert calendar.local_date("2030-03-03T17:30:00Z") == MON  # 01:30 Monday in Shanghai
    assert calendar.local_date("2030-03-03T17:30:00") == SUN  # naive: local wall time
    assert calendar.local_date(datetime(2030, 3, 3, 15, 0, tzinfo=timezone.utc)) == SUN
    assert calendar.local_date("2030-03-04") == MON
    with pytest.raises(CalendarError):
        calendar.local_date("next monday")


def test_a_calendar_rejects_inconsistent_data():
    with pytest.raises(CalendarError, match="both holiday and make-up"):
        a_calendar(holidays=["2030-03-02"], makeup=["2030-03-02"])
    with pytest.raises(CalendarError, match="must fall on the weekend"):
        a_calendar(makeup=["2030-03-04"])
    with pytest.raises(CalendarError, match="time zone"):
        a_calendar(tz="Mars/Olympus")
    with pytest.raises(CalendarError, match="weekend"):
        Calendar("x", weekend=tuple(range(7)))


# ---- calendar files ----------------------------------------------------------------------------------

def write(directory, name: str, data: dict) -> None:
    (directory / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


NATION = {"years": {"2030": "synthetic"},
          "holidays": [{"name": "spring", "from": "2030-03-05", "to": "2030-03-07"},
                       {"name": "sunday holiday", "from": "2030-03-17"}],
          "makeup_workdays": [{"name": "spring", "date": "2030-03-09"}]}


def test_a_calendar_file_lists_holiday_ranges_and_make_up_days(tmp_path):
    write(tmp_path, "nation", NATION)
    calendar = read_calendar("nation", directory=tmp_path)
    assert {d for d in days(MON, D("2030-03-10")) if not calendar.is_working_day(d)} == \
        {TUE, WED, THU, D("2030-03-10")}
    assert calendar.years == {2030} and calendar.tz == "Asia/Shanghai" and calendar.roll_forward


def test_a_city_extends_its_nation_and_wins_where_it_differs(tmp_path):
    write(tmp_path, "nation", NATION)
    write(tmp_path, "city", {
        "extends": "nation", "roll_forward": False, "years": {"2030": "x", "2031": "y"},
        "holidays": [{"name": "city day", "from": "2030-03-11"}, {"name": "swap", "from": "2030-03-09"}],
        "makeup_workdays": [{"name": "swap", "date": "2030-03-10"}, {"name": "worked", "date": "2030-03-17"}]})
    city = read_calendar("city", directory=tmp_path)
    assert not city.is_working_day(TUE)  # the nation's holiday
    assert not city.is_working_day(D("2030-03-11"))  # the city's own
    assert not city.is_working_day(D("2030-03-09")) and city.is_working_day(D("2030-03-10"))  # overridden
    assert city.is_working_day(D("2030-03-17"))  # a national holiday the city works
    assert city.years == {2030} and city.roll_forward is False


@pytest.mark.parametrize(("files", "message"), [
    ({"a": {"extends": "b"}, "b": {"extends": "a"}}, "circle"),
    ({"a": {"holiday": []}}, "unknown keys"),
    ({"a": {"holidays": [{"name": "x", "from": "2030-13-01"}]}}, "bad entry"),
    ({"a": {"holidays": [{"name": "x", "from": "2030-03-05", "to": "2030-03-04"}]}}, "bad entry"),
    ({"a": {"extends": "nowhere"}}, "no calendar"),
])
def test_broken_calendar_files_are_refused(tmp_path, files, message):
    for name, data in files.items():
        write(tmp_path, name, data)
    with pytest.raises(CalendarError, match=message):
        read_calendar("a", directory=tmp_path)


@pytest.mark.parametrize("name", ["../etc/passwd", "CN", "", "cn.json", "a/b"])
def test_jurisdiction_names_cannot_reach_other_files(tmp_path, name):
    with pytest.raises(CalendarError, match="not a jurisdiction name"):
        read_calendar(name, directory=tmp_path)


def test_counting_past_the_data_warns_but_still_gives_a_date(tmp_path, caplog):
    write(tmp_path, "nation", NATION)
    calendar = read_calendar("nation", directory=tmp_path)
    with caplog.at_level(logging.WARNING, logger="engine.calendar"):
        assert calendar.period_end(D("2030-12-30"), Period.working_days(3)) == D("2031-01-02")
    assert "no holiday data for [2031]" in caplog.text


@pytest.fixture
def synthetic_jurisdictions(tmp_path, monkeypatch):
    """Point the BPMN helpers at synthetic calendar files instead of the shipped ones."""
    write(tmp_path, "nation", NATION)
    monkeypatch.setattr(cal, "CALENDAR_DIR", tmp_path)
    load_calendar.cache_clear()
    yield
    load_calendar.cache_clear()


def test_timer_helpers_give_the_utc_instant_the_period_runs_out(synthetic_jurisdictions):
    # Served Sunday 23:00 UTC = Monday 07:00 in Shanghai; Tue-Thu are holidays, Sat 9 a make-up day.
    assert working_days_after("2030-03-03T23:00:00+00:00", 2, "nation") == "2030-03-09T15:59:59+00:00"
    assert working_days_after("2030-03-04", 2, jurisdiction="nation") == "2030-03-09T15:59:59+00:00"
    assert calendar_days_after("2030-03-04", 1, "nation") == "2030-03-08T15:59:59+00:00"  # Tue rolls to Fri
    assert datetime.fromisoformat(calendar_days_after(MON, 6, "nation")).tzinfo == timezone.utc
    assert set(BPMN_HELPERS) == {"working_days_after", "calendar_days_after"}


def test_timer_helpers_refuse_what_they_cannot_count(synthetic_jurisdictions):
    for call in (lambda: working_days_after("2030-03-04", 0, "nation"),
                 lambda: working_days_after("2030-03-04", 2.5, "nation"),
                 lambda: calendar_days_after("2030-03-04", 5, "atlantis"),
                 lambda: calendar_days_after("soon", 5, "nation")):
        with pytest.raises(CalendarError):
            call()


def test_the_shipped_prc_calendar_loads_from_the_package():
    assert resources.files("engine").joinpath("calendars", "cn.json").is_file()
    cn = load_calendar("cn")
    assert {2025, 2026} <= cn.years and cn.tz == "Asia/Shanghai" and cn.roll_forward
    assert not cn.is_working_day(D("2025-01-28")) and cn.is_working_day(D("2025-01-26"))  # Spring Festival
    assert not cn.is_working_day(D("2026-10-07")) and cn.is_working_day(D("2026-10-10"))  # National Day
    assert load_calendar("cn") is cn  # cached


# ---- properties --------------------------------------------------------------------------------------

YEAR = (date(2030, 1, 1), date(2030, 12, 31))
weekend_days = st.dates(*YEAR).filter(lambda d: d.weekday() >= 5)


@st.composite
def calendars(draw) -> Calendar:
    holidays = draw(st.sets(st.dates(*YEAR), max_size=60))
    makeup = draw(st.sets(weekend_days, max_size=10)) - holidays
    return Calendar("prop", holidays=holidays, makeup_workdays=makeup, roll_forward=draw(st.booleans()))


starts = st.dates(*YEAR)
counts = st.integers(min_value=1, max_value=40)


@st.composite
def suspension_lists(draw) -> list[tuple[date, date]]:
    spans = []
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.dates(*YEAR))
        spans.append((first, first + timedelta(draw(st.integers(0, 20)))))
    return spans


@settings(max_examples=200)
@given(calendars(), starts, counts)
def test_a_working_day_period_ends_on_the_nth_working_day_after_the_start(calendar, start, n):
    end = calendar.add_working_days(start, n)
    assert calendar.is_working_day(end) and end > start
    between = [d for d in days(start + timedelta(1), end - timedelta(1)) if calendar.is_working_day(d)]
    assert len(between) == n - 1
    assert end >= start + timedelta(n)  # never shorter than the same number of calendar days


@given(calendars(), starts, st.integers(0, 30), st.integers(0, 30))
def test_adding_working_days_composes(calendar, start, n, m):
    add = calendar.add_working_days
    assert add(add(start, n), m) == add(start, n + m)


@given(calendars(), starts, counts, st.sampled_from(["working", "calendar"]))
def test_a_longer_period_never_ends_earlier(calendar, start, n, unit):
    assert calendar.period_end(start, Period(n, unit)) <= calendar.period_end(start, Period(n + 1, unit))
    if unit == "working":
        assert calendar.add_working_days(start, n) < calendar.add_working_days(start, n + 1)


@given(calendars(), starts, counts)
def test_a_calendar_period_rolls_forward_only_as_far_as_the_next_working_day(calendar, start, n):
    end = calendar.period_end(start, Period.calendar_days(n))
    nominal = start + timedelta(n)
    if not calendar.roll_forward:
        assert end == nominal
    else:
        assert calendar.is_working_day(end) and end >= nominal
        assert not any(calendar.is_working_day(d) for d in days(nominal, end - timedelta(1)))


@settings(max_examples=200)
@given(calendars(), starts, counts, st.sampled_from(["working", "calendar"]), suspension_lists())
def test_a_suspension_never_shortens_a_period_and_its_days_never_count(calendar, start, n, unit, spans):
    period = Period(n, unit)
    end = calendar.period_end(start, period, suspensions=spans)
    assert end >= calendar.period_end(start, period)
    suspended = {d for first, resumed in spans for d in days(first, resumed - timedelta(1))}
    assert end not in suspended
    counted = [d for d in days(start + timedelta(1), end) if d not in suspended
               and (unit == "calendar" or calendar.is_working_day(d))]
    if unit == "working" or not calendar.roll_forward:
        assert len(counted) == n
    else:
        assert len(counted) >= n and calendar.is_working_day(end)


@given(st.integers(1, 400), st.sampled_from(["working", "calendar"]))
def test_a_period_round_trips_through_its_short_form(n, unit):
    assert parse_period(str(Period(n, unit))) == Period(n, unit)
