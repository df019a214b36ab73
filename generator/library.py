"""The library under the `clusters` command: validate, snapshot, build, diff and archive as functions.

Each takes paths and an instant (aware; the caller reads the clock, generator.site.clock) and returns
a typed result. Bad records are not exceptional: they come back as `problems` (generator.problems),
and `ok` says whether any is an error. A folder or revision that does not hold records raises
`RecordsNotFound` (its message in Chinese, for the user); a program defect raises what it raises.
generator/cli.py parses options, calls these and prints; a script or a test calls them directly:

    import datetime as dt
    from pathlib import Path

    import generator
    from generator.domain.calendar import start_of_day

    at = start_of_day(dt.date(2026, 12, 1))
    checked = generator.validate(Path("data"), at=at)
    if checked.ok:
        print(generator.snapshot(Path("data"), at=at).snapshot.headline)
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from generator import PROJECT_ROOT, SCHEMAS_DIR
from generator.domain.calendar import day_of, start_of_day
from generator.domain.snapshot import Snapshot, take_snapshot
from generator.load.corrections import check_against
from generator.load.dataset import DisplayPaths, LoadResult, load_dataset
from generator.load.repository import GitError, commit_of, extract, toplevel, untracked_files
from generator.problems import Problem, Severity, problem
from generator.schema.package import load_schemas

if TYPE_CHECKING:
    from generator.publish.diff import RecordDiff
    from generator.site.build import Releases

CONFIG_FILE = PROJECT_ROOT / "mkdocs.yml"


# build(), archive() and write_sources() import generator.site (MkDocs, its theme, Pagefind) when called,
# diff() the templates: a validate, the pull-request check and the pre-commit hook, does not pay
# for importing them (a tenth of validating 10,000 records, benchmarks/README.md).


class RecordsNotFound(Exception):
    """A data folder, or a git revision of one, that is not there: the caller named it wrongly."""


def _has_error(problems: list[Problem]) -> bool:
    return any(found.severity is Severity.ERROR for found in problems)


@dataclass(frozen=True)
class Validation:
    """What `validate` found: every problem (sorted by file and line) and how many record files it read."""

    problems: list[Problem]
    files: int

    @property
    def ok(self) -> bool:
        return not _has_error(self.problems)


def validate(
    data_dir: Path, *, at: dt.datetime, schemas_dir: Path = SCHEMAS_DIR, against: str | Path | None = None
) -> Validation:
    """Check every record of `data_dir` as of `at`; files git does not track are problems too. With
    `against` (a data folder, or a git revision of `data_dir`'s repository) a published notice or
    call may change only through its correction log."""
    today = day_of(at)
    _require_folder(data_dir)
    result = load_dataset(data_dir, schemas_dir, today=today)
    problems = result.problems + [
        problem("file-untracked", DisplayPaths(data_dir)(path), 1, 1) for path in untracked_files(data_dir) or []
    ]
    if against is not None:
        with tempfile.TemporaryDirectory(prefix="clusters-against-") as scratch:
            base = load_dataset(_base_records(str(against), data_dir, Path(scratch)), schemas_dir, today=today)
            problems += check_against(base.dataset, result.dataset, data_dir, load_schemas(schemas_dir), today)
    return Validation(problems, result.files)


@dataclass(frozen=True)
class Snapshotted:
    """The records as loaded and, when they are valid, every fact derived from them at an instant."""

    loaded: LoadResult
    snapshot: Snapshot | None  # None when the records have an error

    @property
    def ok(self) -> bool:
        return self.snapshot is not None

    @property
    def problems(self) -> list[Problem]:
        return self.loaded.problems


def snapshot(data_dir: Path, *, at: dt.datetime, schemas_dir: Path = SCHEMAS_DIR) -> Snapshotted:
    """Load `data_dir` and take the snapshot at `at` (the site's statuses, windows, deadlines …)."""
    _require_folder(data_dir)
    loaded = load_dataset(data_dir, schemas_dir, today=day_of(at))
    return Snapshotted(loaded, take_snapshot(loaded.dataset, at) if loaded.ok else None)


@dataclass(frozen=True)
class Built:
    """A site build: the records' problems (warnings when it succeeded) and, when it failed, why."""

    site_dir: Path
    at: dt.datetime
    problems: list[Problem]
    files: int  # record files read (0 when the build failed before reading them)
    failure: str | None = None  # the reason a build with valid records failed (Chinese)
    records_invalid: bool = False  # the records have an error: nothing was built

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.records_invalid


def build(
    data_dir: Path,
    site_dir: Path,
    *,
    at: dt.datetime,
    config_file: Path = CONFIG_FILE,
    built_at: dt.datetime | None = None,
    commit: str = "",
    releases: Releases | None = None,
) -> Built:
    """Build the site as of `at` into `site_dir`, replacing it only when the whole build succeeded;
    `releases`: the chain it extends and how its manifest is signed (default: a release of its own,
    unsigned; generator.site.build.Releases)."""
    from generator.site.build import SiteBuildFailed, build_site  # MkDocs: only for a build (see _site)

    _require_folder(data_dir)
    try:
        loaded = build_site(config_file, data_dir, site_dir, at, built_at=built_at, commit=commit, releases=releases)
    except SiteBuildFailed as failed:
        if failed.loaded is not None and not failed.loaded.ok:
            return Built(site_dir, at, failed.loaded.problems, failed.loaded.files, records_invalid=True)
        return Built(site_dir, at, [], 0, failure=str(failed))
    return Built(site_dir, at, loaded.problems, loaded.files)


@dataclass(frozen=True)
class WrittenSources:
    """The site's sources written as ordinary files (`write_sources`)."""

    problems: list[Problem]
    config_file: Path | None  # out_dir/mkdocs.yml, without the clusters plugin; None when not written
    files: int  # generated files written over the copy of site_src/

    @property
    def ok(self) -> bool:
        return self.config_file is not None


def write_sources(data_dir: Path, out_dir: Path, *, at: dt.datetime, config_file: Path = CONFIG_FILE) -> WrittenSources:
    """Write the site's sources as of `at` into `out_dir`: docs/ (site_src/ and every page and file the
    records make) and mkdocs.yml without the clusters plugin, which any engine reading mkdocs.yml can
    build (`mkdocs build -f out_dir/mkdocs.yml`); nothing is written when the records have an error."""
    from generator.site.sources import site_sources
    from generator.site.sources import write_sources as write_out

    _require_folder(data_dir)
    docs_dir = config_file.parent / str(_config_value(config_file, "docs_dir") or "docs")
    made = site_sources(data_dir, docs_dir, at)
    if not made.ok:
        return WrittenSources(made.loaded.problems, None, 0)
    return WrittenSources(made.loaded.problems, write_out(made, config_file, out_dir), len(made.files))


def _config_value(config_file: Path, key: str) -> object:
    return (yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}).get(key)


@dataclass(frozen=True)
class Diffed:
    """Two states of the records compared; `changes` is None when either side has an error."""

    base: LoadResult
    head: LoadResult
    changes: RecordDiff | None

    @property
    def ok(self) -> bool:
        return self.changes is not None

    def markdown(self, base_label: str, head_label: str) -> str:
        """The change as a pull-request comment (Markdown)."""
        if self.changes is None:
            raise ValueError("the records do not validate: nothing was compared")
        from generator.publish.diff import render_markdown  # the templates: only for a diff

        return render_markdown(self.changes, base_label, head_label)


def diff(
    base: str | Path,
    head: str | Path | None = None,
    *,
    today: dt.date,
    data_path: str = "data",
    cwd: Path | None = None,
) -> Diffed:
    """Compare the records of `base` and `head` (each a data folder, a checkout holding `data_path`,
    or a git revision of the repository at `cwd`; `head` None: the working tree's `data_path`)."""
    with tempfile.TemporaryDirectory(prefix="clusters-diff-") as scratch:
        loaded = [
            load_dataset(_materialise(ref, data_path, Path(scratch) / label, cwd), SCHEMAS_DIR, today=today)
            for label, ref in (("BASE", base), ("HEAD", head))
        ]
    before, after = loaded
    if not (before.ok and after.ok):
        return Diffed(before, after, None)
    from generator.publish.diff import compare  # the templates: only for a diff

    return Diffed(before, after, compare(before.dataset, after.dataset, start_of_day(today), load_schemas(SCHEMAS_DIR)))


@dataclass(frozen=True)
class Archived:
    output: Path
    year: int
    origin: str | None = None  # which records it holds (Chinese), when written
    failure: str | None = None  # why it was not written (Chinese)

    @property
    def ok(self) -> bool:
        return self.failure is None


def archive(
    year: int,
    data_dir: Path,
    output: Path,
    *,
    config_file: Path = CONFIG_FILE,
    use_git: bool = True,
    releases: Releases | None = None,
) -> Archived:
    """The site and the records as of 31 December of `year`, in one reproducible zip (`output`);
    with `releases`, carrying the chain of releases up to that day (checked by `clusters verify`)."""
    from generator.site.archive import ArchiveFailed, archive_year  # MkDocs: only for a build
    from generator.site.build import SiteBuildFailed

    _require_folder(data_dir)
    try:
        origin = archive_year(year, config_file, data_dir, output, use_git=use_git, releases=releases)
    except (ArchiveFailed, SiteBuildFailed) as failed:
        return Archived(output, year, failure=str(failed))
    return Archived(output, year, origin=origin)


# --- where the records are ------------------------------------------------------------------------


def _require_folder(data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise RecordsNotFound(f"找不到数据目录 {data_dir}")


def _base_records(against: str, data_dir: Path, scratch: Path) -> Path:
    """The records to compare with: a data folder as given, or data_dir's folder at a git revision."""
    if Path(against).is_dir():
        return Path(against)
    root = toplevel(data_dir)
    revision = commit_of(against, cwd=data_dir) if root is not None else None
    if root is None or revision is None:
        raise RecordsNotFound(f"“{against}” 既不是数据目录，也不是 {data_dir} 所在 git 仓库中的修订")
    try:
        return extract(revision, data_dir.resolve().relative_to(root.resolve()).as_posix(), scratch, cwd=root)
    except GitError as failure:
        raise RecordsNotFound(str(failure)) from failure


def _materialise(ref: str | Path | None, data_path: str, scratch: Path, cwd: Path | None) -> Path:
    """A folder holding the records of `ref`: a data folder as given, or `data_path` at a git revision."""
    if ref is None:
        return (cwd or Path()) / data_path
    given = Path(ref) if cwd is None or Path(ref).is_absolute() else cwd / ref
    if given.is_dir():
        return given / data_path if (given / data_path / "districts.yaml").is_file() else given
    revision = commit_of(str(ref), cwd=cwd)
    if revision is None:
        raise RecordsNotFound(f"“{ref}” 既不是目录，也不是 git 修订")
    try:
        return extract(revision, data_path, scratch, cwd=cwd)
    except GitError as failure:
        raise RecordsNotFound(str(failure)) from failure
