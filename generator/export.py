"""Publish the records as open data: CSV/JSON tables, data packages, an Atom feed, an iCalendar file and JSON Schemas.

`build_exports(snapshot, schema_set, base_url)` is a pure function: no clock, no file I/O,
and the same inputs give the same bytes. Every derived value (status, window, deadline, the
records published as of the day) comes from the as-of snapshot (generator.snapshot), never
recomputed here; the snapshot's day also gives the data package's `created` and the calendar's
DTSTAMP.

Outputs (paths relative to the site root are a public contract):

- data/clusters.csv, data/clusters.json: one row per cluster, the record's fields plus derived
  ones (CLUSTER_DERIVED_FIELDS).
- data/events.csv: the `events` table as recorded.
- data/notices.csv, data/notices.json: one row per notice plus its window (NOTICE_DERIVED_FIELDS).
- data/datapackage.json: a Frictionless Data Package describing the three CSV tables (typed by
  the Table Schemas of schemas/, plus the derived fields) and, as non-tabular resources, the two
  JSON copies. Every resource carries `bytes` and `hash` ("sha256:<hex>"). The JSON copies hold
  the same rows with JSON types (numbers, booleans, `levels` as an array) and are not described
  by a Table Schema.
- data/notices/<id>/entries.csv and datapackage.json for every notice: the proposed list as
  published. When the notice is closed and a cluster's certified/renewed event names it,
  data/notices/<id>/final-diff.json compares that list with the clusters recognised from it and
  is listed in the same package. These packages carry no `created`, so their bytes change only
  when the records do.
- feeds/notices.atom: notices published, final lists and cluster events dated on or before
  today, newest first, with tag: URIs built from record ids and what each event is (type, date,
  level), never from its position or the build. `updated` is the day at 00:00 Asia/Shanghai (the
  first day of a date stated only to the month or year); an event without a date is left out.
- calendar/deadlines.ics: the snapshot's deadlines. An objection deadline is a timed event on its
  last day, from 00:00 to the stated cut-off (or 24:00), TZID Asia/Shanghai with a VTIMEZONE;
  annual report due dates, exact validity ends and the guideline's last day are all-day events
  on their own day. Each has a UID built from record ids and the kind of deadline; DTSTAMP is the
  snapshot's day 00:00 Asia/Shanghai.
- schemas/<kind>.schema.json for kind in cluster, notice, calendar, districts, site: JSON Schema
  (draft 2020-12) of one YAML record file, for editor autocompletion.

CSV files are UTF-8 with a byte order mark (Excel then reads Chinese correctly), a header row
and CRLF line ends (RFC 4180). The packages declare `encoding: utf-8`, the standard (IANA) name;
Frictionless recognises the BOM of a file declared UTF-8 and reads it as utf-8-sig (tested).

JSON Schema type mapping (yaml-language-server reads YAML 1.2, where unquoted 2025-02-20 and
17:30 are strings, 7 an integer, 12.5 a number, true a boolean; the project's loader reads every
scalar as text, so the quoted forms are valid records too):

- string  -> "string" (pattern anchored ^(?:…)$, maxLength, minLength, enum, format email);
  a required string also gets minLength 1, because an empty value counts as missing, and an
  optional one's pattern also accepts "" for the same reason. An unquoted 2023 or 440112 is an
  integer to the editor and is flagged although the loader would read it as text: records quote
  such values (as data/ does), and the schema keeps asking for that.
- integer -> ["integer", "string"]; the string form must be plain digits (^-?[0-9]+$).
- number  -> ["number", "string"]; the string form must be a plain decimal.
- boolean -> enum [true, false, "true", "false"].
- date    -> "string" with format "date" and pattern ^[0-9]{4}-[0-9]{2}-[0-9]{2}$.
- array   -> array of scalars.
- An optional field also accepts null (an empty `key:` in YAML). Patterns carry
  `patternErrorMessage` (a yaml-language-server extension) with the Chinese expectation.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import posixpath
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from feedgen.feed import FeedGenerator
from icalendar import Calendar, Timezone, TimezoneStandard
from icalendar import Event as CalendarEvent

from generator.calendar import SHANGHAI, start_of_day
from generator.lifecycle import NOTICE_STATE_LABELS, STATUS_LABELS
from generator.model import (
    CHANGE_SUBJECTS,
    EVENT_TYPE_NAMES,
    LEVEL_NAMES,
    Cluster,
    Dataset,
    Event,
    Notice,
    PartialDate,
    site_address,
)
from generator.records import RECORD_TYPES, RecordType
from generator.snapshot import LEVEL_ORDER, ClusterFacts, Deadline, NoticeFacts, Revocation, Snapshot, page_url
from generator.tables import PATTERN_EXPECTATIONS, SchemaSet

UID_DOMAIN = "gz-clusters"  # iCalendar UIDs: "<kind>-<record ids>@gz-clusters"
TAG_PREFIX = "tag:gz-clusters,2024:"  # Atom ids (RFC 4151); fixed, so they never depend on the host or build
RECOGNITION_EVENTS = ("certified", "renewed")

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"

# Derived fields, defined once: the data package and the site's open-data page describe them.
CLUSTER_DERIVED_FIELDS: tuple[dict[str, Any], ...] = (
    {"name": "district_name", "title": "所在区名称", "description": "由区划代码查得的区名。", "type": "string"},
    {"name": "levels", "title": "认定级别（全部）",
     "description": "集群获得的全部认定级别，按国家级（national）、省级（provincial）、市级（municipal）排列，"
                    "以英文逗号分隔；JSON 文件中为数组。",
     "type": "string",
     "constraints": {"pattern": "(national|provincial|municipal)(,(national|provincial|municipal))*"}},
    {"name": "highest_level", "title": "最高认定级别",
     "description": "national 国家级；provincial 省级；municipal 市级；没有认定记录时为空。",
     "type": "string", "constraints": {"enum": list(LEVEL_ORDER)}},
    {"name": "status", "title": "状态代码",
     "description": "截至 status_as_of 当天（北京时间）的状态：" + "；".join(f"{code} {label}" for code, label in
                                                                   STATUS_LABELS.items()) + "。",
     "type": "string", "constraints": {"required": True, "enum": list(STATUS_LABELS)}},
    {"name": "status_label", "title": "状态", "description": "状态代码的中文名称。", "type": "string",
     "constraints": {"required": True, "enum": list(STATUS_LABELS.values())}},
    {"name": "valid_until", "title": "有效期止",
     "description": "决定状态的那项认定的有效期最后一天；来源只写到年或月时为年、月或一段日期；无法确定时为空。",
     "type": "string"},
    {"name": "status_as_of", "title": "状态计算日期", "description": "状态按这一天（北京时间）计算。", "type": "date",
     "constraints": {"required": True}},
    {"name": "page", "title": "页面", "description": "本站该集群页面的网址，相对于网站根目录。", "type": "string",
     "constraints": {"required": True}},
)
NOTICE_DERIVED_FIELDS: tuple[dict[str, Any], ...] = (
    {"name": "first_day", "title": "公示期第一天",
     "description": "发布日（或公示载明的开始日）为工作日时即该日，否则为其后第一个工作日（指引 3.3.2）；"
                    "工作日历未收录相关年份时为空。",
     "type": "date"},
    {"name": "last_day", "title": "公示期最后一天", "description": "从第一天起数满公示期工作日数的那一天。",
     "type": "date"},
    {"name": "closes_at", "title": "异议截止时刻",
     "description": "异议受理截止的时刻（北京时间，+08:00）：最后一天 24:00（即次日 00:00），或公示载明的更早截止时刻。",
     "type": "datetime"},
    {"name": "state", "title": "公示状态",
     "description": "截至导出当天（北京时间）的状态：" + "；".join(f"{code} {label}" for code, label in
                                                        NOTICE_STATE_LABELS.items()) + "。",
     "type": "string", "constraints": {"required": True, "enum": list(NOTICE_STATE_LABELS)}},
    {"name": "page", "title": "页面", "description": "本站该公示页面的网址，相对于网站根目录。", "type": "string",
     "constraints": {"required": True}},
)

# JSON Schema: one per YAML record file type (generator.records.RECORD_TYPES kind -> output name).
SCHEMA_KINDS = {"policy": "policy", "cluster": "cluster", "notice": "notice", "calendar": "calendar", "gazetteer": "districts",
                "site": "site"}
SCHEMA_DOCS = {
    "policy": ("政策记录", "data/policy/<政策标识>.yaml：一份政策文件（工作指引或办法）的规则，每个数值注明条款与原文。"),
    "cluster": ("集群记录", "data/clusters/<集群标识>.yaml：一个集群、它的事件（认定、复核、撤销、变更、年度报告）和信息来源。"),
    "notice": ("公示记录", "data/notices/<公示标识>.yaml：一次公示、异议受理方式、公示结果和公示名单。"),
    "calendar": ("工作日历", "data/calendar/<年份>.yaml：一年的国务院节假日安排（放假时段与调休上班日）。"),
    "districts": ("广州市辖区", "data/districts.yaml：广州市各区的区划代码及其来源。"),
    "site": ("网站信息", "data/site.yaml：网站名称、主办单位、联系方式和备案信息。"),
}
GROUP_TITLES = {"objection": "异议受理", "outcome": "公示结果", "in_force": "施行与有效期", "validity": "认定有效期",
                "publicity": "公示期", "annual_report": "年度报告", "target": "认定数量"}


@dataclass(frozen=True)
class ExportFile:
    path: str  # relative to the site root, e.g. "data/clusters.csv"
    content: bytes
    media_type: str
    title: str  # Chinese
    description: str  # Chinese


def build_exports(snapshot: Snapshot, schema_set: SchemaSet, base_url: str | None = None) -> list[ExportFile]:
    """Every open-data file as of the snapshot's day; links are absolute under `base_url` when given."""
    base = site_address(base_url)
    dataset, today = snapshot.dataset, snapshot.day
    clusters = sorted(snapshot.clusters, key=lambda facts: facts.cluster.id)
    chronological = sorted(snapshot.notices, key=lambda facts: (facts.notice.published_on, facts.notice.id))
    files = _tables(dataset, schema_set, clusters, chronological, today, base)
    recognised = recognised_by_notice(facts.cluster for facts in clusters)
    for facts in sorted(snapshot.notices, key=lambda f: f.notice.id):
        files += _notice_package(facts, schema_set, recognised.get(facts.notice.id, []))
    files.append(_criteria(snapshot))
    files.append(_feed(dataset, schema_set, snapshot, base))
    files.append(_calendar(snapshot, base))
    for record_type in RECORD_TYPES:
        files.append(_json_schema(record_type, schema_set, base))
    return files


