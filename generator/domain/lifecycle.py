"""The life of a recognition as pure functions: validity, renewal, annual reports, revocation, status.

Every function takes the records, the policies (data/policy/) and "today" (a calendar day in
Asia/Shanghai) or, for what changes within a day (a notice's window), an instant, and returns
values; nothing here reads the clock or a file. A day-level state changes at 00:00 Asia/Shanghai of
the day it takes effect; `status_change_days` and `NoticeWindow.instants` say when a state may change. A recognition, a
renewal, a report and a notice are each judged under the policy of their level in force on their
date, so a successor guideline changes the rules for what comes after it and nothing before. Dates a source states only to the month or year
stay uncertain: a bound is a span of possible days, and a status that the known dates cannot
decide is reported as unknown rather than guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from generator.domain.calendar import (
    CLOSED,
    OPEN,
    UPCOMING,
    CalendarNotCovered,
    WorkingCalendar,
    check_instant,
    clock_label,
    closing_instant,
    closing_label,
    day_of,
    start_of_day,
)
from generator.domain.model import (
    LEVEL_NAMES,
    Cluster,
    Event,
    Notice,
    PartialDate,
    Policy,
    PolicySet,
    ReportRule,
    StatedRule,
)

# The site's own working practice (本站做法), not the guideline's: each is explained on the
# practice page (generator/templates/practice.md.j2), which prints these very numbers.
EXPIRING_DAYS = 90  # 即将到期: the validity certainly ends within this many days
REVIEW_GRACE_DAYS = 365  # 待复核: this long after the end, a review result may still be unrecorded

STATUS_LABELS = {
    "in_publicity": "公示中",
    "valid": "有效",
    "expiring": "即将到期",
    "review_due": "待复核",
    "expired": "已过期",
    "revoked": "已撤销",
    "unknown": "状态不明",
}
# Why a status is 状态不明, in the records' terms (ClusterStatus.reason): the home page counts each.
UNKNOWN_REASONS = {
    "date_not_stated": "来源未载明认定日期，也未载明有效期",
    "validity_not_stated": "来源未载明有效期，适用的政策也没有可据以计算的有效期年数",
    "starts_later": "来源载明的有效期尚未开始",
    "start_unclear": "来源只写明有效期起始的年或月，当天是否已在有效期内无法确定",
    "end_unclear": "来源只写明有效期届满的年或月，当天是否已经届满无法确定",
    "grace_unclear": f"来源只写明有效期届满的年或月，届满是否已超过 {REVIEW_GRACE_DAYS} 天无法确定（待复核或已过期）",
    "no_recognition": "本站记录中没有它的认定",
}
NOTICE_STATE_LABELS = {"upcoming": "未开始", "open": "公示中", "closed": "已结束", "unknown": "无法计算"}
_ONE_DAY = dt.timedelta(days=1)


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

    def shifted(self, transform: Callable[[dt.date], dt.date]) -> Bound:
        earliest, latest = transform(self.earliest), transform(self.latest)
        return Bound(
            earliest,
            latest,
            earliest.isoformat() if earliest == latest else f"{earliest.isoformat()} 至 {latest.isoformat()} 之间",
        )


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later; 29 February becomes 1 March in a common year (DESIGN, 4.1)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def validity_end(valid_from: dt.date, years: int) -> dt.date:
    """Last valid day: valid_from + N years − 1 day (3 years: 2023-07-10 → 2026-07-09; 2024-02-29 → 2027-02-28)."""
    return add_years(valid_from, years) - dt.timedelta(days=1)


def renewed_end(old_valid_until: dt.date, years: int) -> dt.date:
    """A passed 复核 extends validity by N years from the day after the old end (4.1)."""
    return validity_end(old_valid_until + dt.timedelta(days=1), years)


def governing(policies: PolicySet, level: str, day: dt.date | None) -> Policy | None:
    """The policy of `level` that judges something dated `day` (its first policy when undated)."""
    if day is None:
        return policies.first(level)
    return policies.in_force(level, day)


def guideline(policies: PolicySet, day: dt.date) -> Policy | None:
    """The municipal guideline in force on `day` (None before the first one began)."""
    return policies.in_force("municipal", day)


def guideline_lapsed(policies: PolicySet, day: dt.date) -> bool:
    """Whether the municipal guideline in force on `day` had passed its stated last day."""
    current = guideline(policies, day)
    return current is not None and current.in_force_until is not None and day > current.in_force_until


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
    policy: Policy | None  # the policy its validity was computed under (None: stated, or no policy)
    rule: StatedRule | None = None  # the document that states the validity for its batch (a list notice)
    unstated: str | None = None  # why the validity is unknown (None: it is known)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]


def _years(policy: Policy | None, batch: int | None = None) -> int | None:
    """The validity in years for a recognition of `batch`: a document's statement for that batch,
    else the policy's own rule for every batch (None: no source states one)."""
    if policy is None:
        return None
    rule = policy.stated("validity", batch)
    if rule is not None and rule.years is not None:
        return rule.years
    years: int | None = policy.validity_years.value
    return years


