"""The domain objects (clusters, events, notices, districts, site) typed from validated rows.

Objects are built only from records that passed validation, so conversion cannot fail here.
Each keeps the row it came from, so a rule can point at the exact file, line and column.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

from generator.calendar import WorkingCalendar, YearArrangement
from generator.records import Row, Tables

LEVEL_NAMES = {"national": "国家级", "provincial": "省级", "municipal": "市级"}
EVENT_TYPE_NAMES = {
    "certified": "认定",
    "renewed": "复核通过",
    "revoked": "撤销",
    "changed": "变更报备",
    "annual_report": "年度报告",
}
CHANGE_SUBJECTS = {"leading_industry": "主导产业", "area": "空间范围", "operator": "运营管理机构", "other": "其他"}


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date stated to the year, the month or the day — never more precise than its source."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse YYYY, YYYY-MM or YYYY-MM-DD; raise ValueError for a date that does not exist."""
        parts = text.split("-")
        if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
            raise ValueError(text)
        year, *rest = (int(p) for p in parts)
        month = rest[0] if rest else None
        day = rest[1] if len(rest) > 1 else None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(text)
        if day is not None:
            dt.date(year, month, day)  # raises for 2023-02-30
        if not 1 <= year <= 9999:
            raise ValueError(text)
        return cls(year, month, day)

    @classmethod
    def of(cls, day: dt.date) -> PartialDate:
        return cls(day.year, day.month, day.day)

    @property
    def is_exact(self) -> bool:
        return self.day is not None

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        if self.month is None:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.month, self.day or _calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def chinese(self) -> str:
        text = f"{self.year}年"
        if self.month is not None:
            text += f"{self.month}月"
        if self.day is not None:
            text += f"{self.day}日"
        return text


def _text(row: Row, name: str) -> str | None:
    value = row.values.get(name)
    return value if value not in (None, "") else None


def _int(row: Row, name: str) -> int | None:
    value = _text(row, name)
    return int(value) if value is not None else None


def _date(row: Row, name: str) -> dt.date | None:
    value = _text(row, name)
    return dt.date.fromisoformat(value) if value is not None else None


def _partial(row: Row, name: str) -> PartialDate | None:
    value = _text(row, name)
    return PartialDate.parse(value) if value is not None else None


@dataclass(frozen=True)
class District:
    code: str
    name: str
    slug: str
    pinyin: str | None


@dataclass(frozen=True)
class Source:
    url: str
    title: str | None
    publisher: str | None
    published_on: PartialDate | None
    states: str | None
    official: bool  # the issuing authority's own page or document, checked
    repost: bool


@dataclass(frozen=True)
class Event:
    type: str
    date: PartialDate | None
    level: str | None
    batch: int | None
    doc_no: str | None
    source: str | None
    notice: str | None  # id of the 公示 whose final list this recognition comes from
    valid_from: PartialDate | None
    valid_until: PartialDate | None
    reason: str | None
    year: int | None
    subject: str | None
    description: str | None
    note: str | None
    row: Row = field(compare=False, repr=False)

    @property
    def type_name(self) -> str:
        return EVENT_TYPE_NAMES[self.type]


@dataclass(frozen=True)
class Cluster:
    id: str
    name: str
    verified: bool
    district: str
    leading_industry: str
    operator: str | None
    area_km2: float | None
    summary: str | None
    website: str | None
    note: str | None
    events: tuple[Event, ...]
    sources: tuple[Source, ...]
    row: Row = field(compare=False, repr=False)


@dataclass(frozen=True)
class NoticeEntry:
    cluster: str | None
    name: str | None
    district: str | None
    note: str | None
    row: Row = field(compare=False, repr=False)


@dataclass(frozen=True)
class Objection:
    channels: str | None
    contact_person: str | None
    phone: str | None
    address: str | None
    postcode: str | None
    email: str | None
    office_hours: str | None
    supervision_phone: str | None
    requirements: str | None


