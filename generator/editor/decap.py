"""Decap CMS configuration (site_src/admin/config.yml) for editing cluster and notice records, derived from the Table Schemas.

`decap_config(schema_set, record_types)` is a pure function: one folder collection per record type
in COLLECTION_KINDS, one widget per schema field, the YAML lists (RecordType.children) as list
widgets and the nested mappings (RecordType.groups) as object widgets, so the form can never ask
for a field the schemas lack or miss one they have (tests/test_decap.py checks both).

Widget mapping (Decap CMS 3.x):
- string            -> "string"; "text" (multi-line) when maxLength > TEXT_THRESHOLD
- integer / number  -> "number" with value_type int / float and min / max from the constraints
- boolean           -> "boolean" (default false: a record claims "verified" only when staff say so)
- date              -> "datetime" storing YYYY-MM-DD (format, date_format, time_format false, picker_utc)
- a foreign key to the districts -> "select" of data/districts.yaml's districts ("黄埔区（440112）")
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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator import DATA_DIR, PROJECT_ROOT
from generator.editor.layout import record_keys, schema_line
from generator.load.yamlread import read_yaml
from generator.schema.fields import pattern_expectation
from generator.schema.kinds import GROUP_TITLES, SCHEMA_DOCS, SCHEMA_KINDS, RecordType
from generator.schema.package import SchemaSet

CONFIG_PATH = PROJECT_ROOT / "site_src" / "admin" / "config.yml"
PLACEHOLDER_REPO = "OWNER/REPO"  # until data/site.yaml names the repository (editor.repo)
MEDIA_FOLDER = "site_src/assets/uploads"
DISTRICTS_RESOURCE = "districts"  # a field with a foreign key to it is picked from data/districts.yaml
COLLECTION_KINDS = ("cluster", "notice", "call")  # record types staff edit in the CMS, in menu order
TEXT_THRESHOLD = 200  # strings allowing more characters than this get a multi-line text box
HEADER = (
    "# 本文件由 generator/editor/decap.py 生成（运行 clusters generate），请勿手工编辑。\n"
    "# Decap CMS 在线编辑后台（网站的 /admin/）的配置：表单字段全部来自 schemas/ 中的数据模式，\n"
    "# 修改数据模式或 generator/editor/decap.py 后重新运行 clusters generate。\n"
)
REPO_COMMENT = (
    "部署前由工作人员设置：在 data/site.yaml 的 editor.repo 中写明代码仓库（所有者/仓库名），再运行 clusters generate"
)
COMMIT_MESSAGES = {
    "create": "新增{{collection}}：{{slug}}",
    "update": "修改{{collection}}：{{slug}}",
    "delete": "删除{{collection}}：{{slug}}",
    "uploadMedia": "上传文件：{{path}}",
    "deleteMedia": "删除文件：{{path}}",
}


# Decap's GitHub backend on github.com: its API and the status page it asks. Not the avatars' host, a
# content delivery network the editor can do without (no picture beside the user's name): the page
# loads nothing from a CDN.
GITHUB_ORIGINS = ("https://api.github.com", "https://www.githubstatus.com")


@dataclass(frozen=True)
class EditorSettings:
    """Where the editor reads and writes records: data/site.yaml's `editor:` mapping (schemas/site.schema.yaml)."""

    backend: str = "github"  # github, or gitea (Gitea, Forgejo)
    repo: str | None = None  # owner/name
    branch: str = "main"
    base_url: str | None = None  # github: the OAuth login service; gitea: the server
    api_root: str | None = None  # github: Enterprise Server's API; gitea: https://server/api/v1
    app_id: str | None = None  # gitea: the OAuth2 application's client ID

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> EditorSettings:
        """From the site record's cells (editor_backend …) or the YAML mapping (backend …); empty means unset."""

        def get(name: str) -> str | None:
            value = values.get(f"editor_{name}", values.get(name))
            return str(value) if value not in (None, "") else None

        return cls(
            backend=get("backend") or "github",
            repo=get("repo"),
            branch=get("branch") or "main",
            base_url=get("base_url"),
            api_root=get("api_root"),
            app_id=get("app_id"),
        )

    def origins(self) -> tuple[str, ...]:
        """The origins the editor page talks to besides its own (API, avatars), for its Content-Security-Policy:
        the forge the settings name, and nothing else. github.com's own hosts (GITHUB_ORIGINS) only once a
        repository there is configured: an unconfigured editor names no other origin."""
        found = list(GITHUB_ORIGINS) if self.backend == "github" and self.repo and not self.api_root else []
        for address in (self.api_root, self.base_url if self.backend == "gitea" else None):
            if address:
                parts = urlsplit(address)
                if parts.scheme in ("http", "https") and parts.netloc:
                    found.append(f"{parts.scheme}://{parts.netloc}")
        return tuple(dict.fromkeys(found))

    def image_origins(self) -> tuple[str, ...]:
        """The origins the editor page may show pictures (avatars) from: the forge's own server, never
        github.com's hosts (their avatars come from a content delivery network)."""
        return tuple(origin for origin in self.origins() if origin not in GITHUB_ORIGINS)


