"""The site's generated sources, engine-neutral: every page and file the records make, as of an instant.

`site_sources(data_dir, docs_dir, at)` loads and checks the records (and the hand-written pages'
folder, which an engine will read), takes the snapshot and the change log, and returns what the
site publishes besides site_src/: the pages (Markdown, or an HTML body for the record pages), the
open data, feeds and calendars, the live states' script and the attachments the published records
carry, each at its path in the site's sources, with the values the theme's templates read
(`extra.clusters`). Nothing here imports MkDocs: the MkDocs plugin (generator.site.plugin) hands
these files to MkDocs, and `write_sources` writes them out as ordinary files beside a copy of
site_src/ with mkdocs.yml minus the plugin, which any engine reading mkdocs.yml can build
(`generator.library.sources`, docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator import SCHEMAS_DIR
from generator.domain.calendar import day_of
from generator.domain.history import History, ReleaseRow
from generator.domain.schedule import state_schedule
from generator.domain.snapshot import Snapshot, take_snapshot
from generator.load.dataset import LoadResult, load_dataset, refused_entries
from generator.load.history import read_history
from generator.problems import Problem, Severity
from generator.publish.changelog import changelog_view
from generator.publish.exports import build_exports
from generator.publish.live import LIVE_STATES_SCRIPT, live_states_script
from generator.publish.pages import render_pages
from generator.schema.kinds import ATTACHMENTS_DIR, published_path
from generator.schema.package import load_schemas

PLUGIN_NAME = "clusters"  # the plugin's entry point in mkdocs.yml (pyproject.toml)


@dataclass(frozen=True)
class SourceFile:
    """One generated file of the site's sources: its path there and its bytes, or the file to copy."""

    path: str  # relative to the sources' root ("clusters/x.md", "data/clusters.csv", "attachments/y.pdf")
    content: bytes | None = None
    copy_of: Path | None = None  # an attachment, copied as it is (checked when loaded)
    page: bool = False  # a page (Markdown source), not a file published as it is
    in_nav: bool = False  # a page listed in the navigation (record pages are not: the nav would grow)
    html: bool = False  # a page whose body is HTML, not Markdown (generator.publish.pages)


@dataclass(frozen=True)
class SiteSources:
    loaded: LoadResult  # the records, and the problems of both folders
    snapshot: Snapshot | None  # None when a problem is an error: nothing is generated then
    history: History | None = None
    files: list[SourceFile] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # mkdocs.yml's extra.clusters, for the theme
    site_url: str | None = None  # the published address (data/site.yaml), when it gives one

    @property
    def ok(self) -> bool:
        return self.snapshot is not None

    @property
    def errors(self) -> list[Problem]:
        return [found for found in self.loaded.problems if found.severity is Severity.ERROR]


def check_sources(data_dir: Path, docs_dir: Path, at: dt.datetime) -> SiteSources:
    """The records loaded as of `at` and, when neither they nor `docs_dir` (the hand-written pages,
    read by the engine, which follows links) has an error, their snapshot and history."""
    loaded = load_dataset(data_dir, SCHEMAS_DIR, today=day_of(at))
    refused = refused_entries(docs_dir)
    loaded = LoadResult(loaded.dataset, sorted(loaded.problems + refused), loaded.files)
    if any(found.severity is Severity.ERROR for found in loaded.problems):
        return SiteSources(loaded, None)
    snapshot = take_snapshot(loaded.dataset, at)
    # Read once per build (unavailable outside a git work tree); pages and feed show it as of the day.
    history = read_history(data_dir, load_schemas(SCHEMAS_DIR))
    site = snapshot.site
    address = site.address if site else None
    day = day_of(at)
    extra = {
        "today": day.isoformat(),
        "at": at.isoformat(),  # the snapshot's instant (the open data state it; the pages say the day)
        "data_changed": data_last_changed(history, day),
        "guideline_until": until.isoformat() if (until := snapshot.rules.in_force_until) else None,
        "guideline_lapsed": snapshot.guideline_lapsed,
        "site": dict(site.values) if site else {},
        "site_domain": urlsplit(address).hostname if address else None,
    }
    return SiteSources(loaded, snapshot, history, extra=extra, site_url=address)


