"""Type the validated rows into domain objects (generator.domain.model), once.

Every cell is converted by its field's Table Schema type (integer -> int, number -> Decimal,
boolean -> bool, date -> datetime.date, array -> tuple; empty -> None) in one place, `cells`; the
few text fields with a richer meaning (a date stated to the year or month, a time of day) are
parsed here too. After this stage nothing reads the text as written: pages, exports and the diff
read the typed objects, and a row stays attached only as an object's `origin`, to locate problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from generator.domain.calendar import WorkingCalendar, YearArrangement
from generator.domain.model import (
    Attachment,
    Call,
    CallContact,
    Cluster,
    Correction,
    Criterion,
    Dataset,
    District,
    Event,
    Notice,
    NoticeEntry,
    Objection,
    Outcome,
    PartialDate,
    Policy,
    PolicySet,
    Practice,
    PracticeSection,
    ReportRule,
    Site,
    Source,
    Stated,
    StatedRule,
    Statement,
    Threshold,
)
from generator.load.records import Row, Tables
from generator.schema.kinds import RECORD_TYPE, RecordType
from generator.schema.package import SchemaSet

Cells = dict[str, Any]


def cell(value: Any, spec: dict[str, Any]) -> Any:
    """A cell as loaded (text) as a Python value of its Table Schema type; None when empty."""
    if value is None or value in ("", []):
        return None
    kind = spec.get("type", "string")
    if kind == "integer":
        return int(str(value).strip())
    if kind == "number":
        return Decimal(str(value).strip())
    if kind == "boolean":
        return str(value) in spec.get("trueValues", ["true"])
    if kind == "date":
        return dt.date.fromisoformat(str(value))
    if kind == "array":
        return tuple(value)
    return value


def _field_kinds(resource: str, schema_set: SchemaSet) -> list[tuple[str, dict[str, Any], bool]]:
    """Each field of `resource`: its name, its spec and whether it is text (kept as written)."""
    return [
        (spec["name"], spec, spec.get("type", "string") == "string") for spec in schema_set.schemas[resource]["fields"]
    ]


def _typed_cells(row: Row, fields: list[tuple[str, dict[str, Any], bool]]) -> Cells:
    values = row.values
    typed: Cells = {}
    for name, spec, text in fields:
        value = values.get(name)
        typed[name] = value if text and value != "" else cell(value, spec)  # text: as written, "" -> None
    return typed


def _partial(value: str | None) -> PartialDate | None:
    return PartialDate.parse(value) if value is not None else None


def _group(values: Cells, record_type: RecordType, group: str) -> Cells:
    """The members of a flattened group (objection_phone -> phone)."""
    return {name[len(group) + 1 :]: value for name, value in values.items() if record_type.group_of(name) == group}


def build_dataset(tables: Tables, bad_files: set[str], schema_set: SchemaSet) -> Dataset:
    """The domain objects of every file without errors."""
    typed = _TypedRows(tables, bad_files, schema_set)
    site_rows = typed.rows("site")
    practice_rows = typed.rows("practice")
    return Dataset(
        districts={
            values["code"]: District(**{name: value for name, value in values.items() if name != "seq"}, origin=row)
            for row, values in typed.rows("districts")
        },
        clusters=_clusters(typed),
        notices=_notices(typed),
        calls=_calls(typed),
        site=Site(site_rows[0][1], site_rows[0][0]) if site_rows else None,
        calendar=WorkingCalendar(YearArrangement.from_mapping(row.doc.data) for row, _ in typed.rows("calendar_years")),
        policies=PolicySet(_policies(typed)),
        practice=(
            _practice(*practice_rows[0], typed.rows("practice_sections"), typed.rows("practice_statements"))
            if practice_rows
            else None
        ),
    )


class _TypedRows:
    """The rows of files without errors, each with its cells converted by the schema's types."""

    def __init__(self, tables: Tables, bad_files: set[str], schema_set: SchemaSet):
        self.tables, self.bad_files, self.schema_set = tables, bad_files, schema_set

    def rows(self, resource: str) -> list[tuple[Row, Cells]]:
        fields = _field_kinds(resource, self.schema_set)
        return [(row, _typed_cells(row, fields)) for row in self.tables[resource] if row.doc.path not in self.bad_files]

    def children(self, resource: str, parent_field: str) -> dict[str, list[tuple[Row, Cells]]]:
        """A child table's rows grouped by their parent's id."""
        grouped: dict[str, list[tuple[Row, Cells]]] = {}
        for row, values in self.rows(resource):
            grouped.setdefault(values[parent_field], []).append((row, values))
        return grouped