def editor_settings(data_dir: Path = DATA_DIR) -> EditorSettings:
    """The settings in data_dir/site.yaml (defaults when the file or its `editor:` mapping is absent or
    unreadable: `clusters validate` reports what is wrong with it)."""
    document, _ = read_yaml(data_dir / "site.yaml", "site.yaml")
    editor = document.data.get("editor") if document is not None else None
    return EditorSettings.from_values(editor if isinstance(editor, dict) else {})


def read_districts(data_dir: Path = DATA_DIR) -> tuple[tuple[str, str], ...]:
    """(code, name) of each district in data_dir/districts.yaml, for the form's district lists
    (none when the file is unreadable: `clusters validate` reports it)."""
    document, _ = read_yaml(data_dir / "districts.yaml", "districts.yaml")
    rows = document.data.get("districts") if document is not None else None
    return tuple(
        (str(row["code"]), str(row.get("name") or row["code"]))
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict) and row.get("code")
    )


def decap_config(
    schema_set: SchemaSet,
    record_types: Iterable[RecordType],
    settings: EditorSettings | None = None,
    districts: Iterable[tuple[str, str]] = (),
    *,
    local_backend: str | None = None,
    data_folder: str = "data",
) -> dict[str, Any]:
    """The Decap CMS configuration for the record types in COLLECTION_KINDS (no I/O, no clock).

    `local_backend`: the address of a decap-server (`clusters edit`), which Decap then uses instead
    of the forge, reading and writing the working copy; only that mode's configuration has it.
    `data_folder`: the records' folder relative to the repository (decap-server's) root.
    `districts`: (code, name) pairs; a field whose foreign key names the districts becomes a list to pick from."""
    settings = settings or EditorSettings()
    by_kind = {record_type.kind: record_type for record_type in record_types}
    missing = [kind for kind in COLLECTION_KINDS if kind not in by_kind]
    if missing:
        raise ValueError(f"record types missing for Decap collections: {missing}")
    backend: dict[str, Any] = {"name": settings.backend, "repo": settings.repo or PLACEHOLDER_REPO}
    backend["branch"] = settings.branch
    for name in ("base_url", "api_root", "app_id"):
        if getattr(settings, name):
            backend[name] = getattr(settings, name)
    backend["commit_messages"] = dict(COMMIT_MESSAGES)
    config: dict[str, Any] = {"backend": backend}
    if local_backend is not None:
        config["local_backend"] = {"url": local_backend, "allowed_hosts": ["127.0.0.1", "localhost"]}
    # GitHub: every save becomes a pull request (editorial workflow). Decap's Gitea backend has no
    # editorial workflow: each save is a commit on `branch`, which should then be a branch of its own
    # that reaches main by a pull request (the staff guide says so).
    if settings.backend == "github":
        config["publish_mode"] = "editorial_workflow"
    config["locale"] = "zh_Hans"
    config["media_folder"] = MEDIA_FOLDER
    picks = [{"label": f"{name}（{code}）", "value": code} for code, name in districts]
    config["collections"] = [_collection(by_kind[kind], schema_set, data_folder, picks) for kind in COLLECTION_KINDS]
    return config


