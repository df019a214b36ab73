"""Read one YAML record file strictly into plain data plus the source position of every node.

Every scalar stays a string (or None for an empty/null plain scalar): the Frictionless schemas,
not YAML 1.1, decide what is a number, a date or a boolean, so `no` never becomes false and
`0755` never becomes a number. Duplicate keys, aliases, merge keys, tags, several documents,
invalid UTF-8, control characters and oversized files are refused with their position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.problems import Problem, problem

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_DEFAULT_TAGS = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


class _Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """PyYAML's base loader (libyaml's parser where present): no implicit types, no path resolvers.

    Its resolver then always gives the default tag of a node's kind, but looks for rules first,
    in Python, three calls for every node: a quarter of the time to compose 10,000 records. This
    one answers at once. An explicit tag (`!!int 7`) never asks the resolver and is refused in
    _convert.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        return _DEFAULT_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass  # no path resolvers to follow

    def ascend_resolver(self) -> None:
        pass


# C0 controls except tab/LF/CR, DEL, C1 controls, the Unicode line/paragraph separators (YAML
# breaks lines there, editors do not), and the bidirectional overrides and isolates that can make
# text display differently from what it is ("Trojan Source"), and the noncharacters U+FFFE/U+FFFF
# (YAML refuses them without a position; XML, and so the Atom feed, cannot hold them).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# A double-quoted scalar can write any of them as an escape ("\0", "\e", "\u202E", "\L"), which the
# check of the file's text cannot see: each escape is decoded and checked on its own.
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_SHORT_ESCAPES = {
    "0": "\x00",
    "a": "\x07",
    "b": "\x08",
    "v": "\x0b",
    "f": "\x0c",
    "e": "\x1b",
    "N": "\x85",
    "L": "\u2028",
    "P": "\u2029",
}

Path_ = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass
class Document:
    """A record file's data with 1-based (line, column) positions keyed by the path to each node."""

    path: str
    data: Any
    value_pos: dict[Path_, Position] = field(default_factory=dict)
    key_pos: dict[Path_, Position] = field(default_factory=dict)

    def position(self, path: Path_) -> Position:
        """Where the value at `path` is; for an absent key, where its nearest present parent is."""
        while path not in self.value_pos and path:
            path = path[:-1]
        return self.value_pos.get(path, (1, 1))

    def key_position(self, path: Path_) -> Position:
        return self.key_pos.get(path) or self.position(path)


class _Refused(Exception):
    def __init__(self, found: Problem):
        self.problem = found


def kind_name(value: Any) -> str:
    """Chinese name of a YAML value's kind, for messages."""
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    if value is None:
        return "空值"
    return "单个值"


def _line_col(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_yaml(file: Path, display: str) -> tuple[Document | None, list[Problem]]:
    """Read `file`; `display` is the path printed in problems. Returns the document or problems."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [problem("file-unreadable", display, 1, 1, detail=exc.strerror or str(exc))]
    return parse_yaml(raw, display)


def parse_yaml(raw: bytes, display: str) -> tuple[Document | None, list[Problem]]:
    """A record file's bytes read as `read_yaml` reads the file (an earlier version, from git)."""
    if len(raw) > MAX_BYTES:
        return None, [problem("file-too-large", display, 1, 1, size=len(raw), limit=MAX_BYTES)]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(prefix, len(prefix))
        return None, [problem("file-encoding", display, line, col, byte=f"0x{raw[exc.start]:02X}")]
    bad = _CONTROL.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        return None, [problem("yaml-control-character", display, line, col, char=f"U+{ord(bad.group()):04X}")]
    if not text.strip():
        return None, [problem("file-empty", display, 1, 1)]
    try:
        roots = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, display)]
    except yaml.YAMLError as exc:  # errors without a mark (rare)
        return None, [problem("yaml-syntax", display, 1, 1, detail=str(exc))]
    if not roots:
        return None, [problem("file-empty", display, 1, 1)]
    if len(roots) > 1:
        line, col = _second_document_start(text)
        return None, [problem("yaml-multiple-documents", display, line, col)]
    doc = Document(display, None)
    try:
        # Without an anchor (&) there is no alias to find: the nodes need not be remembered.
        doc.data = _convert(roots[0], (), doc, set() if "&" in text else None, text)
    except _Refused as refused:
        return None, [refused.problem]
    if not isinstance(doc.data, dict):
        return None, [problem("yaml-not-mapping", display, *doc.value_pos[()], kind=kind_name(doc.data))]
    return doc, []


# A key written `key：value` (full-width colon) or `key:value` (no space) is not a key in YAML: the
# line becomes plain text and the parser only complains on a later line.
_BAD_KEY_LINE = re.compile(r"^\s*(- )?[A-Za-z_][A-Za-z0-9_]*(?P<sep>：|:(?=[^\s]))")
_OPENERS = (
    "while parsing a flow",
    "while scanning a quoted scalar",
    "while scanning a double-quoted",
    "while scanning a single-quoted",
)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, display: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return problem("yaml-tab", display, mark.line + 1, mark.column + 1)
    if exc.context_mark is not None and (exc.context or "").startswith(_OPENERS):
        mark = exc.context_mark  # an unclosed bracket or quote: point where it opens
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    for number in range(line, max(line - 3, 0), -1):  # the offending key is usually just above
        match = _BAD_KEY_LINE.match(lines[number - 1]) if number <= len(lines) else None
        if match:
            what = "使用了全角冒号“：”" if match.group("sep") == "：" else "冒号后缺少空格"
            return problem("yaml-syntax", display, number, 1, detail=f"此行{what}，应写成“字段: 值”（半角冒号加空格）")
    detail = " ".join(part for part in (exc.context, exc.problem) if part)
    return problem("yaml-syntax", display, line, col, detail=_explain(detail))


