"""The as-of snapshot: every derived fact at one instant, computed once; every output is rendered from it.

`take_snapshot(dataset, at)` is pure (no clock, no files); `at` is an aware instant, and the day is
its date in Asia/Shanghai (a caller that has only a day passes `start_of_day(day)`, 00:00). "As of an
instant" means the site as it stood then. What changes within a day changes at its instant: a
notice is open from 00:00 of its first day until its closing instant (the stated cut-off on the last
day, else 24:00), a call until its deadline instant, a listed cluster is 公示中 only while such a
notice is open. Everything else changes by the day, at 00:00 of the day it takes effect:
- a notice whose published_on is after the day is not published anywhere (scheduled publication);
- an event whose date is after the day has not happened: it is left out of the cluster, its
  status, its reports, the recent changes and the feed (a date known only to the month or year
  counts from its first possible day; a recognition from a notice's final list not before the
  list's date); a source published after the day is not cited yet;
- a cluster appears once it has an event that has happened or is on a published notice;
- a notice's outcome appears from its final_date (or, without one, once its window has closed);
- before the guideline's start (5.2) no cluster counts toward the municipal total.

Every time-dependent state carries the instant until which it holds (`NoticeFacts.state_until`,
`days_left_until`, `CallFacts.state_until`, `ClusterFacts.status_until`: the next instant at which
it changes as the records stand, None if never), found by evaluating the very function that
computes the state at the instants where it may change (`_first_change`). `Snapshot.next_change`
is the earliest instant after `at` at which anything the site states changes, and
`Snapshot.next_changes` says what (`clusters next-change`; the publish workflow rebuilds then).

Statuses, windows, deadlines (each as an instant), recent changes and counts are computed here
and nowhere else: the pages, the open data, the feed, the calendar file, `clusters diff` and the
labels the browser script uses all read them from the snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from generator.domain.calendar import (
    SHANGHAI,
    CalendarNotCovered,
    check_instant,
    clock_label,
    closing_instant,
    day_of,
    start_of_day,
)
from generator.domain.calls import CALL_STATE_LABELS, CallFacts, call_facts
from generator.domain.lifecycle import (
    NOTICE_STATE_LABELS,
    STATUS_LABELS,
    UNKNOWN_REASONS,
    Bound,
    ClusterStatus,
    NoticeWindow,
    Recognition,
    ReportGap,
    ReportObligation,
    WorkingDaysUnknown,
    annual_reports,
    cluster_status,
    guideline,
    guideline_lapsed,
    notice_window,
    recognitions,
    revocation,
    revocation_ground,
    revocation_of,
    status_change_days,
    unstated_reports,
)
from generator.domain.model import (
    EVENT_TYPE_NAMES,
    LEVEL_NAMES,
    Attachment,
    AttachmentFile,
    Call,
    Cluster,
    Dataset,
    District,
    Event,
    Notice,
    Outcome,
    PartialDate,
    Policy,
    PolicySet,
    Practice,
    Site,
    Source,
)
from generator.domain.results import FinalList, final_list, recognised_by_notice

LEVEL_ORDER = ("national", "provincial", "municipal")
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class NoticeFacts:
    """A published notice as of the snapshot's instant."""

    notice: Notice  # its outcome is empty until the outcome is published
    window: NoticeWindow | None  # None when the window cannot be computed at all
    state: str  # key of NOTICE_STATE_LABELS, at the instant
    missing_years: tuple[int, ...]  # holiday arrangements the window still needs
    days_left: int | None  # working days left in an open window, the day itself included
    outcome_published: bool  # the result (final list) had come out by the instant
    state_until: dt.datetime | None  # the next instant `state` changes; None: never, as the records stand
    days_left_until: dt.datetime | None  # the next instant `days_left` changes (to the next count, or to None)

    @property
    def state_label(self) -> str:
        return NOTICE_STATE_LABELS[self.state]

    @property
    def states_ahead(self) -> tuple[str, ...]:
        """The state on the day and those the notice may still reach (none once unknown): its page
        carries a sentence for each, and live-states.js shows the one the reader's clock is in, as
        it does for the badge (a page built in the morning is read after a 17:30 cut-off)."""
        order = ("upcoming", "open", "closed")
        return order[order.index(self.state) :] if self.state in order else ()

    @property
    def window_span(self) -> str | None:
        """ "2025-02-20 至 2025-02-28": the window's first and last day (None: it cannot be computed)."""
        return f"{self.window.first_day.isoformat()} 至 {self.window.last_day.isoformat()}" if self.window else None

    @property
    def window_caveat(self) -> str | None:
        """What the window's dates are not yet (None: computed and checked against the calendar)."""
        years = "、".join(str(year) for year in self.missing_years)
        if self.window is None:
            return f"缺少 {years} 年国务院节假日安排，公示期无法计算"
        if not self.window.checked:
            return f"按公示载明的截止日；缺少 {years} 年国务院节假日安排，尚未与官方日历核对，补充后将重新核对"
        return None

    @property
    def window_sentence(self) -> str:
        """The window in one sentence, for feeds, calendars and open data (the pages print the parts)."""
        window, caveat = self.window, self.window_caveat
        if window is None:
            return f"{caveat}。"
        sentence = f"公示期 {self.window_span}（{window.working_days} 个工作日），异议受理截至 {window.closes_label}（北京时间）。"
        return sentence + (f"{caveat}。" if caveat else "")

    @property
    def objection_to(self) -> str:
        """Whom an objection goes to: the issuer as the record names it (a notice that names no
        other office is read as taking objections at its issuer, the site's practice)."""
        return self.notice.issuer

    @property
    def page(self) -> str:
        return self.notice.page