# ---------------------------------------------------------------------------------------------
# Values and encodings


def _typed(value: Any, spec: dict[str, Any]) -> Any:
    """A record cell (text, as loaded) as a Python value of its Table Schema type; None when empty."""
    if value is None or value == "" or value == []:
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
        return list(value)
    return value


# A text cell starting with one of these is read as a formula by Excel, WPS and LibreOffice (OWASP
# "CSV injection"): the CSV cell gets a leading apostrophe, which spreadsheets show as text and hide.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Text as a spreadsheet must show it, never run it: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralised(",".join(str(item) for item in value))
    return str(value)


def _json_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _csv_bytes(header: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM, header row, CRLF line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in header])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def _chinese_day(day: dt.date) -> str:
    return PartialDate.of(day).chinese()


# ---------------------------------------------------------------------------------------------
# Tables and the main data package


def _field_descriptor(spec: dict[str, Any]) -> dict[str, Any]:
    """A field as published in a CSV package: the Table Schema descriptor without editing hints; a
    text pattern that admits a formula start (a phone number "+86 …") also admits the apostrophe the
    CSV puts before it (FORMULA_PREFIXES), so the published files validate against their schema."""
    field = {key: copy.deepcopy(value) for key, value in spec.items() if key != "example"}
    pattern = field.get("constraints", {}).get("pattern")
    if pattern and any(re.fullmatch(pattern, prefix + "0123456789") for prefix in FORMULA_PREFIXES):
        field["constraints"]["pattern"] = f"'?(?:{pattern})"
    return field


