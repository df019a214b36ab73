"""The domain objects (clusters, events, notices, districts, site) typed from validated rows.

Objects are built only from records that passed validation, so conversion cannot fail here.
Each keeps the row it came from, so a rule can point at the exact file, line and column.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from generator.calendar import DEFAULT_WORKING_DAYS, WorkingCalendar, YearArrangement
from generator.records import Row, Tables

LEVEL_NAMES = {"national": "国家级", "provincial": "省级", "municipal": "市级"}
EVENT_TYPE_NAMES = {
    "certified": "认定",
    "renewed": "复核通过",
    "revoked": "撤销",
    "changed": "变更报备",
    "annual_report": "年度报告",
}
REVOCATION_REASONS = {  # guideline 4.3.1–4.3.5
    "4.3.1": "有效期满未申请复核或经复核未通过",
    "4.3.2": "发现虚假申报",
    "4.3.3": "未及时报送集群年度培育情况信息表，不接受、不配合监测监督工作",
    "4.3.4": "集群发生主导产业、空间范围、运营管理机构变更等重大变动未及时更新报备",
    "4.3.5": "集群企业发生较大及以上安全、质量和环境污染等事故等违法违规或严重失信行为",
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
    working_days: int
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
class Site:
    values: dict[str, str | None]
    row: Row = field(compare=False, repr=False)


@dataclass(frozen=True)
class Dataset:
    districts: dict[str, District]
    clusters: dict[str, Cluster]
    notices: dict[str, Notice]
    site: Site | None
    calendar: WorkingCalendar


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
                       _text(r, "states"))
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
            working_days=_int(row, "working_days") or DEFAULT_WORKING_DAYS,
            ends_on=_date(row, "ends_on"),
            cutoff_time=dt.time.fromisoformat(cutoff) if cutoff else None,
            window_stated=_text(row, "window_stated"),
            url=_text(row, "url"),
            source_note=_text(row, "source_note"),
            basis=_text(row, "basis"),
            objection=Objection(*(_text(row, f"objection_{n}") for n in (
                "channels", "contact_person", "phone", "address", "postcode", "email", "office_hours",
                "supervision_phone"))),
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