def _clusters(typed: _TypedRows) -> dict[str, Cluster]:
    events = typed.children("events", "cluster_id")
    sources = typed.children("cluster_sources", "cluster_id")
    return {
        values["id"]: Cluster(
            **values,
            events=tuple(_event(r, v) for r, v in events.get(values["id"], [])),
            sources=tuple(_source(v) for _, v in sources.get(values["id"], [])),
            origin=row,
        )
        for row, values in typed.rows("clusters")
    }


def _notices(typed: _TypedRows) -> dict[str, Notice]:
    notice_type = RECORD_TYPE["notice"]
    entries = typed.children("notice_entries", "notice_id")
    corrections = typed.children("notice_corrections", "notice_id")
    notice_attachments = typed.children("notice_attachments", "notice_id")
    notices = {}
    for row, values in typed.rows("notices"):
        nid = values["id"]
        own = {name: value for name, value in values.items() if notice_type.group_of(name) is None}
        cutoff = own.pop("cutoff_time")
        notices[nid] = Notice(
            **own,
            cutoff_time=dt.time.fromisoformat(cutoff) if cutoff else None,
            objection=Objection(**_group(values, notice_type, "objection")),
            outcome=Outcome(**_group(values, notice_type, "outcome")),
            entries=tuple(
                NoticeEntry(
                    seq=v["seq"], cluster=v["cluster"], name=v["name"], district=v["district"], note=v["note"], origin=r
                )
                for r, v in entries.get(nid, [])
            ),
            attachments=_attachments(notice_attachments.get(nid, [])),
            corrections=_corrections(corrections.get(nid, []), "notice_id"),
            origin=row,
        )
    return notices


def _calls(typed: _TypedRows) -> dict[str, Call]:
    materials, contacts, attachments, corrections = (
        typed.children(resource, "call_id")
        for resource in ("call_materials", "call_contacts", "call_attachments", "call_corrections")
    )
    calls = {}
    for row, values in typed.rows("calls"):
        call_id = values["id"]
        deadline_time = values.pop("deadline_time")
        calls[call_id] = Call(
            **values,
            deadline_time=dt.time.fromisoformat(deadline_time) if deadline_time else None,
            materials=tuple(v["item"] for _, v in materials.get(call_id, [])),
            contacts=tuple(
                CallContact(**{name: value for name, value in v.items() if name != "call_id"}, origin=r)
                for r, v in contacts.get(call_id, [])
            ),
            attachments=_attachments(attachments.get(call_id, [])),
            corrections=_corrections(corrections.get(call_id, []), "call_id"),
            origin=row,
        )
    return calls


def _policies(typed: _TypedRows) -> Iterator[Policy]:
    children = {
        resource: typed.children(resource, "policy_id")
        for resource in (
            "policy_thresholds",
            "policy_criteria",
            "policy_revocation_grounds",
            "policy_excerpts",
            "policy_clauses",
            "policy_stated_rules",
        )
    }
    return (_policy(row, values, children) for row, values in typed.rows("policies"))


def _practice(
    row: Row, values: Cells, sections: list[tuple[Row, Cells]], statements: list[tuple[Row, Cells]]
) -> Practice:
    """The practice page's sections in their order, each with its statements in theirs."""

    def statement(origin: Row, v: Cells) -> Statement:
        reads = tuple(
            (policy, clause)
            for policy, _, clause in (ref.partition(" ") for ref in (v["reads"] or "").split(", ") if ref)
        )
        return Statement(v["key"], v["kind"], v["section"], reads, v["term"], v["text"], origin=origin)

    every = tuple(statement(r, v) for r, v in statements)
    return Practice(
        values["title"],
        tuple(
            PracticeSection(v["key"], v["title"], tuple(s for s in every if s.section == v["key"])) for _, v in sections
        ),
        every,
        origin=row,
    )