def _batches(batches: tuple[int, ...]) -> str:
    return "、".join(str(batch) for batch in batches)


def _validity_unstated(level: str, event: Event, policy: Policy | None, years: int | None) -> str:
    """Why a recognition's validity is unknown, in the records' terms."""
    name = LEVEL_NAMES[level]
    reasons = []
    if years is None:
        batch = f" {event.batch} 年度批次" if event.batch is not None else "本批次（批次未载明）"
        if policy is None:
            reasons.append(f"本站没有{name}政策的记录")
        elif stated := policy.stated_batches("validity"):
            reasons.append(
                f"{policy.short_title}的条文本站未见，本站所据来源只载明 {_batches(stated)} 年度批次的有效期，"
                f"未见来源载明{batch}的有效期"
            )
        else:
            reasons.append(f"未见来源载明{batch}的有效期")
    if event.date is None:
        rule = policy.stated("validity", event.batch) if policy is not None else None
        if years is not None and rule is not None:
            reasons.append(f"{rule.name}载明有效期为 {years} 年，但来源未载明认定日期，无法计算起止")
        else:
            reasons.append("来源未载明认定日期")
    return "；".join(reasons)


def recognitions(cluster: Cluster, policies: PolicySet) -> tuple[Recognition, ...]:
    """Each certification of the cluster with its validity after the renewals that follow it."""
    found: list[Recognition] = []
    for index, event in enumerate(cluster.events):
        if event.type != "certified" or event.level is None:
            continue
        policy = governing(policies, event.level, event.date.earliest if event.date else None)
        rule = policy.stated("validity", event.batch) if policy is not None else None
        stated_until = event.valid_until or (rule.valid_until if rule else None)
        stated = stated_until is not None
        stated_from = (
            event.valid_from or (rule.valid_from if rule and event.valid_until is None else None) or event.date
        )
        valid_from = Bound.of(stated_from) if stated_from else None
        years = _years(policy, event.batch)
        if stated_until is not None:
            valid_until = Bound.of(stated_until)
        elif event.date is not None and years is not None:
            valid_until = Bound.of(event.date).shifted(partial(validity_end, years=years))
        else:
            valid_until = None
        renewals, ends = [], []
        for later in cluster.events[index + 1 :]:
            if later.type == "certified" and later.level == event.level:
                break
            if later.type == "renewed" and later.level == event.level:
                renewals.append(later)
                ends.append(valid_until)
                renewal_years = _years(
                    governing(policies, later.level, later.date.earliest if later.date else None), event.batch
                )
                if later.valid_until is not None:
                    valid_until = Bound.of(later.valid_until)
                elif valid_until is not None and renewal_years is not None:
                    valid_until = valid_until.shifted(partial(renewed_end, years=renewal_years))
                else:
                    valid_until = None
        found.append(
            Recognition(
                event.level,
                event,
                valid_from,
                valid_until,
                stated,
                tuple(renewals),
                tuple(ends),
                None if stated else policy,
                rule,
                _validity_unstated(event.level, event, policy, years) if valid_until is None else None,
            )
        )
    return tuple(found)