@dataclass(frozen=True)
class Revocation:
    event: Event
    policy: Policy | None  # whose revocation grounds it names
    ground: str | None  # the ground's text, as the policy states it


@dataclass(frozen=True)
class ValiditySpan:
    """A recognition's validity as a picture draws it: from its start to its end, cut short by the
    revocation that ended it (None when none did)."""

    recognition: Recognition
    revoked: Event | None


@dataclass(frozen=True)
class ClusterFacts:
    """A cluster as of the snapshot's instant: only what had happened, with its derived status."""

    cluster: Cluster  # events and sources limited to those dated on or before the day
    district: District | None
    status: ClusterStatus  # at the instant (公示中 only while a notice listing it is open)
    recognitions: tuple[Recognition, ...]
    reports: tuple[ReportObligation, ...]
    # published notices that list it or whose final list a recognition of it comes from, newest first
    notices: tuple[NoticeFacts, ...]
    revocation: Revocation | None
    status_until: dt.datetime | None  # the next instant the status (its code) changes; None: never
    report_gaps: tuple[ReportGap, ...] = ()  # recognitions whose annual reports cannot be listed, and why

    @property
    def level(self) -> str | None:
        """The highest level of recognition, for the list."""
        levels = {r.level for r in self.recognitions}
        return next((level for level in LEVEL_ORDER if level in levels), None)

    @property
    def levels(self) -> list[str]:
        levels = {r.level for r in self.recognitions}
        return [level for level in LEVEL_ORDER if level in levels]

    @property
    def valid_until(self) -> Bound | None:
        """The end of the recognition the status rests on."""
        recognition = self.status.recognition
        return recognition.valid_until if recognition else None

    @property
    def validity_spans(self) -> tuple[ValiditySpan, ...]:
        return tuple(ValiditySpan(r, revocation_of(self.cluster, r)) for r in self.recognitions)

    @property
    def page(self) -> str:
        return self.cluster.page


NO_LEVEL = "none"  # a cluster with no recognition yet (listed on a notice only)


@dataclass(frozen=True)
class DistrictTally:
    """A district's clusters as of the day, each counted once by its highest level and once by its status."""

    district: District
    clusters: tuple[ClusterFacts, ...]

    @property
    def total(self) -> int:
        return len(self.clusters)

    @property
    def levels(self) -> tuple[tuple[str, int], ...]:
        """(level, count) for national, provincial, municipal and NO_LEVEL, in that order, zeros kept."""
        found = [f.level or NO_LEVEL for f in self.clusters]
        return tuple((level, found.count(level)) for level in (*LEVEL_ORDER, NO_LEVEL))

    @property
    def statuses(self) -> tuple[tuple[str, int], ...]:
        """(status code, count) in the order of STATUS_LABELS, zeros kept."""
        found = [f.status.code for f in self.clusters]
        return tuple((code, found.count(code)) for code in STATUS_LABELS)

    @property
    def valid(self) -> int:
        """Valid on the day (有效 or 即将到期): counted toward the municipal total when the guideline is in force."""
        return sum(1 for f in self.clusters if f.status.counts_as_municipal)


@dataclass(frozen=True)
class RecognitionYear:
    """Recognitions (认定, not renewals) of one year by level: the year is the batch (年度) the record
    states, else the year of the certification's date; None when the record states neither."""

    year: int | None
    counts: tuple[tuple[str, int], ...]  # (level, count) in LEVEL_ORDER, zeros kept
    by_date: int  # of these, placed by the date's year because no batch is stated

    @property
    def total(self) -> int:
        return sum(count for _level, count in self.counts)


@dataclass(frozen=True)
class Deadline:
    """A dated obligation, as the instant it passes."""

    key: str  # stable identity, used for calendar UIDs
    kind: str  # objection | annual_report | validity_end | guideline_lapse | call_deadline | call_district_deadline
    day: dt.date  # the day it falls on
    closes_at: dt.datetime  # the instant it passes: a stated cut-off, or 24:00 of the day
    timed: bool  # the instant is a stated time of day (an objection cut-off), not a whole day
    name: str  # the notice, cluster or document it concerns
    what: str  # what falls due, in Chinese
    description: str
    page: str | None  # src_uri of the page it concerns
    done: bool = False  # an annual report already recorded

    @property
    def time_label(self) -> str:
        """ "24:00" or the stated cut-off ("17:30")."""
        whole_day = self.closes_at == closing_instant(self.day)
        return clock_label(None if whole_day else self.closes_at.astimezone(SHANGHAI).time())


@dataclass(frozen=True, order=True)
class StateChange:
    """Something the site states that changes at an instant after the snapshot's, as the records stand."""

    at: dt.datetime
    line: str  # what changes, one Chinese sentence


@dataclass(frozen=True)
class Change:
    """A dated event that had happened by the snapshot's day."""

    date: PartialDate
    cluster: ClusterFacts
    event: Event


@dataclass(frozen=True)
class StatusCount:
    """The clusters in one status on the day (for 状态不明: with one reason)."""

    code: str  # key of STATUS_LABELS, or of UNKNOWN_REASONS in Headline.unknown_reasons
    clusters: tuple[ClusterFacts, ...]

    @property
    def count(self) -> int:
        return len(self.clusters)

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.code) or UNKNOWN_REASONS[self.code]


