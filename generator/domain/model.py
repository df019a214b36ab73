"""The domain objects (clusters, events, notices, districts, site) typed from validated rows.

Objects are built (by generator.load.build) only from records that passed validation. Each keeps
its `origin`: where its fields were written, so a rule can point at the exact file, line and
column; the origin gives positions only, never the text as written, so every output reads the
typed values here.
"""

from __future__ import annotations

import calendar as _calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from generator.domain.calendar import WorkingCalendar


class Origin(Protocol):
    """Where a record's fields were written (generator.load.records.Row is one)."""

    def located(self, name: str) -> tuple[str, int, int]:
        """(path, line, column) of a field."""
        ...

    def position(self, name: str) -> tuple[int, int]:
        """(line, column) of a field."""
        ...


class _Unwritten:
    """The origin of an object built in code (a test, a synthetic dataset), not read from a file."""

    def located(self, name: str) -> tuple[str, int, int]:
        raise LookupError(f"built in code, not read from a file: no position for {name!r}")

    def position(self, name: str) -> tuple[int, int]:
        raise LookupError(f"built in code, not read from a file: no position for {name!r}")


UNWRITTEN: Origin = _Unwritten()


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
        if month is not None and day is not None:  # a day always comes with its month
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


@dataclass(frozen=True)
class District:
    code: str
    name: str
    slug: str
    pinyin: str | None
    # the district's competent department (指引 1.5, 3.3.1), as a cited source states it; None: not known
    bureau: str | None = None
    bureau_address: str | None = None
    bureau_phone: str | None = None
    bureau_office_hours: str | None = None
    bureau_website: str | None = None
    bureau_source: str | None = None
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def page(self) -> str:
        """The source path of the district's page (its URL: generator/publish/urls.py)."""
        return f"districts/{self.slug}.md"

    @property
    def contact_stated(self) -> bool:
        return any((self.bureau, self.bureau_address, self.bureau_phone, self.bureau_office_hours, self.bureau_website))


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
    seq: int  # position in the cluster's list of events, from 1
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
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

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
    area_km2: Decimal | None
    summary: str | None
    website: str | None
    note: str | None
    events: tuple[Event, ...]
    sources: tuple[Source, ...]
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def page(self) -> str:
        """The source path of the cluster's page (its URL: generator/publish/urls.py)."""
        return f"clusters/{self.id}.md"


@dataclass(frozen=True)
class NoticeEntry:
    seq: int  # position in the published list, from 1
    cluster: str | None
    name: str | None
    district: str | None
    note: str | None
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)


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
class Correction:
    """One entry of a notice's correction log (勘误): a stated field changed after publication."""

    seq: int
    date: dt.date
    field: str  # as the YAML writes it: title, objection.phone, entries
    old: str | None
    new: str | None
    reason: str
    origin: Origin = dataclasses.field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def flat_field(self) -> str:
        """The table field name (objection.phone -> objection_phone)."""
        return self.field.replace(".", "_")


@dataclass(frozen=True)
class Attachment:
    """A file under data/attachments/ that a notice or call carries, as the record lists it."""

    seq: int
    file: str
    title: str
    stage: str = "notice"  # notice: published with the record; outcome: with the notice's result
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)


@dataclass(frozen=True)
class AttachmentFile:
    """An accepted file under data/attachments/ (checked by generator.load.attachments): what is
    shown beside its link and listed in the data packages."""

    name: str  # file name under data/attachments/, also its name on the site
    extension: str
    type_label: str  # Chinese, e.g. "PDF 文档"
    media_type: str
    size: int  # bytes
    sha256: str  # hex, lowercase


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
    call: str | None  # the call (data/calls) the notice follows, when the site records it
    basis: str | None
    # 政府信息公开 metadata, as the original page states it (None: not stated)
    index_no: str | None
    topic: str | None
    written_on: dt.date | None
    doc_no: str | None
    validity: str | None
    objection: Objection
    outcome: Outcome
    entries: tuple[NoticeEntry, ...]
    attachments: tuple[Attachment, ...] = ()
    corrections: tuple[Correction, ...] = ()  # the correction log, oldest first
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def page(self) -> str:
        """The source path of the notice's page (its URL: generator/publish/urls.py)."""
        return f"notices/{self.id}.md"


