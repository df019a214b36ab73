"""Compare two datasets in domain terms: what a change does to the public record.

Pure: takes two as-of snapshots of the same day (base and head) and the schemas (for field
titles), and returns a RecordDiff that the `clusters diff` command renders as Markdown for a pull
request's summary. Getting the two datasets (git revisions or folders) is the CLI's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.domain.changes import ADDED, REMOVED, FieldChange, RecordChange, RecordState, compare_records
from generator.domain.model import EVENT_TYPE_NAMES, LEVEL_NAMES, Call, Cluster, Dataset, Event, Notice
from generator.domain.snapshot import take_snapshot
from generator.publish.serialize import record_row
from generator.publish.templates import render
from generator.schema.kinds import RECORD_TYPE
from generator.schema.package import SchemaSet


@dataclass(frozen=True)
class ChangedRecord:
    """A changed record as the pull-request summary lists it: the comparison's change, named."""

    change: RecordChange
    name: str  # the cluster's name, the notice's or call's title

    @property
    def id(self) -> str:
        return self.change.id

    @property
    def fields(self) -> tuple[FieldChange, ...]:
        return self.change.fields

    @property
    def added_items(self) -> tuple[str, ...]:
        """Items added (and the new version of each item changed in place), described."""
        described = tuple(
            str(item.after) for item in self.change.items if item.action != REMOVED and item.key != CONTACTS
        )
        return described + ((CONTACTS_CHANGED,) if self.change.items_of(CONTACTS) else ())

    @property
    def removed_items(self) -> tuple[str, ...]:
        """Items removed (and the old version of each item changed in place), described."""
        return tuple(str(item.before) for item in self.change.items if item.action != ADDED and item.key != CONTACTS)


@dataclass(frozen=True)
class StatusChange:
    id: str
    name: str
    before: str
    after: str


@dataclass
class RecordDiff:
    today: dt.date
    clusters_added: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    clusters_removed: list[tuple[str, str]] = field(default_factory=list)
    clusters_changed: list[ChangedRecord] = field(default_factory=list)
    notices_added: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (id, title, published_on)
    notices_removed: list[tuple[str, str]] = field(default_factory=list)
    notices_changed: list[ChangedRecord] = field(default_factory=list)
    calls_added: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (id, title, published_on)
    calls_removed: list[tuple[str, str]] = field(default_factory=list)
    calls_changed: list[ChangedRecord] = field(default_factory=list)
    attachments_added: list[str] = field(default_factory=list)  # file names
    attachments_removed: list[str] = field(default_factory=list)
    attachments_changed: list[str] = field(default_factory=list)  # same name, other content (SHA-256)
    statuses: list[StatusChange] = field(default_factory=list)
    calendar_years_added: list[int] = field(default_factory=list)
    calendar_years_removed: list[int] = field(default_factory=list)
    calendar_years_changed: list[int] = field(default_factory=list)
    other_changes: list[str] = field(default_factory=list)  # districts, site

    @property
    def empty(self) -> bool:
        return not any(value for name, value in vars(self).items() if name != "today")


def describe_event(event: Event) -> str:
    parts = [str(event.date) if event.date else "日期未载明", EVENT_TYPE_NAMES[event.type]]
    if event.level:
        parts.append(LEVEL_NAMES[event.level])
    if event.reason:
        parts.append(f"指引 {event.reason}")
    if event.year:
        parts.append(f"{event.year} 年度")
    return " ".join(parts)


CONTACTS = "contacts"  # a call's contacts are not described one by one: only that they changed
CONTACTS_CHANGED = "联系人有变化"


def _cluster_state(cluster: Cluster, fields: dict[str, Any]) -> RecordState:
    return RecordState(
        fields,
        {
            "events": [describe_event(e) for e in cluster.events],
            "sources": [f"来源 {s.url}" for s in cluster.sources],
        },
    )


def _notice_state(notice: Notice, fields: dict[str, Any]) -> RecordState:
    return RecordState(
        fields,
        {
            "entries": [f"名单条目 {e.cluster or e.name or ''}" for e in notice.entries],
            "attachments": [f"附件 {a.file}" for a in notice.attachments],
        },
    )


def _call_state(call: Call, fields: dict[str, Any]) -> RecordState:
    return RecordState(
        fields,
        {
            "materials": [f"申报材料 {m}" for m in call.materials],
            "attachments": [f"附件 {a.file}" for a in call.attachments],
            CONTACTS: [repr(contact) for contact in call.contacts],
        },
    )