def _cluster_row(view: ClusterFacts, schema_set: SchemaSet, today: dt.date) -> dict[str, Any]:
    cluster = view.cluster
    row = {spec["name"]: _typed(cluster.row.values.get(spec["name"]), spec)
           for spec in schema_set.schemas["clusters"]["fields"]}
    row.update(
        district_name=view.district.name if view.district else None,
        levels=view.levels or None,
        highest_level=view.level,
        status=view.status.code,
        status_label=view.status.label,
        valid_until=view.valid_until.label if view.valid_until else None,
        status_as_of=today,
        page=f"clusters/{cluster.id}/",
    )
    return row


def _notice_row(view: NoticeFacts, schema_set: SchemaSet) -> dict[str, Any]:
    notice = view.notice
    row = {spec["name"]: _typed(notice.row.values.get(spec["name"]), spec)
           for spec in schema_set.schemas["notices"]["fields"]}
    if notice.outcome.is_empty:  # not yet published as of the day (or never recorded)
        row.update({name: None for name in row if name.startswith("outcome_")})
    window = view.window
    row.update(
        first_day=window.first_day if window else None,
        last_day=window.last_day if window else None,
        closes_at=window.closes_at if window else None,
        state=view.state,
        page=f"notices/{notice.id}/",
    )
    return row


def _event_rows(clusters: list[ClusterFacts], schema_set: SchemaSet) -> list[dict[str, Any]]:
    specs = schema_set.schemas["events"]["fields"]
    rows = []
    for view in clusters:
        for event in view.cluster.events:
            row = {spec["name"]: _typed(event.row.values.get(spec["name"]), spec) for spec in specs}
            row["notice"] = event.notice  # as of the day: a notice not yet published is not named
            rows.append(row)
    return rows