def revocation(cluster: Cluster) -> Event | None:
    return next((event for event in cluster.events if event.type == "revoked"), None)


def revocation_of(cluster: Cluster, recognition: Recognition) -> Event | None:
    """The revocation that ends `recognition`: one recorded after its certification (a certification
    recorded after a revocation is a new recognition, which that revocation does not touch)."""
    revoked = revocation(cluster)
    if revoked is None:
        return None
    return revoked if _position(cluster, recognition.certified) < _position(cluster, revoked) else None


def _position(cluster: Cluster, event: Event) -> int:
    return next(index for index, candidate in enumerate(cluster.events) if candidate is event)


@dataclass(frozen=True)
class ClusterStatus:
    code: str  # key of STATUS_LABELS
    recognition: Recognition | None  # the recognition the status rests on
    detail: str  # a Chinese sentence saying why
    reason: str | None = None  # for "unknown": the key of UNKNOWN_REASONS

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]

    @property
    def rank(self) -> int:
        """The status's place in STATUS_LABELS: the cluster list sorts its 状态 column by it."""
        return list(STATUS_LABELS).index(self.code)

    @property
    def counts_as_municipal(self) -> bool:
        """Valid now, directly or by auto-recognition of a national/provincial one (1.6)."""
        return self.code in ("valid", "expiring")


def cluster_status(
    cluster: Cluster, today: dt.date, policies: PolicySet, in_open_publicity: bool = False
) -> ClusterStatus:
    """The cluster's status on `today` (Asia/Shanghai)."""
    order = ["valid", "expiring", "unknown", "review_due", "expired"]

    def best_of(found: list[Recognition]) -> ClusterStatus | None:
        return min((_status_of(r, today) for r in found), key=lambda status: order.index(status.code), default=None)

    found = list(recognitions(cluster, policies))
    revoked = revocation(cluster)
    # A revocation takes effect from the first day its date allows, as everywhere else (snapshot.happened).
    if revoked is not None and revoked.date is not None and revoked.date.earliest <= today:
        standing = [r for r in found if revocation_of(cluster, r) is None]  # certified again afterwards
        if not standing:
            ended = best_of(found)
            ground = revocation_ground(policies, revoked)
            basis = f"{ground[0].short_title} {revoked.reason}" if ground else f"第 {revoked.reason} 条"
            return ClusterStatus(
                "revoked", ended.recognition if ended else None, f"已于 {revoked.date} 依据{basis}撤销认定"
            )
        found = standing
    best = best_of(found)
    if in_open_publicity and (best is None or not best.counts_as_municipal):
        return ClusterStatus("in_publicity", best.recognition if best else None, "列入正在公示的名单")
    return best or ClusterStatus("unknown", None, "没有认定记录", "no_recognition")


def status_change_days(cluster: Cluster, policies: PolicySet) -> frozenset[dt.date]:
    """The days on which `cluster_status` of the cluster may change (at their 00:00), as long as its
    records stand: every bound `_status_of` compares the day with, for each recognition and for each
    end it had before a renewal (the status before the renewal happened), and the day each event can
    first have happened (a certification, renewal or revocation counts from then). The snapshot adds
    what it alone knows (when a notice's final list came out, when a notice listing it is open)."""
    days: set[dt.date] = set()
    for recognition in recognitions(cluster, policies):
        start = recognition.valid_from
        if start is not None:
            days |= {start.earliest, start.latest}
        for end in (recognition.valid_until, *recognition.ends_before_renewals):
            if end is not None:
                days |= {
                    end.earliest + _ONE_DAY,
                    end.latest + _ONE_DAY,
                    end.latest - dt.timedelta(days=EXPIRING_DAYS),
                    end.earliest + dt.timedelta(days=REVIEW_GRACE_DAYS + 1),
                    end.latest + dt.timedelta(days=REVIEW_GRACE_DAYS + 1),
                }
    days |= {event.date.earliest for event in cluster.events if event.date is not None}
    return frozenset(days)


