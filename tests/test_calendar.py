"""The working-day calendar and publicity windows (guideline 3.3.2): the rules, on the tests' own copy of
the 2022–2026 arrangements (tests/fixtures/base/calendar).

Rules about the data files themselves (make-up days on weekends and outside every holiday span, dates
within the file's year, the title naming it) are `clusters validate`'s (generator/load/rules.py,
one negative case each in tests/cases/negative/); the shipped data/calendar is checked through the
validator and against the chinesecalendar package in tests/test_shipped_data.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import yaml
from conftest import FIXTURE_BASE
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.domain.calendar import (
    NEXT_YEAR_NEEDED_FROM,
    CalendarNotCovered,
    HolidaySpan,
    PublicityWindow,
    WorkingCalendar,
    YearArrangement,
    publicity_state,
)
from generator.load.rules import calendar_date_range

FIXTURE_CALENDAR = FIXTURE_BASE / "calendar"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC
PLUS_8 = dt.timezone(dt.timedelta(hours=8))
D = dt.date.fromisoformat


def load_mapping(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


@pytest.fixture(scope="session")
def arrangements() -> tuple[YearArrangement, ...]:
    return tuple(YearArrangement.from_mapping(load_mapping(path)) for path in sorted(FIXTURE_CALENDAR.glob("*.yaml")))


@pytest.fixture(scope="session")
def calendar(arrangements) -> WorkingCalendar:
    return WorkingCalendar(arrangements)


def days(*isodates: str) -> tuple[dt.date, ...]:
    return tuple(D(d) for d in isodates)


# --- reading an arrangement ----------------------------------------------------------------------


def test_the_fixture_covers_2022_to_2026(calendar):
    assert calendar.years == (2022, 2023, 2024, 2025, 2026)


def test_from_mapping_treats_empty_values_as_unknown(arrangements):
    by_year = {a.year: a for a in arrangements}
    assert (by_year[2022].doc_no, by_year[2022].issued_on, by_year[2022].url) == (None, None, None)
    assert (by_year[2023].doc_no, by_year[2023].issued_on) == (None, None)
    assert by_year[2024].doc_no == "国办发明电〔2023〕7号"
    assert by_year[2024].issued_on == D("2023-10-25")
    assert by_year[2026].doc_no is None and by_year[2026].issued_on == D("2025-11-04")
    assert by_year[2023].holidays[0] == HolidaySpan("元旦", D("2022-12-31"), D("2023-01-02"))
    assert D("2024-10-12") in by_year[2024].makeup_workdays


def test_from_mapping_accepts_none_and_missing_optional_keys():
    built = YearArrangement.from_mapping(
        {
            "year": "2030",
            "title": "t",
            "doc_no": None,
            "issued_on": "",
            "url": None,
            "holidays": [],
            "makeup_workdays": None,
        }
    )
    assert built == YearArrangement(2030, "t", (), frozenset())


@pytest.mark.parametrize("year", [2023, 2024, 2100])
def test_a_years_dates_reach_back_exactly_as_far_as_the_calendar_reads_next_years_file(arrangements, year):
    """The validator accepts a date of year Y's file from 24 December of Y-1 on (a span's end only
    within Y), the day from which the calendar reads Y's file for a day of Y-1 at all: a make-up day
    any earlier would count or not depending on whether Y's file happened to be loaded."""
    first, last = calendar_date_range(year, "date")
    assert first == dt.date(year - 1, *NEXT_YEAR_NEEDED_FROM) and last == dt.date(year, 12, 31)
    assert calendar_date_range(year, "start") == (first, last)
    assert calendar_date_range(year, "end") == (dt.date(year, 1, 1), last)
    before = WorkingCalendar(a for a in arrangements if a.year == 2023)  # 2023 alone: 2024 not loaded
    assert before.missing_years(dt.date(2023, *NEXT_YEAR_NEEDED_FROM) - dt.timedelta(days=1)) == ()
    assert before.missing_years(dt.date(2023, *NEXT_YEAR_NEEDED_FROM)) == (2024,)


# --- working days ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (D("2024-02-09"), True),  # 除夕 2024: rest encouraged, not mandated — a working day
        (D("2024-02-10"), False),  # 春节
        (D("2024-02-18"), True),  # Sunday, 调休上班
        (D("2024-06-08"), False),  # Saturday next to 端午, an ordinary weekend day
        (D("2022-12-31"), False),  # Saturday inside 2023's 元旦 span
        (D("2023-01-02"), False),  # Monday, 元旦 2023
        (D("2025-01-01"), False),  # Wednesday, 元旦 2025, no make-up day
        (D("2026-01-04"), True),  # Sunday, 调休上班 for 元旦 2026
        (D("2026-03-02"), True),  # ordinary Monday
    ],
    ids=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v),
)
def test_is_working_day(calendar, day, working):
    assert calendar.is_working_day(day) is working


