"""Working days by the State Council holiday arrangements, and publicity (公示) windows counted in them.

Pure functions and immutable values only: no file reading, no clock. The arrangements come from
data/calendar/<year>.yaml (loaded elsewhere) through `YearArrangement.from_mapping`.

Rules (DESIGN.md, "working day" and "publicity window"):
- A working day is a Monday–Friday not inside any holiday span, or a make-up working day (调休上班).
  Holiday spans and make-up days of every loaded arrangement apply to any date, because a
  notice for year Y+1 can reach back into late December of Y.
- A day D has an answer only if the arrangement for D.year is loaded and, from 24 December on,
  the arrangement for D.year + 1 too. Otherwise `CalendarNotCovered` names the missing years:
  the calendar never guesses.
- A publicity window starts on the publication day if it is a working day, else on the next
  working day, and ends on the Nth working day counting the start. Objections are accepted
  until 24:00 Asia/Shanghai of the end day, or until a stated earlier cut-off time that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# From this day of December on, the next year's arrangement is needed as well: it may put
# holidays (2023's 元旦 began 2022-12-31) or make-up working days (2018-12-29) into late December.
NEXT_YEAR_NEEDED_FROM = (12, 24)

_ONE_DAY = dt.timedelta(days=1)
_MIDNIGHT = dt.time(0, 0)

UPCOMING = "upcoming"
OPEN = "open"
CLOSED = "closed"


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00 of `day` in Asia/Shanghai, as an instant."""
    return dt.datetime.combine(day, _MIDNIGHT, tzinfo=SHANGHAI)


def day_of(instant: dt.datetime) -> dt.date:
    """The calendar day in Asia/Shanghai of an instant; the instant must carry a time zone."""
    check_instant(instant)
    return instant.astimezone(SHANGHAI).date()


def check_instant(instant: object) -> None:
    """Refuse anything but an aware datetime: a state is a function of an instant, never of a day or
    of a wall-clock time in an unknown zone."""
    if not isinstance(instant, dt.datetime) or instant.utcoffset() is None:
        raise TypeError(f"时刻应为带时区的 datetime（例如 Asia/Shanghai），收到的是 {instant!r}")


def closing_instant(last_day: dt.date, cutoff: dt.time | None = None) -> dt.datetime:
    """The instant a deadline stated as a day (and perhaps a time of day) passes, Asia/Shanghai:
    the stated time on that day, else 24:00 (the next day's 00:00)."""
    if cutoff is None:
        return start_of_day(last_day + _ONE_DAY)
    return dt.datetime.combine(last_day, cutoff, tzinfo=SHANGHAI)


def clock_label(cutoff: dt.time | None) -> str:
    """A deadline's time of day as people write it: the stated time ("17:30"), else "24:00"."""
    return cutoff.strftime("%H:%M") if cutoff is not None else "24:00"


def closing_label(last_day: dt.date, cutoff: dt.time | None = None) -> str:
    """The instant `closing_instant` gives, as the site writes it: "2025-02-28 17:30", "2025-02-28 24:00"."""
    return f"{last_day.isoformat()} {clock_label(cutoff)}"


class CalendarNotCovered(Exception):
    """A date whose working-day status depends on a year whose arrangement is not loaded."""

    def __init__(self, years: Iterable[int]):
        self.years: tuple[int, ...] = tuple(sorted(set(years)))
        super().__init__(self.years)

    def __str__(self) -> str:
        listed = "、".join(str(year) for year in self.years)
        return f"工作日历未收录 {listed} 年的国务院节假日安排，无法计算该日期是否为工作日"


