"""The life of a recognition as pure functions: validity, renewal, annual reports, revocation, status.

Every function takes the records and "today" (a calendar day in Asia/Shanghai) and returns
values; nothing here reads the clock or a file. Dates a source states only to the month or year
stay uncertain: a bound is a span of possible days, and a status that the known dates cannot
decide is reported as unknown rather than guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.calendar import SHANGHAI, CalendarNotCovered, WorkingCalendar, start_of_day
from generator.model import LEVEL_NAMES, Cluster, Event, Notice, PartialDate

VALIDITY_YEARS = 3  # guideline 4.1
EXPIRING_DAYS = 90  # DESIGN: 即将到期 when the validity ends within 90 days
REVIEW_GRACE_DAYS = 365  # project rule: one annual cycle (3.1) after expiry for the 复核 to be recorded
GUIDELINE_IN_FORCE = (dt.date(2024, 12, 30), dt.date(2027, 12, 29))  # guideline 5.2
MUNICIPAL_TARGET = 25  # guideline 1.6: 25个左右

STATUS_LABELS = {
    "in_publicity": "公示中",
    "valid": "有效",
    "expiring": "即将到期",
    "review_due": "待复核",
    "expired": "已过期",
    "revoked": "已撤销",
    "unknown": "状态不明",
}
NOTICE_STATE_LABELS = {"upcoming": "未开始", "open": "公示中", "closed": "已结束", "unknown": "无法计算"}


@dataclass(frozen=True)
class Bound:
    """A day known only to lie between `earliest` and `latest` (equal when the day is exact)."""

    earliest: dt.date
    latest: dt.date
    label: str

    @classmethod
    def of(cls, value: PartialDate) -> Bound:
        return cls(value.earliest, value.latest, str(value))

    @property
    def is_exact(self) -> bool:
        return self.earliest == self.latest

    def shifted(self, transform) -> Bound:
        earliest, latest = transform(self.earliest), transform(self.latest)
        return Bound(earliest, latest, earliest.isoformat() if earliest == latest else
                     f"{earliest.isoformat()} 至 {latest.isoformat()} 之间")


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later; 29 February becomes 1 March in a common year (DESIGN, 4.1)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def validity_end(valid_from: dt.date, years: int = VALIDITY_YEARS) -> dt.date:
    """Last valid day: valid_from + 3 years − 1 day (2023-07-10 → 2026-07-09; 2024-02-29 → 2027-02-28)."""
    return add_years(valid_from, years) - dt.timedelta(days=1)


def renewed_end(old_valid_until: dt.date, years: int = VALIDITY_YEARS) -> dt.date:
    """复核 passing extends validity by 3 years from the day after the old end (4.1)."""
    return validity_end(old_valid_until + dt.timedelta(days=1), years)


def annual_report_due(covered_year: int) -> dt.date:
    """The report covering `covered_year` is due on the last day of February of the next year (4.2)."""
    year = covered_year + 1
    return dt.date(year, 3, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Recognition:
    """One certification with its validity as extended by later renewals of the same level."""

    level: str
    certified: Event
    valid_from: Bound | None
    valid_until: Bound | None
    stated: bool  # validity taken from the source rather than computed
    renewals: tuple[Event, ...]
    ends_before_renewals: tuple[Bound | None, ...]  # the end in force when each renewal happened

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]


def recognitions(cluster: Cluster) -> tuple[Recognition, ...]:
    """Each certification of the cluster with its validity after the renewals that follow it."""
    found: list[Recognition] = []
    for index, event in enumerate(cluster.events):
        if event.type != "certified" or event.level is None:
            continue
        stated = event.valid_until is not None
        valid_from = Bound.of(event.valid_from or event.date) if (event.valid_from or event.date) else None
        if event.valid_until is not None:
            valid_until = Bound.of(event.valid_until)
        elif event.date is not None:
            valid_until = Bound.of(event.date).shifted(validity_end)
        else:
            valid_until = None
        renewals, ends = [], []
        for later in cluster.events[index + 1 :]:
            if later.type == "certified" and later.level == event.level:
                break
            if later.type == "renewed" and later.level == event.level:
                renewals.append(later)
                ends.append(valid_until)
                if later.valid_until is not None:
                    valid_until = Bound.of(later.valid_until)
                elif valid_until is not None:
                    valid_until = valid_until.shifted(renewed_end)
        found.append(Recognition(event.level, event, valid_from, valid_until, stated, tuple(renewals), tuple(ends)))
    return tuple(found)


def revocation(cluster: Cluster) -> Event | None:
    return next((event for event in cluster.events if event.type == "revoked"), None)


@dataclass(frozen=True)
class ClusterStatus:
    code: str  # key of STATUS_LABELS
    recognition: Recognition | None  # the recognition the status rests on
    detail: str  # a Chinese sentence saying why

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]

    @property
    def counts_as_municipal(self) -> bool:
        """Valid now, directly or by auto-recognition of a national/provincial one (1.6)."""
        return self.code in ("valid", "expiring")


def cluster_status(cluster: Cluster, today: dt.date, in_open_publicity: bool = False) -> ClusterStatus:
    """The cluster's status on `today` (Asia/Shanghai)."""
    candidates = [_status_of(r, today) for r in recognitions(cluster)]
    order = ["valid", "expiring", "unknown", "review_due", "expired"]
    best = min(candidates, key=lambda status: order.index(status.code), default=None)
    revoked = revocation(cluster)
    if revoked is not None and revoked.date is not None and revoked.date.latest <= today:
        return ClusterStatus("revoked", best.recognition if best else None,
                             f"已于 {revoked.date} 依据指引 {revoked.reason} 撤销认定")
    if in_open_publicity and (best is None or not best.counts_as_municipal):
        return ClusterStatus("in_publicity", best.recognition if best else None, "列入正在公示的名单")
    return best or ClusterStatus("unknown", None, "没有认定记录")


