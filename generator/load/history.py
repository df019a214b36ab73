"""The history of the data folder, in record terms, for the public change log (更新记录).

`read_history(data_dir, schema_set)` reads every commit on HEAD's first-parent line that changed
something under the data folder, newest first, with two git processes (one `git log --raw -z`,
one `git cat-file --batch` for the blobs of changed records; generator.load.repository), and says
for each file what changed:

- a record file (a path of `RECORD_TYPES`: its kind and, one record per file, its id from the
  file name) added, removed or changed; for a changed one, the fields whose value changed (by the
  schema's Chinese title) and the items of its lists (events, entries, sources …) added, changed
  or removed, counted (the one comparison, generator.domain.changes). Both versions are read as
  validation reads a record (strict YAML, flattened by the schemas' field names), but an old
  version need not be valid today: one that cannot be read makes the change just "记录有变化",
  never an error;
- a file under attachments/: an attachment, by its name;
- any other file: by its path.

A merge counts as the change it brought to the first-parent line, dated when it was made there.
A commit is dated by its committer date in Asia/Shanghai. The oldest commit of a shallow clone
has no parent here: it is marked as the start of the available history (`boundary`) and lists no
changes, rather than claiming every file was added then. Outside a git work tree the history is
unavailable (`available` False). `History.as_of(day)` keeps the commits dated on or before a day.

The parsing and comparison functions take text (bytes), not paths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.domain.calendar import SHANGHAI
from generator.domain.changes import RecordState, compare_record, is_empty
from generator.domain.history import (
    ADDED,
    ATTACHMENT,
    ATTACHMENTS,
    CHANGED,
    CHANGED_SOMEHOW,
    LAYOUT_ONLY,
    REMOVED,
    UNAVAILABLE,
    Commit,
    FileChange,
    History,
    ListChange,
)
from generator.load.records import Tables, flatten
from generator.load.repository import folder_log, read_blobs, repository_state
from generator.load.yamlread import parse_yaml
from generator.schema.kinds import RECORD_ID, RECORD_TYPES, RecordType
from generator.schema.package import SchemaSet

_ACTIONS = {"A": ADDED, "D": REMOVED}  # every other status (M, T) is a change; --no-renames: no R or C
_REGULAR_FILES = frozenset({"100644", "100755"})


def read_history(data_dir: Path, schema_set: SchemaSet) -> History:
    """The history of `data_dir` (see the module docstring); UNAVAILABLE outside git."""
    state = repository_state(data_dir)
    if state is None:
        return UNAVAILABLE
    shallow, grafted = state
    log = folder_log(data_dir)
    if log is None:  # a repository without commits
        return History(available=True, shallow=shallow)
    parsed = parse_log(log)
    wanted = [
        blob
        for entry in parsed
        if not _is_boundary(entry, shallow, grafted)
        for raw in entry.files
        if _needs_blobs(raw)
        for blob in (raw.old_blob, raw.new_blob)
    ]
    blobs = read_blobs(list(dict.fromkeys(wanted)), data_dir)
    field_types = schema_set.field_types()
    versions: dict[tuple[str, str], _Version | None] = {}  # a blob is one commit's new version, the next one's old

    def version_of(blob_id: str, path: str) -> _Version | None:
        found = record_type_of(path)
        if found is None:
            return None
        key = (blob_id, found[0].kind)
        if key not in versions:
            versions[key] = _version(blobs.get(blob_id), path, found[0], field_types)
        return versions[key]

    commits = tuple(_commit(entry, _is_boundary(entry, shallow, grafted), version_of, schema_set) for entry in parsed)
    since = next((commit for commit in commits if commit.boundary), None)
    return History(available=True, shallow=shallow, commits=commits, since=since)


@dataclass(frozen=True)
class RawFile:
    """One line of `git log --raw`: modes, blob ids, status, path."""

    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str
    status: str
    path: str


@dataclass(frozen=True)
class LogEntry:
    sha: str
    committed: int  # seconds since the epoch
    parents: tuple[str, ...]
    files: tuple[RawFile, ...]


def parse_log(log: bytes) -> list[LogEntry]:
    """`git log -z --raw --format=LOG_FORMAT` output as entries, in its order. With -z every field
    ends with a NUL: a commit's header, then per file its `:modes blobs status` and its path (which
    is taken whole, whatever characters it holds)."""
    entries: list[LogEntry] = []
    header: list[str] | None = None
    files: list[RawFile] = []

    def finish() -> None:
        if header is not None:
            entries.append(LogEntry(header[0], int(header[1]), tuple(header[2].split()), tuple(files)))

    tokens = log.decode("utf-8", "surrogateescape").split("\0")
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip("\n")
        index += 1
        if token.startswith("\x01"):
            finish()
            header, files = token[1:].split("\x1f")[:3], []
        elif token.startswith(":") and index < len(tokens):
            parts, path = token[1:].split(), tokens[index]
            index += 1
            if len(parts) == 5:
                old_mode, new_mode, old_blob, new_blob, status = parts
                files.append(RawFile(old_mode, new_mode, old_blob, new_blob, status, path))
    finish()
    return entries


def _is_boundary(entry: LogEntry, shallow: bool, grafted: frozenset[str]) -> bool:
    return entry.sha in grafted or (shallow and not entry.parents)


def record_type_of(path: str) -> tuple[RecordType, str | None] | None:
    """The record type a path of the data folder holds, with the record id (one record per file)."""
    for record_type in RECORD_TYPES:
        if not record_type.one_per_file:
            if path == record_type.location:
                return record_type, None
            continue
        folder, _, name = path.partition("/")
        stem, dot, suffix = name.rpartition(".")
        if folder == record_type.location.split("/", 1)[0] and dot and suffix == "yaml" and RECORD_ID.fullmatch(stem):
            return record_type, stem
    return None


def _action(raw: RawFile) -> str:
    return _ACTIONS.get(raw.status[:1], CHANGED)


def _needs_blobs(raw: RawFile) -> bool:
    """A changed record file whose two versions are both regular files with different contents."""
    return (
        _action(raw) == CHANGED
        and record_type_of(raw.path) is not None
        and {raw.old_mode, raw.new_mode} <= _REGULAR_FILES
        and raw.old_blob != raw.new_blob
    )


def _commit(
    entry: LogEntry, boundary: bool, version_of: Callable[[str, str], _Version | None], schema_set: SchemaSet
) -> Commit:
    committed_at = dt.datetime.fromtimestamp(entry.committed, SHANGHAI)
    if boundary:
        return Commit(entry.sha, committed_at, (), boundary=True)
    changes = []
    for raw in sorted(entry.files, key=lambda raw: raw.path):
        if _needs_blobs(raw):
            before, after = version_of(raw.old_blob, raw.path), version_of(raw.new_blob, raw.path)
            changes.append(_compared(raw.path, before, after, schema_set))
        else:
            changes.append(file_change(raw.path, _action(raw)))
    return Commit(entry.sha, committed_at, tuple(changes))


def file_change(path: str, action: str) -> FileChange:
    """What a path is, without its contents: a record (kind, id), an attachment, or another file."""
    if path.startswith(ATTACHMENTS + "/"):
        return FileChange(action, path, ATTACHMENT)
    found = record_type_of(path)
    if found is None:
        return FileChange(action, path, None)
    record_type, record_id = found
    return FileChange(action, path, record_type.kind, record_id, note=CHANGED_SOMEHOW if action == CHANGED else None)


@dataclass(frozen=True)
class _Version:
    data: Any  # the parsed YAML
    state: RecordState  # the top-level row's values; each list's items as (name, repr(value)) pairs


def compare_versions(path: str, old: bytes | None, new: bytes | None, schema_set: SchemaSet) -> FileChange:
    """A changed record file in record terms: the fields and list items that differ between two
    versions (bytes of the file; None when unknown). Never raises: a version that cannot be read
    gives CHANGED_SOMEHOW."""
    found = record_type_of(path)
    if found is None:
        return file_change(path, CHANGED)
    field_types = schema_set.field_types()
    before, after = _version(old, path, found[0], field_types), _version(new, path, found[0], field_types)
    return _compared(path, before, after, schema_set)


def _compared(path: str, before: _Version | None, after: _Version | None, schema_set: SchemaSet) -> FileChange:
    found = record_type_of(path)
    if found is None:
        return file_change(path, CHANGED)
    record_type, record_id = found
    if before is None or after is None:
        return FileChange(CHANGED, path, record_type.kind, record_id, note=CHANGED_SOMEHOW)
    specs = schema_set.schemas[record_type.resource]["fields"]
    titles = {spec["name"]: spec.get("title", spec["name"]) for spec in specs}
    change = compare_record(record_id or path, before.state, after.state, titles)
    lists = tuple(
        ListChange(key, schema_set.titles.get(resource, key), *change.tally(key))
        for key, resource in record_type.children.items()
        if change.items_of(key)
    )
    fields = change.fields
    note = None
    if not fields and not lists:
        # Values alike but the data not: a key today's schema no longer has changed.
        note = LAYOUT_ONLY if _stated(before.data) == _stated(after.data) else CHANGED_SOMEHOW
    return FileChange(CHANGED, path, record_type.kind, record_id, fields, lists, note)


def _stated(data: Any) -> Any:
    """Parsed YAML without its empty values (an empty key states nothing: changes.is_empty)."""
    if isinstance(data, dict):
        pruned = {key: _stated(value) for key, value in data.items()}
        return {key: value for key, value in pruned.items() if not is_empty(value)}
    if isinstance(data, list):
        return [_stated(item) for item in data]
    return data


def _version(
    raw: bytes | None, path: str, record_type: RecordType, field_types: Mapping[str, Mapping[str, str]]
) -> _Version | None:
    if raw is None:
        return None
    try:
        doc, _ = parse_yaml(raw, path)
        if doc is None:
            return None
        tables: Tables = {record_type.resource: [], **{resource: [] for resource in record_type.children.values()}}
        flatten(doc, record_type, field_types, tables)  # problems are validation's business, not the log's
    except Exception:  # an old version is whatever someone once committed: it only "changed"
        return None
    root = tables[record_type.resource][0].values if tables[record_type.resource] else {}
    own = {record_type.parent_field, "seq"}
    items = {
        key: [
            tuple(sorted((name, repr(value)) for name, value in row.values.items() if name not in own))
            for row in tables[resource]
        ]
        for key, resource in record_type.children.items()
    }
    return _Version(doc.data, RecordState(root, items))
