"""Flatten record documents into table rows, checking their shape against the schemas' field names.

A record type says where its files live, which Frictionless resource its top level becomes,
which YAML lists become child resources and which nested mappings are flattened with a prefix.
Field names come only from the schemas, so a key the schema does not name is reported (with a
likely correction) instead of silently vanishing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.load.yamlread import Document, Path_, kind_name
from generator.problems import Problem, problem


@dataclass(frozen=True)
class RecordType:
    kind: str
    location: str  # "clusters/*.yaml" for one record per file, or "site.yaml" for a single file
    resource: str  # the resource the top-level mapping becomes
    key: str | None = None  # top-level field identifying the record; equals the file stem
    children: Mapping[str, str] = field(default_factory=dict)  # YAML list key -> child resource
    groups: tuple[str, ...] = ()  # nested mappings flattened as <group>_<key>
    parent_field: str | None = None  # child field that holds the record's key

    @property
    def one_per_file(self) -> bool:
        return "*" in self.location

    def group_of(self, name: str) -> str | None:
        """The nested mapping a flat field name belongs to (objection_phone -> objection), or None."""
        return next((group for group in self.groups if name.startswith(group + "_")), None)

    def item_fields(self, specs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The fields of a child row that its YAML list item writes (not the row's seq or parent key)."""
        return [spec for spec in specs if spec["name"] not in ("seq", self.parent_field)]

    def members(self, specs: Iterable[Mapping[str, Any]], group: str) -> list[dict[str, Any]]:
        """The field specs of one group, named as the YAML writes them (objection_phone -> phone)."""
        return [
            {**spec, "name": spec["name"][len(group) + 1 :]} for spec in specs if self.group_of(spec["name"]) == group
        ]


RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType("gazetteer", "districts.yaml", "gazetteer", children={"districts": "districts"}),
    RecordType("site", "site.yaml", "site", groups=("editor",)),
    RecordType(
        "practice",
        "practice.yaml",
        "practice",
        children={"sections": "practice_sections", "statements": "practice_statements"},
    ),
    RecordType(
        "calendar",
        "calendar/*.yaml",
        "calendar_years",
        key="year",
        children={
            "holidays": "calendar_holidays",
            "makeup_workdays": "calendar_makeup_days",
            "sources": "calendar_sources",
        },
        parent_field="year",
    ),
    RecordType(
        "policy",
        "policy/*.yaml",
        "policies",
        key="id",
        children={
            "thresholds": "policy_thresholds",
            "criteria": "policy_criteria",
            "revocation_grounds": "policy_revocation_grounds",
            "excerpts": "policy_excerpts",
            "clauses": "policy_clauses",
            "stated_rules": "policy_stated_rules",
        },
        groups=("in_force", "validity", "publicity", "annual_report", "target"),
        parent_field="policy_id",
    ),
    RecordType(
        "cluster",
        "clusters/*.yaml",
        "clusters",
        key="id",
        children={"events": "events", "sources": "cluster_sources"},
        parent_field="cluster_id",
    ),
    RecordType(
        "notice",
        "notices/*.yaml",
        "notices",
        key="id",
        children={
            "entries": "notice_entries",
            "attachments": "notice_attachments",
            "corrections": "notice_corrections",
        },
        groups=("objection", "outcome"),
        parent_field="notice_id",
    ),
    RecordType(
        "call",
        "calls/*.yaml",
        "calls",
        key="id",
        children={
            "materials": "call_materials",
            "contacts": "call_contacts",
            "attachments": "call_attachments",
            "corrections": "call_corrections",
        },
        parent_field="call_id",
    ),
)


# What each record file is, for editors (JSON Schema, Decap CMS) and the open-data page:
# kind -> (name of its JSON Schema, Chinese title, what one file holds).
SCHEMA_KINDS = {
    "policy": "policy",
    "cluster": "cluster",
    "notice": "notice",
    "call": "call",
    "calendar": "calendar",
    "gazetteer": "districts",
    "site": "site",
    "practice": "practice",
}
SCHEMA_DOCS = {
    "policy": (
        "政策记录",
        "data/policy/<政策标识>.yaml：一份政策文件（工作指引或办法）的规则，每个数值注明条款与原文。",
    ),
    "cluster": (
        "集群记录",
        "data/clusters/<集群标识>.yaml：一个集群、它的事件（认定、复核、撤销、变更、年度报告）和信息来源。",
    ),
    "notice": ("公示记录", "data/notices/<公示标识>.yaml：一次公示、异议受理方式、公示结果和公示名单。"),
    "call": (
        "申报通知记录",
        "data/calls/<通知标识>.yaml：一份年度认定（申报）工作通知：申报时间、截止日期、申报材料、附件和联系人。",
    ),
    "calendar": ("工作日历", "data/calendar/<年份>.yaml：一年的国务院节假日安排（放假时段与调休上班日）。"),
    "districts": ("广州市辖区", "data/districts.yaml：广州市各区的区划代码及其来源。"),
    "site": ("网站信息", "data/site.yaml：网站名称、主办单位、联系方式和备案信息。"),
    "practice": (
        "本站读法与做法",
        "data/practice.yaml：网站自己对条款的读法和为算出日期、状态而采用的做法，每条注明类别和所读条款。",
    ),
}
GROUP_TITLES = {
    "objection": "异议受理",
    "outcome": "公示结果",
    "in_force": "施行与有效期",
    "validity": "认定有效期",
    "publicity": "公示期",
    "annual_report": "年度报告",
    "target": "认定数量",
    "editor": "记录编辑后台",
}

# A record identifier (and the stem of its file): the one pattern, also in the schemas' `id` fields.
RECORD_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# The key of a statement or section of data/practice.yaml: an anchor of the practice page, which may
# carry a state's code ("status-in_publicity"); and the clauses a statement reads ("guangzhou-2024 4.1").
ANCHOR_KEY = re.compile(r"[a-z0-9]+([-_][a-z0-9]+)*")
CLAUSE_REFS = re.compile(RECORD_ID.pattern + r" [0-9]+(\.[0-9]+)*(, " + RECORD_ID.pattern + r" [0-9]+(\.[0-9]+)*)*")

RECORD_TYPE = {record_type.kind: record_type for record_type in RECORD_TYPES}


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