def generated_files(checked: SiteSources, data_dir: Path, releases: Sequence[ReleaseRow] = ()) -> list[SourceFile]:
    """Every file the records make, for checked records (`check_sources`): exports, the live states'
    script, the published attachments, then the pages."""
    snapshot = checked.snapshot
    if snapshot is None or checked.history is None:
        raise ValueError("the records have errors: nothing is generated")
    schema_set = load_schemas(SCHEMAS_DIR)
    site = snapshot.site
    changelog = changelog_view(checked.history, snapshot)  # once, for the page and its feed
    downloads = build_exports(snapshot, schema_set, site.address if site else None, changelog=changelog)
    files = [SourceFile(export.path, export.content) for export in downloads]
    # What the changing states will read after the build, for the browser (live-states.js).
    schedule = state_schedule(checked.loaded.dataset, snapshot)
    files.append(SourceFile(LIVE_STATES_SCRIPT, live_states_script(schedule).encode("utf-8")))
    # The attachments the published records carry, at their stable paths; a file only a later record
    # (or an unpublished result) names waits.
    attachments_dir = data_dir / ATTACHMENTS_DIR
    for name in sorted({attachment.file for _, _, attachment in snapshot.attachments}):
        files.append(SourceFile(published_path(name), copy_of=attachments_dir / name))
    for page in render_pages(snapshot, schema_set, downloads, changelog=changelog, releases=releases):
        files.append(
            SourceFile(page.src_uri, page.content.encode("utf-8"), page=True, in_nav=page.in_nav, html=page.html)
        )
    return files


def site_sources(data_dir: Path, docs_dir: Path, at: dt.datetime) -> SiteSources:
    """`check_sources`, then, when the records have no error, every file they make."""
    checked = check_sources(data_dir, docs_dir, at)
    if not checked.ok:
        return checked
    return SiteSources(
        checked.loaded,
        checked.snapshot,
        checked.history,
        generated_files(checked, data_dir),
        checked.extra,
        checked.site_url,
    )


def write_sources(sources: SiteSources, config_file: Path, out_dir: Path) -> Path:
    """The site's sources as ordinary files: `out_dir`/docs (a copy of the config's docs_dir, then
    every generated file over it) and `out_dir`/mkdocs.yml (the config minus the clusters plugin,
    docs_dir and the theme's custom_dir pointing there, extra.clusters and site_url set). Returns
    that mkdocs.yml. The HTML bodies of the record pages stay in their .md files: a Markdown engine
    passes an HTML block through (MkDocs with the plugin sets them past Python-Markdown instead)."""
    if not sources.ok:
        raise ValueError("the records have errors: nothing is written")
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    root = config_file.parent
    docs_src = root / config.get("docs_dir", "docs")
    docs = out_dir / "docs"
    shutil.copytree(docs_src, docs, dirs_exist_ok=True)
    for file in sources.files:
        target = docs / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if file.copy_of is not None:
            shutil.copyfile(file.copy_of, target)
        elif file.content is not None:
            target.write_bytes(file.content)
    config["plugins"] = [entry for entry in config.get("plugins") or [] if _plugin_name(entry) != PLUGIN_NAME]
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        custom = (root / theme["custom_dir"]).resolve().relative_to(docs_src.resolve())
        theme["custom_dir"] = (Path("docs") / custom).as_posix()
    config["extra"] = {**(config.get("extra") or {}), "clusters": sources.extra}
    if sources.site_url and not config.get("site_url"):
        config["site_url"] = sources.site_url
    written = out_dir / "mkdocs.yml"
    written.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return written


def data_last_changed(history: History, day: dt.date) -> str | None:
    """When the records last changed: the day (Asia/Shanghai) of the last commit touching data/ on or
    before the build's day (a build as of an earlier day does not state a later change); None outside git."""
    shown = history.as_of(day).commits
    return shown[0].day.isoformat() if shown else None


def _plugin_name(entry: Any) -> str:
    return entry if isinstance(entry, str) else next(iter(entry), "") if isinstance(entry, dict) else ""