@dataclass(frozen=True)
class HolidaySpan:
    """One 放假 span exactly as the notice states it, both ends inclusive."""

    name: str
    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class YearArrangement:
    """One year's notice (国务院办公厅关于YYYY年部分节假日安排的通知)."""

    year: int
    title: str
    holidays: tuple[HolidaySpan, ...]
    makeup_workdays: frozenset[dt.date]
    doc_no: str | None = None
    issued_on: dt.date | None = None
    url: str | None = None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> YearArrangement:
        """Build from a data/calendar/<year>.yaml mapping loaded string-only (PyYAML BaseLoader).

        The mapping is assumed already validated against the schemas; '' and None both mean
        "not known".
        """
        return cls(
            year=int(m["year"]),
            title=str(m["title"]),
            holidays=tuple(
                HolidaySpan(str(h["name"]), _as_date(h["start"]), _as_date(h["end"])) for h in _items(m.get("holidays"))
            ),
            makeup_workdays=frozenset(_as_date(d["date"]) for d in _items(m.get("makeup_workdays"))),
            doc_no=_text(m.get("doc_no")),
            issued_on=None if _missing(m.get("issued_on")) else _as_date(m["issued_on"]),
            url=_text(m.get("url")),
        )


def _missing(value: Any) -> bool:
    return value is None or value == ""


def _text(value: Any) -> str | None:
    return None if _missing(value) else str(value)


def _items(value: Any) -> list[Any]:
    return [] if _missing(value) else list(value)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _check_day(day: Any, what: str) -> None:
    # datetime is a subclass of date; letting one through would mix instants into day arithmetic.
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise TypeError(f"{what}应为日期（date），收到的是 {type(day).__name__}")


@dataclass(frozen=True)
class PublicityWindow:
    """A publicity window: its N working days and the instants it opens and closes (Asia/Shanghai)."""

    published_on: dt.date
    first_day: dt.date
    last_day: dt.date
    working_days: int
    days: tuple[dt.date, ...]  # the N working days, first_day .. last_day
    opens_at: dt.datetime  # 00:00 of first_day, Asia/Shanghai
    closes_at: dt.datetime  # 24:00 of last_day (00:00 next day), or last_day at the stated cut-off

    def state_at(self, instant: dt.datetime) -> str:
        """'upcoming', 'open' or 'closed' at an instant; the instant must carry a time zone.

        Instants are compared as instants, so any zone gives the same answer.
        """
        if not isinstance(instant, dt.datetime) or instant.utcoffset() is None:
            raise ValueError("时刻必须带时区（例如 Asia/Shanghai），否则无法判断公示状态")
        if instant < self.opens_at:
            return UPCOMING
        if instant < self.closes_at:
            return OPEN
        return CLOSED


class DaySpan(Protocol):
    """Anything with a first and a last day (both inclusive)."""

    @property
    def first_day(self) -> dt.date: ...

    @property
    def last_day(self) -> dt.date: ...


def publicity_state(window: DaySpan, today: dt.date) -> str:
    """'upcoming', 'open' or 'closed' for a calendar day in Asia/Shanghai, for any window with a
    first_day and a last_day (a PublicityWindow, or a notice's window in generator.domain.lifecycle).

    Upcoming before first_day, open from first_day through last_day, closed after. This is a
    day-level answer: when the notice states a cut-off time, the last day is still 'open' here
    even after that time; use `PublicityWindow.state_at` for the exact instant.
    """
    _check_day(today, "今天")
    if today < window.first_day:
        return UPCOMING
    if today <= window.last_day:
        return OPEN
    return CLOSED


