"""Decap CMS configuration (site_src/admin/config.yml) for editing cluster and notice records, derived from the Table Schemas.

`decap_config(schema_set, record_types)` is a pure function: one folder collection per record type
in COLLECTION_KINDS, one widget per schema field, the YAML lists (RecordType.children) as list
widgets and the nested mappings (RecordType.groups) as object widgets, so the form can never ask
for a field the schemas lack or miss one they have (tests/test_decap.py checks both).

Widget mapping (Decap CMS 3.x):
- string            -> "string"; "text" (multi-line) when maxLength > TEXT_THRESHOLD
- integer / number  -> "number" with value_type int / float and min / max from the constraints
- boolean           -> "boolean" (default false: a record claims "verified" only when staff say so)
- date              -> "datetime" storing YYYY-MM-DD (date_format, time_format false, picker_utc)
- any enum          -> "select" with options; labels come from the field's description when it
                       explains every value ("certified 认定；renewed 复核通过；…")
- array             -> "list" of plain strings
Every field gets label = Chinese title, hint = Chinese description, an explicit `required`
(Decap's default is true) and, for a constraints.pattern, `pattern: [^(?:…)$, Chinese message]`:
Decap tests the pattern with RegExp.test, unanchored, while Frictionless matches it whole.

Decap keeps no YAML comments when it saves a file, so the key field carries a Decap `comment`:
the `# yaml-language-server: $schema=…` line that every record file starts with is written back.

Not expressible in Decap and left to `clusters validate` (which runs on every pull request the
editorial workflow opens): maxLength, unique, formats such as email, foreign keys, business rules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from generator import DATA_DIR, PROJECT_ROOT, SCHEMAS_DIR
from generator.editor.layout import record_keys
from generator.load.fields import pattern_expectation
from generator.load.records import GROUP_TITLES, SCHEMA_DOCS, SCHEMA_KINDS, RecordType
from generator.load.tables import SchemaSet

CONFIG_PATH = PROJECT_ROOT / "site_src" / "admin" / "config.yml"
# Placeholder: staff set the real GitHub repository ("owner/name") here before deploying /admin/,
# then run `clusters generate` to regenerate site_src/admin/config.yml.
REPO = "OWNER/REPO"
BRANCH = "main"
MEDIA_FOLDER = "site_src/assets/uploads"
COLLECTION_KINDS = ("cluster", "notice", "call")  # record types staff edit in the CMS, in menu order
TEXT_THRESHOLD = 200  # strings allowing more characters than this get a multi-line text box
HEADER = (
    "# 本文件由 generator/editor/decap.py 生成（运行 clusters generate），请勿手工编辑。\n"
    "# Decap CMS 在线编辑后台（网站的 /admin/）的配置：表单字段全部来自 schemas/ 中的数据模式，\n"
    "# 修改数据模式或 generator/editor/decap.py 后重新运行 clusters generate。\n"
)
REPO_COMMENT = "部署前由工作人员设置：在 generator/editor/decap.py 中把 REPO 改为实际的 GitHub 仓库（所有者/仓库名），再运行 clusters generate"
COMMIT_MESSAGES = {
    "create": "新增{{collection}}：{{slug}}",
    "update": "修改{{collection}}：{{slug}}",
    "delete": "删除{{collection}}：{{slug}}",
    "uploadMedia": "上传文件：{{path}}",
    "deleteMedia": "删除文件：{{path}}",
}


def decap_config(schema_set: SchemaSet, record_types: Iterable[RecordType]) -> dict[str, Any]:
    """The Decap CMS configuration for the record types in COLLECTION_KINDS (no I/O, no clock)."""
    by_kind = {record_type.kind: record_type for record_type in record_types}
    missing = [kind for kind in COLLECTION_KINDS if kind not in by_kind]
    if missing:
        raise ValueError(f"record types missing for Decap collections: {missing}")
    return {
        "backend": {"name": "github", "repo": REPO, "branch": BRANCH, "commit_messages": dict(COMMIT_MESSAGES)},
        "publish_mode": "editorial_workflow",
        "locale": "zh_Hans",
        "media_folder": MEDIA_FOLDER,
        "collections": [_collection(by_kind[kind], schema_set) for kind in COLLECTION_KINDS],
    }


def render_decap_config(config: dict[str, Any]) -> str:
    """config.yml text: the generated-file header, then the configuration as YAML."""
    body = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=120, indent=2)
    repo_line = f"  repo: {config['backend']['repo']}\n"
    if repo_line not in body:
        raise ValueError("backend.repo did not render on a line of its own")
    body = body.replace(repo_line, f"{repo_line[:-1]}  # {REPO_COMMENT}\n", 1)
    return HEADER + body


def _collection(record_type: RecordType, schema_set: SchemaSet) -> dict[str, Any]:
    if not record_type.one_per_file or record_type.key is None:
        raise ValueError(f"{record_type.kind}: a Decap folder collection needs one keyed record per file")
    folder_in_data = _folder_of(record_type.location)
    folder = (DATA_DIR / folder_in_data).relative_to(PROJECT_ROOT).as_posix()
    kind = SCHEMA_KINDS[record_type.kind]
    title, description = SCHEMA_DOCS[kind]
    specs = schema_set.schemas[record_type.resource]["fields"]
    fields = _record_fields(record_type, schema_set)
    key_field = next(f for f in fields if f["name"] == record_type.key)
    schema_file = SCHEMAS_DIR / "json" / f"{kind}.schema.json"
    relative = Path(os.path.relpath(schema_file, DATA_DIR / folder_in_data)).as_posix()
    key_field["comment"] = f"yaml-language-server: $schema={relative}"
    name_field = _summary_field(specs, record_type)
    collection: dict[str, Any] = {
        "name": record_type.resource,
        "label": schema_set.titles[record_type.resource],
        "label_singular": title,
        "description": description,
        "folder": folder,
        "extension": "yaml",
        "format": "yaml",
        "create": True,
        "delete": False,  # a published record is revoked or corrected, never removed from the public record
        "identifier_field": record_type.key,
        "slug": "{{fields." + record_type.key + "}}",  # the file name is the record id
    }
    if name_field:
        collection["summary"] = "{{" + name_field + "}}（{{" + record_type.key + "}}）"
    collection["editor"] = {"preview": False}
    collection["fields"] = fields
    return collection


def _folder_of(location: str) -> str:
    """'clusters/*.yaml' -> 'clusters'."""
    return location.rsplit("/", 1)[0]


def _summary_field(specs: Iterable[Mapping[str, Any]], record_type: RecordType) -> str | None:
    """The record's human-readable name: its first required free-text string field."""
    for spec in specs:
        constraints = spec.get("constraints", {})
        if (
            spec["name"] != record_type.key
            and spec.get("type", "string") == "string"
            and constraints.get("required")
            and "pattern" not in constraints
            and "enum" not in constraints
        ):
            name: str = spec["name"]
            return name
    return None