def _tables(dataset: Dataset, schema_set: SchemaSet, clusters: list[ClusterFacts], notices: list[NoticeFacts],
            today: dt.date, base: str | None) -> list[ExportFile]:
    cluster_fields = [_field_descriptor(s) for s in schema_set.schemas["clusters"]["fields"]]
    cluster_fields += [_field_descriptor(s) for s in CLUSTER_DERIVED_FIELDS]
    notice_fields = [_field_descriptor(s) for s in schema_set.schemas["notices"]["fields"]]
    notice_fields += [_field_descriptor(s) for s in NOTICE_DERIVED_FIELDS]
    event_fields = [_field_descriptor(s) for s in schema_set.schemas["events"]["fields"]]

    cluster_rows = [_cluster_row(view, schema_set, today) for view in clusters]
    notice_rows = [_notice_row(view, schema_set) for view in notices]
    event_rows = _event_rows(clusters, schema_set)

    def names(fields: list[dict[str, Any]]) -> list[str]:
        return [spec["name"] for spec in fields]

    def as_json(fields: list[dict[str, Any]], rows: list[dict[str, Any]]) -> bytes:
        return _json_bytes([{name: _json_cell(row.get(name)) for name in names(fields)} for row in rows])

    titles = schema_set.titles
    as_of = f"状态按 {today.isoformat()}（北京时间）计算。"
    tables = [
        # (resource name, file name, fields, content, title, description, schema extras)
        ("clusters", "clusters.csv", cluster_fields, _csv_bytes(names(cluster_fields), cluster_rows),
         titles["clusters"], "每个集群一行：记录中的字段，加上所在区名称、认定级别、状态与有效期等派生字段。" + as_of,
         {"primaryKey": ["id"]}),
        ("events", "events.csv", event_fields, _csv_bytes(names(event_fields), event_rows),
         titles["events"], "集群的认定、复核、撤销、变更报备与年度报告事件，与记录文件一致。",
         {"primaryKey": ["cluster_id", "seq"],
          "foreignKeys": [{"fields": ["cluster_id"], "reference": {"resource": "clusters", "fields": ["id"]}},
                          {"fields": ["notice"], "reference": {"resource": "notices", "fields": ["id"]}}]}),
        ("notices", "notices.csv", notice_fields, _csv_bytes(names(notice_fields), notice_rows),
         titles["notices"], "每次公示一行：记录中的字段（异议受理方式与公示结果展开为 objection_*、outcome_*），"
                            "加上按工作日历计算的公示期与异议截止时刻。" + f"公示状态按 {today.isoformat()}（北京时间）计算。",
         {"primaryKey": ["id"]}),
    ]
    jsons = [
        ("clusters-json", "clusters.json", as_json(cluster_fields, cluster_rows), f"{titles['clusters']}（JSON）",
         "与 clusters.csv 相同的行，数字、是/否值和认定级别列表使用 JSON 类型。"),
        ("notices-json", "notices.json", as_json(notice_fields, notice_rows), f"{titles['notices']}（JSON）",
         "与 notices.csv 相同的行，数字使用 JSON 类型。"),
    ]

    files: list[ExportFile] = []
    resources: list[dict[str, Any]] = []
    for name, file_name, fields, content, title, description, extras in tables:
        files.append(ExportFile(f"data/{file_name}", content, CSV_TYPE, title, description))
        resources.append({
            "name": name, "title": title, "description": description, "path": file_name, "format": "csv",
            "mediatype": CSV_TYPE, "encoding": "utf-8", "bytes": len(content), "hash": _sha256(content),
            "schema": {"fields": fields, **extras},
        })
    for name, file_name, content, title, description in jsons:
        files.append(ExportFile(f"data/{file_name}", content, JSON_TYPE, title, description))
        resources.append({
            "name": name, "title": title, "description": description, "path": file_name, "format": "json",
            "mediatype": JSON_TYPE, "encoding": "utf-8", "bytes": len(content), "hash": _sha256(content),
        })

    package = schema_set.package
    descriptor: dict[str, Any] = {
        "name": package["name"],
        "title": package["title"],
        "description": package["description"] + as_of,
        "created": start_of_day(today).isoformat(),
        "licenses": copy.deepcopy(package["licenses"]),
        "sources": _package_sources(notices, base),
    }
    if base:
        descriptor["homepage"] = base
    descriptor["resources"] = resources
    files.append(ExportFile("data/datapackage.json", _json_bytes(descriptor), JSON_TYPE, "数据包说明（datapackage.json）",
                            "Frictionless 数据包描述：各数据文件的字段、类型、约束、许可、来源、字节数与 SHA-256 校验值。"))
    return sorted(files, key=lambda f: _TABLE_ORDER.index(f.path))


_TABLE_ORDER = ["data/clusters.csv", "data/clusters.json", "data/events.csv", "data/notices.csv", "data/notices.json",
                "data/datapackage.json"]


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


# ---------------------------------------------------------------------------------------------
# One data package per notice


def recognised_by_notice(clusters: Iterable[Cluster]) -> dict[str, list[Cluster]]:
    """For every notice, the clusters with a certified or renewed event that names it (its final
    list), by id: one pass over the clusters instead of one per notice (which grew with
    clusters × notices: 2 s of a 5,000-cluster build, benchmarks/README.md)."""
    found: dict[str, list[Cluster]] = {}
    for cluster in sorted(clusters, key=lambda c: c.id):
        named = {e.notice for e in cluster.events if e.type in RECOGNITION_EVENTS and e.notice is not None}
        for notice_id in named:
            found.setdefault(notice_id, []).append(cluster)
    return found