@dataclass(frozen=True)
class Outcome:
    objections_received: int | None
    objections_upheld: int | None
    final_doc_no: str | None
    final_date: dt.date | None
    final_url: str | None
    note: str | None

    @property
    def is_empty(self) -> bool:
        return all(value is None for value in vars(self).values())


@dataclass(frozen=True)
class Notice:
    id: str
    title: str
    level: str
    issuer: str
    published_on: dt.date
    starts_on: dt.date | None
    working_days: int | None  # as the notice states it; else its level's policy sets it
    ends_on: dt.date | None
    cutoff_time: dt.time | None
    window_stated: str | None
    url: str | None
    source_note: str | None
    basis: str | None
    objection: Objection
    outcome: Outcome
    entries: tuple[NoticeEntry, ...]
    row: Row = field(compare=False, repr=False)


@dataclass(frozen=True)
class Threshold:
    """A quantified criterion, with the comparison word the text uses (以上/高于/不低于/不少于/不超过)."""

    policy_id: str
    key: str
    clause: str
    subject: str
    comparison: str
    value: Decimal
    unit: str
    words: str  # the clause's own words for it
    group: str | None  # thresholds of one group: meeting one of them is enough
    row: Row = field(compare=False, repr=False)

    @property
    def operator(self) -> str:
        """The comparison as this site reads it (本站做法, explained on the criteria page)."""
        return COMPARISON_OPERATORS[self.comparison]


COMPARISON_OPERATORS = {"高于": ">", "不低于": ">=", "不少于": ">=", "以上": ">=", "不超过": "<="}


@dataclass(frozen=True)
class Stated:
    """A value of a policy with the clause and the words it comes from (either may be unknown)."""

    value: Any
    clause: str | None
    words: str | None


@dataclass(frozen=True)
class ReportRule:
    due_month: int
    due_day: int | None  # None: the last day of the month ("2月底前")
    words: str | None
    recipient: str | None
    clause: str | None

    def due_on(self, covered_year: int) -> dt.date:
        """The due date of the report on `covered_year`, in the next year."""
        year = covered_year + 1
        if self.due_day is None:
            return dt.date(year, self.due_month, _calendar.monthrange(year, self.due_month)[1])
        return dt.date(year, self.due_month, self.due_day)


@dataclass(frozen=True)
class Policy:
    """A guideline or measures of one level, as data: every number with its clause."""

    id: str
    level: str
    title: str
    short_title: str
    issuer: str
    issued_on: PartialDate | None
    doc_no: str | None
    source_url: str | None
    source_verified: bool
    source_note: str | None
    in_force_from: PartialDate
    in_force_until: dt.date | None
    in_force: Stated  # value: (from, until)
    validity_years: Stated
    publicity_working_days: Stated
    annual_report: ReportRule | None
    target: Stated
    thresholds: tuple[Threshold, ...]
    revocation_grounds: dict[str, str]  # clause -> text
    excerpts: dict[str, tuple[str, str]]  # key -> (clause, words): passages the pages quote
    excerpt_rows: tuple[Row, ...] = field(compare=False, repr=False)
    clauses: dict[str, str]  # clause -> text, as the site quotes it
    row: Row = field(compare=False, repr=False)

    def clause_text(self, clause: str) -> str:
        return self.clauses.get(clause) or self.revocation_grounds[clause]

    @property
    def thresholds_by_key(self) -> dict[str, Threshold]:
        return {threshold.key: threshold for threshold in self.thresholds}


class PolicySet:
    """The policies of every level; a thing dated D is judged under the policy of its level in force on D."""

    def __init__(self, policies: Iterable[Policy]):
        self.all = tuple(sorted(policies, key=lambda p: (p.level, p.in_force_from.earliest, p.id)))

    def of_level(self, level: str) -> tuple[Policy, ...]:
        return tuple(p for p in self.all if p.level == level)

    def in_force(self, level: str, day: dt.date) -> Policy | None:
        """The latest policy of `level` that had begun by `day` (None before the first)."""
        begun = [p for p in self.of_level(level) if p.in_force_from.earliest <= day]
        return begun[-1] if begun else None

    def first(self, level: str) -> Policy | None:
        found = self.of_level(level)
        return found[0] if found else None

    def get(self, policy_id: str) -> Policy:
        return next(p for p in self.all if p.id == policy_id)


