"""The open data: CSV/JSON tables with their data package, one package per notice, the criteria.

Every row is written by the schema-driven serializer (generator.publish.serialize.record_row) from
the snapshot's typed objects; every derived value (status, window, published as of the day) is the
snapshot's. Paths relative to the site root are a public contract (docs/ARCHITECTURE.md lists them).

The files state their own time: every row with a time-dependent state carries the instant the
snapshot was taken at (`status_as_of`, `state_as_of`) and the instant that state holds until
(`status_until`, `state_until`, empty when it never changes as the records stand); the data
package's `created` is that instant and its descriptions say so.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generator.domain.calls import CALL_STATE_LABELS, CallFacts
from generator.domain.criteria import COMPARISON_READINGS, ELISION, Group, criteria_sheet, input_range, rule_text
from generator.domain.lifecycle import NOTICE_STATE_LABELS, STATUS_LABELS
from generator.domain.model import Notice
from generator.domain.results import FinalList
from generator.domain.snapshot import LEVEL_ORDER, ClusterFacts, NoticeFacts, Snapshot
from generator.publish.serialize import (
    CSV_TYPE,
    JSON_TYPE,
    ExportFile,
    csv_bytes,
    field_descriptor,
    json_bytes,
    json_cell,
    record_row,
    sha256,
)
from generator.publish.templates import clause_anchor
from generator.publish.urls import page_url
from generator.schema.kinds import RECORD_TYPE, published_path
from generator.schema.package import SchemaSet
from generator.schema.stated import stated


# Derived fields, defined once: the data package and the site's open-data page describe them.
def _page_field(what: str) -> dict[str, Any]:
    return {
        "name": "page",
        "title": "页面",
        "description": f"本站该{what}页面的网址，相对于网站根目录。",
        "type": "string",
        "constraints": {"required": True},
    }


def _state_field(title: str, labels: dict[str, str], meanings: dict[str, str]) -> dict[str, Any]:
    return {
        "name": "state",
        "title": title,
        "description": "在 state_as_of 所示时刻（北京时间）的状态，按时刻而不是按日期计算："
        + "；".join(f"{code} {label}（{meanings[code]}）" for code, label in labels.items())
        + "。该状态保持到 state_until 所示时刻。",
        "type": "string",
        "constraints": {"required": True, "enum": list(labels)},
    }


def _as_of_field(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": f"{what}计算时刻",
        "description": f"{what}按这一时刻（北京时间，+08:00）计算：本次导出所依据的时刻，同一次导出的每个文件、每一行都相同。",
        "type": "datetime",
        "constraints": {"required": True},
    }


def _until_field(name: str, state: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": f"{what}保持至",
        "description": f"{state} 保持到这一时刻（北京时间，+08:00）之前，从这一时刻起变为另一{what}（按现有记录计算，"
        "记录更新后可能不同）；为空表示按现有记录不会再变。网站在这些时刻重新生成。",
        "type": "datetime",
    }


CLUSTER_DERIVED_FIELDS: tuple[dict[str, Any], ...] = (
    {"name": "district_name", "title": "所在区名称", "description": "由区划代码查得的区名。", "type": "string"},
    {
        "name": "levels",
        "title": "认定级别（全部）",
        "description": "集群获得的全部认定级别，按国家级（national）、省级（provincial）、市级（municipal）排列，"
        "以英文逗号分隔；JSON 文件中为数组。",
        "type": "string",
        "constraints": {"pattern": "(national|provincial|municipal)(,(national|provincial|municipal))*"},
    },
    {
        "name": "highest_level",
        "title": "最高认定级别",
        "description": "national 国家级；provincial 省级；municipal 市级；没有认定记录时为空。",
        "type": "string",
        "constraints": {"enum": list(LEVEL_ORDER)},
    },
    {
        "name": "status",
        "title": "状态代码",
        "description": "在 status_as_of 所示时刻（北京时间）的状态："
        + "；".join(f"{code} {label}" for code, label in STATUS_LABELS.items())
        + "。公示中（in_publicity）只在列入该集群的公示处于公示期时出现，公示期到异议截止时刻（见 notices.csv 的 closes_at）为止；"
        "其他状态按日期计算，在生效当天 00:00 改变。该状态保持到 status_until 所示时刻。",
        "type": "string",
        "constraints": {"required": True, "enum": list(STATUS_LABELS)},
    },
    {
        "name": "status_label",
        "title": "状态",
        "description": "状态代码的中文名称。",
        "type": "string",
        "constraints": {"required": True, "enum": list(STATUS_LABELS.values())},
    },
    {
        "name": "valid_until",
        "title": "有效期止",
        "description": "决定状态的那项认定的有效期最后一天；来源只写到年或月时为年、月或一段日期；无法确定时为空。",
        "type": "string",
    },
    _as_of_field("status_as_of", "状态"),
    _until_field("status_until", "status", "状态"),
    _page_field("集群"),
)
NOTICE_DERIVED_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "first_day",
        "title": "公示期第一天",
        "description": "发布日（或公示载明的开始日）为工作日时即该日，否则为其后第一个工作日，是本站读法"
        "（本站读法与做法 practice/#publicity-count；指引 3.3.2 只写“公示期为7个工作日”）；工作日历未收录相关年份时为空。",
        "type": "date",
    },
    {
        "name": "last_day",
        "title": "公示期最后一天",
        "description": "从第一天起数满公示期工作日数的那一天。",
        "type": "date",
    },
    {
        "name": "closes_at",
        "title": "异议截止时刻",
        "description": "异议受理截止的时刻（北京时间，+08:00）：最后一天 24:00（即次日 00:00），或公示载明的更早截止时刻。",
        "type": "datetime",
    },
    _state_field(
        "公示状态",
        NOTICE_STATE_LABELS,
        {
            "upcoming": "公示期第一天 00:00 之前",
            "open": "第一天 00:00 起，至 closes_at 所示异议截止时刻之前；最后一天载明 17:30 截止的，17:30 起即不再是公示中",
            "closed": "异议截止时刻起",
            "unknown": "工作日历未收录相关年份，或公示期的工作日数无从确定",
        },
    ),
    _as_of_field("state_as_of", "公示状态"),
    _until_field("state_until", "state", "公示状态"),
    _page_field("公示"),
)
CALL_DERIVED_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "closes_at",
        "title": "申报截止时刻",
        "description": "申报截止的时刻（北京时间，+08:00）：通知载明的截止时刻，没有载明时刻时为截止日 24:00（即次日 00:00）；"
        "通知没有载明截止日时为空。",
        "type": "datetime",
    },
    _state_field(
        "申报状态",
        CALL_STATE_LABELS,
        {
            "upcoming": "申报开始日（未载明时为发布日）00:00 之前",
            "open": "开始日 00:00 起，至 closes_at 所示申报截止时刻之前",
            "closed": "申报截止时刻起",
            "followed": "通知未载明截止日期，依据它的公示已经发布",
            "unknown": "通知未载明截止日期",
        },
    ),
    _as_of_field("state_as_of", "申报状态"),
    _until_field("state_until", "state", "申报状态"),
    _page_field("通知"),
)


ATTACHMENT_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "record_kind",
        "title": "所属记录类型",
        "description": "notice 公示；call 申报通知。",
        "type": "string",
        "constraints": {"required": True, "enum": ["notice", "call"]},
    },
    {"name": "record_id", "title": "所属记录标识", "type": "string", "constraints": {"required": True}},
    {
        "name": "seq",
        "title": "序号",
        "description": "在所属记录附件列表中的位置，从 1 起。",
        "type": "integer",
        "constraints": {"required": True},
    },
    {
        "name": "title",
        "title": "附件名称",
        "description": "照录原文的附件名称。",
        "type": "string",
        "constraints": {"required": True},
    },
    {
        "name": "stage",
        "title": "所属环节",
        "description": "notice 随公示或通知发布；outcome 随公示结果发布。",
        "type": "string",
        "constraints": {"required": True, "enum": ["notice", "outcome"]},
    },
    {
        "name": "path",
        "title": "文件地址",
        "description": "附件在本站的地址，相对于网站根目录（attachments/<文件名>），地址固定不变。",
        "type": "string",
        "constraints": {"required": True},
    },
    {
        "name": "mediatype",
        "title": "文件类型",
        "description": "按文件内容（文件头）核对过的媒体类型。",
        "type": "string",
        "constraints": {"required": True},
    },
    {"name": "bytes", "title": "字节数", "type": "integer", "constraints": {"required": True, "minimum": 0}},
    {
        "name": "sha256",
        "title": "SHA-256",
        "description": "文件内容的 SHA-256 校验值（十六进制）。",
        "type": "string",
        "constraints": {"required": True, "pattern": "[0-9a-f]{64}"},
    },
)


def attachment_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """One row per attachment the records published by the day carry (a result file once the result is out)."""
    rows = []
    for kind, record_id, attachment in snapshot.attachments:
        meta = snapshot.attachment_files.get(attachment.file)
        if meta is not None:  # an invalid dataset is never published; this keeps the type checker honest
            rows.append(
                {
                    "record_kind": kind,
                    "record_id": record_id,
                    "seq": attachment.seq,
                    "title": attachment.title,
                    "stage": attachment.stage,
                    "path": published_path(attachment.file),
                    "mediatype": meta.media_type,
                    "bytes": meta.size,
                    "sha256": meta.sha256,
                }
            )
    return rows


def _call_row(view: CallFacts, schema_set: SchemaSet, at: dt.datetime) -> dict[str, Any]:
    call = view.call
    row = record_row(call, schema_set.schemas["calls"]["fields"], RECORD_TYPE["call"])
    row.update(
        closes_at=view.closes_at,
        state=view.state,
        state_as_of=at,
        state_until=view.state_until,
        page=page_url(call.page),
    )
    return row


def _cluster_row(view: ClusterFacts, schema_set: SchemaSet, at: dt.datetime) -> dict[str, Any]:
    cluster = view.cluster
    row = record_row(cluster, schema_set.schemas["clusters"]["fields"], RECORD_TYPE["cluster"])
    row.update(
        district_name=view.district.name if view.district else None,
        levels=view.levels or None,
        highest_level=view.level,
        status=view.status.code,
        status_label=view.status.label,
        valid_until=view.valid_until.label if view.valid_until else None,
        status_as_of=at,
        status_until=view.status_until,
        page=page_url(cluster.page),
    )
    return row


def _notice_row(view: NoticeFacts, schema_set: SchemaSet, at: dt.datetime) -> dict[str, Any]:
    notice = view.notice
    row = record_row(notice, schema_set.schemas["notices"]["fields"], RECORD_TYPE["notice"])
    window = view.window
    row.update(
        first_day=window.first_day if window else None,
        last_day=window.last_day if window else None,
        closes_at=window.closes_at if window else None,
        state=view.state,
        state_as_of=at,
        state_until=view.state_until,
        page=page_url(notice.page),
    )
    return row


def _event_rows(clusters: list[ClusterFacts], schema_set: SchemaSet) -> list[dict[str, Any]]:
    specs = schema_set.schemas["events"]["fields"]
    rows = []
    for view in clusters:
        for event in view.cluster.events:
            # As of the day (the snapshot's events): a notice not yet published is not named.
            rows.append(record_row(event, specs, RECORD_TYPE["cluster"], cluster_id=view.cluster.id))
    return rows


@dataclass(frozen=True)
class _Table:
    """One open-data table: its resource name, file, Table Schema fields, rows and words."""

    name: str
    file_name: str
    fields: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    title: str
    description: str
    extras: dict[str, Any]  # primaryKey, foreignKeys

    @property
    def names(self) -> list[str]:
        return [spec["name"] for spec in self.fields]


def tables(
    schema_set: SchemaSet,
    clusters: list[ClusterFacts],
    notices: list[NoticeFacts],
    at: dt.datetime,
    base: str | None,
    calls: Sequence[CallFacts] = (),
    attachments: Sequence[dict[str, Any]] = (),
) -> list[ExportFile]:
    """The open-data tables as CSV, clusters and notices also as JSON, and the data package that
    describes them all, as of `at`."""
    as_of = (
        f"状态按 {at.isoformat()}（北京时间）这一时刻计算；每行的状态保持到其 *_until 字段所示时刻，"
        "网站在这些时刻重新生成。"
    )
    csvs = _csv_tables(schema_set, clusters, notices, at, calls, attachments, as_of)
    by_name = {table.name: table for table in csvs}
    titles = schema_set.titles
    jsons = [
        (
            by_name["clusters"],
            f"{titles['clusters']}（JSON）",
            "与 clusters.csv 相同的行，数字、是/否值和认定级别列表使用 JSON 类型。",
        ),
        (by_name["notices"], f"{titles['notices']}（JSON）", "与 notices.csv 相同的行，数字使用 JSON 类型。"),
    ]
    files: list[ExportFile] = []
    resources: list[dict[str, Any]] = []
    for table in csvs:
        content = csv_bytes(table.names, table.rows)
        files.append(ExportFile(f"data/{table.file_name}", content, CSV_TYPE, table.title, table.description))
        resources.append(
            _resource(table.name, table.file_name, "csv", CSV_TYPE, content, table.title, table.description)
            | {"schema": {"fields": table.fields, **table.extras}}
        )
    for table, title, description in jsons:
        file_name = f"{table.name}.json"
        content = json_bytes([{name: json_cell(row.get(name)) for name in table.names} for row in table.rows])
        files.append(ExportFile(f"data/{file_name}", content, JSON_TYPE, title, description))
        resources.append(_resource(f"{table.name}-json", file_name, "json", JSON_TYPE, content, title, description))
    files.append(_package_file(schema_set, resources, notices, at, base, as_of))
    return sorted(files, key=lambda f: _TABLE_ORDER.index(f.path))


def _csv_tables(
    schema_set: SchemaSet,
    clusters: list[ClusterFacts],
    notices: list[NoticeFacts],
    at: dt.datetime,
    calls: Sequence[CallFacts],
    attachments: Sequence[dict[str, Any]],
    as_of: str,
) -> list[_Table]:
    """The five tables: each record kind's fields from its schema, plus the derived fields it publishes."""

    def fields(kind: str, derived: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        return [field_descriptor(spec) for spec in [*schema_set.schemas[kind]["fields"], *derived]]

    titles = schema_set.titles
    return [
        _Table(
            "clusters",
            "clusters.csv",
            fields("clusters", CLUSTER_DERIVED_FIELDS),
            [_cluster_row(view, schema_set, at) for view in clusters],
            titles["clusters"],
            "每个集群一行：记录中的字段，加上所在区名称、认定级别、状态与有效期等派生字段。" + as_of,
            {"primaryKey": ["id"]},
        ),
        _Table(
            "events",
            "events.csv",
            fields("events"),
            _event_rows(clusters, schema_set),
            titles["events"],
            "集群的认定、复核、撤销、变更报备与年度报告事件，与记录文件一致。",
            {
                "primaryKey": ["cluster_id", "seq"],
                "foreignKeys": [
                    {"fields": ["cluster_id"], "reference": {"resource": "clusters", "fields": ["id"]}},
                    {"fields": ["notice"], "reference": {"resource": "notices", "fields": ["id"]}},
                ],
            },
        ),
        _Table(
            "notices",
            "notices.csv",
            fields("notices", NOTICE_DERIVED_FIELDS),
            [_notice_row(view, schema_set, at) for view in notices],
            titles["notices"],
            "每次公示一行：记录中的字段（异议受理方式与公示结果展开为 objection_*、outcome_*），"
            "加上按工作日历计算的公示期与异议截止时刻，以及公示状态。" + as_of,
            {"primaryKey": ["id"]},
        ),
        _Table(
            "calls",
            "calls.csv",
            fields("calls", CALL_DERIVED_FIELDS),
            [_call_row(view, schema_set, at) for view in calls],
            titles["calls"],
            "每份申报通知一行：记录中的字段，加上申报截止时刻与申报状态。" + as_of,
            {"primaryKey": ["id"]},
        ),
        _Table(
            "attachments",
            "attachments.csv",
            [field_descriptor(spec) for spec in ATTACHMENT_FIELDS],
            list(attachments),
            "附件",
            "已发布的公示和申报通知所带的附件，每个引用一行：文件地址、按文件内容核对过的类型、字节数与 SHA-256。",
            {"primaryKey": ["record_kind", "record_id", "seq"]},
        ),
    ]


def _resource(
    name: str, file_name: str, file_format: str, mediatype: str, content: bytes, title: str, description: str
) -> dict[str, Any]:
    """A data package resource for one published file, with its size and SHA-256."""
    return {
        "name": name,
        "title": title,
        "description": description,
        "path": file_name,
        "format": file_format,
        "mediatype": mediatype,
        "encoding": "utf-8",
        "bytes": len(content),
        "hash": sha256(content),
    }


def _package_file(
    schema_set: SchemaSet,
    resources: list[dict[str, Any]],
    notices: list[NoticeFacts],
    at: dt.datetime,
    base: str | None,
    as_of: str,
) -> ExportFile:
    """datapackage.json: the package's own words from schemas/datapackage.yaml, its sources and resources."""
    package = schema_set.package
    descriptor: dict[str, Any] = {
        "name": package["name"],
        "title": package["title"],
        "description": package["description"] + as_of,
        "created": at.isoformat(),  # the instant the states are computed at (the snapshot's)
        "licenses": copy.deepcopy(package["licenses"]),
        "sources": _package_sources(notices, base),
    }
    if base:
        descriptor["homepage"] = base
    descriptor["resources"] = resources
    return ExportFile(
        "data/datapackage.json",
        json_bytes(descriptor),
        JSON_TYPE,
        "数据包说明（datapackage.json）",
        "Frictionless 数据包描述：各数据文件的字段、类型、约束、许可、来源、字节数与 SHA-256 校验值。",
    )


_TABLE_ORDER = [
    "data/clusters.csv",
    "data/clusters.json",
    "data/events.csv",
    "data/notices.csv",
    "data/notices.json",
    "data/calls.csv",
    "data/attachments.csv",
    "data/datapackage.json",
]


def _package_sources(notices: list[NoticeFacts], base: str | None) -> list[dict[str, str]]:
    records = {"title": "本站 data/ 目录中的 YAML 记录（每条记录注明其来源网址）"}
    if base:
        records["path"] = base
    sources = [records]
    for notice in (facts.notice for facts in notices):
        if notice.url:
            sources.append({"title": notice.title, "path": notice.url})
        if notice.outcome.final_url:
            sources.append({"title": f"{notice.title}：正式名单", "path": notice.outcome.final_url})
    return sources


def notice_package(
    view: NoticeFacts, schema_set: SchemaSet, result: FinalList | None, attachments: Sequence[dict[str, Any]] = ()
) -> list[ExportFile]:
    notice = view.notice
    folder = f"data/notices/{notice.id}"
    specs = schema_set.schemas["notice_entries"]["fields"]
    rows = [record_row(entry, specs, RECORD_TYPE["notice"], notice_id=notice.id) for entry in notice.entries]
    entries = csv_bytes([spec["name"] for spec in specs], rows)
    published = f"{notice.issuer}于 {notice.published_on.isoformat()} 发布"
    files = [
        ExportFile(
            f"{folder}/entries.csv",
            entries,
            CSV_TYPE,
            f"公示名单：{notice.title}",
            f"{published}的公示名单原样（拟认定名单），每个条目一行。",
        )
    ]
    resources: list[dict[str, Any]] = [
        {
            "name": "entries",
            "title": "公示名单",
            "description": "公示时发布的名单，按原文顺序；未建档的候选集群只有名称。",
            "path": "entries.csv",
            "format": "csv",
            "mediatype": CSV_TYPE,
            "encoding": "utf-8",
            "bytes": len(entries),
            "hash": sha256(entries),
            "schema": {"fields": [field_descriptor(spec) for spec in specs], "primaryKey": ["notice_id", "seq"]},
        }
    ]
    if result is not None:
        diff = json_bytes(result.as_json())
        description = (
            "正式名单与公示名单的差异：added 为公示名单之外新增认定的集群，removed 为公示名单中未获认定的条目，"
            "changed 为名称或所在区与公示时不同的集群，unchanged 为一致的集群。条目按集群标识比较，未建档的条目按名称比较。"
            "recognised 为本站记录中由本次公示认定的全部集群；本站未转录公示名单时 compared 为 false，不做对照，"
            "以上四项为空。"
        )
        files.append(
            ExportFile(
                f"{folder}/final-diff.json", diff, JSON_TYPE, f"正式名单与公示名单的差异：{notice.title}", description
            )
        )
        resources.append(
            {
                "name": "final-diff",
                "title": "正式名单与公示名单的差异",
                "description": description,
                "path": "final-diff.json",
                "format": "json",
                "mediatype": JSON_TYPE,
                "encoding": "utf-8",
                "bytes": len(diff),
                "hash": sha256(diff),
            }
        )
    sources = [{"title": notice.title, "path": notice.url}] if notice.url else [{"title": notice.title}]
    if notice.outcome.final_url:
        sources.append({"title": f"{notice.title}：正式名单", "path": notice.outcome.final_url})
    descriptor = {
        "name": f"notice-{notice.id}",
        "title": notice.title,
        "description": f"{published}。" + view.window_sentence,
        "licenses": copy.deepcopy(schema_set.package["licenses"]),
        "sources": sources,
        "resources": resources,
        # The files the notice carries as published by the day, each with its type, size and SHA-256
        # (`path` relative to the site's root); the files themselves are at those stable paths.
        "attachments": [
            {key: row[key] for key in ("seq", "title", "stage", "path", "mediatype", "bytes", "sha256")}
            for row in attachments
            if row["record_kind"] == "notice" and row["record_id"] == notice.id
        ],
        # Every published version of the notice's record: as first published, then after each
        # correction (勘误) in force by the day; `sha256` digests the version's canonical JSON (VERSION_FORM).
        "versions": notice_versions(notice, schema_set),
    }
    files.append(
        ExportFile(
            f"{folder}/datapackage.json",
            json_bytes(descriptor),
            JSON_TYPE,
            f"公示数据包：{notice.title}",
            "该公示名单的数据包描述，含各文件的字节数与 SHA-256 校验值。",
        )
    )
    return files


VERSION_FORM = (
    "UTF-8 JSON of the record's stated fields (the table names of schemas/notices.schema.yaml and "
    "each list (`entries`, `attachments`) as one field, values as text, null when empty), keys sorted, no whitespace"
)


def canonical(stated_fields: dict[str, str | None]) -> bytes:
    return json.dumps(stated_fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def notice_versions(notice: Notice, schema_set: SchemaSet) -> list[dict[str, Any]]:
    """Each published version, oldest first: the first from the original values the corrections
    name, then one after every correction; each with its date, what changed and its SHA-256."""
    states = [stated(notice, "notice", schema_set)]
    for correction in reversed(notice.corrections):
        earlier = dict(states[0])
        earlier[correction.flat_field] = correction.old
        states.insert(0, earlier)
    versions = [{"date": notice.published_on.isoformat(), "change": "发布", "sha256": sha256(canonical(states[0]))}]
    for correction, state in zip(notice.corrections, states[1:], strict=True):
        versions.append(
            {
                "date": correction.date.isoformat(),
                "change": f"勘误：{correction.field}",
                "sha256": sha256(canonical(state)),
            }
        )
    return versions


def criteria_file(snapshot: Snapshot) -> ExportFile:
    """The criteria of the municipal guideline the site explains (generator.domain.criteria), for the
    self-check form (site_src/javascripts/self-check.js, which holds no criterion of its own) and for
    reuse: the words, clauses, thresholds and comparisons the criteria page prints."""
    sheet = criteria_sheet(snapshot.rules)
    policy = sheet.policy

    def number(value: Decimal | None) -> Any:
        return None if value is None else json_cell(value)

    data = {
        "policy": policy.id,
        "title": policy.title,
        "short_title": policy.short_title,
        "clause": sheet.clause,
        "clause_text": policy.clauses.get(sheet.clause) if sheet.clause else None,
        "elision": ELISION,
        "sections": [
            {
                "clause": section.clause,
                "anchor": clause_anchor(section.clause),
                "heading": section.heading,
                "entries": [
                    {"group": entry.key} if isinstance(entry, Group) else {"criterion": entry.key}
                    for entry in section.entries
                ],
            }
            for section in sheet.sections
        ],
        "criteria": [
            {
                "key": item.key,
                "clause": item.clause,
                "kind": item.kind,
                "quote": list(item.quote),
                "text": item.text,
                "label": item.label,
                "threshold": item.threshold.key if item.threshold else None,
                "group": item.group,
                "note": item.note,
            }
            for item in sheet.items
        ],
        "groups": [
            {"key": group.key, "clause": group.clause, "members": [item.key for item in group.members]}
            for group in sheet.groups
        ],
        "thresholds": [
            {
                "key": t.key,
                "clause": t.clause,
                "subject": t.subject,
                "comparison": t.comparison,
                "operator": t.operator,
                "value": json_cell(t.value),
                "unit": t.unit,
                "words": t.words,
                "group": t.group,
                "rule": rule_text(t),
                "input": {
                    "min": number(limits.minimum),
                    "max": number(limits.maximum),
                    "integer": limits.integer,
                },
            }
            for t in policy.thresholds
            for limits in (input_range(t),)
        ],
        "comparisons": [
            {
                "comparison": reading.words,
                "operator": reading.operator,
                "symbol": reading.symbol,
                "includes_value": reading.includes_value,
                "site_reading": reading.site_reading,
            }
            for reading in COMPARISON_READINGS
        ],
        "notes": [{"number": note.number, "criterion": note.key, "text": note.text} for note in sheet.notes],
    }
    return ExportFile(
        "data/criteria.json",
        json_bytes(data),
        JSON_TYPE,
        "认定条件（JSON）",
        f"《{policy.short_title}》所列认定条件：每项的条款与原文、是／否项与量化指标（比较方式、数值与单位），"
        "以及本站对比较用语的读法；认定条件页和自检表都由这份数据生成。",
    )