def _attachments(rows: list[tuple[Row, Cells]]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(seq=v["seq"], file=v["file"], title=v["title"], stage=v.get("stage") or "notice", origin=r)
        for r, v in rows
    )


def _corrections(rows: list[tuple[Row, Cells]], parent_field: str) -> tuple[Correction, ...]:
    return tuple(
        Correction(**{name: value for name, value in v.items() if name != parent_field}, origin=r) for r, v in rows
    )


def _source(values: Cells) -> Source:
    return Source(
        url=values["url"],
        title=values["title"],
        publisher=values["publisher"],
        published_on=_partial(values["published_on"]),
        states=values["states"],
        official=bool(values["official"]),
        repost=bool(values["repost"]),
    )


def _event(row: Row, values: Cells) -> Event:
    partial_dates = ("date", "valid_from", "valid_until")
    rest = {name: value for name, value in values.items() if name not in partial_dates and name != "cluster_id"}
    return Event(
        **rest,
        date=_partial(values["date"]),
        valid_from=_partial(values["valid_from"]),
        valid_until=_partial(values["valid_until"]),
        origin=row,
    )


def _stated(values: Cells, group: str, value: Any) -> Stated:
    """A policy value with the clause and words its group states (in_force, validity, …)."""
    return Stated(value, values[f"{group}_clause"], values[f"{group}_words"])


ChildRows = dict[str, dict[str, list[tuple[Row, Cells]]]]


def _policy(row: Row, values: Cells, policy_children: ChildRows) -> Policy:
    pid = values["id"]

    def children(resource: str) -> list[tuple[Row, Cells]]:
        return policy_children[resource].get(pid, [])

    threshold: Callable[[Row, Cells], Threshold] = lambda r, v: Threshold(  # noqa: E731
        pid, v["key"], v["clause"], v["subject"], v["comparison"], v["value"], v["unit"], v["words"], v["group"], r
    )
    due_month = values["annual_report_due_month"]
    until = values["in_force_until"]
    return Policy(
        id=pid,
        level=values["level"],
        title=values["title"],
        short_title=values["short_title"],
        issuer=values["issuer"],
        issued_on=_partial(values["issued_on"]),
        doc_no=values["doc_no"],
        source_url=values["source_url"],
        source_verified=bool(values["source_verified"]),
        source_note=values["source_note"],
        in_force_from=PartialDate.parse(values["in_force_from"]),
        in_force_until=until,
        in_force=_stated(values, "in_force", until),
        validity_years=_stated(values, "validity", values["validity_years"]),
        publicity_working_days=_stated(values, "publicity", values["publicity_working_days"]),
        annual_report=ReportRule(
            due_month,
            values["annual_report_due_day"],
            values["annual_report_words"],
            values["annual_report_recipient"],
            values["annual_report_clause"],
        )
        if due_month is not None
        else None,
        target=_stated(values, "target", values["target_count"]),
        thresholds=tuple(threshold(r, v) for r, v in children("policy_thresholds")),
        criteria=tuple(
            Criterion(pid, v["key"], v["clause"], v["kind"], v["lead"], v["words"], v["note"], r)
            for r, v in children("policy_criteria")
        ),
        revocation_grounds={v["clause"]: v["text"] for _, v in children("policy_revocation_grounds")},
        excerpts={v["key"]: (v["clause"], v["words"]) for _, v in children("policy_excerpts")},
        excerpt_origins=tuple(r for r, _ in children("policy_excerpts")),
        clauses={v["clause"]: v["text"] for _, v in children("policy_clauses")},
        stated_rules=tuple(_stated_rule(r, v) for r, v in children("policy_stated_rules")),
        origin=row,
    )


def _stated_rule(row: Row, values: Cells) -> StatedRule:
    partial_dates = ("valid_from", "valid_until", "date")
    rest = {name: value for name, value in values.items() if name not in (*partial_dates, "policy_id", "seq", "repost")}
    return StatedRule(
        **rest,
        valid_from=_partial(values["valid_from"]),
        valid_until=_partial(values["valid_until"]),
        date=_partial(values["date"]),
        repost=bool(values["repost"]),
        origin=row,
    )