@dataclass(frozen=True)
class CallContact:
    seq: int
    role: str | None
    unit: str | None
    person: str | None
    phone: str | None
    email: str | None
    address: str | None
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def reachable(self) -> bool:
        """The contact states a way to reach it (phone, email or address)."""
        return any((self.phone, self.email, self.address))


@dataclass(frozen=True)
class Call:
    """An annual call for applications (认定工作通知), as the issuing document states it."""

    id: str
    title: str
    level: str
    year: int
    issuer: str
    published_on: dt.date
    opens_on: dt.date | None
    deadline_on: dt.date | None
    deadline_time: dt.time | None
    district_deadline_on: dt.date | None
    submission: str | None
    url: str | None
    source_note: str | None
    basis: str | None
    index_no: str | None
    topic: str | None
    written_on: dt.date | None
    doc_no: str | None
    validity: str | None
    note: str | None
    materials: tuple[str, ...] = ()
    contacts: tuple[CallContact, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    corrections: tuple[Correction, ...] = ()
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def page(self) -> str:
        """The source path of the call's page (its URL: generator/publish/urls.py)."""
        return f"calls/{self.id}.md"


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
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def operator(self) -> str:
        """The comparison as this site reads it (本站做法, explained on the criteria page)."""
        return COMPARISON_OPERATORS[self.comparison]


COMPARISON_OPERATORS = {"高于": ">", "不低于": ">=", "不少于": ">=", "以上": ">=", "不超过": "<="}


@dataclass(frozen=True)
class Criterion:
    """One condition an applicant must meet (工作指引 3.2), in the guideline's own words: a yes/no
    item (`words`), or a quantified one whose number, comparison and words are the threshold `key`."""

    policy_id: str
    key: str
    clause: str
    kind: str  # "yesno" or "threshold"
    lead: str | None  # words the item shares with the others of its sentence, written before them
    words: str | None  # the item's own words (None for a threshold: the threshold's words)
    note: str | None  # the site's note on the item (what the text leaves open, how the site reads it)
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)


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
class StatedRule:
    """A rule of a policy's level as a later document states it (a list notice, 通告): credited to
    that document and applying only to the batch it states it for (data/policy/ stated_rules)."""

    rule: str  # validity | annual_report
    batch: int
    years: int | None
    valid_from: PartialDate | None
    valid_until: PartialDate | None
    due_month: int | None
    due_day: int | None
    recipient: str | None  # only when the document names one
    words: str | None  # the document's own words, when seen
    states: str | None  # what it states, in the site's words (the words not seen)
    title: str
    doc_no: str | None
    date: PartialDate | None
    url: str
    repost: bool
    note: str | None
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The document as a page names it: its 文号, else its title."""
        return self.doc_no or f"《{self.title}》"

    @property
    def citation(self) -> str:
        """ "工信部企业函〔2024〕267号《…通告》（转载页面，原文未核对）": the document, and what kind of copy."""
        copy = "转载页面，原文未核对" if self.repost else "原文"
        return f"{self.doc_no or ''}《{self.title}》（{copy}）"

    @property
    def stated_text(self) -> str:
        """What it states: “the words”, or the site's paraphrase marked as such."""
        if self.words:
            return f"“{self.words}”"
        return f"{self.states or ''}（原话未见，本站转述）"

    @property
    def report_rule(self) -> ReportRule | None:
        if self.rule != "annual_report" or self.due_month is None:
            return None
        return ReportRule(self.due_month, self.due_day, self.words, self.recipient, None)


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
    criteria: tuple[Criterion, ...]  # in the clauses' order; empty when the record lists none
    revocation_grounds: dict[str, str]  # clause -> text
    excerpts: dict[str, tuple[str, str]]  # key -> (clause, words): passages the pages quote
    excerpt_origins: tuple[Origin, ...] = field(compare=False, repr=False)
    clauses: dict[str, str]  # clause -> text, as the site quotes it
    # rules known only from later documents, each for one batch (the policy's own rules above apply to every batch)
    stated_rules: tuple[StatedRule, ...] = ()
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    def stated(self, rule: str, batch: int | None) -> StatedRule | None:
        """The rule (validity | annual_report) a document states for `batch` (None: no batch, or none states it)."""
        if batch is None:
            return None
        return next((s for s in self.stated_rules if s.rule == rule and s.batch == batch), None)

    def stated_batches(self, rule: str) -> tuple[int, ...]:
        """The batches some document states the rule for, in order."""
        return tuple(sorted({s.batch for s in self.stated_rules if s.rule == rule}))

    def clause_text(self, clause: str) -> str:
        return self.clauses.get(clause) or self.revocation_grounds[clause]

    @property
    def passages(self) -> dict[str, tuple[str, str]]:
        """Every passage a page may quote by key: (clause, words) of each excerpt and of each stated
        rule (validity, publicity, annual-report, target, in-force) the policy records with its clause."""
        found = dict(self.excerpts)
        stated: dict[str, tuple[str | None, str | None]] = {
            "in-force": (self.in_force.clause, self.in_force.words),
            "validity": (self.validity_years.clause, self.validity_years.words),
            "publicity": (self.publicity_working_days.clause, self.publicity_working_days.words),
            "target": (self.target.clause, self.target.words),
        }
        if self.annual_report is not None:
            stated["annual-report"] = (self.annual_report.clause, self.annual_report.words)
        for key, (clause, words) in stated.items():
            if clause and words:
                found.setdefault(key, (clause, words))
        return found

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
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

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