def final_diff(notice: Notice, recognised: list[Cluster]) -> dict[str, Any]:
    """The final list against the proposed one.

    An entry is matched by its cluster id, or by its name when it names no cluster.
    removed: proposed entries no recognised cluster matches; added: recognised clusters no entry
    matches; changed: matched, but a name or district the entry states differs from the record.
    """
    by_id = {cluster.id: cluster for cluster in recognised}
    matched: set[str] = set()
    removed, changed, unchanged = [], [], []
    for index, entry in enumerate(notice.entries, start=1):
        if entry.cluster is not None:
            cluster = by_id.get(entry.cluster)
        else:
            cluster = next((c for c in recognised if c.name == entry.name and c.id not in matched), None)
        if cluster is None or cluster.id in matched:
            removed.append({"seq": index, "cluster": entry.cluster, "name": entry.name, "district": entry.district})
            continue
        matched.add(cluster.id)
        differs = [name for name, proposed, final in (("name", entry.name, cluster.name),
                                                      ("district", entry.district, cluster.district))
                   if proposed is not None and proposed != final]
        if differs:
            changed.append({
                "seq": index,
                "cluster": cluster.id,
                "fields": differs,
                "proposed": {"name": entry.name, "district": entry.district},
                "final": {"name": cluster.name, "district": cluster.district},
            })
        else:
            unchanged.append(cluster.id)
    added = [{"cluster": c.id, "name": c.name, "district": c.district} for c in recognised if c.id not in matched]
    return {"notice": notice.id, "added": added, "removed": removed, "changed": changed, "unchanged": unchanged}


def _notice_package(view: NoticeFacts, schema_set: SchemaSet, recognised: list[Cluster]) -> list[ExportFile]:
    notice = view.notice
    folder = f"data/notices/{notice.id}"
    specs = schema_set.schemas["notice_entries"]["fields"]
    rows = [{spec["name"]: _typed(entry.row.values.get(spec["name"]), spec) for spec in specs}
            for entry in notice.entries]
    entries = _csv_bytes([spec["name"] for spec in specs], rows)
    published = f"{notice.issuer}于 {notice.published_on.isoformat()} 发布"
    files = [ExportFile(f"{folder}/entries.csv", entries, CSV_TYPE, f"公示名单：{notice.title}",
                        f"{published}的公示名单原样（拟认定名单），每个条目一行。")]
    resources: list[dict[str, Any]] = [{
        "name": "entries", "title": "公示名单", "description": "公示时发布的名单，按原文顺序；未建档的候选集群只有名称。",
        "path": "entries.csv", "format": "csv", "mediatype": CSV_TYPE, "encoding": "utf-8",
        "bytes": len(entries), "hash": _sha256(entries),
        "schema": {"fields": [_field_descriptor(spec) for spec in specs], "primaryKey": ["notice_id", "seq"]},
    }]
    if view.outcome_published and recognised:
        diff = _json_bytes(final_diff(notice, recognised))
        description = ("正式名单与公示名单的差异：added 为公示名单之外新增认定的集群，removed 为公示名单中未获认定的条目，"
                       "changed 为名称或所在区与公示时不同的集群，unchanged 为一致的集群。条目按集群标识比较，未建档的条目按名称比较。")
        files.append(ExportFile(f"{folder}/final-diff.json", diff, JSON_TYPE, f"正式名单与公示名单的差异：{notice.title}",
                                description))
        resources.append({"name": "final-diff", "title": "正式名单与公示名单的差异", "description": description,
                          "path": "final-diff.json", "format": "json", "mediatype": JSON_TYPE, "encoding": "utf-8",
                          "bytes": len(diff), "hash": _sha256(diff)})
    sources = [{"title": notice.title, "path": notice.url}] if notice.url else [{"title": notice.title}]
    if notice.outcome.final_url:
        sources.append({"title": f"{notice.title}：正式名单", "path": notice.outcome.final_url})
    descriptor = {
        "name": f"notice-{notice.id}",
        "title": notice.title,
        "description": f"{published}。" + _window_sentence(view),
        "licenses": copy.deepcopy(schema_set.package["licenses"]),
        "sources": sources,
        "resources": resources,
    }
    files.append(ExportFile(f"{folder}/datapackage.json", _json_bytes(descriptor), JSON_TYPE,
                            f"公示数据包：{notice.title}", "该公示名单的数据包描述，含各文件的字节数与 SHA-256 校验值。"))
    return files


def _window_sentence(view: NoticeFacts) -> str:
    window = view.window
    if window is None:
        years = "、".join(str(year) for year in view.missing_years)
        return f"工作日历未收录 {years} 年的节假日安排，公示期无法计算。"
    sentence = (f"公示期 {window.first_day.isoformat()} 至 {window.last_day.isoformat()}（{window.working_days} 个工作日），"
                f"异议受理截至 {window.closes_label}（北京时间）。")
    if not window.checked:
        years = "、".join(str(year) for year in window.missing_years)
        sentence += f"截止日按公示载明；缺少 {years} 年国务院节假日安排，尚未与官方日历核对。"
    return sentence


