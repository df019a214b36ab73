"""The clock: the one place that reads the time, turning it into "today" in Asia/Shanghai.

Every command resolves its day here once (from `--today` or the clock) and passes it down; the
rules, the snapshot and every renderer take the day as a parameter and never read the clock.
"""

from __future__ import annotations

import datetime as dt

from generator.domain.calendar import SHANGHAI


def today_in_shanghai(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in Guangzhou at `now` (default: the clock)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI).date()


def now_in_shanghai() -> dt.datetime:
    """The clock, read once by a command that records when it ran (a build's manifest)."""
    return dt.datetime.now(SHANGHAI).replace(microsecond=0)


def parse_day(text: str) -> dt.date:
    """A day written YYYY-MM-DD; raises ValueError otherwise."""
    return dt.date.fromisoformat(text)


def resolve_day(given: dt.date | str | None) -> dt.date:
    """The day a command works for: the one given (a date or YYYY-MM-DD), else today in Shanghai."""
    if given is None or given == "":
        return today_in_shanghai()
    if isinstance(given, str):
        return parse_day(given)
    return given
