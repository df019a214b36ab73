"""The clock: the one place that reads the time, turning it into the instant a command works at.

Every command resolves its instant here once (from `--at`, `--today` or the clock) and passes it
down; the rules, the snapshot and every renderer take the instant (or its day, Asia/Shanghai) as a
parameter and never read the clock. A day given alone means 00:00 of that day.
"""

from __future__ import annotations

import datetime as dt

from generator.domain.calendar import SHANGHAI, start_of_day


def today_in_shanghai(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in Guangzhou at `now` (default: the clock)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI).date()


def now_in_shanghai() -> dt.datetime:
    """The clock, read once by a command: the instant it works at, or records when it ran."""
    return dt.datetime.now(SHANGHAI).replace(microsecond=0)


def parse_day(text: str) -> dt.date:
    """A day written YYYY-MM-DD; raises ValueError otherwise."""
    return dt.date.fromisoformat(text)


def parse_instant(text: str) -> dt.datetime:
    """An instant written YYYY-MM-DDTHH:MM (Beijing time; seconds allowed), or ISO 8601 with an offset
    (any zone, as the instant it names); in Asia/Shanghai. Raises ValueError otherwise."""
    if "T" not in text:
        raise ValueError(text)
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def resolve_day(given: dt.date | str | None) -> dt.date:
    """The day a command works for: the one given (a date or YYYY-MM-DD), else today in Shanghai."""
    if given is None or given == "":
        return today_in_shanghai()
    if isinstance(given, str):
        return parse_day(given)
    return given


def resolve_instant(today: dt.date | str | None, at: dt.datetime | str | None) -> dt.datetime:
    """The instant a command works at: `at` as given (an aware datetime, or text for parse_instant),
    else 00:00 of the day `today` (a date or YYYY-MM-DD), else the clock (read once). Both given:
    ValueError."""
    if at not in (None, "") and today not in (None, ""):
        raise ValueError("--today 与 --at 只能给出一个")
    if isinstance(at, str) and at:
        return parse_instant(at)
    if isinstance(at, dt.datetime):
        if at.utcoffset() is None:
            raise ValueError("时刻必须带时区")
        return at.astimezone(SHANGHAI)
    if today not in (None, ""):
        return start_of_day(resolve_day(today))
    return now_in_shanghai()