def test_nth_working_day_counts_the_start_when_it_is_a_working_day(calendar):
    assert calendar.nth_working_day(D("2024-10-08"), 1) == D("2024-10-08")
    assert calendar.nth_working_day(D("2024-10-01"), 1) == D("2024-10-08")
    assert calendar.nth_working_day(D("2024-10-08"), 5) == D("2024-10-12")


@pytest.mark.parametrize("n", [0, -1])
def test_nth_working_day_needs_n_at_least_one(calendar, n):
    with pytest.raises(ValueError):
        calendar.nth_working_day(D("2024-10-08"), n)


def test_every_day_agrees_with_chinesecalendar(calendar):
    """The arithmetic (weekends, spans, make-up days, a span reaching into December) against an
    independent implementation, the chinesecalendar package, on every day of the fixture's years."""
    day, differing, compared = D("2022-01-01"), [], 0
    while calendar.covers(day):
        ours, theirs = calendar.is_working_day(day), chinese_calendar.is_workday(day)
        compared += 1
        if ours != theirs:
            differing.append(f"{day} ours={ours} chinesecalendar={theirs}")
        day += dt.timedelta(days=1)
    assert compared == (D("2026-12-24") - D("2022-01-01")).days
    assert differing == []


def test_the_calendar_is_immutable(calendar):
    with pytest.raises(AttributeError):
        calendar._holidays = ()
    with pytest.raises(AttributeError):
        calendar.extra = 1


def test_a_year_loaded_twice_is_refused(arrangements):
    with pytest.raises(ValueError):
        WorkingCalendar(arrangements + arrangements[:1])


# --- publicity windows -----------------------------------------------------------------------------

WINDOWS = [
    pytest.param(
        D("2022-12-29"),
        5,
        days("2022-12-29", "2022-12-30", "2023-01-03", "2023-01-04", "2023-01-05"),
        id="miit-2022-across-yuandan",
    ),
    pytest.param(
        D("2023-09-28"),
        5,
        days("2023-09-28", "2023-10-07", "2023-10-08", "2023-10-09", "2023-10-10"),
        id="miit-2023-across-guoqing",
    ),
    pytest.param(
        D("2024-10-01"),
        7,
        days("2024-10-08", "2024-10-09", "2024-10-10", "2024-10-11", "2024-10-12", "2024-10-14", "2024-10-15"),
        id="published-on-a-holiday",
    ),
    pytest.param(
        D("2024-10-12"),
        7,
        days("2024-10-12", "2024-10-14", "2024-10-15", "2024-10-16", "2024-10-17", "2024-10-18", "2024-10-21"),
        id="published-on-a-makeup-saturday",
    ),
    pytest.param(
        D("2024-03-03"), 3, days("2024-03-04", "2024-03-05", "2024-03-06"), id="published-on-an-ordinary-sunday"
    ),
    pytest.param(D("2024-02-08"), 2, days("2024-02-08", "2024-02-09"), id="chuxi-2024-is-a-working-day"),
    pytest.param(
        D("2025-01-24"),
        7,
        days("2025-01-24", "2025-01-26", "2025-01-27", "2025-02-05", "2025-02-06", "2025-02-07", "2025-02-08"),
        id="across-chunjie-2025",
    ),
    pytest.param(
        D("2026-02-12"),
        7,
        days("2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27"),
        id="across-chunjie-2026",
    ),
    pytest.param(
        D("2025-09-26"),
        7,
        days("2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10", "2025-10-11"),
        id="across-guoqing-2025",
    ),
    pytest.param(
        D("2025-12-26"),
        7,
        days("2025-12-26", "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-04", "2026-01-05", "2026-01-06"),
        id="across-the-year-boundary-2025-2026",
    ),
    pytest.param(
        D("2026-12-18"),
        4,
        days("2026-12-18", "2026-12-21", "2026-12-22", "2026-12-23"),
        id="last-answerable-days-of-2026",
    ),
]


@pytest.mark.parametrize("published_on, n, expected_days", WINDOWS)
def test_publicity_window(calendar, published_on, n, expected_days):
    window = calendar.publicity_window(published_on, n)
    assert window.published_on == published_on
    assert window.days == expected_days
    assert (window.first_day, window.last_day) == (expected_days[0], expected_days[-1])
    assert window.working_days == n
    assert window.opens_at == dt.datetime.combine(expected_days[0], dt.time(0), tzinfo=PLUS_8)
    assert window.closes_at == dt.datetime.combine(expected_days[-1] + dt.timedelta(days=1), dt.time(0), tzinfo=PLUS_8)