def _criteria(snapshot: Snapshot) -> ExportFile:
    """The quantified criteria of the municipal guideline the site explains, for the self-check
    form (site_src/javascripts/self-check.js) and for reuse: the same data the criteria page prints."""
    policy = snapshot.rules
    data = {
        "policy": policy.id,
        "title": policy.title,
        "thresholds": [
            {"key": t.key, "clause": t.clause, "subject": t.subject, "comparison": t.comparison,
             "operator": t.operator, "value": _json_cell(t.value), "unit": t.unit, "words": t.words, "group": t.group}
            for t in policy.thresholds
        ],
    }
    return ExportFile("data/criteria.json", _json_bytes(data), JSON_TYPE, "认定条件的量化指标（JSON）",
                      f"《{policy.short_title}》所列认定条件中的量化指标：条款、原文用语、比较方式、数值与单位。")


# ---------------------------------------------------------------------------------------------
# Atom feed


@dataclass(frozen=True)
class _FeedItem:
    key: str  # unique among items; the entry id is TAG_PREFIX + key
    day: dt.date
    title: str
    summary: str
    page: str  # site-root-relative URL
    related: str | None
    term: str
    label: str


def _event_key(cluster: Cluster, event: Event) -> str:
    """A key from what the event is, not its position, so inserting an older event changes no key."""
    qualifier = {"annual_report": event.year, "changed": event.subject}.get(event.type, event.level)
    parts = [cluster.id, event.type, str(event.date or event.valid_from or event.batch or "undated")]
    if qualifier is not None:
        parts.append(str(qualifier))
    return "/".join(parts)


