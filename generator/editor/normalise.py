"""Bring a record file into the standard layout without changing any value (`clusters normalise`).

Editors differ in how they write YAML: Decap CMS drops comments (its key field writes the schema
line back), another editor may reorder keys or indent lists differently, and a hand-typed
`district: 440112` reads as a number to every YAML tool but ours. The normaliser gives every record
file one layout, whoever wrote it:
- the first line is `# yaml-language-server: $schema=…` naming the record type's JSON Schema
  (generator/editor/layout.py), replacing any such line elsewhere in the leading comments;
- keys in the standard order (layout.record_keys, group_keys, item_keys); keys no schema names
  keep their place after the known ones (`clusters validate` reports them);
- two spaces per level, list items indented under their key (`  - `), no line wrapping;
- a string field's plain value that a YAML 1.1/1.2 reader would take for a number or a boolean is
  double-quoted (`district: "440112"`); a quoted number, boolean or date in a field of that type
  loses its quotes (`batch: 2023`); every other scalar keeps its style (quotes, block scalars).

Comments stay where they are: ruamel.yaml's round trip keeps them (and reproduces every shipped
record file byte for byte), which a hand-written emitter would have to re-implement. Every scalar is
read as text (the resolver below knows only null), as generator.load.yamlread reads records, so
`0755` stays `0755`.

The result is checked before anything is written: read back by generator.load.yamlread it must give
exactly the data the file gave. A file the strict reader refuses is reported with its problem and
left as it is; so is a file whose layout could not be restored without a change of value.
"""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString
from ruamel.yaml.tag import Tag

from generator.editor.layout import SCHEMA_LINE_PREFIX, group_keys, item_keys, record_keys, schema_line
from generator.load.yamlread import parse_yaml
from generator.problems import Problem, problem
from generator.schema.kinds import RECORD_TYPES, RecordType
from generator.schema.package import SchemaSet

STRING = "string"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})  # as generator.load.yamlread reads them
# Field types whose values are written plain (unquoted): `batch: 2023`, `verified: false`, `on: 2025-03-10`.
_PLAIN_TYPES = {
    "integer": re.compile(r"-?(0|[1-9][0-9]*)"),
    "number": re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?"),
    "boolean": re.compile(r"true|false"),
    "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "year": re.compile(r"[0-9]{4}"),
}
# What YAML 1.1 readers (PyYAML's safe loader, most editors' highlighting) take a plain scalar for.
_YAML11 = yaml.resolver.Resolver()
_NOT_TEXT = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
# YAML 1.2 readers (Decap CMS's `yaml`, JSON-minded tools) also read these as numbers.
_YAML12_NUMBER = re.compile(
    r"[-+]?(0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)"
)