@dataclass(frozen=True)
class Headline:
    """The home page's counts, every one from the records as of the day.

    Every cluster shown on the day is in exactly one of `statuses`, so their counts add up to
    `total`; the unknown ones are split by the reason their status cannot be told. The rest says
    what the records are: at which levels the clusters were recognised (a cluster with two levels
    counts under each), how many the city recognised itself, and how far their names were checked.
    """

    total: int
    statuses: tuple[StatusCount, ...]  # the statuses that occur, in STATUS_LABELS order
    unknown_reasons: tuple[StatusCount, ...]  # the reasons that occur, in UNKNOWN_REASONS order
    counted: int  # counted as valid municipal clusters (1.6): Snapshot.municipal
    counted_auto: int  # of which by auto-recognition of a national or provincial recognition
    target: int | None  # the guideline's target number of municipal clusters
    by_level: dict[str, int]  # level -> clusters with a recognition at that level (LEVEL_ORDER)
    unrecognised: int  # clusters with no recognition yet (on a published list only)
    unverified: int  # names not checked against the issuing authority's own text (verified: false)
    no_official_source: int  # clusters none of whose sources is the authority's own page or document
    reposts_only: int  # clusters every one of whose sources is a repost

    @property
    def status_counts(self) -> tuple[tuple[str, int], ...]:
        """Every status in STATUS_LABELS order with its count, those with none included (a page
        built before a change hides a zero and shows it once live-states.js counts one)."""
        counted = {group.code: group.count for group in self.statuses}
        return tuple((code, counted.get(code, 0)) for code in STATUS_LABELS)

    @property
    def sum_label(self) -> str:
        """ "3 + 1 + 2 = 6": the counts that occur, adding up to the total."""
        return " + ".join(str(group.count) for group in self.statuses) + f" = {self.total}"

    @property
    def city_recognised(self) -> int:
        """Clusters with a recognition by the city itself (municipal level)."""
        return self.by_level["municipal"]

    @property
    def progress(self) -> int:
        """The progress bar's value: the counted clusters, at most the target."""
        return min(self.counted, self.target) if self.target else self.counted


def headline(clusters: tuple[ClusterFacts, ...], municipal: tuple[ClusterFacts, ...], rules: Policy) -> Headline:
    """Count the clusters of the day for the home page (see Headline)."""
    statuses = tuple(
        StatusCount(code, members)
        for code in STATUS_LABELS
        if (members := tuple(f for f in clusters if f.status.code == code))
    )
    unknown = [f for f in clusters if f.status.code == "unknown"]
    reasons = tuple(
        StatusCount(code, members)
        for code in UNKNOWN_REASONS
        if (members := tuple(f for f in unknown if f.status.reason == code))
    )
    return Headline(
        total=len(clusters),
        statuses=statuses,
        unknown_reasons=reasons,
        counted=len(municipal),
        counted_auto=sum(1 for f in municipal if f.status.recognition and f.status.recognition.level != "municipal"),
        target=int(rules.target.value) if rules.target.value is not None else None,
        by_level={level: sum(1 for f in clusters if level in f.levels) for level in LEVEL_ORDER},
        unrecognised=sum(1 for f in clusters if not f.recognitions),
        unverified=sum(1 for f in clusters if not f.cluster.verified),
        no_official_source=sum(1 for f in clusters if not any(s.official for s in f.cluster.sources)),
        reposts_only=sum(1 for f in clusters if f.cluster.sources and all(s.repost for s in f.cluster.sources)),
    )


