"""An annual call for applications (认定工作通知) as of a day: its application window and deadlines.

Every date here is the call's own: the guideline sets no application period (3.3.1 says the
district bureaux submit "按当年认定工作通知要求"), so nothing is computed from the guideline. The
window opens on the stated start day (else on the day the call was published) and closes at the
stated deadline: the stated time on the deadline day, else 24:00 of that day (the site's reading of
a date without a time, the same as for an objection deadline). A call without a stated deadline has
no closing instant, and the site says so instead of guessing one ("unknown"), except when a notice
naming the call has been published: a list is put up for publicity after the applications have been
reviewed (the municipal guideline: 3.3.1 申报, then 3.3.2 评审 and 公示; read the same way for the
other levels, the site's practice), so that round is no longer taking applications ("followed"). The
call's year alone proves nothing: no record says by when a year's round closes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.domain.calendar import closing_instant, publicity_state
from generator.domain.model import Call

CALL_STATE_LABELS = {
    "upcoming": "未开始",
    "open": "申报中",
    "closed": "已截止",
    "followed": "名单已公示",
    "unknown": "截止日期未载明",
}


@dataclass(frozen=True)
class CallFacts:
    """A published call as of the snapshot's day."""

    call: Call
    state: str  # key of CALL_STATE_LABELS
    notices: tuple[str, ...]  # ids of the published notices that name the call, newest first

    @property
    def first_day(self) -> dt.date:
        """The first day applications are taken: the stated start, else the day of publication."""
        return self.call.opens_on or self.call.published_on

    @property
    def last_day(self) -> dt.date | None:
        return self.call.deadline_on

    @property
    def closes_at(self) -> dt.datetime | None:
        if self.call.deadline_on is None:
            return None
        return closing_instant(self.call.deadline_on, self.call.deadline_time)

    @property
    def deadline_label(self) -> str | None:
        """ "2026-05-20 17:30", or the day with 24:00 when no time is stated; None when not stated."""
        if self.call.deadline_on is None:
            return None
        time = self.call.deadline_time.strftime("%H:%M") if self.call.deadline_time else "24:00"
        return f"{self.call.deadline_on.isoformat()} {time}"

    @property
    def state_label(self) -> str:
        return CALL_STATE_LABELS[self.state]

    @property
    def page(self) -> str:
        return f"calls/{self.call.id}.md"


@dataclass(frozen=True)
class _Span:
    first_day: dt.date
    last_day: dt.date


def call_state(call: Call, day: dt.date, followed: bool = False) -> str:
    """upcoming / open / closed for a day in Asia/Shanghai (the deadline day counts as open). A call
    that states no deadline is unknown once it has opened, or followed once a notice naming it has
    been published (`followed`): never open on a guess."""
    first_day = call.opens_on or call.published_on
    if call.deadline_on is None:
        if day < first_day:
            return "upcoming"
        return "followed" if followed else "unknown"
    return publicity_state(_Span(first_day, max(first_day, call.deadline_on)), day)


def call_facts(call: Call, day: dt.date, notices: tuple[str, ...] = ()) -> CallFacts:
    """`notices`: the notices naming the call that were published by `day`."""
    return CallFacts(call, call_state(call, day, followed=bool(notices)), notices)