_EXPLANATIONS = (
    (
        "mapping values are not allowed",
        "此处不能出现“键: 值”（可能是冒号后缺少空格、值中含有未加引号的冒号，或缩进错误）",
    ),
    ("could not find expected ':'", "找不到应有的冒号（可能是缩进错误或多行文本未加引号）"),
    ("did not find expected key", "缩进不一致，找不到应有的字段"),
    ("did not find expected '-' indicator", "列表缩进不一致"),
    ("found undefined alias", "使用了未定义的别名 *"),
    ("found unexpected end of stream", "文件意外结束（可能有未闭合的引号或括号）"),
    ("exceeded maximum nesting depth", "嵌套层级过深"),
    ("found character that cannot start any token", "出现了不能作为开头的字符（如 @ 或 `），请给该值加上引号"),
    ("expected <block end>, but found", "缩进不一致"),
    ("did not find expected ',' or ']'", "方括号 [ 没有闭合，或列表项之间缺少逗号"),
    ("did not find expected ',' or '}'", "花括号 { 没有闭合，或项之间缺少逗号"),
    ("did not find expected <document start>", "文档结束标记 ... 之后还有内容"),
    ("while scanning a quoted scalar", "引号没有闭合"),
)


def _explain(detail: str) -> str:
    for english, chinese in _EXPLANATIONS:
        if english in detail:
            return f"{chinese}（{detail}）"
    return detail


def _convert(node: yaml.Node, path: Path_, doc: Document, seen: set[int] | None, text: str) -> Any:
    mark = node.start_mark
    doc.value_pos[path] = (mark.line + 1, mark.column + 1)
    if seen is not None:
        if id(node) in seen:  # the composer hands an alias back as the anchored node itself
            raise _Refused(problem("yaml-alias", doc.path, *_first_alias(text, doc.value_pos[path])))
        seen.add(id(node))
    if len(path) > MAX_DEPTH:
        raise _Refused(problem("yaml-too-deep", doc.path, *doc.value_pos[path], limit=MAX_DEPTH))
    if node.tag != _DEFAULT_TAGS[type(node)]:
        written = node.tag.replace("tag:yaml.org,2002:", "!!", 1)  # as staff typed it
        raise _Refused(problem("yaml-tag", doc.path, *doc.value_pos[path], tag=written))
    if isinstance(node, yaml.ScalarNode):
        if node.style == '"':
            _refuse_escaped_control(node, doc, text)
        if node.style in (None, "") and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (index,), doc, seen, text) for index, item in enumerate(node.value)]
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_mark = key_node.start_mark
        where = (key_mark.line + 1, key_mark.column + 1)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.value in ("", None):
            raise _Refused(problem("yaml-complex-key", doc.path, *where))
        if key_node.style == '"':
            _refuse_escaped_control(key_node, doc, text)
        key = key_node.value
        if key == "<<" and key_node.style in (None, ""):
            raise _Refused(problem("yaml-merge-key", doc.path, *where))
        if key in mapping:
            first_line = doc.key_pos[path + (key,)][0]
            raise _Refused(problem("yaml-duplicate-key", doc.path, *where, key=key, first_line=first_line))
        doc.key_pos[path + (key,)] = where
        mapping[key] = _convert(value_node, path + (key,), doc, seen, text)
    return mapping


def _refuse_escaped_control(node: yaml.ScalarNode, doc: Document, text: str) -> None:
    """Refuse a double-quoted scalar whose escapes write a character the file itself may not hold
    (e.g. "\\u202E"), pointing at the escape's backslash."""
    bad = _CONTROL.search(node.value)
    if bad is None:
        return
    where, char = node.start_mark.index, bad.group()
    for match in _ESCAPE.finditer(text, node.start_mark.index, node.end_mark.index):
        code = match.group(1)
        written = chr(int(code[1:], 16)) if len(code) > 1 else _SHORT_ESCAPES.get(code, "")
        if _CONTROL.fullmatch(written):
            where, char = match.start(), written
            break
    raise _Refused(problem("yaml-control-character", doc.path, *_line_col(text, where), char=f"U+{ord(char):04X}"))


def _second_document_start(text: str) -> Position:
    """Where the second document begins (its `---`), found by re-parsing only in this failure case."""
    starts = [e for e in yaml.parse(text, Loader=_Loader) if isinstance(e, yaml.DocumentStartEvent)]
    return _event_position(starts[1])


def _first_alias(text: str, fallback: Position) -> Position:
    """Position of the first alias (`*name`) in the text: the node graph only knows the anchor."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return _event_position(event)
    return fallback


def _event_position(event: yaml.Event) -> Position:
    """(line, column) from 1 where a parsed event starts."""
    mark = event.start_mark
    if mark is None:  # the parser marks every event it reads; only hand-built events lack one
        raise ValueError(f"YAML event without a position: {event!r}")
    return mark.line + 1, mark.column + 1