def test_seven_working_days_around_a_holiday(calendar):
    window = calendar.publicity_window(D("2024-06-07"), 7)  # 端午 2024-06-10 falls inside
    assert window.working_days == 7
    assert window.days == days(
        "2024-06-07", "2024-06-11", "2024-06-12", "2024-06-13", "2024-06-14", "2024-06-17", "2024-06-18"
    )


def test_objections_close_at_midnight_after_the_last_day_beijing_time(calendar):
    window = calendar.publicity_window(D("2022-12-29"), 5)
    assert window.closes_at.isoformat() == "2023-01-06T00:00:00+08:00"
    assert window.closes_at.utcoffset() == dt.timedelta(hours=8)
    assert window.opens_at.isoformat() == "2022-12-29T00:00:00+08:00"
    assert window.closes_at.astimezone(UTC) == dt.datetime(2023, 1, 5, 16, 0, tzinfo=UTC)


def test_a_stated_cutoff_closes_on_the_last_day_at_that_time(calendar):
    window = calendar.publicity_window(D("2023-09-28"), 5, cutoff=dt.time(17, 30))
    assert window.last_day == D("2023-10-10")
    assert window.closes_at.isoformat() == "2023-10-10T17:30:00+08:00"
    assert window.state_at(dt.datetime(2023, 10, 10, 17, 29, tzinfo=SHANGHAI)) == "open"
    assert window.state_at(dt.datetime(2023, 10, 10, 17, 30, tzinfo=SHANGHAI)) == "closed"
    # the day-level answer still calls the whole last day open
    assert publicity_state(window, D("2023-10-10")) == "open"


@pytest.mark.parametrize("cutoff", [dt.time(0, 0), dt.time(17, 0, tzinfo=UTC)], ids=["midnight", "aware"])
def test_a_meaningless_cutoff_is_refused(calendar, cutoff):
    with pytest.raises(ValueError):
        calendar.publicity_window(D("2023-09-28"), 5, cutoff=cutoff)


# --- refusing years that are not loaded ----------------------------------------------------------


@pytest.mark.parametrize(
    "published_on, n, missing",
    [
        pytest.param(D("2026-12-28"), 7, 2027, id="late-december-2026-needs-2027"),
        pytest.param(D("2026-12-24"), 1, 2027, id="24-december-2026-itself"),
        pytest.param(D("2027-01-04"), 7, 2027, id="in-2027"),
        pytest.param(D("2026-12-18"), 7, 2027, id="walks-off-the-end-into-24-december"),
        pytest.param(D("2021-12-20"), 1, 2021, id="in-2021"),
    ],
)
def test_a_window_needing_an_unloaded_year_is_refused(calendar, published_on, n, missing):
    with pytest.raises(CalendarNotCovered) as raised:
        calendar.publicity_window(published_on, n)
    assert missing in raised.value.years
    assert str(missing) in str(raised.value)
    assert "工作日历未收录" in str(raised.value)


@pytest.mark.parametrize(
    "day, covered",
    [
        (D("2021-12-31"), False),
        (D("2022-01-01"), True),
        (D("2026-12-23"), True),
        (D("2026-12-24"), False),
        (D("2027-01-01"), False),
    ],
    ids=str,
)
def test_covers(calendar, day, covered):
    assert calendar.covers(day) is covered
    if not covered:
        with pytest.raises(CalendarNotCovered):
            calendar.is_working_day(day)


def test_a_gap_between_loaded_years_is_refused(arrangements):
    only_2024 = WorkingCalendar(a for a in arrangements if a.year == 2024)
    with pytest.raises(CalendarNotCovered) as before:
        only_2024.is_working_day(D("2023-12-31"))
    assert before.value.years == (2023,)
    with pytest.raises(CalendarNotCovered) as after:
        only_2024.is_working_day(D("2024-12-24"))
    assert after.value.years == (2025,)
    assert only_2024.is_working_day(D("2024-12-23")) is True


def test_the_refusal_names_every_missing_year():
    error = CalendarNotCovered([2027, 2026, 2027])
    assert error.years == (2026, 2027)
    assert str(error) == "工作日历未收录 2026、2027 年的国务院节假日安排，无法计算该日期是否为工作日"
    with pytest.raises(CalendarNotCovered) as raised:
        WorkingCalendar([]).is_working_day(D("2025-12-30"))
    assert raised.value.years == (2025, 2026)


# --- state as of an instant or a day ---------------------------------------------------------------


@pytest.fixture(scope="session")
def miit_2022(calendar) -> PublicityWindow:
    return calendar.publicity_window(D("2022-12-29"), 5)  # 2022-12-29 .. 2023-01-05