def _status_of(recognition: Recognition, today: dt.date) -> ClusterStatus:
    start, end = recognition.valid_from, recognition.valid_until
    name = recognition.level_name
    if end is None:
        reason = "date_not_stated" if recognition.certified.date is None else "validity_not_stated"
        return ClusterStatus("unknown", recognition, f"{name}认定的日期与有效期未见来源载明", reason)
    if start is not None and today < start.earliest:
        return ClusterStatus("unknown", recognition, f"{name}认定的有效期自 {start.label} 起", "starts_later")
    if today <= end.earliest:
        if start is not None and today < start.latest:
            return ClusterStatus(
                "unknown", recognition, f"{name}认定的有效期起始日未明确（{start.label}）", "start_unclear"
            )
        if (end.latest - today).days <= EXPIRING_DAYS:  # certainly ends within 90 days
            return ClusterStatus("expiring", recognition, f"{name}认定有效期至 {end.label}")
        return ClusterStatus("valid", recognition, f"{name}认定有效期至 {end.label}")
    if today <= end.latest:
        return ClusterStatus(
            "unknown", recognition, f"{name}认定有效期于 {end.label} 届满，确切日期未载明", "end_unclear"
        )
    # Ended for certain. An end known only to the month or year leaves open how long ago: 待复核 only
    # while even its earliest possible day is within the grace, 已过期 only once even its latest is past.
    if (today - end.earliest).days <= REVIEW_GRACE_DAYS:
        return ClusterStatus("review_due", recognition, f"{name}认定有效期已于 {end.label} 届满，未见复核结果")
    if (today - end.latest).days <= REVIEW_GRACE_DAYS:
        first = end.earliest + dt.timedelta(days=REVIEW_GRACE_DAYS + 1)
        last = end.latest + dt.timedelta(days=REVIEW_GRACE_DAYS)
        return ClusterStatus(
            "unknown",
            recognition,
            f"{name}认定有效期已于 {end.label} 届满（确切日期未载明），未见复核结果；届满是否已超过 "
            f"{REVIEW_GRACE_DAYS} 天无法确定，{first.isoformat()} 至 {last.isoformat()} 之间本站不判断"
            f"是“{STATUS_LABELS['review_due']}”还是“{STATUS_LABELS['expired']}”",
            "grace_unclear",
        )
    return ClusterStatus("expired", recognition, f"{name}认定有效期已于 {end.label} 届满，未见复核通过记录")


def revocation_ground(policies: PolicySet, revoked: Event) -> tuple[Policy, str] | None:
    """The policy and the text of the ground a revocation names (the municipal guideline's 4.3)."""
    day = revoked.date.earliest if revoked.date else None
    for policy in (governing(policies, "municipal", day), policies.first("municipal")):
        if policy is not None and revoked.reason in policy.revocation_grounds:
            return policy, policy.revocation_grounds[revoked.reason]
    return None


REPORT_STATE_LABELS = {"submitted": "已报送", "due": "待报送", "not_recorded": "未见记录"}


@dataclass(frozen=True)
class ReportObligation:
    level: str  # of the recognition it belongs to
    covered_year: int
    due_on: dt.date
    submitted: Event | None
    state: str  # key of REPORT_STATE_LABELS; "not_recorded": due date passed, no report recorded here
    policy: Policy  # whose rule sets the due date (its own, or one a document states for the batch)
    rule: ReportRule
    stated: StatedRule | None = None  # the document that states the rule for the batch (a list notice)
    uncertain: str | None = None  # why the duty itself is not certain (None: it is)

    @property
    def label(self) -> str:
        return REPORT_STATE_LABELS[self.state]

    @property
    def basis(self) -> str:
        """Where the due date comes from, as the site cites it: "指引 4.2", or the document that states it."""
        if self.stated is not None:
            return self.stated.name
        return f"{self.policy.short_title} {self.rule.clause}" if self.rule.clause else self.policy.short_title