@dataclass(frozen=True)
class Site:
    values: dict[str, str | None]
    row: Row = field(compare=False, repr=False)

    @property
    def address(self) -> str | None:
        """The published address (base_url) parsed and rebuilt from its parts: scheme http or https,
        host, and a path with every character outside the URL path alphabet percent-encoded, ending
        in "/"; no query, fragment or credentials. Never the text as written."""
        return site_address(self.values.get("base_url"))


def site_address(text: str | None) -> str | None:
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    host = parts.hostname.encode("idna").decode("ascii")
    port = f":{parts.port}" if parts.port else ""
    path = quote(parts.path or "/", safe="/-._~%")  # "%": an address already rebuilt stays as it is
    return f"{parts.scheme}://{host}{port}{path if path.endswith('/') else path + '/'}"


@dataclass(frozen=True)
class Dataset:
    districts: dict[str, District]
    clusters: dict[str, Cluster]
    notices: dict[str, Notice]
    site: Site | None
    calendar: WorkingCalendar
    policies: PolicySet


def _children(rows: list[Row], parent_field: str, usable) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if usable(row):
            grouped.setdefault(row.values[parent_field], []).append(row)
    return grouped


def build_dataset(tables: Tables, bad_files: set[str]) -> Dataset:
    """Type the rows of every file without errors into domain objects."""

    def usable(row: Row) -> bool:
        return row.doc.path not in bad_files

    districts = {
        row.values["code"]: District(row.values["code"], row.values["name"], row.values["slug"], _text(row, "pinyin"))
        for row in tables["districts"] if usable(row)
    }
    events = _children(tables["events"], "cluster_id", usable)
    sources = _children(tables["cluster_sources"], "cluster_id", usable)
    clusters = {}
    for row in tables["clusters"]:
        if not usable(row):
            continue
        cid = row.values["id"]
        clusters[cid] = Cluster(
            id=cid,
            name=row.values["name"],
            verified=row.values["verified"] == "true",
            district=row.values["district"],
            leading_industry=row.values["leading_industry"],
            operator=_text(row, "operator"),
            area_km2=float(row.values["area_km2"]) if _text(row, "area_km2") else None,
            summary=_text(row, "summary"),
            website=_text(row, "website"),
            note=_text(row, "note"),
            events=tuple(_event(r) for r in events.get(cid, [])),
            sources=tuple(
                Source(r.values["url"], _text(r, "title"), _text(r, "publisher"), _partial(r, "published_on"),
                       _text(r, "states"), r.values.get("official") == "true", r.values.get("repost") == "true")
                for r in sources.get(cid, [])
            ),
            row=row,
        )
    entries = _children(tables["notice_entries"], "notice_id", usable)
    notices = {}
    for row in tables["notices"]:
        if not usable(row):
            continue
        nid = row.values["id"]
        cutoff = _text(row, "cutoff_time")
        notices[nid] = Notice(
            id=nid,
            title=row.values["title"],
            level=row.values["level"],
            issuer=row.values["issuer"],
            published_on=_date(row, "published_on"),
            starts_on=_date(row, "starts_on"),
            working_days=_int(row, "working_days"),
            ends_on=_date(row, "ends_on"),
            cutoff_time=dt.time.fromisoformat(cutoff) if cutoff else None,
            window_stated=_text(row, "window_stated"),
            url=_text(row, "url"),
            source_note=_text(row, "source_note"),
            basis=_text(row, "basis"),
            objection=Objection(*(_text(row, f"objection_{n}") for n in (
                "channels", "contact_person", "phone", "address", "postcode", "email", "office_hours",
                "supervision_phone", "requirements"))),
            outcome=Outcome(
                _int(row, "outcome_objections_received"),
                _int(row, "outcome_objections_upheld"),
                _text(row, "outcome_final_doc_no"),
                _date(row, "outcome_final_date"),
                _text(row, "outcome_final_url"),
                _text(row, "outcome_note"),
            ),
            entries=tuple(
                NoticeEntry(_text(r, "cluster"), _text(r, "name"), _text(r, "district"), _text(r, "note"), r)
                for r in entries.get(nid, [])
            ),
            row=row,
        )
    policies = PolicySet(_policy(row, tables, usable) for row in tables["policies"] if usable(row))
    site_rows = [row for row in tables["site"] if usable(row)]
    site = Site({k: _text(site_rows[0], k) for k in site_rows[0].values}, site_rows[0]) if site_rows else None
    return Dataset(
        districts=districts,
        clusters=clusters,
        notices=notices,
        site=site,
        calendar=WorkingCalendar(
            YearArrangement.from_mapping(row.doc.data) for row in tables["calendar_years"] if usable(row)
        ),
        policies=policies,
    )


