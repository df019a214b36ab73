"""The standard layout of a record file: the order of its keys and the schema line it starts with.

One place for both the Decap CMS form (generator/editor/decap.py writes keys in form order) and the
normaliser (generator/editor/normalise.py restores this order after any editor): a record's own
schema fields in schema order, then its groups (nested mappings) and YAML lists in the order the
shipped records and the `clusters new` skeletons use (TRAILING_ORDER); inside a group or a list
item, the fields in schema order.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator import DATA_DIR, SCHEMAS_DIR
from generator.schema.kinds import SCHEMA_KINDS, RecordType
from generator.schema.package import SchemaSet

# The groups, YAML lists (and, for the calendar, one trailing field) that come after a record's own
# fields, in the order the record files keep them; any others follow in the record type's order.
TRAILING_ORDER: dict[str, tuple[str, ...]] = {
    "cluster": ("sources", "events"),
    "notice": ("objection", "entries", "attachments", "outcome"),
    "call": ("materials", "attachments", "contacts"),
    "policy": (
        "in_force",
        "validity",
        "publicity",
        "annual_report",
        "target",
        "thresholds",
        "excerpts",
        "clauses",
        "revocation_grounds",
    ),
    "calendar": ("sources", "holidays", "makeup_workdays", "notes"),
}
SCHEMA_LINE_PREFIX = "# yaml-language-server: $schema="


def record_keys(record_type: RecordType, schema_set: SchemaSet) -> list[str]:
    """The top-level keys of a record file, in the standard order."""
    specs = schema_set.schemas[record_type.resource]["fields"]
    trailing = TRAILING_ORDER.get(record_type.kind, ())
    own = [spec["name"] for spec in specs if record_type.group_of(spec["name"]) is None]
    nested = [*record_type.groups, *record_type.children]
    ordered = [name for name in own if name not in trailing]
    ordered += [name for name in trailing if name in own or name in nested]
    return ordered + [name for name in nested if name not in ordered]


def group_keys(record_type: RecordType, schema_set: SchemaSet, group: str) -> list[str]:
    """The keys of one nested mapping (objection: phone, email …), in schema order."""
    specs = schema_set.schemas[record_type.resource]["fields"]
    return [spec["name"] for spec in record_type.members(specs, group)]


def item_keys(record_type: RecordType, schema_set: SchemaSet, key: str) -> list[str]:
    """The keys of one item of a YAML list (events: type, level, date …), in schema order."""
    specs = schema_set.schemas[record_type.children[key]]["fields"]
    return [spec["name"] for spec in record_type.item_fields(specs)]


def schema_reference(record_type: RecordType) -> str:
    """The JSON Schema a record file names on its first line, relative to the file's folder, for a
    data folder beside schemas/ (as data/ is): ../../schemas/json/cluster.schema.json."""
    folder = DATA_DIR / Path(record_type.location).parent
    target = SCHEMAS_DIR / "json" / f"{SCHEMA_KINDS[record_type.kind]}.schema.json"
    return Path(os.path.relpath(target, folder)).as_posix()


def schema_line(record_type: RecordType) -> str:
    """The first line of every record file of this type (without its newline)."""
    return SCHEMA_LINE_PREFIX + schema_reference(record_type)