@dataclass(frozen=True)
class ReportGap:
    """A recognition whose annual reports the site cannot list, and why (shown as 未载明)."""

    recognition: Recognition
    why: str


def report_rule(policy: Policy | None, batch: int | None) -> tuple[ReportRule, StatedRule | None] | None:
    """The report rule for a recognition of `batch`: a document's statement for that batch (with the
    document), else the policy's own rule for every batch; None when no source states one."""
    if policy is None:
        return None
    stated = policy.stated("annual_report", batch)
    if stated is not None and stated.report_rule is not None:
        return stated.report_rule, stated
    if policy.annual_report is not None:
        return policy.annual_report, None
    return None


def annual_reports(cluster: Cluster, today: dt.date, policies: PolicySet) -> tuple[ReportObligation, ...]:
    """Reports owed by each recognition whose start year and end are known, under its level's rule.

    A report on year Y (from the year the validity starts) is owed when the recognition is still
    valid (and not revoked) on its due date, which the policy of its level in force at the start of
    Y+1 sets (municipal: 4.2, the last day of February; national and provincial: only where a
    source states a rule for the recognition's batch). When the end is known only to the month or
    year, a due date inside that month or year is listed as uncertain (`uncertain` says why). A
    report not recorded here is "not recorded" — never "not submitted": the site only knows what
    its records say.
    """
    submitted = {e.year: e for e in cluster.events if e.type == "annual_report"}
    owed: dict[tuple[str, int], ReportObligation] = {}
    for recognition in recognitions(cluster, policies):
        revoked = revocation_of(cluster, recognition)
        cut = revoked.date.earliest if revoked is not None and revoked.date is not None else None
        start, end = recognition.valid_from, recognition.valid_until
        if start is None or end is None:
            continue
        year = start.earliest.year
        while True:
            policy = governing(policies, recognition.level, dt.date(year + 1, 1, 1))
            found = report_rule(policy, recognition.certified.batch)
            if policy is None or found is None:
                break
            rule, stated = found
            due = rule.due_on(year)
            if due > end.latest or (cut is not None and due > cut):
                break
            uncertain = None
            if due > end.earliest:
                uncertain = (
                    f"有效期届满日只知在 {end.label} 之内，{due.isoformat()} 时是否仍在有效期内、是否须报送无法确定"
                )
            if year in submitted:
                state = "submitted"
            else:
                state = "not_recorded" if today > due else "due"
            owed[(recognition.level, year)] = ReportObligation(
                recognition.level, year, due, submitted.get(year), state, policy, rule, stated, uncertain
            )
            year += 1
    return tuple(owed[key] for key in sorted(owed, key=lambda k: (k[1], k[0])))