class _TextResolver(VersionedResolver):
    """Every plain scalar is text except an empty one or ~/null (as generator.load.yamlread reads them),
    both ways: reading keeps `440112` as the text it is, writing may put any text plain."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and value in _NULLS:
            return Tag(suffix="tag:yaml.org,2002:null")
        if kind is ScalarNode:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, (False, False))


def _yaml() -> YAML:
    handler = YAML(typ="rt")
    handler.Resolver = _TextResolver
    handler.preserve_quotes = True
    handler.width = 1_000_000  # never fold a long line
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.allow_unicode = True
    return handler


@dataclass
class Normalised:
    """One file: its text in the standard layout (None when it was refused) and why it was refused."""

    display: str
    original: bytes
    text: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text.encode("utf-8") != self.original

    def first_difference(self) -> int:
        """The first line (from 1) of the file that the standard layout writes differently."""
        old = self.original.decode("utf-8", "replace").split("\n")
        new = (self.text or "").split("\n")
        return next((n for n, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b), min(len(old), len(new)))


def record_type_of(path: Path) -> RecordType | None:
    """The record type of a file by where it lies: clusters/<id>.yaml, site.yaml …"""
    if path.suffix != ".yaml":
        return None
    for record_type in RECORD_TYPES:
        folder, _, name = record_type.location.rpartition("/")
        if record_type.one_per_file and path.parent.name == folder:
            return record_type
        if not record_type.one_per_file and not folder and path.name == name:
            return record_type
    return None


def record_files(data_dir: Path) -> Iterator[Path]:
    """Every record file of a data folder, in a stable order."""
    for record_type in RECORD_TYPES:
        yield from sorted(p for p in data_dir.glob(record_type.location) if p.is_file() and not p.is_symlink())


def normalise_bytes(raw: bytes, record_type: RecordType, schema_set: SchemaSet, display: str) -> Normalised:
    """The file's text in the standard layout, or the problems that leave it as it is."""
    before, problems = parse_yaml(raw, display)
    if before is None:
        return Normalised(display, raw, None, problems)
    text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    body = _without_schema_lines(text)
    handler = _yaml()
    try:
        data = handler.load(body)
    except RuamelError as exc:  # the strict reader took it: a corner of YAML the two read differently
        return Normalised(display, raw, None, [problem("normalise-unsafe", display, 1, 1, detail=str(exc)[:200])])
    if isinstance(data, CommentedMap):
        _arrange(data, record_keys(record_type, schema_set), _types(record_type.resource, schema_set))
        for group in record_type.groups:
            if isinstance(data.get(group), CommentedMap):
                names = group_keys(record_type, schema_set, group)
                types = {n: schema_set.field_types()[record_type.resource].get(f"{group}_{n}", STRING) for n in names}
                _arrange(data[group], names, types)
        for key, resource in record_type.children.items():
            items = data.get(key)
            if isinstance(items, CommentedSeq):
                names = item_keys(record_type, schema_set, key)
                for item in items:
                    if isinstance(item, CommentedMap):
                        _arrange(item, names, _types(resource, schema_set))
    out = io.StringIO()
    handler.dump(data, out)
    result = schema_line(record_type) + "\n" + out.getvalue()
    after, _ = parse_yaml(result.encode("utf-8"), display)
    if after is None or after.data != before.data:
        return Normalised(
            display, raw, None, [problem("normalise-unsafe", display, 1, 1, detail="整理后读出的值与原文不同")]
        )
    return Normalised(display, raw, result)


def normalise_file(path: Path, schema_set: SchemaSet, display: str) -> Normalised:
    record_type = record_type_of(path)
    if record_type is None:
        return Normalised(display, b"", None, [problem("normalise-not-record", display, 1, 1)])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Normalised(
            display, b"", None, [problem("file-unreadable", display, 1, 1, detail=exc.strerror or str(exc))]
        )
    return normalise_bytes(raw, record_type, schema_set, display)


def _types(resource: str, schema_set: SchemaSet) -> dict[str, str]:
    return schema_set.field_types()[resource]


def _without_schema_lines(text: str) -> str:
    """The text without the schema line(s) in its leading comments (the result gets the right one)."""
    lines = text.split("\n")
    kept, leading = [], True
    for line in lines:
        if leading and not line.startswith("#"):
            leading = False
        if leading and line.startswith(SCHEMA_LINE_PREFIX):
            continue
        kept.append(line)
    return "\n".join(kept)


def _arrange(mapping: CommentedMap, order: Iterable[str], types: dict[str, str]) -> None:
    """Put the mapping's keys in `order` (unknown keys after, as they were) and each scalar in the
    style its field's type asks for."""
    order = list(order)
    known = [key for key in order if key in mapping]
    unknown = [key for key in mapping if key not in order]
    for key in known + unknown:
        mapping.move_to_end(key)
    for key in list(mapping):
        value = mapping[key]
        styled = _styled(value, types.get(key, STRING))
        if styled is not value:
            # CommentedMap's own __setitem__ would keep the old value's quoting style.
            OrderedDict.__setitem__(mapping, key, styled)


def _styled(value: Any, field_type: str) -> Any:
    if not isinstance(value, str):
        return value
    if field_type == STRING:
        if not isinstance(value, ScalarString) and _reads_as_non_text(value):
            return DoubleQuotedScalarString(value)
        return value
    pattern = _PLAIN_TYPES.get(field_type)
    if isinstance(value, ScalarString) and "\n" not in value and pattern is not None and pattern.fullmatch(value):
        return str(value)  # a plain str: the text resolver writes it unquoted
    return value


def _reads_as_non_text(value: str) -> bool:
    """Whether another YAML reader takes this plain text for a number or a boolean."""
    if _YAML11.resolve(yaml.ScalarNode, value, (True, False)) in _NOT_TEXT:  # type: ignore[no-untyped-call]
        return True
    return bool(_YAML12_NUMBER.fullmatch(value)) or value in ("true", "True", "TRUE", "false", "False", "FALSE")