def _states(
    records: Mapping[str, Any], kind: str, schema_set: SchemaSet, state: Callable[[Any, dict[str, Any]], RecordState]
) -> dict[str, RecordState]:
    """Each record's stated fields (by the one serializer, record_row) and its lists, described."""
    record_type = RECORD_TYPE[kind]
    specs = schema_set.schemas[record_type.resource]["fields"]
    return {rid: state(record, record_row(record, specs, record_type)) for rid, record in records.items()}


def _records(
    kind: str,
    base: Mapping[str, Any],
    head: Mapping[str, Any],
    schema_set: SchemaSet,
    state: Callable[[Any, dict[str, Any]], RecordState],
) -> list[RecordChange]:
    specs = schema_set.schemas[RECORD_TYPE[kind].resource]["fields"]
    titles = {spec["name"]: spec.get("title", spec["name"]) for spec in specs}
    return compare_records(_states(base, kind, schema_set, state), _states(head, kind, schema_set, state), titles)


def compare(base: Dataset, head: Dataset, at: dt.datetime, schema_set: SchemaSet) -> RecordDiff:
    """What changes in the public record when `base` becomes `head`: the records themselves
    (including those scheduled for a later day), and the statuses their snapshots give at `at`."""
    base_snapshot, head_snapshot = take_snapshot(base, at), take_snapshot(head, at)
    today = head_snapshot.day
    diff = RecordDiff(today)
    for change in _records("cluster", base.clusters, head.clusters, schema_set, _cluster_state):
        if change.action == ADDED:
            diff.clusters_added.append((change.id, head.clusters[change.id].name))
        elif change.action == REMOVED:
            diff.clusters_removed.append((change.id, base.clusters[change.id].name))
        else:
            diff.clusters_changed.append(ChangedRecord(change, head.clusters[change.id].name))
    for kind, old_records, new_records, added, removed, changed, state in (
        (
            "notice",
            base.notices,
            head.notices,
            diff.notices_added,
            diff.notices_removed,
            diff.notices_changed,
            _notice_state,
        ),
        ("call", base.calls, head.calls, diff.calls_added, diff.calls_removed, diff.calls_changed, _call_state),
    ):
        for change in _records(kind, old_records, new_records, schema_set, state):
            if change.action == ADDED:
                added.append((change.id, new_records[change.id].title, new_records[change.id].published_on))
            elif change.action == REMOVED:
                removed.append((change.id, old_records[change.id].title))
            else:
                changed.append(ChangedRecord(change, new_records[change.id].title))
    old_files, new_files = base.attachments, head.attachments
    diff.attachments_added = sorted(new_files.keys() - old_files.keys())
    diff.attachments_removed = sorted(old_files.keys() - new_files.keys())
    diff.attachments_changed = sorted(
        name for name in old_files.keys() & new_files.keys() if old_files[name].sha256 != new_files[name].sha256
    )
    before = {facts.cluster.id: facts.status for facts in base_snapshot.clusters}
    for facts in sorted(head_snapshot.clusters, key=lambda f: f.cluster.id):
        old_status = before.get(facts.cluster.id)
        if old_status is None or old_status.code != facts.status.code:
            if old_status is not None:
                was = old_status.label
            else:
                was = "（新增）" if facts.cluster.id not in base.clusters else "（未发布）"
            diff.statuses.append(StatusChange(facts.cluster.id, facts.cluster.name, was, facts.status.label))
    old_years = {a.year: a for a in base.calendar.arrangements}
    new_years = {a.year: a for a in head.calendar.arrangements}
    diff.calendar_years_added = sorted(new_years.keys() - old_years.keys())
    diff.calendar_years_removed = sorted(old_years.keys() - new_years.keys())
    diff.calendar_years_changed = sorted(y for y in old_years.keys() & new_years.keys() if old_years[y] != new_years[y])
    if base.districts != head.districts:
        diff.other_changes.append("广州市辖区列表（data/districts.yaml）有变化")
    if (base.site.values if base.site else None) != (head.site.values if head.site else None):
        diff.other_changes.append("网站信息（data/site.yaml）有变化")
    return diff


def render_markdown(diff: RecordDiff, base_label: str, head_label: str) -> str:
    """The change as a pull-request comment (plain Markdown; every value escaped, see templates)."""
    return render("diff.md.j2", diff=diff, base=base_label, head=head_label)
