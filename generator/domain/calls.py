"""An annual call for applications (认定工作通知) as of an instant: its application window and deadlines.

Every date here is the call's own: the guideline sets no application period (3.3.1 says the
district bureaux submit "按当年认定工作通知要求"), so nothing is computed from the guideline. The
window opens at 00:00 of the stated start day (else of the day the call was published) and closes at
the stated deadline: the stated time on the deadline day, else 24:00 of that day (the site's reading
of a date without a time, the same as for an objection deadline); from that instant the call is
closed, whatever the day. A call without a stated deadline has
no closing instant, and the site says so instead of guessing one ("unknown"), except when a notice
naming the call has been published: a list is put up for publicity after the applications have been
reviewed (the municipal guideline: 3.3.1 申报, then 3.3.2 评审 and 公示; read the same way for the
other levels, the site's practice), so that round is no longer taking applications ("followed"). The
call's year alone proves nothing: no record says by when a year's round closes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.domain.calendar import (
    CLOSED,
    OPEN,
    UPCOMING,
    check_instant,
    closing_instant,
    closing_label,
    start_of_day,
)
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
    """A published call as of the snapshot's instant."""

    call: Call
    state: str  # key of CALL_STATE_LABELS
    notices: tuple[str, ...]  # ids of the published notices that name the call, newest first
    state_until: dt.datetime | None  # the next instant the state changes (the snapshot's); None: never

    @property
    def first_day(self) -> dt.date:
        return first_day(self.call)

    @property
    def opens_at(self) -> dt.datetime:
        return start_of_day(self.first_day)

    @property
    def last_day(self) -> dt.date | None:
        return self.call.deadline_on

    @property
    def closes_at(self) -> dt.datetime | None:
        if self.call.deadline_on is None:
            return None
        return closing_instant(self.call.deadline_on, self.call.deadline_time)

    @property
    def instants(self) -> tuple[dt.datetime, ...]:
        """The instants at which `call_state` may change by itself: opening and closing."""
        return (self.opens_at,) if self.closes_at is None else (self.opens_at, self.closes_at)

    @property
    def deadline_label(self) -> str | None:
        """ "2026-05-20 17:30", or the day with 24:00 when no time is stated; None when not stated."""
        if self.call.deadline_on is None:
            return None
        return closing_label(self.call.deadline_on, self.call.deadline_time)

    @property
    def state_label(self) -> str:
        return CALL_STATE_LABELS[self.state]

    @property
    def page(self) -> str:
        return self.call.page


def first_day(call: Call) -> dt.date:
    """The first day a call takes applications: the stated start, else the day of publication."""
    return call.opens_on or call.published_on


def call_state(call: Call, at: dt.datetime, followed: bool = False) -> str:
    """upcoming before 00:00 of the first day, open until the deadline instant (the stated time on the
    deadline day, else 24:00), closed from then on (Asia/Shanghai). A call that states no deadline is
    unknown once it has opened, or followed once a notice naming it has been published (`followed`):
    never open on a guess."""
    check_instant(at)
    if at < start_of_day(call.opens_on or call.published_on):
        return UPCOMING
    if call.deadline_on is None:
        return "followed" if followed else "unknown"
    return OPEN if at < closing_instant(call.deadline_on, call.deadline_time) else CLOSED


def call_facts(call: Call, at: dt.datetime, notices: tuple[str, ...], state_until: dt.datetime | None) -> CallFacts:
    """`notices`: the notices naming the call that were published by the day of `at`; `state_until`:
    when the state next changes, which the snapshot knows (a notice naming the call may follow)."""
    return CallFacts(call, call_state(call, at, followed=bool(notices)), notices, state_until)
