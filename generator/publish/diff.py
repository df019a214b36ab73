"""Compare two datasets in domain terms: what a change does to the public record.

Pure: takes two as-of snapshots of the same day (base and head) and the schemas (for field
titles), and returns a RecordDiff that the `clusters diff` command renders as Markdown for a pull
request's summary. Getting the two datasets (git revisions or folders) is the CLI's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.domain.model import EVENT_TYPE_NAMES, LEVEL_NAMES, Call, Dataset, Event, Notice
from generator.domain.snapshot import take_snapshot
from generator.publish.serialize import record_row
from generator.publish.templates import render
from generator.schema.kinds import RECORD_TYPE
from generator.schema.package import SchemaSet


@dataclass(frozen=True)
class FieldChange:
    title: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RecordChange:
    id: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    added_items: tuple[str, ...] = ()  # events or list entries added, described
    removed_items: tuple[str, ...] = ()


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
    clusters_changed: list[RecordChange] = field(default_factory=list)
    notices_added: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (id, title, published_on)
    notices_removed: list[tuple[str, str]] = field(default_factory=list)
    notices_changed: list[RecordChange] = field(default_factory=list)
    calls_added: list[tuple[str, str, dt.date]] = field(default_factory=list)  # (id, title, published_on)
    calls_removed: list[tuple[str, str]] = field(default_factory=list)
    calls_changed: list[RecordChange] = field(default_factory=list)
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


def _field_changes(
    before: dict[str, Any], after: dict[str, Any], titles: dict[str, str], skip: tuple[str, ...] = ()
) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(titles.get(name, name), before.get(name), after.get(name))
        for name in titles
        if name not in skip and (before.get(name) or None) != (after.get(name) or None)
    )


def _record_changes(old: object, new: object, kind: str, schema_set: SchemaSet) -> tuple[FieldChange, ...]:
    """The stated fields of a record that differ, by the one serializer (record_row)."""
    record_type = RECORD_TYPE[kind]
    specs = schema_set.schemas[record_type.resource]["fields"]
    titles = {f["name"]: f.get("title", f["name"]) for f in specs}
    return _field_changes(record_row(old, specs, record_type), record_row(new, specs, record_type), titles)


def _list_changes(before: list[str], after: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    added = [item for item in after if item not in before]
    removed = [item for item in before if item not in after]
    return tuple(added), tuple(removed)


def _added_and_removed(
    base: Mapping[str, Notice | Call], head: Mapping[str, Notice | Call]
) -> tuple[list[tuple[str, str, dt.date]], list[tuple[str, str]]]:
    """Notices or calls added (id, title, published_on) and removed (id, title), by id."""
    added = [(rid, head[rid].title, head[rid].published_on) for rid in sorted(head.keys() - base.keys())]
    removed = [(rid, base[rid].title) for rid in sorted(base.keys() - head.keys())]
    return added, removed


def _labelled(label: str, before: list[str], after: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    added, removed = _list_changes(before, after)
    return tuple(f"{label} {item}" for item in added), tuple(f"{label} {item}" for item in removed)


def _attachment_changes(old: Notice | Call, new: Notice | Call) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _labelled("附件", [a.file for a in old.attachments], [a.file for a in new.attachments])


def compare(base: Dataset, head: Dataset, at: dt.datetime, schema_set: SchemaSet) -> RecordDiff:
    """What changes in the public record when `base` becomes `head`: the records themselves
    (including those scheduled for a later day), and the statuses their snapshots give at `at`."""
    base_snapshot, head_snapshot = take_snapshot(base, at), take_snapshot(head, at)
    today = head_snapshot.day
    diff = RecordDiff(today)
    for cid in sorted(head.clusters.keys() - base.clusters.keys()):
        diff.clusters_added.append((cid, head.clusters[cid].name))
    for cid in sorted(base.clusters.keys() - head.clusters.keys()):
        diff.clusters_removed.append((cid, base.clusters[cid].name))
    for cid in sorted(base.clusters.keys() & head.clusters.keys()):
        old, new = base.clusters[cid], head.clusters[cid]
        fields = _record_changes(old, new, "cluster", schema_set)
        added, removed = _list_changes([describe_event(e) for e in old.events], [describe_event(e) for e in new.events])
        sources_added, sources_removed = _list_changes([s.url for s in old.sources], [s.url for s in new.sources])
        added += tuple(f"来源 {url}" for url in sources_added)
        removed += tuple(f"来源 {url}" for url in sources_removed)
        if fields or added or removed:
            diff.clusters_changed.append(RecordChange(cid, new.name, fields, added, removed))
    diff.notices_added, diff.notices_removed = _added_and_removed(base.notices, head.notices)
    for nid in sorted(base.notices.keys() & head.notices.keys()):
        old_notice, new_notice = base.notices[nid], head.notices[nid]
        fields = _record_changes(old_notice, new_notice, "notice", schema_set)
        added, removed = _labelled(
            "名单条目",
            [e.cluster or e.name or "" for e in old_notice.entries],
            [e.cluster or e.name or "" for e in new_notice.entries],
        )
        files_added, files_removed = _attachment_changes(old_notice, new_notice)
        if fields or added or removed or files_added or files_removed:
            diff.notices_changed.append(
                RecordChange(nid, new_notice.title, fields, added + files_added, removed + files_removed)
            )
    diff.calls_added, diff.calls_removed = _added_and_removed(base.calls, head.calls)
    for cid in sorted(base.calls.keys() & head.calls.keys()):
        old_call, new_call = base.calls[cid], head.calls[cid]
        fields = _record_changes(old_call, new_call, "call", schema_set)
        added, removed = _labelled("申报材料", list(old_call.materials), list(new_call.materials))
        files_added, files_removed = _attachment_changes(old_call, new_call)
        added += files_added + (("联系人有变化",) if old_call.contacts != new_call.contacts else ())
        removed += files_removed
        if fields or added or removed:
            diff.calls_changed.append(RecordChange(cid, new_call.title, fields, added, removed))
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