# The placeholders a statement of the site's (data/practice.yaml) may hold: {kind:argument} or
# {kind:argument|words}. quote/words/clause name a passage of the municipal guideline
# (Policy.passages); see names an entry of the practice page; page a page of the site
# ("criteria.md#reading"); value one of the numbers the site computes with; the others a state's name.
STATEMENT_TOKEN = re.compile(r"\{([a-z-]+):([^{}|]+)(?:\|([^{}]+))?\}")
STATEMENT_KINDS = {"reading": "本站读法", "practice": "本站做法"}


@dataclass(frozen=True)
class StatementPart:
    """A run of a statement: its own words (kind "text"), or a placeholder to fill in."""

    kind: str
    arg: str = ""
    text: str = ""


@dataclass(frozen=True)
class Statement:
    """A sentence the site says of its own: its reading of a clause, or its practice (data/practice.yaml)."""

    key: str
    kind: str  # reading | practice (STATEMENT_KINDS)
    section: str
    reads: tuple[tuple[str, str], ...]  # (policy id, clause) it reads
    term: str | None
    text: str
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def label(self) -> str:
        return STATEMENT_KINDS[self.kind]

    @property
    def parts(self) -> tuple[StatementPart, ...]:
        return statement_parts(self.text)

    @property
    def term_parts(self) -> tuple[StatementPart, ...]:
        return statement_parts(self.term or "")


# A folded YAML line joins with a space, which Chinese text does not use between its characters.
_FOLDED_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def statement_parts(text: str) -> tuple[StatementPart, ...]:
    """`text` split into its own words and its placeholders, in order (spaces between Chinese
    characters, and full-width punctuation left by folded lines removed: keep a fold away from a placeholder)."""
    text = _FOLDED_SPACE.sub("", text.strip())
    found: list[StatementPart] = []
    position = 0
    for match in STATEMENT_TOKEN.finditer(text):
        if match.start() > position:
            found.append(StatementPart("text", text=text[position : match.start()]))
        found.append(StatementPart(match.group(1), match.group(2), match.group(3) or ""))
        position = match.end()
    if position < len(text):
        found.append(StatementPart("text", text=text[position:]))
    return tuple(found)


@dataclass(frozen=True)
class PracticeSection:
    key: str
    title: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Practice:
    """The site's own readings and practice (data/practice.yaml): the practice page, section by
    section, and every statement another page repeats by its key."""

    title: str
    sections: tuple[PracticeSection, ...]
    all_statements: tuple[Statement, ...]  # in the file's order, one in an unknown section included
    origin: Origin = field(default=UNWRITTEN, compare=False, repr=False)

    @property
    def statements(self) -> dict[str, Statement]:
        return {s.key: s for s in self.all_statements}

    def statement(self, key: str) -> Statement:
        return self.statements[key]


@dataclass(frozen=True)
class Dataset:
    districts: dict[str, District]
    clusters: dict[str, Cluster]
    notices: dict[str, Notice]
    calls: dict[str, Call]
    site: Site | None
    calendar: WorkingCalendar
    policies: PolicySet
    attachments: dict[str, AttachmentFile] = field(default_factory=dict)  # accepted files by name
    practice: Practice | None = None  # the site's readings and practice (data/practice.yaml)