def render_decap_config(config: dict[str, Any]) -> str:
    """config.yml text: the generated-file header, then the configuration as YAML."""
    body = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=120, indent=2)
    if config["backend"]["repo"] == PLACEHOLDER_REPO:
        repo_line = f"  repo: {PLACEHOLDER_REPO}\n"
        if repo_line not in body:
            raise ValueError("backend.repo did not render on a line of its own")
        body = body.replace(repo_line, f"{repo_line[:-1]}  # {REPO_COMMENT}\n", 1)
    return HEADER + body


def _collection(
    record_type: RecordType, schema_set: SchemaSet, data_folder: str, districts: list[dict[str, str]]
) -> dict[str, Any]:
    if not record_type.one_per_file or record_type.key is None:
        raise ValueError(f"{record_type.kind}: a Decap folder collection needs one keyed record per file")
    folder_in_data = _folder_of(record_type.location)
    folder = f"{data_folder}/{folder_in_data}"
    kind = SCHEMA_KINDS[record_type.kind]
    title, description = SCHEMA_DOCS[kind]
    specs = schema_set.schemas[record_type.resource]["fields"]
    fields = _record_fields(record_type, schema_set, districts)
    key_field = next(f for f in fields if f["name"] == record_type.key)
    key_field["comment"] = schema_line(record_type).removeprefix("# ")
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


def _district_fields(schema: Mapping[str, Any]) -> set[str]:
    """The fields of a Table Schema whose foreign key refers to the districts' codes."""
    return {
        name
        for key in schema.get("foreignKeys", [])
        if key["reference"]["resource"] == DISTRICTS_RESOURCE
        for name in key["fields"]
    }


def _record_fields(
    record_type: RecordType, schema_set: SchemaSet, districts: list[dict[str, str]] | None = None
) -> list[dict[str, Any]]:
    """The schema's own top-level fields in schema order, then the groups and YAML lists."""
    districts = districts or []
    schema = schema_set.schemas[record_type.resource]
    specs = schema["fields"]
    picked = _district_fields(schema) if districts else set()
    fields = [
        field_widget(spec, districts if spec["name"] in picked else None)
        for spec in specs
        if record_type.group_of(spec["name"]) is None
    ]
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
        child_picked = _district_fields(schema_set.schemas[resource]) if districts else set()
        trailing[key] = {
            "name": key,
            "label": schema_set.titles[resource],
            "label_singular": schema_set.titles[resource],
            "widget": "list",
            "required": False,
            "collapsed": False,  # each item's fields in view, as in the file
            "summary": " ".join("{{fields." + spec["name"] + "}}" for spec in child_specs[:2]),
            "fields": [field_widget(spec, districts if spec["name"] in child_picked else None) for spec in child_specs],
        }
    # Decap writes keys in form order: the standard layout's (generator/editor/layout.py), so that
    # saving a record through the form does not reorder it (tests/test_decap.py compares with the skeletons).
    by_name = {field["name"]: field for field in fields} | trailing
    return [by_name[name] for name in record_keys(record_type, schema_set) if name in by_name]


def field_widget(spec: Mapping[str, Any], choices: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """One Decap field for one Table Schema field descriptor; `choices`: the values it may refer to
    (its foreign key's), offered as a list to pick from."""
    constraints = spec.get("constraints", {})
    field_type = spec.get("type", "string")
    widget: dict[str, Any] = {"name": spec["name"], "label": spec.get("title", spec["name"])}
    if choices:
        widget["widget"] = "select"
        widget["options"] = [dict(choice) for choice in choices]  # no shared objects: YAML would write anchors
    elif "enum" in constraints:
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
        # `format` is what is stored: without it Decap keeps a Date object, which its YAML writer
        # turns into a full timestamp.
        widget.update(
            widget="datetime", format="YYYY-MM-DD", date_format="YYYY-MM-DD", time_format=False, picker_utc=True
        )
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