@pytest.mark.parametrize(
    "instant, state",
    [
        # around the opening, 2022-12-29 00:00 Beijing time = 2022-12-28 16:00 UTC
        pytest.param(dt.datetime(2022, 12, 28, 23, 59, tzinfo=SHANGHAI), "upcoming", id="open-minus-1min-shanghai"),
        pytest.param(dt.datetime(2022, 12, 28, 15, 59, tzinfo=UTC), "upcoming", id="open-minus-1min-utc"),
        pytest.param(dt.datetime(2022, 12, 28, 16, 1, tzinfo=UTC), "open", id="open-plus-1min-utc-still-28th"),
        pytest.param(dt.datetime(2022, 12, 28, 11, 1, tzinfo=NEW_YORK), "open", id="open-plus-1min-new-york"),
        # around the closing, 2023-01-06 00:00 Beijing time = 2023-01-05 16:00 UTC = 11:00 New York (EST)
        pytest.param(dt.datetime(2023, 1, 5, 23, 59, tzinfo=SHANGHAI), "open", id="close-minus-1min-shanghai"),
        pytest.param(dt.datetime(2023, 1, 6, 0, 1, tzinfo=SHANGHAI), "closed", id="close-plus-1min-shanghai"),
        pytest.param(dt.datetime(2023, 1, 5, 15, 59, tzinfo=UTC), "open", id="close-minus-1min-utc"),
        pytest.param(dt.datetime(2023, 1, 5, 16, 1, tzinfo=UTC), "closed", id="close-plus-1min-utc"),
        pytest.param(dt.datetime(2023, 1, 5, 10, 59, tzinfo=NEW_YORK), "open", id="close-minus-1min-new-york"),
        pytest.param(dt.datetime(2023, 1, 5, 11, 1, tzinfo=NEW_YORK), "closed", id="close-plus-1min-new-york"),
        pytest.param(dt.datetime(2023, 1, 5, 16, 0, tzinfo=UTC), "closed", id="exactly-24h00"),
    ],
)
def test_state_at_an_instant_in_any_zone(miit_2022, instant, state):
    assert miit_2022.state_at(instant) == state


def test_state_at_in_summer_new_york_time(calendar):
    window = calendar.publicity_window(D("2024-06-07"), 7)  # closes 2024-06-19 00:00 +08:00 = 12:00 EDT on the 18th
    assert window.state_at(dt.datetime(2024, 6, 18, 11, 59, tzinfo=NEW_YORK)) == "open"
    assert window.state_at(dt.datetime(2024, 6, 18, 12, 1, tzinfo=NEW_YORK)) == "closed"


def test_state_at_refuses_a_naive_instant(miit_2022):
    with pytest.raises(ValueError):
        miit_2022.state_at(dt.datetime(2023, 1, 5, 23, 59))


@pytest.mark.parametrize(
    "today, state",
    [
        (D("2022-12-28"), "upcoming"),
        (D("2022-12-29"), "open"),
        (D("2023-01-01"), "open"),
        (D("2023-01-05"), "open"),
        (D("2023-01-06"), "closed"),
    ],
    ids=str,
)
def test_publicity_state_on_a_day(miit_2022, today, state):
    assert publicity_state(miit_2022, today) == state


# --- properties ------------------------------------------------------------------------------------

starts = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2026, 11, 30))
counts = st.integers(min_value=1, max_value=15)


def window_or_skip(calendar: WorkingCalendar, published_on: dt.date, n: int) -> PublicityWindow:
    try:
        return calendar.publicity_window(published_on, n)
    except CalendarNotCovered:
        assume(False)
        raise  # unreachable: assume(False) aborts the example


@settings(max_examples=300, deadline=None)
@given(published_on=starts, n=counts)
def test_property_window_holds_exactly_n_working_days(calendar, published_on, n):
    window = window_or_skip(calendar, published_on, n)
    assert len(window.days) == n == window.working_days
    assert window.days[0] == window.first_day >= published_on
    assert window.days[-1] == window.last_day
    assert calendar.is_working_day(window.last_day)
    span = [window.first_day + dt.timedelta(days=i) for i in range((window.last_day - window.first_day).days + 1)]
    assert tuple(day for day in span if calendar.is_working_day(day)) == window.days
    skipped = [published_on + dt.timedelta(days=i) for i in range((window.first_day - published_on).days)]
    assert not any(calendar.is_working_day(day) for day in skipped)


@settings(max_examples=300, deadline=None)
@given(published_on=starts, n=counts)
def test_property_a_later_start_never_ends_earlier(calendar, published_on, n):
    window = window_or_skip(calendar, published_on, n)
    later = window_or_skip(calendar, published_on + dt.timedelta(days=1), n)
    assert later.last_day >= window.last_day
    assert later.first_day >= window.first_day


@settings(max_examples=300, deadline=None)
@given(published_on=starts, n=counts)
def test_property_one_more_working_day_ends_later(calendar, published_on, n):
    window = window_or_skip(calendar, published_on, n + 1)
    assert calendar.nth_working_day(published_on, n) < window.last_day == calendar.nth_working_day(published_on, n + 1)