class WorkingCalendar:
    """Working days over the loaded years' arrangements; immutable once built."""

    __slots__ = ("_arrangements", "_holidays", "_makeup_workdays")
    _arrangements: tuple[YearArrangement, ...]
    _holidays: tuple[HolidaySpan, ...]
    _makeup_workdays: frozenset[dt.date]

    def __init__(self, arrangements: Iterable[YearArrangement]):
        by_year: dict[int, YearArrangement] = {}
        for arrangement in arrangements:
            if arrangement.year in by_year:
                raise ValueError(f"{arrangement.year} 年的节假日安排重复")
            by_year[arrangement.year] = arrangement
        ordered = tuple(by_year[year] for year in sorted(by_year))
        object.__setattr__(self, "_arrangements", ordered)
        object.__setattr__(self, "_holidays", tuple(span for a in ordered for span in a.holidays))
        object.__setattr__(self, "_makeup_workdays", frozenset[dt.date]().union(*(a.makeup_workdays for a in ordered)))

    @classmethod
    def from_mappings(cls, mappings: Iterable[Mapping[str, Any]]) -> WorkingCalendar:
        """Build from data/calendar/<year>.yaml mappings (see `YearArrangement.from_mapping`)."""
        return cls(YearArrangement.from_mapping(m) for m in mappings)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(years={self.years})"

    @property
    def years(self) -> tuple[int, ...]:
        """The years whose arrangements are loaded, ascending."""
        return tuple(a.year for a in self._arrangements)

    @property
    def arrangements(self) -> tuple[YearArrangement, ...]:
        """The loaded arrangements, by year."""
        return self._arrangements

    def missing_years(self, day: dt.date) -> tuple[int, ...]:
        """The years whose arrangements `day` needs but are not loaded (empty when covered)."""
        _check_day(day, "日期")
        needed = [day.year]
        if (day.month, day.day) >= NEXT_YEAR_NEEDED_FROM:
            needed.append(day.year + 1)
        loaded = self.years
        return tuple(year for year in needed if year not in loaded)

    def covers(self, day: dt.date) -> bool:
        """Whether the loaded arrangements answer whether `day` is a working day."""
        return not self.missing_years(day)

    def is_working_day(self, day: dt.date) -> bool:
        """Mon–Fri outside every holiday span, or a make-up working day; refuses uncovered days."""
        missing = self.missing_years(day)
        if missing:
            raise CalendarNotCovered(missing)
        if day in self._makeup_workdays:
            return True
        return day.weekday() < 5 and not any(day in span for span in self._holidays)

    def nth_working_day(self, start: dt.date, n: int) -> dt.date:
        """The Nth working day counting `start` itself when it is a working day (n >= 1)."""
        return self._working_days_from(start, n)[-1]

    def publicity_window(
        self,
        published_on: dt.date,
        working_days: int,
        cutoff: dt.time | None = None,
    ) -> PublicityWindow:
        """The publicity window of a notice published on `published_on` (guideline 3.3.2).

        `cutoff` is a wall-clock time in Asia/Shanghai on the last day, for a notice that states
        an earlier cut-off than 24:00; it must be naive and later than 00:00.
        """
        if cutoff is not None:
            if not isinstance(cutoff, dt.time):
                raise TypeError(f"截止时间应为 time，收到的是 {type(cutoff).__name__}")
            if cutoff.tzinfo is not None:
                raise ValueError("截止时间按北京时间填写，不应带时区")
            if cutoff == _MIDNIGHT:
                raise ValueError("截止时间不能是 00:00；截至当天 24:00 时不填截止时间")
        days = self._working_days_from(published_on, working_days)
        first_day, last_day = days[0], days[-1]
        closes_at = closing_instant(last_day, cutoff)
        return PublicityWindow(
            published_on=published_on,
            first_day=first_day,
            last_day=last_day,
            working_days=working_days,
            days=days,
            opens_at=dt.datetime.combine(first_day, _MIDNIGHT, tzinfo=SHANGHAI),
            closes_at=closes_at,
        )

    def _working_days_from(self, start: dt.date, n: int) -> tuple[dt.date, ...]:
        """The first n working days on or after `start`.

        Terminates: every step asks `is_working_day`, which raises CalendarNotCovered as soon as
        the walk leaves the loaded years, and the loaded years are finite.
        """
        _check_day(start, "起始日期")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"工作日数必须是不小于 1 的整数，收到的是 {n!r}")
        found: list[dt.date] = []
        day = start
        while len(found) < n:
            if self.is_working_day(day):
                found.append(day)
            day += _ONE_DAY
        return tuple(found)