@dataclass(frozen=True)
class Snapshot:
    at: dt.datetime  # the instant it is taken at (aware; its day is `day`, Asia/Shanghai)
    clusters: tuple[ClusterFacts, ...]  # by district, then id
    notices: tuple[NoticeFacts, ...]  # newest first
    deadlines: tuple[Deadline, ...]  # by instant
    changes: tuple[Change, ...]  # newest first
    municipal: tuple[ClusterFacts, ...]  # counted as valid municipal clusters (1.6) on the day
    undetermined: tuple[ClusterFacts, ...]  # status unknown: the sources leave the dates open
    guideline: Policy | None  # the municipal guideline in force on the day
    guideline_lapsed: bool
    final_lists: dict[str, FinalList]  # notice id -> its result, once published and recognised clusters name it
    calls: tuple[CallFacts, ...]  # calls published by the day, newest first
    ahead: tuple[StateChange, ...]  # the changes known after `at`, soonest first: each state's next, every dated one
    # What the outputs print beside the facts, the same whatever the instant (no record of a cluster,
    # notice or call: those reach outputs only as the facts above, as of the instant).
    districts: dict[str, District]  # by code, in the dataset's order
    policies: PolicySet
    site: Site | None
    attachment_files: dict[str, AttachmentFile]  # accepted files by name (published: `attachments`)
    practice: Practice | None  # the site's own readings and practice (data/practice.yaml)

    @property
    def day(self) -> dt.date:
        """The day of the snapshot's instant in Asia/Shanghai: what the pages say they are as of."""
        return day_of(self.at)

    @property
    def next_change(self) -> dt.datetime | None:
        """The earliest instant after `at` at which anything the site states changes (None: nothing
        known will): a state's `..._until`, or a day on which something dated takes effect."""
        return self.ahead[0].at if self.ahead else None

    @property
    def next_changes(self) -> tuple[StateChange, ...]:
        """What changes at `next_change`."""
        return tuple(change for change in self.ahead if change.at == self.next_change)

    def changes_until(self, instant: dt.datetime) -> tuple[StateChange, ...]:
        """What changes after `at` and at or before `instant` (for each state, its first change)."""
        return tuple(change for change in self.ahead if change.at <= instant)

    @property
    def current_calls(self) -> tuple[CallFacts, ...]:
        """Calls taking applications on the day, or published and about to: the home page shows them."""
        return tuple(facts for facts in self.calls if facts.state in ("upcoming", "open"))

    @property
    def attachments(self) -> tuple[tuple[str, str, Attachment], ...]:
        """(record kind, record id, attachment) of every attachment the records published on the day
        carry, calls then notices, each by id: a notice's result files only once its result is out.
        Only these files are published."""
        found = [
            ("call", facts.call.id, a)
            for facts in sorted(self.calls, key=lambda f: f.call.id)
            for a in facts.call.attachments
        ]
        found += [
            ("notice", facts.notice.id, a)
            for facts in sorted(self.notices, key=lambda f: f.notice.id)
            for a in facts.notice.attachments
            if a.stage != "outcome" or facts.outcome_published
        ]
        return tuple(found)

    def call_of(self, notice: Notice) -> CallFacts | None:
        """The published call a notice names, if the site has it."""
        return next((facts for facts in self.calls if facts.call.id == notice.call), None)

    @property
    def latest_municipal_call(self) -> CallFacts | None:
        return next((facts for facts in self.calls if facts.call.level == "municipal"), None)

    @property
    def municipal_by_auto_recognition(self) -> tuple[ClusterFacts, ...]:
        """Counted clusters whose status rests on a national or provincial recognition (1.6)."""
        return tuple(f for f in self.municipal if f.status.recognition and f.status.recognition.level != "municipal")

    @property
    def headline(self) -> Headline:
        """The home page's counts (Headline)."""
        return headline(self.clusters, self.municipal, self.rules)

    @property
    def guideline_started(self) -> bool:
        return self.guideline is not None

    @property
    def rules(self) -> Policy:
        """The municipal guideline whose rules the site explains: in force on the day, else the first."""
        rules = self.guideline or self.policies.first("municipal")
        if rules is None:  # a dataset without one fails validation (policy-missing)
            raise ValueError("数据中没有市级政策文件（工作指引），无法说明规则")
        return rules

    @property
    def district_tallies(self) -> tuple[DistrictTally, ...]:
        """Every district of the dataset, in its order, with its clusters as of the day (none for some)."""
        return tuple(
            DistrictTally(district, tuple(f for f in self.clusters if f.cluster.district == district.code))
            for district in self.districts.values()
        )

    @property
    def recognition_years(self) -> tuple[RecognitionYear, ...]:
        """Recognitions recorded by the day, per year and level: every year from the first to the last
        (a year without any kept, with zeros), then the recognitions whose year is not stated."""
        found: dict[int | None, list[tuple[str, bool]]] = {}
        for facts in self.clusters:
            for recognition in facts.recognitions:
                certified = recognition.certified
                year = (
                    certified.batch
                    if certified.batch is not None
                    else (certified.date.year if certified.date else None)
                )
                found.setdefault(year, []).append((recognition.level, certified.batch is None and year is not None))
        years = [y for y in found if y is not None]
        span: list[int | None] = list(range(min(years), max(years) + 1)) if years else []
        if None in found:
            span.append(None)
        return tuple(
            RecognitionYear(
                year,
                tuple((level, sum(1 for lv, _ in found.get(year, []) if lv == level)) for level in LEVEL_ORDER),
                sum(1 for _lv, by_date in found.get(year, []) if by_date),
            )
            for year in span
        )

    def upcoming(self, limit: int = 10) -> list[Deadline]:
        """Open obligations that had not passed at the snapshot's instant, soonest first."""
        return [d for d in self.deadlines if d.closes_at > self.at and not d.done][:limit]

    def recent(self, limit: int = 10) -> list[Change]:
        return list(self.changes[:limit])


def happened(date: PartialDate | None, day: dt.date) -> bool:
    """Whether something dated `date` may have happened by `day`; an undated thing is taken as past."""
    return date is None or date.earliest <= day


def earliest_date(event: Event) -> PartialDate | None:
    """The event's date as far as the record fixes it. A recognition whose date is not stated but whose
    batch is (国家级（2025 年度）) is taken to fall within or after its batch's year: a batch is not
    decided before its year has begun (the site's reading, docs/ARCHITECTURE.md "As of an instant"). So a
    record dated only to a year or a batch has not happened before that year."""
    if event.date is not None:
        return event.date
    if event.type == "certified" and event.batch is not None:
        return PartialDate(event.batch)
    return None


def as_of(
    cluster: Cluster, day: dt.date, published: set[str], final_dates: dict[str, dt.date], dated_urls: dict[str, dt.date]
) -> Cluster:
    """The cluster record as it stood on `day`: later events and sources left out, and no event
    naming a notice not yet published. The records date some things more closely than their own
    field does: a recognition from a notice's final list happens no earlier than the list
    (`final_dates`, by notice id), and a source that states no date of its own but is a notice's
    final list (`dated_urls`) is dated by the notice."""

    return dataclasses.replace(
        cluster,
        events=tuple(
            e if e.notice is None or e.notice in published else dataclasses.replace(e, notice=None)
            for e in cluster.events
            if happened(earliest_date(e), day) and not (e.notice in final_dates and day < final_dates[e.notice])
        ),
        sources=tuple(s for s in cluster.sources if happened(_source_date(s, dated_urls), day)),
    )


def _happens_on(event: Event, final_dates: dict[str, dt.date]) -> dt.date | None:
    """The first day `as_of` keeps the event (None: any day): its date's first possible day, and not
    before the final list of the notice it names."""
    date = earliest_date(event)
    days = [date.earliest] if date is not None else []
    if event.notice in final_dates:
        days.append(final_dates[event.notice])
    return max(days) if days else None


def _source_date(source: Source, dated_urls: dict[str, dt.date]) -> PartialDate | None:
    """A source's date: its own, else the date of the final list it is (None: undated, always cited)."""
    if source.published_on is None and source.url in dated_urls:
        return PartialDate.of(dated_urls[source.url])
    return source.published_on


