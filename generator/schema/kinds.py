"""What the record files are: their kinds, where they live, their groups and lists, the record-id pattern.

Shared by the stage that reads records (generator.load), the editors (generator.editor) and the
outputs (generator.publish); nothing here reads a file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


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
        return _group_of(self.groups, name)

    def item_fields(self, specs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The fields of a child row that its YAML list item writes (not the row's seq or parent key)."""
        return [spec for spec in specs if spec["name"] not in ("seq", self.parent_field)]

    def members(self, specs: Iterable[Mapping[str, Any]], group: str) -> list[dict[str, Any]]:
        """The field specs of one group, named as the YAML writes them (objection_phone -> phone)."""
        return [
            {**spec, "name": spec["name"][len(group) + 1 :]} for spec in specs if self.group_of(spec["name"]) == group
        ]


@functools.cache
def _group_of(groups: tuple[str, ...], name: str) -> str | None:
    # Asked for every field of every row while loading and writing: a few hundred distinct names.
    return next((group for group in groups if name.startswith(group + "_")), None)


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

# data/attachments/: the folder under data/, and the folder on the published site. An attachment is
# named by lowercase letters, digits and single hyphens, then one of these extensions (the types
# generator.load.attachments checks the content of).
ATTACHMENTS_DIR = "attachments"
ATTACHMENT_EXTENSIONS = ("pdf", "docx", "xlsx", "ofd", "jpg", "jpeg", "png")
ATTACHMENT_NAME = re.compile(RECORD_ID.pattern + r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")")


def published_path(name: str) -> str:
    """The stable path of an attachment on the site, relative to the site root."""
    if not ATTACHMENT_NAME.fullmatch(name):
        raise ValueError(f"not an attachment name: {name!r}")
    return f"{ATTACHMENTS_DIR}/{name}"