def _stated(row: Row, group: str, value: Any) -> Stated:
    """A policy value with the clause and words its group states (in_force, validity, …)."""
    return Stated(value, _text(row, f"{group}_clause"), _text(row, f"{group}_words"))


def _policy(row: Row, tables: Tables, usable) -> Policy:
    pid = row.values["id"]

    def children(resource: str) -> list[Row]:
        return [r for r in tables[resource] if usable(r) and r.values["policy_id"] == pid]

    due_month = _int(row, "annual_report_due_month")
    until = _date(row, "in_force_until")
    return Policy(
        id=pid,
        level=row.values["level"],
        title=row.values["title"],
        short_title=row.values["short_title"],
        issuer=row.values["issuer"],
        issued_on=_partial(row, "issued_on"),
        doc_no=_text(row, "doc_no"),
        source_url=_text(row, "source_url"),
        source_verified=row.values["source_verified"] == "true",
        source_note=_text(row, "source_note"),
        in_force_from=PartialDate.parse(row.values["in_force_from"]),
        in_force_until=until,
        in_force=_stated(row, "in_force", until),
        validity_years=_stated(row, "validity", _int(row, "validity_years")),
        publicity_working_days=_stated(row, "publicity", _int(row, "publicity_working_days")),
        annual_report=ReportRule(due_month, _int(row, "annual_report_due_day"), _text(row, "annual_report_words"),
                                 _text(row, "annual_report_recipient"), _text(row, "annual_report_clause"))
        if due_month is not None else None,
        target=_stated(row, "target", _int(row, "target_count")),
        thresholds=tuple(
            Threshold(pid, r.values["key"], r.values["clause"], r.values["subject"], r.values["comparison"],
                      Decimal(r.values["value"]), r.values["unit"], r.values["words"], _text(r, "group"), r)
            for r in children("policy_thresholds")),
        revocation_grounds={r.values["clause"]: r.values["text"] for r in children("policy_revocation_grounds")},
        excerpts={r.values["key"]: (r.values["clause"], r.values["words"]) for r in children("policy_excerpts")},
        excerpt_rows=tuple(children("policy_excerpts")),
        clauses={r.values["clause"]: r.values["text"] for r in children("policy_clauses")},
        row=row,
    )


def _event(row: Row) -> Event:
    return Event(
        type=row.values["type"],
        date=_partial(row, "date"),
        level=_text(row, "level"),
        batch=_int(row, "batch"),
        doc_no=_text(row, "doc_no"),
        source=_text(row, "source"),
        notice=_text(row, "notice"),
        valid_from=_partial(row, "valid_from"),
        valid_until=_partial(row, "valid_until"),
        reason=_text(row, "reason"),
        year=_int(row, "year"),
        subject=_text(row, "subject"),
        description=_text(row, "description"),
        note=_text(row, "note"),
        row=row,
    )