def outcome_published(notice: Notice, window: NoticeWindow | None, at: dt.datetime) -> bool:
    """The result is out from 00:00 of its final date, or, without one, once the window has closed."""
    if notice.outcome.final_date is not None:
        return notice.outcome.final_date <= day_of(at)
    return window is not None and window.state_at(at) == "closed"


def _notice_at(record: Notice, records: _Records, at: dt.datetime) -> NoticeFacts:
    """The notice as it stood at `at` (its corrections in force by that day), without the instants its
    states hold until (`notice_facts` adds them, probing this very function)."""
    notice = as_corrected_by(record, day_of(at))
    window = records.window(record, notice)
    if isinstance(window, CalendarNotCovered):
        return NoticeFacts(_without_outcome(notice), None, "unknown", window.years, None, False, None, None)
    if window is None:  # WorkingDaysUnknown
        return NoticeFacts(_without_outcome(notice), None, "unknown", (), None, False, None, None)
    published = outcome_published(notice, window, at)
    if not published:
        notice = _without_outcome(notice)
    state = window.state_at(at)
    return NoticeFacts(notice, window, state, window.missing_years, window.days_left_at(at), published, None, None)


def _notice_instants(record: Notice, records: _Records, at: dt.datetime) -> set[dt.datetime]:
    """Every instant after `at` at which the notice's facts may change: 00:00 of each later correction's
    day, and the instants of the window of each version from now on, and 00:00 of the final list's day."""
    day = day_of(at)
    versions = [day, *(c.date for c in record.corrections if c.date > day)]
    found = {start_of_day(c.date) for c in record.corrections}
    if record.outcome.final_date is not None:
        found.add(start_of_day(record.outcome.final_date))
    for version in versions:
        window = records.window(record, as_corrected_by(record, version))
        if isinstance(window, NoticeWindow):
            found.update(window.instants)
    return {instant for instant in found if instant > at}


def notice_facts(record: Notice, records: _Records, at: dt.datetime) -> NoticeFacts:
    """The published notice at `at`, each state with the instant it next changes."""
    facts = _notice_at(record, records, at)
    instants = _notice_instants(record, records, at)
    return dataclasses.replace(
        facts,
        state_until=_first_change(instants, lambda t: _notice_at(record, records, t).state, facts.state),
        days_left_until=_first_change(instants, lambda t: _notice_at(record, records, t).days_left, facts.days_left),
    )


Value = TypeVar("Value")


def _first_change(
    instants: Iterable[dt.datetime], value_at: Callable[[dt.datetime], Value], now: Value
) -> dt.datetime | None:
    """The earliest of `instants` at which `value_at` differs from `now`: the instant a state holds
    until, found with the function that computes it. `instants` must hold every instant (after the
    snapshot's) at which the value may change; those at which it does not are passed over."""
    for instant in sorted(instants):
        if value_at(instant) != now:
            return instant
    return None


Corrected = TypeVar("Corrected", Notice, Call)


def as_corrected_by(record: Corrected, day: dt.date) -> Corrected:
    """The notice or call as it read on `day`: a correction dated later is undone (its field back to
    the old value, typed like the current one) and left out of the log. A list (the proposed list
    `entries`, a call's materials, contacts or attachments) is recorded as text in a correction, so
    it cannot be undone: it reads as corrected."""
    later = [c for c in record.corrections if c.date > day]
    if not later:
        return record
    for correction in reversed(later):
        group, _, member = correction.field.partition(".")
        current = getattr(record, group)
        if isinstance(current, tuple):
            continue
        if member:
            value = _typed_like(getattr(current, member), correction.old)
            record = dataclasses.replace(record, **{group: dataclasses.replace(current, **{member: value})})
        else:
            record = dataclasses.replace(record, **{group: _typed_like(current, correction.old)})
    return dataclasses.replace(record, corrections=tuple(c for c in record.corrections if c.date <= day))


def _typed_like(current: object, text: str | None) -> Any:
    """A correction's old value (text as the log writes it) typed like the field's current value."""
    if text is None:
        return None
    if isinstance(current, dt.date):
        return dt.date.fromisoformat(text)
    if isinstance(current, dt.time):
        return dt.time.fromisoformat(text)
    if isinstance(current, bool):
        return text == "true"
    if isinstance(current, int):
        return int(text)
    return text


def _without_outcome(notice: Notice) -> Notice:
    if notice.outcome.is_empty:
        return notice
    return dataclasses.replace(notice, outcome=Outcome(None, None, None, None, None, None))


@dataclass(frozen=True)
class _Records:
    """What a snapshot reads from the records whatever the instant: the dataset, when each final list
    came out and at which address, and which notices' proposed lists name each cluster."""

    dataset: Dataset
    final_dates: dict[str, dt.date]  # notice id -> the day its final list came out
    dated_urls: dict[str, dt.date]  # a final list's address -> that day
    listing: dict[str, tuple[Notice, ...]]  # cluster id -> the notices whose proposed list names it
    windows: dict[tuple[str, int], NoticeWindow | CalendarNotCovered | None]  # (notice, corrections in force)

    def window(self, record: Notice, version: Notice) -> NoticeWindow | CalendarNotCovered | None:
        """The window of a version of the notice (`as_corrected_by(record, day)`), counted once: the
        missing arrangement when the calendar cannot count it, None when nothing sets N."""
        key = (record.id, len(version.corrections))
        if key not in self.windows:
            try:
                self.windows[key] = notice_window(version, self.dataset.calendar, self.dataset.policies)
            except CalendarNotCovered as missing:
                self.windows[key] = missing
            except WorkingDaysUnknown:
                self.windows[key] = None
        return self.windows[key]

    @classmethod
    def of(cls, dataset: Dataset) -> _Records:
        listing: dict[str, list[Notice]] = {}
        for notice in dataset.notices.values():
            for entry in notice.entries:  # a list reads as corrected (as_corrected_by): the record's own
                if entry.cluster and notice not in listing.get(entry.cluster, []):
                    listing.setdefault(entry.cluster, []).append(notice)
        return cls(
            dataset,
            {n.id: n.outcome.final_date for n in dataset.notices.values() if n.outcome.final_date},
            {
                n.outcome.final_url: n.outcome.final_date
                for n in dataset.notices.values()
                if n.outcome.final_url and n.outcome.final_date
            },
            {cluster: tuple(found) for cluster, found in listing.items()},
            {},
        )

    def published(self, day: dt.date) -> set[str]:
        return {n.id for n in self.dataset.notices.values() if n.published_on <= day}


