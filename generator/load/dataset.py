"""Load a data/ folder: find the record files, read, flatten, validate, apply the rules, type.

`load_dataset` is the one entry point the CLI and the site generator use. It never raises for
bad data: every problem comes back as a value, sorted by file and line, and the dataset holds
only the records whose files had no error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import stat
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator import SCHEMAS_DIR
from generator.domain.model import Dataset
from generator.load.attachments import AttachmentRef, check_references, scan_attachments
from generator.load.build import build_dataset
from generator.load.records import Tables, flatten
from generator.load.rules import check_calendar_header, check_calendar_rows, check_dataset, check_rows
from generator.load.tables import ALL_KEYS, validate_tables
from generator.load.yamlread import read_yaml
from generator.problems import Problem, Severity, problem
from generator.schema.kinds import ATTACHMENTS_DIR, RECORD_ID, RECORD_TYPES, RecordType
from generator.schema.package import SchemaSet, load_schemas


@dataclass(frozen=True)
class LoadResult:
    dataset: Dataset
    problems: list[Problem]
    files: int  # record files read

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)


def discover(data_dir: Path) -> tuple[list[tuple[Path, RecordType]], list[Problem]]:
    """The record files under data_dir with their record type, plus problems with the layout."""
    found: list[tuple[Path, RecordType]] = []
    problems: list[Problem] = []
    display = DisplayPaths(data_dir)
    known_dirs: set[str] = {ATTACHMENTS_DIR}  # checked by generator.load.attachments
    known_files: set[str] = set()
    for record_type in RECORD_TYPES:
        if record_type.one_per_file:
            folder = record_type.location.split("/", 1)[0]
            known_dirs.add(folder)
            directory = data_dir / folder
            refused = entry_problem(directory, data_dir, display)
            if refused is not None:
                problems.append(refused)
                continue
            for path in sorted(directory.iterdir()) if directory.is_dir() else []:
                refused = entry_problem(path, data_dir, display)
                if refused is not None:
                    problems.append(refused)
                    continue
                if path.suffix != ".yaml" or not path.is_file():
                    if not path.name.startswith("."):
                        problems.append(problem("file-unexpected", display(path), 1, 1))
                    continue
                if not RECORD_ID.fullmatch(path.stem):
                    problems.append(problem("file-name", display(path), 1, 1, name=path.name))
                    continue
                found.append((path, record_type))
        else:
            known_files.add(record_type.location)
            path = data_dir / record_type.location
            refused = entry_problem(path, data_dir, display)
            if refused is not None:
                problems.append(refused)
            elif path.is_file():
                found.append((path, record_type))
            else:
                problems.append(problem("file-missing", display(path), 1, 1, name=record_type.location))
    for path in sorted(data_dir.iterdir()) if data_dir.is_dir() else []:
        if path.name in known_files or path.name in known_dirs:
            continue
        refused = entry_problem(path, data_dir, display)
        if refused is not None:
            problems.append(refused)
        elif not path.name.startswith("."):
            problems.append(problem("file-unexpected", display(path), 1, 1))
    return found, problems


def entry_problem(path: Path, data_dir: Path, display: DisplayPaths) -> Problem | None:
    """A problem when `path` is not a regular file or folder inside the data folder, else None.

    Decided from the entry itself (lstat), never by following it: a symbolic link is refused
    whatever it points to (the only way an entry listed from the data folder can lead outside
    it), and nothing of its target is read or named; a FIFO, socket or device is refused before
    anything opens it (a FIFO would block the reader)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None  # a missing file or folder is reported (or not needed) elsewhere
    except OSError as exc:
        return problem("file-unreadable", display(path), 1, 1, detail=exc.strerror or type(exc).__name__)
    if stat.S_ISLNK(mode):
        return problem("file-symlink", display(path), 1, 1)
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return problem("file-not-regular", display(path), 1, 1)
    return None  # entries come from listing the data folder, so only a link could lead outside it


def refused_entries(root: Path) -> list[Problem]:
    """Every link, FIFO, socket or device anywhere under `root` (site_src/, say), found without
    following links (os.walk does not descend into a linked folder), each as a problem."""
    found: list[Problem] = []
    display = DisplayPaths(root)
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs + files):
            refused = entry_problem(Path(folder) / name, root, display)
            if refused is not None:
                found.append(refused)
    return found