def _unique_keys(keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        unique.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return unique


def _event_title(event: Event, revocation: Revocation | None) -> str:
    level = LEVEL_NAMES.get(event.level or "", "")
    if event.type == "certified":
        return f"{level}认定"
    if event.type == "renewed":
        return f"{level}认定复核通过"
    if event.type == "revoked":
        basis = f"{revocation.policy.short_title} {event.reason}" if revocation and revocation.policy else event.reason
        return f"撤销{level}认定（{basis}）" if event.reason else f"撤销{level}认定"
    if event.type == "changed":
        return f"变更报备（{CHANGE_SUBJECTS.get(event.subject or '', '其他')}）"
    if event.type == "annual_report":
        return f"报送 {event.year} 年度报告"
    return EVENT_TYPE_NAMES.get(event.type, event.type)


def _event_summary(cluster: Cluster, event: Event, revocation: Revocation | None) -> str:
    parts = [f"{event.date.chinese()}，{cluster.name}：{_event_title(event, revocation)}。"]
    if event.type == "revoked" and revocation and revocation.ground:
        parts.append(f"撤销理由：“{revocation.ground}”")
    if event.doc_no:
        parts.append(f"文号：{event.doc_no}。")
    if event.description:
        parts.append(event.description if event.description.endswith(("。", "！", "？", ".")) else event.description + "。")
    return "".join(parts)


def _feed_items(snapshot: Snapshot) -> list[_FeedItem]:
    items: list[_FeedItem] = []
    for view in snapshot.notices:
        notice = view.notice
        page = f"notices/{notice.id}/"
        items.append(_FeedItem(
            f"notice/{notice.id}", notice.published_on, f"公示：{notice.title}",
            f"{notice.issuer}于{_chinese_day(notice.published_on)}发布公示。{_window_sentence(view)}",
            page, notice.url, "notice", "公示"))
        outcome = notice.outcome
        if outcome.final_date is not None:
            parts = [f"{_chinese_day(outcome.final_date)}发布正式名单。"]
            if outcome.final_doc_no:
                parts.append(f"文号：{outcome.final_doc_no}。")
            if outcome.objections_received is not None:
                parts.append(f"公示期间收到异议 {outcome.objections_received} 件")
                if outcome.objections_upheld is not None:
                    parts.append(f"，其中成立 {outcome.objections_upheld} 件")
                parts.append("。")
            items.append(_FeedItem(f"notice/{notice.id}/final", outcome.final_date, f"公示结果：{notice.title}",
                                   "".join(parts), page, outcome.final_url, "final-list", "正式名单"))
    clusters = sorted(snapshot.clusters, key=lambda facts: facts.cluster.id)
    dated = [(view, event) for view in clusters for event in view.cluster.events if event.date is not None]
    keys = _unique_keys([_event_key(view.cluster, event) for view, event in dated])
    for key, (view, event) in zip(keys, dated):
        cluster = view.cluster
        revocation = view.revocation if event.type == "revoked" else None
        items.append(_FeedItem(
            f"cluster/{key}", event.date.earliest, f"{cluster.name}：{_event_title(event, revocation)}",
            _event_summary(cluster, event, revocation), f"clusters/{cluster.id}/", event.source, event.type,
            EVENT_TYPE_NAMES.get(event.type, event.type)))
    # The snapshot holds only what had happened by its day: a record dated later waits for its day.
    return sorted(items, key=lambda item: (item.day, item.key), reverse=True)


def _link(path: str, base: str | None, from_dir: str) -> str:
    """Absolute under the site's base URL, else relative to the folder of the file linking."""
    if base:
        return base + path
    rel = posixpath.relpath(path or ".", from_dir)
    return rel + "/" if path.endswith("/") and not rel.endswith("/") else rel


def _publisher(dataset: Dataset, schema_set: SchemaSet) -> str:
    site = dataset.site.values if dataset.site else {}
    return site.get("publisher") or site.get("title") or schema_set.package["title"]


def _feed(dataset: Dataset, schema_set: SchemaSet, snapshot: Snapshot, base: str | None) -> ExportFile:
    items = _feed_items(snapshot)
    feed = FeedGenerator()
    feed.id(TAG_PREFIX + "feeds/notices")
    feed.title(f"{schema_set.package['title']}：公示与集群动态")
    feed.subtitle("公示发布、正式名单，以及集群的认定、复核、撤销、变更报备和年度报告。")
    feed.author({"name": _publisher(dataset, schema_set)})
    feed.language("zh-CN")
    feed.generator("gz-clusters")
    feed.rights(" ".join(f"{licence['title']}（{licence['name']}）" for licence in schema_set.package["licenses"]))
    feed.link(href=_link("notices/", base, "feeds"), rel="alternate", type="text/html")
    if base:
        feed.link(href=base + "feeds/notices.atom", rel="self", type="application/atom+xml")
    # The feed's own date is its newest entry's, never the build time.
    feed.updated(start_of_day(items[0].day if items else snapshot.day))
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(TAG_PREFIX + item.key)
        entry.title(item.title)
        entry.updated(start_of_day(item.day))
        # One link only: feedgen 1.0.0 drops rel/type/title of entry links (lkiesow/python-feedgen#135),
        # so a second (source) link would become a second "alternate"; the source goes in the summary.
        entry.link(href=_link(item.page, base, "feeds"))
        entry.summary(item.summary + (f"来源：{item.related}" if item.related else ""))
        entry.category(term=item.term, label=item.label)
    content = feed.atom_str(pretty=True)
    return ExportFile("feeds/notices.atom", content, "application/atom+xml", "公示与集群动态（Atom 订阅）",
                      "公示发布、正式名单与集群事件，最新的在前；可用 RSS/Atom 阅读器订阅。")


# ---------------------------------------------------------------------------------------------
# iCalendar


def _shanghai_timezone() -> Timezone:
    """VTIMEZONE for Asia/Shanghai: UTC+8 without daylight saving, exact for every date since 1992."""
    timezone = Timezone()
    timezone.add("tzid", "Asia/Shanghai")
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    standard.add("tzname", "CST")
    timezone.add_component(standard)
    return timezone


def _calendar_summary(deadline: Deadline) -> str:
    done = "（已报送）" if deadline.done else ""
    return f"{deadline.what}：{deadline.name}{done}"


def _calendar(snapshot: Snapshot, base: str | None) -> ExportFile:
    calendar = Calendar()
    calendar.add("prodid", "-//gz-clusters//deadlines//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = "广州市中小企业特色产业集群：截止日期"
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    description = "公示异议截止、年度报告截止、认定有效期届满和工作指引有效期届满（北京时间）。"
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")
    calendar.add_component(_shanghai_timezone())
    # DTSTAMP from "today", so rebuilding the same inputs gives the same bytes.
    stamp = start_of_day(snapshot.day).astimezone(dt.timezone.utc)
    for deadline in snapshot.deadlines:
        event = CalendarEvent()
        event.add("uid", f"{deadline.key}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("summary", _calendar_summary(deadline))
        if deadline.timed:
            # On its last day, ending at the cut-off instant: calendar apps show it on that day.
            event.add("dtstart", start_of_day(deadline.day))
            event.add("dtend", deadline.closes_at.astimezone(SHANGHAI))
        else:
            event.add("dtstart", deadline.day)
            event.add("dtend", deadline.day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        text = deadline.description
        page = page_url(deadline.page) if deadline.page else None
        if page and base:
            event.add("url", base + page)
            text += "\n" + base + page
        event.add("description", text)
        calendar.add_component(event)
    return ExportFile("calendar/deadlines.ics", calendar.to_ical(), "text/calendar", "截止日期日历（iCalendar）",
                      "公示异议截止、年度报告截止、认定有效期届满和工作指引届满；可在日历应用中订阅。")


# ---------------------------------------------------------------------------------------------
# JSON Schema for the YAML record files


def _json_property(spec: dict[str, Any], required: bool) -> dict[str, Any]:
    kind = spec.get("type", "string")
    constraints = spec.get("constraints", {})
    prop: dict[str, Any] = {"title": spec.get("title", spec["name"])}
    if spec.get("description"):
        prop["description"] = spec["description"]
    types: list[str]
    if kind == "integer":
        types = ["integer", "string"]
        prop["pattern"] = "^-?[0-9]+$"
        prop["patternErrorMessage"] = "应为整数（只写数字，如 7）"
    elif kind == "number":
        types = ["number", "string"]
        prop["pattern"] = "^-?[0-9]+(\\.[0-9]+)?$"
        prop["patternErrorMessage"] = "应为数字（只写数字，如 12.5，不带单位）"
    elif kind == "boolean":
        true_values = spec.get("trueValues", ["true"])
        false_values = spec.get("falseValues", ["false"])
        types = []
        prop["enum"] = [True, False, *true_values, *false_values]
    elif kind == "date":
        types = ["string"]
        prop["format"] = "date"
        prop["pattern"] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" if required else "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
        prop["patternErrorMessage"] = "应为日期 YYYY-MM-DD"
    elif kind == "array":
        types = ["array"]
        prop["items"] = {"type": ["string", "number", "boolean"]}
    else:
        types = ["string"]
        if "pattern" in constraints:
            pattern = constraints["pattern"]
            if any(re.fullmatch(pattern, digits) for digits in ("2023", "440112")):
                # Staff write `district: 440112` or `date: 2023` unquoted; the loader reads every
                # scalar as text, so an editor must not flag the YAML integer it sees there.
                types.append("integer")
            # Frictionless reads "" as missing: an optional field may be an empty string too.
            prop["pattern"] = f"^(?:{pattern})$" if required else f"^(?:{pattern})?$"
            prop["patternErrorMessage"] = PATTERN_EXPECTATIONS.get(pattern, f"应符合格式 {pattern}")
        if spec.get("format") == "email":
            prop["format"] = "email"
        for key in ("minLength", "maxLength"):
            if key in constraints:
                prop[key] = constraints[key]
        if required and prop.get("minLength", 0) < 1 and "enum" not in constraints:
            prop["minLength"] = 1
    for key in ("minimum", "maximum"):
        if key in constraints:
            prop[key] = constraints[key]
    if "enum" in constraints:
        prop["enum"] = list(constraints["enum"])
    if "example" in spec:
        prop["examples"] = [spec["example"]]
    if not required:
        if types:
            types.append("null")
        if "enum" in prop:
            prop["enum"].append(None)
    if types:
        prop["type"] = types[0] if len(types) == 1 else types
    return dict(sorted(prop.items(), key=lambda item: _PROPERTY_KEY_ORDER.index(item[0])))


_PROPERTY_KEY_ORDER = ["title", "description", "type", "format", "enum", "pattern", "patternErrorMessage",
                       "minLength", "maxLength", "minimum", "maximum", "items", "examples"]


def _object(specs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    properties, required = {}, []
    for spec in specs:
        is_required = bool(spec.get("constraints", {}).get("required"))
        properties[spec["name"]] = _json_property(spec, is_required)
        if is_required:
            required.append(spec["name"])
    return properties, required


def _object_schema(properties: dict[str, Any], required: list[str], nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["object", "null"] if nullable else "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def record_json_schema(record_type: RecordType, schema_set: SchemaSet, base_url: str | None = None) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one YAML record file of `record_type`, from the Table Schemas."""
    kind = SCHEMA_KINDS[record_type.kind]
    title, description = SCHEMA_DOCS[kind]
    fields = schema_set.schemas[record_type.resource]["fields"]
    properties: dict[str, Any] = {}
    required: list[str] = []
    for spec in fields:
        group = next((g for g in record_type.groups if spec["name"].startswith(g + "_")), None)
        if group is None:
            own, own_required = _object([spec])
            properties.update(own)
            required += own_required
        elif group not in properties:
            members = [{**s, "name": s["name"][len(group) + 1:]} for s in fields if s["name"].startswith(group + "_")]
            group_properties, group_required = _object(members)
            properties[group] = {"title": GROUP_TITLES.get(group, group),
                                 **_object_schema(group_properties, group_required, nullable=not group_required)}
            if group_required:
                required.append(group)
    for key, resource in record_type.children.items():
        child_specs = [s for s in schema_set.schemas[resource]["fields"]
                       if s["name"] not in ("seq", record_type.parent_field)]
        child_properties, child_required = _object(child_specs)
        properties[key] = {"title": schema_set.titles[resource], "type": ["array", "null"],
                           "items": _object_schema(child_properties, child_required)}
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if base_url:
        schema["$id"] = f"{base_url}schemas/{kind}.schema.json"
    schema.update(title=title, description=description)
    schema.update(_object_schema(properties, required))
    return schema


def _json_schema(record_type: RecordType, schema_set: SchemaSet, base: str | None) -> ExportFile:
    kind = SCHEMA_KINDS[record_type.kind]
    title, description = SCHEMA_DOCS[kind]
    content = _json_bytes(record_json_schema(record_type, schema_set, base))
    return ExportFile(f"schemas/{kind}.schema.json", content, "application/schema+json",
                      f"{title}的 JSON Schema", f"{description} 供编辑器自动补全和检查 YAML 记录使用。")
