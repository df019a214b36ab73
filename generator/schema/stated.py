"""A record's stated values, field by field, as its schema names them.

`record_row` is the one way back from a typed object (generator.domain.model) to a table row: the
open data (generator.publish.serialize), the pull-request summary and the correction check
(generator.load.corrections) all read a record through it; `stated` is a notice's or call's
statement as the correction log compares it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from generator.domain.model import Call, Notice, PartialDate
from generator.schema.kinds import RECORD_TYPE, RecordType
from generator.schema.package import SchemaSet

LIST_TITLES = {"entries": "公示名单", "materials": "申报材料", "contacts": "联系人", "attachments": "附件"}


# The way back: a typed object as a table row, field by field, for every output and the diff.


def record_row(
    record: object, specs: Iterable[Mapping[str, Any]], record_type: RecordType, **context: Any
) -> dict[str, Any]:
    """One row of a table: for every field of the schema, the typed value the domain object holds.

    A flattened group field (objection_phone) is read from the object's group (notice.objection.phone);
    `context` gives what the object does not hold itself (the parent's key of a child row)."""
    row: dict[str, Any] = {}
    for spec in specs:
        name = spec["name"]
        if name in context:
            row[name] = context[name]
            continue
        group = record_type.group_of(name)
        holder = getattr(record, group) if group else record
        row[name] = plain(getattr(holder, name[len(group) + 1 :] if group else name))
    return row


def plain(value: Any) -> Any:
    """A domain value as a table cell: a partial date as written (2024-05), a time as HH:MM."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def text(value: Any) -> str | None:
    """A stated value as the correction log writes it (None: empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stated_specs(kind: str, schema_set: SchemaSet) -> list[dict[str, Any]]:
    record_type = RECORD_TYPE[kind]
    return [
        spec
        for spec in schema_set.schemas[record_type.resource]["fields"]
        if spec["name"] != "id" and record_type.group_of(spec["name"]) != "outcome"
    ]


def stated_titles(kind: str, schema_set: SchemaSet) -> dict[str, str]:
    """The Chinese title of every field `stated` gives, in its order (a list by LIST_TITLES)."""
    titles = {spec["name"]: spec.get("title", spec["name"]) for spec in _stated_specs(kind, schema_set)}
    for key in RECORD_TYPE[kind].children:
        if key != "corrections":
            titles[key] = LIST_TITLES.get(key, key)
    return titles


def stated(record: Notice | Call, kind: str, schema_set: SchemaSet) -> dict[str, str | None]:
    """Every field a notice or call states, as text, by its table name; each list (the proposed list,
    a call's materials, contacts, attachments) as one field. A notice's result (outcome_*) is not its
    statement: it is recorded when the final list comes out."""
    record_type = RECORD_TYPE[kind]
    specs = _stated_specs(kind, schema_set)
    fields = {name: text(value) for name, value in record_row(record, specs, record_type).items()}
    for key, resource in record_type.children.items():
        if key == "corrections":
            continue
        items = getattr(record, key)
        if key == "materials":
            fields[key] = repr(list(items))
            continue
        item_specs = record_type.item_fields(schema_set.schemas[resource]["fields"])
        fields[key] = repr([record_row(item, item_specs, record_type) for item in items])
    return fields