def unstated_reports(cluster: Cluster, policies: PolicySet) -> tuple[ReportGap, ...]:
    """The recognitions whose annual reports `annual_reports` cannot list, each with why: no source
    states a report rule for its batch, or its start or end is not known."""
    gaps = []
    for recognition in recognitions(cluster, policies):
        certified = recognition.certified
        start, end = recognition.valid_from, recognition.valid_until
        day = start.earliest if start else None
        policy = governing(policies, recognition.level, day)
        name = f"{recognition.level_name}认定" + (f"（{certified.batch} 年度）" if certified.batch else "")
        if report_rule(policy, certified.batch) is None:
            if policy is None:
                why = f"本站没有{recognition.level_name}政策的记录"
            elif stated := policy.stated_batches("annual_report"):
                documents = "、".join(
                    s.name for s in policy.stated_rules if s.rule == "annual_report" and s.batch in stated
                )
                why = (
                    f"{policy.short_title}的条文本站未见，报送期限只见于 {_batches(stated)} 年度批次的名单通告"
                    f"（{documents}），未见来源对{'本批次' if certified.batch else '批次未载明的认定'}载明"
                )
            else:
                why = f"未见来源载明{policy.short_title}所管认定的报送期限"
            gaps.append(ReportGap(recognition, f"{name}的年度报告期限未载明：{why}"))
        elif start is None or end is None:
            gaps.append(ReportGap(recognition, f"{name}的有效期未载明，各年度报告的截止日无法列出"))
    return tuple(gaps)


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
    policy: Policy | None  # whose rule set the number of working days (None: the notice states it)
    missing_years: tuple[int, ...] = ()

    @property
    def cutoff_label(self) -> str:
        """The closing time on the last day, as people write it: "17:30", or "24:00"."""
        return clock_label(self.cutoff)

    @property
    def closes_label(self) -> str:
        return closing_label(self.last_day, self.cutoff)

    def state_at(self, at: dt.datetime) -> str:
        """upcoming before 00:00 of the first day, open until the closing instant (the stated cut-off
        on the last day, else 24:00), closed from that instant on (Asia/Shanghai)."""
        check_instant(at)
        if at < self.opens_at:
            return UPCOMING
        if at < self.closes_at:
            return OPEN
        return CLOSED

    def days_left_at(self, at: dt.datetime) -> int | None:
        """Working days left while the window is open at `at`, the day of `at` included ("含今天还剩");
        None when it is not open, or its days were not counted from the calendar."""
        if self.state_at(at) != OPEN or not self.checked:
            return None
        day = day_of(at)
        return sum(1 for d in self.days if d >= day)

    @property
    def instants(self) -> tuple[dt.datetime, ...]:
        """Every instant at which `state_at` or `days_left_at` may change: the opening, 24:00 of each
        working day of the window, and the closing instant."""
        return (self.opens_at, *(start_of_day(d + _ONE_DAY) for d in self.days), self.closes_at)


class WorkingDaysUnknown(Exception):
    """A notice that states no number of working days, of a level whose policy sets none."""


def window_working_days(notice: Notice, policies: PolicySet) -> tuple[int, Policy | None]:
    """N and who sets it: the notice's own number (policy None), else its level's policy on its date."""
    if notice.working_days is not None:
        return notice.working_days, None
    policy = governing(policies, notice.level, notice.published_on)
    if policy is None or policy.publicity_working_days.value is None:
        raise WorkingDaysUnknown(notice.id)
    return policy.publicity_working_days.value, policy


def notice_window(notice: Notice, calendar: WorkingCalendar, policies: PolicySet) -> NoticeWindow:
    """The notice's window; raises CalendarNotCovered when a needed year's arrangement is missing
    and the notice states no end date of its own, WorkingDaysUnknown when nothing sets N."""
    start = notice.starts_on or notice.published_on
    working_days, policy = window_working_days(notice, policies)
    try:
        window = calendar.publicity_window(start, working_days, notice.cutoff_time)
    except CalendarNotCovered as missing:
        if notice.ends_on is None:
            raise
        try:
            first_day = calendar.nth_working_day(start, 1)
        except CalendarNotCovered:
            first_day = start
        last_day = notice.ends_on
        closes_at = closing_instant(last_day, notice.cutoff_time)
        return NoticeWindow(
            first_day,
            last_day,
            working_days,
            (),
            start_of_day(first_day),
            closes_at,
            notice.cutoff_time,
            False,
            policy,
            missing.years,
        )
    return NoticeWindow(
        window.first_day,
        window.last_day,
        window.working_days,
        window.days,
        window.opens_at,
        window.closes_at,
        notice.cutoff_time,
        True,
        policy,
    )