class DisplayPaths:
    """Paths under data_dir as staff see them: relative to the working directory if possible.

    Each folder is resolved once, not every file: resolving each path (and the working directory)
    anew took a tenth of the time to validate 10,000 records (benchmarks/README.md). A symbolic
    link is shown by its own name, never by where it points.
    """

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.cwd = Path.cwd().resolve()
        self._folders: dict[Path, str] = {}  # a folder -> how its files' paths begin ("data/clusters/")

    def __call__(self, path: Path) -> str:
        shown = self._folders.get(path.parent)
        if shown is None:
            shown = self._folders[path.parent] = self._folder(path.parent)
        return shown + path.name

    def _folder(self, folder: Path) -> str:
        try:
            relative = folder.resolve().relative_to(self.cwd).as_posix()
        except ValueError:
            inside = folder.is_relative_to(self.data_dir)
            relative = (
                (Path(self.data_dir.name) / folder.relative_to(self.data_dir)).as_posix() if inside else str(folder)
            )
        return "" if relative == "." else relative + "/"


def load_dataset(data_dir: Path, schemas_dir: Path = SCHEMAS_DIR, *, today: dt.date) -> LoadResult:
    """Read and check every record under data_dir as of `today`, the day in Asia/Shanghai (no default:
    the records dated after it are checked as scheduled, so the caller must say which day it is)."""
    with _collector_paused():
        return _load(data_dir, schemas_dir, today)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, then restore the caller's setting.

    Loading builds a large, growing heap of small objects that live on and form few cycles; the
    collector would scan it again and again as it grows (a fifth of the time to validate 10,000
    records, benchmarks/README.md). The few cycles are collected once it runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(data_dir: Path, schemas_dir: Path, today: dt.date) -> LoadResult:
    schema_set = load_schemas(schemas_dir)
    field_types = schema_set.field_types()
    files, problems = discover(data_dir)
    display = DisplayPaths(data_dir)
    tables: Tables = {name: [] for name in schema_set.schemas}
    unread: dict[str, set[str]] = {}  # resource -> keys of records whose file could not be read
    unread_whole: set[str] = set()  # resources of a single file that could not be read at all
    for path, record_type in files:
        doc, read_problems = read_yaml(path, display(path))
        problems += read_problems
        if doc is None:
            if record_type.one_per_file:
                unread.setdefault(record_type.resource, set()).add(path.stem)
            else:  # a single file such as districts.yaml: nothing it would define can be checked against
                unread_whole.update((record_type.resource, *record_type.children.values()))
            continue
        problems += flatten(doc, record_type, field_types, tables)
        if record_type.kind == "calendar":  # its header comments (YAML keeps no comments): read again
            problems += check_calendar_header(doc.path, path.read_bytes().decode("utf-8-sig", "replace"), path.stem)
    # A mis-shaped value (a list where text belongs) is reported once, not again as missing.
    unloaded: dict[str, AbstractSet[str]] = {**unread, **dict.fromkeys(unread_whole, ALL_KEYS)}
    shaped = {(p.path, p.line, p.col) for p in problems if p.code.startswith("expected-")}
    table_problems, _ = validate_tables(schema_set, tables, unloaded)
    problems += [p for p in table_problems if p.code != "required" or (p.path, p.line, p.col) not in shaped]
    problems += check_rows(tables)
    bad_files = {p.path for p in problems if p.severity is Severity.ERROR}
    calendar_problems = list(check_calendar_rows(tables, bad_files))
    problems += calendar_problems
    bad_files |= {p.path for p in calendar_problems}
    dataset = build_dataset(tables, bad_files, schema_set)
    if not dataset.policies.of_level("municipal") and "policies" not in unloaded:
        problems.append(problem("policy-missing", display(data_dir / "policy"), 1, 1))
    problems += check_dataset(dataset, _titles(schema_set, "events"), today)
    scan = scan_attachments(data_dir / ATTACHMENTS_DIR, display, lambda path: entry_problem(path, data_dir, display))
    carried = [notice.attachments for notice in dataset.notices.values()]
    carried += [call.attachments for call in dataset.calls.values()]
    references = [AttachmentRef(a.file, a.origin.located("file")) for listed in carried for a in listed]
    problems += check_references(scan, references)
    dataset = dataclasses.replace(dataset, attachments=scan.files)
    return LoadResult(dataset, sorted(set(problems)), len(files))


def _titles(schema_set: SchemaSet, resource: str) -> dict[str, str]:
    return {f["name"]: f.get("title", f["name"]) for f in schema_set.schemas[resource]["fields"]}
