"""Two states of the record compared, with one vocabulary of changes.

A record's state (`RecordState`) is its fields by name and its lists (events, entries, sources …)
as sequences of items. Comparing two states says what a reader would call the change:

- a record added, removed or changed (`RecordChange`, matched by id);
- of a changed record, each field whose value changed (`FieldChange`, before and after, with the
  title a reader knows the field by);
- of each of its lists, each item added, removed or changed (`ItemChange`). Items are matched in
  order by the longest run of equal items (difflib): an item replaced in place is changed, one
  without a counterpart added or removed.

An empty value (None, "", an empty list or mapping) states nothing: empty before and empty after
is no change. The one engine behind the change log (generator.load.history: two versions of a
record file), the correction check (generator.load.corrections: a published notice or call before
and after a pull request) and `clusters diff` (generator.publish.diff: two datasets). Pure: the
callers make the states (from YAML rows or typed objects) and pass the titles.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


@dataclass(frozen=True)
class RecordState:
    """What one record states: its fields by name, and its lists of items (each item hashable)."""

    fields: Mapping[str, Any]
    lists: Mapping[str, Sequence[Hashable]] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldChange:
    name: str  # the field's table name (objection_phone)
    title: str  # what a reader calls it (the schema's Chinese title)
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    action: str  # ADDED | CHANGED | REMOVED
    key: str  # the list (events)
    before: Any = None  # the item before (None when added)
    after: Any = None  # the item after (None when removed)


@dataclass(frozen=True)
class RecordChange:
    action: str  # ADDED | CHANGED | REMOVED
    id: str
    fields: tuple[FieldChange, ...] = ()  # a changed record: its fields that changed, in the titles' order
    items: tuple[ItemChange, ...] = ()  # a changed record: its list items that changed, list by list

    def items_of(self, key: str) -> tuple[ItemChange, ...]:
        return tuple(item for item in self.items if item.key == key)

    def tally(self, key: str) -> tuple[int, int, int]:
        """How many items of one list were added, changed and removed."""
        actions = [item.action for item in self.items_of(key)]
        return actions.count(ADDED), actions.count(CHANGED), actions.count(REMOVED)


def is_empty(value: Any) -> bool:
    """A value that states nothing."""
    return value is None or (isinstance(value, str | list | tuple | dict) and not value)


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], titles: Mapping[str, str]
) -> tuple[FieldChange, ...]:
    """The fields named by `titles` (in its order) whose value differs; an empty value states nothing."""
    changes = []
    for name, title in titles.items():
        old, new = before.get(name), after.get(name)
        if (is_empty(old) and is_empty(new)) or old == new:
            continue
        changes.append(FieldChange(name, title, old, new))
    return tuple(changes)


def item_changes(key: str, before: Sequence[Hashable], after: Sequence[Hashable]) -> tuple[ItemChange, ...]:
    """The items of one list added, changed and removed, in the list's order."""
    changes: list[ItemChange] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        old, new = before[old_start:old_end], after[new_start:new_end]
        if operation == "equal":
            continue
        paired = min(len(old), len(new)) if operation == "replace" else 0
        changes += [ItemChange(CHANGED, key, old[i], new[i]) for i in range(paired)]
        changes += [ItemChange(REMOVED, key, before=item) for item in old[paired:]]
        changes += [ItemChange(ADDED, key, after=item) for item in new[paired:]]
    return tuple(changes)


def compare_record(record_id: str, before: RecordState, after: RecordState, titles: Mapping[str, str]) -> RecordChange:
    """One record in two states: its changed fields (those `titles` names) and list items. The
    change is CHANGED even when nothing differs (then `fields` and `items` are empty)."""
    items: list[ItemChange] = []
    for key in dict.fromkeys([*before.lists, *after.lists]):
        items += item_changes(key, before.lists.get(key, ()), after.lists.get(key, ()))
    return RecordChange(CHANGED, record_id, field_changes(before.fields, after.fields, titles), tuple(items))


def compare_records(
    before: Mapping[str, RecordState], after: Mapping[str, RecordState], titles: Mapping[str, str]
) -> list[RecordChange]:
    """Records by id in two states: each added, removed, or changed (only when something differs), by id."""
    changes = []
    for record_id in sorted(before.keys() | after.keys()):
        if record_id not in before:
            changes.append(RecordChange(ADDED, record_id))
        elif record_id not in after:
            changes.append(RecordChange(REMOVED, record_id))
        else:
            change = compare_record(record_id, before[record_id], after[record_id], titles)
            if change.fields or change.items:
                changes.append(change)
    return changes