def _status_at(record: Cluster, at: dt.datetime, records: _Records) -> ClusterStatus:
    """The cluster's status at `at`: of its records as they stood that day, 公示中 while a notice
    listing it is open at that instant."""
    day = day_of(at)
    cluster = as_of(record, day, records.published(day), records.final_dates, records.dated_urls)
    listed = (n for n in records.listing.get(record.id, ()) if n.published_on <= day)
    open_now = any(_notice_at(n, records, at).state == "open" for n in listed)
    return cluster_status(cluster, day, records.dataset.policies, in_open_publicity=open_now)


def _status_code_at(record: Cluster, at: dt.datetime, records: _Records) -> str:
    return _status_at(record, at, records).code


def _status_instants(record: Cluster, at: dt.datetime, records: _Records) -> set[dt.datetime]:
    """Every instant after `at` at which `_status_at` may change: 00:00 of the days the lifecycle
    names (status_change_days) and of the days its events' final lists came out; the publication and
    the window instants of each notice listing it."""
    days = set(status_change_days(record, records.dataset.policies))
    days |= {records.final_dates[e.notice] for e in record.events if e.notice in records.final_dates}
    found = {start_of_day(day) for day in days}
    for notice in records.listing.get(record.id, ()):
        found.add(start_of_day(notice.published_on))
        found |= _notice_instants(notice, records, at)
    return {instant for instant in found if instant > at}


def _naming(call: Call, records: _Records, day: dt.date) -> tuple[str, ...]:
    """The notices published by `day` that name the call (as they read that day), newest first."""
    named = [
        n for n in records.dataset.notices.values() if n.published_on <= day and as_corrected_by(n, day).call == call.id
    ]
    return tuple(n.id for n in sorted(named, key=lambda n: (n.published_on, n.id), reverse=True))


def _call_at(record: Call, at: dt.datetime, records: _Records) -> CallFacts:
    day = day_of(at)
    return call_facts(as_corrected_by(record, day), at, _naming(record, records, day), None)


def _call_instants(record: Call, at: dt.datetime, records: _Records) -> set[dt.datetime]:
    """Every instant after `at` at which the call's state may change: its opening and closing as each
    version from now on states them, 00:00 of each correction's day, and of the day each notice that
    names it (or named it before a correction) is published or corrected."""
    day = day_of(at)
    versions = [day, *(c.date for c in record.corrections if c.date > day)]
    found = {start_of_day(c.date) for c in record.corrections}
    for version in versions:
        found.update(call_facts(as_corrected_by(record, version), at, (), None).instants)
    for notice in records.dataset.notices.values():
        if notice.call == record.id or any(c.field == "call" for c in notice.corrections):
            found.add(start_of_day(notice.published_on))
            found |= {start_of_day(c.date) for c in notice.corrections}
    return {instant for instant in found if instant > at}


def _call_facts(record: Call, at: dt.datetime, records: _Records) -> CallFacts:
    facts = _call_at(record, at, records)
    instants = _call_instants(record, at, records)
    until = _first_change(instants, lambda t: _call_at(record, t, records).state, facts.state)
    return dataclasses.replace(facts, state_until=until)


def take_snapshot(dataset: Dataset, at: dt.datetime) -> Snapshot:
    """Every derived fact of `dataset` as of the instant `at` (aware; its day in Asia/Shanghai)."""
    check_instant(at)
    day = day_of(at)
    records = _Records.of(dataset)
    notices = tuple(
        sorted(
            (notice_facts(n, records, at) for n in dataset.notices.values() if n.published_on <= day),
            key=lambda f: (f.notice.published_on, f.notice.id),
            reverse=True,
        )
    )
    listed_in: dict[str, list[NoticeFacts]] = {}
    for facts in notices:
        for entry in facts.notice.entries:
            if entry.cluster and facts not in listed_in.get(entry.cluster, []):
                listed_in.setdefault(entry.cluster, []).append(facts)
    clusters = []
    published = {facts.notice.id for facts in notices}
    policies = dataset.policies
    for record in sorted(dataset.clusters.values(), key=lambda c: (c.district, c.id)):
        cluster = as_of(record, day, published, records.final_dates, records.dated_urls)
        listed = listed_in.get(cluster.id, [])
        if not cluster.events and not listed:
            continue  # nothing about it had been published by the day
        named = {e.notice for e in cluster.events if e.type in ("certified", "renewed") and e.notice is not None}
        related = [facts for facts in notices if facts in listed or facts.notice.id in named]  # newest first
        status = _status_at(record, at, records)
        code_at = functools.partial(_status_code_at, record, records=records)
        clusters.append(
            ClusterFacts(
                cluster,
                dataset.districts.get(cluster.district),
                status,
                recognitions(cluster, policies),
                annual_reports(cluster, day, policies),
                tuple(related),
                _revocation(cluster, policies),
                _first_change(_status_instants(record, at, records), code_at, status.code),
                unstated_reports(cluster, policies),
            )
        )
    current = guideline(dataset.policies, day)
    municipal = tuple(f for f in clusters if current is not None and f.status.counts_as_municipal)
    changes = sorted(
        (Change(e.date, f, e) for f in clusters for e in f.cluster.events if e.date is not None),
        key=lambda c: (c.date.latest, c.cluster.cluster.id),
        reverse=True,
    )
    undetermined = tuple(f for f in clusters if f.status.code == "unknown")
    recognised = recognised_by_notice(f.cluster for f in clusters)
    final_lists = {
        facts.notice.id: final_list(facts.notice, recognised[facts.notice.id])
        for facts in notices
        if facts.outcome_published and facts.notice.id in recognised
    }
    calls = tuple(
        _call_facts(call, at, records)
        for call in sorted(dataset.calls.values(), key=lambda c: (c.published_on, c.id), reverse=True)
        if call.published_on <= day
    )
    deadlines = tuple(_deadlines(clusters, notices, current, calls))
    return Snapshot(
        at,
        tuple(clusters),
        notices,
        deadlines,
        tuple(changes),
        municipal,
        undetermined,
        current,
        guideline_lapsed(dataset.policies, day),
        final_lists,
        calls,
        _ahead(records, at, notices, calls, tuple(clusters), deadlines),
        dataset.districts,
        dataset.policies,
        dataset.site,
        dataset.attachments,
        dataset.practice,
    )


