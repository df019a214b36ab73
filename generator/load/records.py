"""Flatten record documents into table rows, checking their shape against the schemas' field names.

A record type says where its files live, which Frictionless resource its top level becomes,
which YAML lists become child resources and which nested mappings are flattened with a prefix.
Field names come only from the schemas, so a key the schema does not name is reported (with a
likely correction) instead of silently vanishing.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.load.yamlread import Document, Path_, kind_name
from generator.problems import Problem, problem
from generator.schema.kinds import RecordType


@dataclass
class Row:
    """One table row and where each of its cells came from."""

    values: dict[str, Any]
    doc: Document
    base: Path_  # YAML path of the mapping this row was made from
    record_type: RecordType

    def field_path(self, name: str) -> Path_:
        if name in ("seq", self.record_type.parent_field) and self.base:
            return self.base
        group = None if self.base else self.record_type.group_of(name)
        if group is not None:
            return self.base + (group, name[len(group) + 1 :])
        return self.base + (name,)

    def position(self, name: str) -> tuple[int, int]:
        return self.doc.position(self.field_path(name))

    def located(self, name: str) -> tuple[str, int, int]:
        """(path, line, column) of a field, for building problems."""
        return (self.doc.path, *self.position(name))


Tables = dict[str, list[Row]]


def flatten(
    doc: Document, record_type: RecordType, fields: Mapping[str, Mapping[str, str]], tables: Tables
) -> list[Problem]:
    """Append `doc`'s rows to `tables`; `fields` maps resource -> field name -> field type."""
    problems: list[Problem] = []
    root_fields = fields[record_type.resource]
    values: dict[str, Any] = dict.fromkeys(root_fields)
    allowed = [name for name in root_fields if record_type.group_of(name) is None]
    allowed += list(record_type.groups) + list(record_type.children)
    child_lists: list[tuple[str, list[Any]]] = []
    for key, value in doc.data.items():
        path: Path_ = (key,)
        if key in record_type.children:
            items = _as_list(doc, path, key, value, problems)
            child_lists.append((key, items))
        elif key in record_type.groups:
            if value is None:
                continue
            if not isinstance(value, dict):
                problems.append(
                    problem(
                        "expected-mapping", doc.path, *doc.position(path), what=f"字段 “{key}” ", kind=kind_name(value)
                    )
                )
                continue
            group_fields = {n[len(key) + 1 :]: n for n in root_fields if record_type.group_of(n) == key}
            for sub, sub_value in value.items():
                if sub not in group_fields:
                    problems.append(_unknown(doc, path + (sub,), sub, list(group_fields)))
                else:
                    values[group_fields[sub]] = _cell(
                        doc, path + (sub,), sub, sub_value, root_fields[group_fields[sub]], problems
                    )
        elif key in root_fields and record_type.group_of(key) is None:
            values[key] = _cell(doc, path, key, value, root_fields[key], problems)
        else:
            problems.append(_unknown(doc, path, key, allowed))
    tables[record_type.resource].append(Row(values, doc, (), record_type))
    parent_value = values.get(record_type.key) if record_type.key else None
    for key, items in child_lists:
        resource = record_type.children[key]
        child_fields = fields[resource]
        own = [spec["name"] for spec in record_type.item_fields({"name": n} for n in child_fields)]
        for index, item in enumerate(items):
            base: Path_ = (key, index)
            if not isinstance(item, dict):
                problems.append(
                    problem(
                        "expected-mapping",
                        doc.path,
                        *doc.position(base),
                        what=f"“{key}” 的第 {index + 1} 项",
                        kind=kind_name(item),
                    )
                )
                continue
            row_values: dict[str, Any] = dict.fromkeys(child_fields)
            row_values["seq"] = str(index + 1)
            if record_type.parent_field:
                row_values[record_type.parent_field] = parent_value
            for sub, sub_value in item.items():
                if sub in own:
                    row_values[sub] = _cell(doc, base + (sub,), sub, sub_value, child_fields[sub], problems)
                else:
                    problems.append(_unknown(doc, base + (sub,), sub, own))
            tables[resource].append(Row(row_values, doc, base, record_type))
    return problems


def _as_list(doc: Document, path: Path_, key: str, value: Any, problems: list[Problem]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(problem("expected-list", doc.path, *doc.position(path), key=key, kind=kind_name(value)))
        return []
    return value


def _cell(doc: Document, path: Path_, key: str, value: Any, field_type: str, problems: list[Problem]) -> Any:
    if field_type == "array":
        items = _as_list(doc, path, key, value, problems)
        for index, item in enumerate(items):
            if isinstance(item, (dict, list)):
                problems.append(
                    problem(
                        "expected-scalar",
                        doc.path,
                        *doc.position(path + (index,)),
                        key=f"{key}[{index + 1}]",
                        kind=kind_name(item),
                    )
                )
                return None
        return items or None
    if isinstance(value, (dict, list)):
        problems.append(problem("expected-scalar", doc.path, *doc.position(path), key=key, kind=kind_name(value)))
        return None
    return value


def _unknown(doc: Document, path: Path_, key: str, allowed: list[str]) -> Problem:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"，是否应为 “{close[0]}”？" if close else f"。可用字段：{'、'.join(allowed)}"
    return problem("unknown-key", doc.path, *doc.key_position(path), key=key, hint=hint)