def _status_of(recognition: Recognition, today: dt.date) -> ClusterStatus:
    start, end = recognition.valid_from, recognition.valid_until
    name = recognition.level_name
    if end is None:
        return ClusterStatus("unknown", recognition, f"{name}认定的日期与有效期未见来源载明")
    if start is not None and today < start.earliest:
        return ClusterStatus("unknown", recognition, f"{name}认定的有效期自 {start.label} 起")
    if today <= end.earliest:
        if start is not None and today < start.latest:
            return ClusterStatus("unknown", recognition, f"{name}认定的有效期起始日未明确（{start.label}）")
        if (end.latest - today).days <= EXPIRING_DAYS:  # certainly ends within 90 days
            return ClusterStatus("expiring", recognition, f"{name}认定有效期至 {end.label}")
        return ClusterStatus("valid", recognition, f"{name}认定有效期至 {end.label}")
    if today <= end.latest:
        return ClusterStatus("unknown", recognition, f"{name}认定有效期于 {end.label} 届满，确切日期未载明")
    if (today - end.latest).days <= REVIEW_GRACE_DAYS:
        return ClusterStatus("review_due", recognition, f"{name}认定有效期已于 {end.label} 届满，未见复核结果")
    return ClusterStatus("expired", recognition, f"{name}认定有效期已于 {end.label} 届满，未见复核通过记录")


@dataclass(frozen=True)
class ReportObligation:
    covered_year: int
    due_on: dt.date
    submitted: Event | None
    state: str  # submitted | due | overdue

    @property
    def label(self) -> str:
        return {"submitted": "已报送", "due": "待报送", "overdue": "逾期未报送"}[self.state]


def annual_reports(cluster: Cluster, today: dt.date) -> tuple[ReportObligation, ...]:
    """Reports owed under 4.2 by the cluster's own municipal recognitions with an exact date.

    A report covering year Y is owed when the cluster is still valid (and not revoked) on its due
    date. National/provincial recognitions are left out: no source says those clusters report to
    the city, and an "overdue" claim about them would be an invented accusation.
    """
    submitted = {e.year: e for e in cluster.events if e.type == "annual_report"}
    revoked = revocation(cluster)
    cut = revoked.date.earliest if revoked is not None and revoked.date is not None else None
    owed: dict[int, ReportObligation] = {}
    for recognition in recognitions(cluster):
        start, end = recognition.valid_from, recognition.valid_until
        if recognition.level != "municipal" or start is None or end is None or not start.is_exact:
            continue
        year = start.earliest.year
        while annual_report_due(year) <= end.earliest and (cut is None or annual_report_due(year) <= cut):
            due = annual_report_due(year)
            if year in submitted:
                state = "submitted"
            else:
                state = "overdue" if today > due else "due"
            owed[year] = ReportObligation(year, due, submitted.get(year), state)
            year += 1
    return tuple(owed[year] for year in sorted(owed))


@dataclass(frozen=True)
class NoticeWindow:
    """A notice's objection window as the site states it, with the instants it opens and closes.

    `checked` is True when the window was counted in working days from the official holiday
    arrangements (3.3.2 for municipal lists; the notice's own N otherwise). When an arrangement
    is missing but the notice states its own end date, the window is taken from the notice's
    words instead: `checked` is False, `days` is empty and `missing_years` names what is missing.
    """

    first_day: dt.date
    last_day: dt.date
    working_days: int
    days: tuple[dt.date, ...]
    opens_at: dt.datetime
    closes_at: dt.datetime
    cutoff: dt.time | None  # a stated cut-off earlier than 24:00 on the last day
    checked: bool
    missing_years: tuple[int, ...] = ()

    @property
    def cutoff_label(self) -> str:
        """The closing time on the last day, as people write it: "17:30", or "24:00"."""
        return self.cutoff.strftime("%H:%M") if self.cutoff else "24:00"

    @property
    def closes_label(self) -> str:
        return f"{self.last_day.isoformat()} {self.cutoff_label}"

    def state_on(self, day: dt.date) -> str:
        """upcoming / open / closed for a day in Asia/Shanghai (the last day counts as open)."""
        if day < self.first_day:
            return "upcoming"
        if day <= self.last_day:
            return "open"
        return "closed"


def notice_window(notice: Notice, calendar: WorkingCalendar) -> NoticeWindow:
    """The notice's window; raises CalendarNotCovered when a needed year's arrangement is missing
    and the notice states no end date of its own."""
    start = notice.starts_on or notice.published_on
    try:
        window = calendar.publicity_window(start, notice.working_days, notice.cutoff_time)
    except CalendarNotCovered as missing:
        if notice.ends_on is None:
            raise
        try:
            first_day = calendar.nth_working_day(start, 1)
        except CalendarNotCovered:
            first_day = start
        last_day = notice.ends_on
        closes_at = (dt.datetime.combine(last_day, notice.cutoff_time, tzinfo=SHANGHAI) if notice.cutoff_time
                     else start_of_day(last_day + dt.timedelta(days=1)))
        return NoticeWindow(first_day, last_day, notice.working_days, (), start_of_day(first_day), closes_at,
                            notice.cutoff_time, False, missing.years)
    return NoticeWindow(window.first_day, window.last_day, window.working_days, window.days, window.opens_at,
                        window.closes_at, notice.cutoff_time, True)


def guideline_in_force_on(day: dt.date) -> bool:
    """Whether the guideline had begun by `day` (5.2); it is still shown as lapsed after its end."""
    return day >= GUIDELINE_IN_FORCE[0]


def guideline_lapsed(today: dt.date) -> bool:
    return today > GUIDELINE_IN_FORCE[1]