def _ahead(
    records: _Records,
    at: dt.datetime,
    notices: tuple[NoticeFacts, ...],
    calls: tuple[CallFacts, ...],
    clusters: tuple[ClusterFacts, ...],
    deadlines: tuple[Deadline, ...],
) -> tuple[StateChange, ...]:
    """What the site will state differently after `at`, as the records stand, soonest first: each
    state at the instant it next changes (to what it changes), and everything dated later at 00:00
    of its day (a record published, a correction, a final list, an event, a source, a guideline in
    force) or at the instant it passes (a deadline: a validity's end, a report due, the guideline's
    last day; an objection's or a call's deadline is said by the state it ends)."""
    dataset = records.dataset
    found: list[StateChange] = []

    def dated(day: dt.date, line: str) -> None:
        if start_of_day(day) > at:
            found.append(StateChange(start_of_day(day), line))

    for facts in notices:
        record, title = dataset.notices[facts.notice.id], facts.notice.title
        if facts.state_until is not None:
            then = _notice_at(record, records, facts.state_until)
            found.append(StateChange(facts.state_until, f"公示“{title}”：{facts.state_label} → {then.state_label}"))
        if facts.days_left_until is not None and facts.days_left is not None:
            left = _notice_at(record, records, facts.days_left_until).days_left
            if left is not None:
                found.append(
                    StateChange(facts.days_left_until, f"公示“{title}”含当天剩余工作日：{facts.days_left} → {left}")
                )
    for call_view in calls:
        if call_view.state_until is not None:
            then_call = _call_at(dataset.calls[call_view.call.id], call_view.state_until, records)
            found.append(
                StateChange(
                    call_view.state_until,
                    f"申报通知“{call_view.call.title}”：{call_view.state_label} → {CALL_STATE_LABELS[then_call.state]}",
                )
            )
    for cluster_view in clusters:
        if cluster_view.status_until is not None:
            then_status = _status_at(dataset.clusters[cluster_view.cluster.id], cluster_view.status_until, records)
            found.append(
                StateChange(
                    cluster_view.status_until,
                    f"集群“{cluster_view.cluster.name}”：{cluster_view.status.label} → {then_status.label}",
                )
            )
    for notice in dataset.notices.values():
        dated(notice.published_on, f"公示“{notice.title}”发布")
        for correction in notice.corrections:
            dated(correction.date, f"公示“{notice.title}”的勘误（{correction.field}）生效")
        if notice.outcome.final_date is not None:
            dated(notice.outcome.final_date, f"公示“{notice.title}”的结果（正式名单）发布")
    for call in dataset.calls.values():
        dated(call.published_on, f"申报通知“{call.title}”发布")
        for correction in call.corrections:
            dated(correction.date, f"申报通知“{call.title}”的勘误（{correction.field}）生效")
    for cluster in dataset.clusters.values():
        for event in cluster.events:
            happens = _happens_on(event, records.final_dates)
            if happens is not None:
                dated(happens, f"集群“{cluster.name}”：{EVENT_TYPE_NAMES[event.type]}（{event.date or '日期未载明'}）")
        for source in cluster.sources:
            cited = _source_date(source, records.dated_urls)
            if cited is not None:
                dated(cited.earliest, f"集群“{cluster.name}”开始引用来源“{source.title or source.url}”（{cited}）")
    for deadline in deadlines:
        if deadline.closes_at > at and not deadline.done and deadline.kind not in ("objection", "call_deadline"):
            found.append(StateChange(deadline.closes_at, f"截止事项到期：{deadline.what}（{deadline.name}）"))
    for policy in dataset.policies.of_level("municipal"):
        dated(policy.in_force_from.earliest, f"《{policy.title}》开始施行")
    return tuple(sorted(set(found)))


def _revocation(cluster: Cluster, policies: PolicySet) -> Revocation | None:
    event = revocation(cluster)
    if event is None:
        return None
    ground = revocation_ground(policies, event)
    return Revocation(event, *ground) if ground else Revocation(event, None, None)


def _whole_day(day: dt.date) -> dt.datetime:
    return start_of_day(day + _ONE_DAY)