def _record_fields(record_type: RecordType, schema_set: SchemaSet) -> list[dict[str, Any]]:
    """The schema's own top-level fields in schema order, then the groups and YAML lists."""
    specs = schema_set.schemas[record_type.resource]["fields"]
    fields = [field_widget(spec) for spec in specs if record_type.group_of(spec["name"]) is None]
    trailing: dict[str, dict[str, Any]] = {}
    for group in record_type.groups:
        members = record_type.members(specs, group)
        trailing[group] = {
            "name": group,
            "label": GROUP_TITLES.get(group, group),
            "widget": "object",
            "required": any(m.get("constraints", {}).get("required") for m in members),
            "fields": [field_widget(member) for member in members],
        }
    for key, resource in record_type.children.items():
        child_specs = record_type.item_fields(schema_set.schemas[resource]["fields"])
        trailing[key] = {
            "name": key,
            "label": schema_set.titles[resource],
            "label_singular": schema_set.titles[resource],
            "widget": "list",
            "required": False,
            "summary": " ".join("{{fields." + spec["name"] + "}}" for spec in child_specs[:2]),
            "fields": [field_widget(spec) for spec in child_specs],
        }
    # Decap writes keys in form order: the standard layout's (generator/editor/layout.py), so that
    # saving a record through the form does not reorder it (tests/test_decap.py compares with the skeletons).
    by_name = {field["name"]: field for field in fields} | trailing
    return [by_name[name] for name in record_keys(record_type, schema_set) if name in by_name]


def field_widget(spec: Mapping[str, Any]) -> dict[str, Any]:
    """One Decap field for one Table Schema field descriptor."""
    constraints = spec.get("constraints", {})
    field_type = spec.get("type", "string")
    widget: dict[str, Any] = {"name": spec["name"], "label": spec.get("title", spec["name"])}
    if "enum" in constraints:
        widget["widget"] = "select"
        widget["options"] = _options(constraints["enum"], spec.get("description", ""))
    elif field_type == "string":
        widget["widget"] = "text" if constraints.get("maxLength", 0) > TEXT_THRESHOLD else "string"
    elif field_type in ("integer", "number"):
        widget["widget"] = "number"
        widget["value_type"] = "int" if field_type == "integer" else "float"
        for limit, option in (("minimum", "min"), ("maximum", "max")):
            if limit in constraints:
                widget[option] = constraints[limit]
    elif field_type == "boolean":
        widget["widget"] = "boolean"
        widget["default"] = False
    elif field_type == "date":
        widget.update(widget="datetime", date_format="YYYY-MM-DD", time_format=False, picker_utc=True)
    elif field_type == "array":
        widget["widget"] = "list"
    else:
        raise ValueError(f"no Decap widget for field {spec['name']!r} of type {field_type!r}")
    widget["required"] = bool(constraints.get("required", False))
    if spec.get("description"):
        widget["hint"] = spec["description"]
    if "pattern" in constraints:
        widget["pattern"] = [anchored(constraints["pattern"]), pattern_message(constraints["pattern"])]
    return widget


def anchored(pattern: str) -> str:
    """A Table Schema pattern (matched whole) as a JavaScript RegExp source that Decap's unanchored test matches whole."""
    return f"^(?:{pattern})$"


def pattern_message(pattern: str) -> str:
    return pattern_expectation(pattern)


def _options(values: list[Any], description: str) -> list[Any]:
    """Select options; labelled "value 说明" when the description explains every value."""
    labels = {}
    for value in values:
        found = re.search(r"(?:^|[\s：:；;，,。])" + re.escape(str(value)) + r"\s+([^\s；;。][^；;。]*)", description)
        if not found:
            return [str(value) for value in values]
        labels[value] = f"{value} {found.group(1).strip()}"
    return [{"label": labels[value], "value": str(value)} for value in values]