def _deadlines(
    clusters: list[ClusterFacts], notices: tuple[NoticeFacts, ...], current: Policy | None, calls: tuple[CallFacts, ...]
) -> list[Deadline]:
    """Every deadline the snapshot publishes, in the order they close: calls, objections, annual
    reports, ends of validity and the guideline's own last day."""
    found = [
        *(deadline for published in calls for deadline in _call_deadlines(published)),
        *(deadline for facts in notices for deadline in _objection_deadline(facts)),
        *(deadline for facts in clusters for deadline in _report_deadlines(facts)),
        *(deadline for facts in clusters for deadline in _validity_deadlines(facts)),
        *_guideline_deadline(current),
    ]
    return sorted(found, key=lambda d: (d.closes_at, d.key))


def _call_deadlines(published: CallFacts) -> Iterator[Deadline]:
    """A call's deadline for applications (with its stated time) and its districts' first review."""
    call = published.call
    if published.closes_at is not None and call.deadline_on is not None:
        yield Deadline(
            f"call-deadline-{call.id}",
            "call_deadline",
            call.deadline_on,
            published.closes_at,
            call.deadline_time is not None,
            call.title,
            "申报材料报送截止（通知载明）",
            f"{call.title}：申报材料报送截至 {published.deadline_label}（北京时间，通知载明）。",
            published.page,
        )
    if call.district_deadline_on is not None:
        yield Deadline(
            f"call-district-deadline-{call.id}",
            "call_district_deadline",
            call.district_deadline_on,
            _whole_day(call.district_deadline_on),
            False,
            call.title,
            "区级初审截止（通知载明）",
            f"{call.title}：区中小企业主管部门初审截止日为 {call.district_deadline_on.isoformat()}（通知载明）。",
            published.page,
        )


def _objection_deadline(facts: NoticeFacts) -> Iterator[Deadline]:
    """The close of a notice's objection window, when its window can be computed."""
    window, notice = facts.window, facts.notice
    if window is None:
        return  # no close can be stated
    yield Deadline(
        f"notice-close-{notice.id}",
        "objection",
        window.last_day,
        window.closes_at,
        True,
        notice.title,
        f"公示异议截止（{window.cutoff_label}）",
        facts.window_sentence,
        facts.page,
    )


def _report_deadlines(cluster_facts: ClusterFacts) -> Iterator[Deadline]:
    """A cluster's annual reports, one per covered year and level, done or not."""
    cluster = cluster_facts.cluster
    for report in cluster_facts.reports:
        basis = report.basis
        key = f"annual-report-{cluster.id}-{report.covered_year}"
        if report.level != "municipal":
            key += f"-{report.level}"
        source = f"{report.stated.citation}载明：{report.stated.stated_text}。" if report.stated else ""
        caveat = f"{report.uncertain}。" if report.uncertain else ""
        yield Deadline(
            key,
            "annual_report",
            report.due_on,
            _whole_day(report.due_on),
            False,
            cluster.name,
            f"{report.covered_year} 年度报告报送截止（{basis}{'；是否须报送未能确定' if report.uncertain else ''}）",
            f"{cluster.name}（{report.policy.short_title}所管{LEVEL_NAMES[report.level]}认定）报送 "
            f"{report.covered_year} 年度情况的截止日为 {report.due_on.isoformat()}（{basis}；截止日的读法为本站做法）。"
            + source
            + caveat,
            cluster_facts.page,
            done=report.state == "submitted",
        )


def _validity_deadlines(cluster_facts: ClusterFacts) -> Iterator[Deadline]:
    """The last day of each of a cluster's recognitions known to the day and not revoked before it."""
    cluster = cluster_facts.cluster
    for recognition in cluster_facts.recognitions:
        end = recognition.valid_until
        if end is None or not end.is_exact:
            continue  # known only to the month or year: no day to state
        revoked = revocation_of(cluster, recognition)
        if revoked is not None and revoked.date is not None and revoked.date.earliest <= end.earliest:
            continue  # revoked before it would have ended
        if recognition.stated:
            basis = "来源载明"
        elif recognition.rule is not None:
            basis = recognition.rule.name
        else:
            basis = _basis(recognition.policy, recognition.policy.validity_years.clause if recognition.policy else None)
        yield Deadline(
            f"validity-end-{cluster.id}-{recognition.level}-{_recognition_key(recognition)}",
            "validity_end",
            end.earliest,
            _whole_day(end.earliest),
            False,
            cluster.name,
            f"{recognition.level_name}认定有效期届满",
            f"{cluster.name}的{recognition.level_name}认定有效期最后一天为 {end.earliest.isoformat()}（{basis}）。",
            cluster_facts.page,
        )


def _guideline_deadline(current: Policy | None) -> Iterator[Deadline]:
    """The last day of the guideline in force, as the site reads its term (5.2)."""
    if current is None or current.in_force_until is None:
        return
    last_day = current.in_force_until
    basis = _basis(current, current.in_force.clause)
    yield Deadline(
        f"guideline-lapse-{current.id}",
        "guideline_lapse",
        last_day,
        _whole_day(last_day),
        False,
        "《工作指引》",
        f"有效期最后一天（{basis}）",
        f"{current.title}：“{current.in_force.words}”（{basis}）；按本站读法，{last_day.isoformat()} 为最后一天。",
        "guideline.md",
    )


def _basis(policy: Policy | None, clause: str | None) -> str:
    """Where a rule comes from, as the site cites it: "指引 4.2", or the document's short title."""
    if policy is None:
        return "来源未载明依据"
    return f"{policy.short_title} {clause}" if clause else policy.short_title


def _recognition_key(recognition: Recognition) -> str:
    """What identifies a recognition in a key: its certification's date (or stated start, or batch)."""
    certified = recognition.certified
    return str(certified.date or certified.valid_from or certified.batch or certified.seq)
