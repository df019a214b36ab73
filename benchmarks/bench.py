#!/usr/bin/env python3
"""Benchmark the publisher on synthetic data: validation, full site build, plain MkDocs build.

    python benchmarks/bench.py [--sizes 100,1000,5000] [--validate-records 10000] [--json OUT]

For each size N it writes N synthetic clusters and N/10 notices (benchmarks/synthetic.py; test
data marked 【测试数据】 and `demo: true`) into a scratch folder and measures each step in its own
child process: wall time, CPU time (user + system) and peak memory (max RSS), all from os.wait4.

- validate: `python -m generator validate` (the `clusters validate` command, as a subprocess,
  interpreter start-up included), and `load_dataset` alone, timed inside a child (in-process);
- full build: `python -m generator build --today 2026-11-28` (validation, the clusters plugin,
  MkDocs and the site search's index, exactly as staff and CI run it);
- plain build: `python -m mkdocs build` of the very pages the plugin generates, written out as
  ordinary files beside a copy of site_src/, with mkdocs.yml minus the clusters plugin;
- plugin + MkDocs: `python -m mkdocs build` with the clusters plugin, its options set as `clusters
  build` sets them: the full build without the site search's index and the release files;
- plain same-content build (issue 22): `python -m mkdocs build` of plain Markdown pages that show
  what the generated pages show, derived from the full build's pages (benchmarks/samecontent.py),
  with mkdocs.yml minus the plugin;
- Pagefind: the site search's index (generator.site.search.index_site) of the plugin + MkDocs
  site and of the plain same-content site.

Each step runs --repeat times (full and plain builds alternate, so both meet the same machine
conditions) and the fastest run counts. The targets are judged on CPU time, which other work on
a shared machine disturbs far less than wall time; both are reported, and on an idle machine
they agree. Targets: full build ≤ 1.25 × plain at N = 5,000; bytes per cluster page at 5,000
within 10 % of those at 100; `clusters validate` of 10,000 record files ≤ 3 s; and issue 22's:
plugin + MkDocs ≤ 2 × the plain same-content build at N = 1,000 (with and without each one's
Pagefind index), bytes per cluster page at 1,000 within 10 % of those at 100.

Prints a Markdown report; exits 1 if a target fails, 2 if the benchmark itself could not run.
Not a test: run it by hand and record the results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_ROOT)]  # synthetic.py, and this checkout's generator (as `-m generator`)

import synthetic  # noqa: E402  (beside this file)

TODAY = synthetic.TODAY.isoformat()  # "today" for statuses, as the tests use
CLUSTERS_PER_NOTICE = 10
DEFAULT_SIZES = (100, 1000, 5000)
DEFAULT_VALIDATE_RECORDS = 10_000
DEFAULT_REPEAT = 3

# The targets from the issue.
RATIO_SIZE, RATIO_LIMIT = 5000, 1.25  # full build ≤ 1.25 × plain MkDocs at N = 5,000
BYTES_BASE, BYTES_SIZE, BYTES_TOLERANCE = 100, 5000, 0.10  # bytes per cluster page, 5,000 vs 100
# Issue 22: build cost per cluster page ≤ 2 × that of a plain MkDocs page with the same visible
# content at N = 1,000; bytes per cluster page at 1,000 within 10 % of those at 100.
SAME_SIZE, SAME_LIMIT = 1000, 2.0
LIGHT_BYTES_SIZE = 1000
# Issue 25: `clusters validate` of 10,000 record files ≤ 2 × PyYAML's C loader alone reading them (CPU),
# a bound that holds on any machine (the yardstick is the machine's speed).
VALIDATE_RECORDS, VALIDATE_LIMIT = 10_000, 2.0


class BenchmarkError(Exception):
    """The benchmark could not measure (bad synthetic data, a failed build): not a target failure."""


# --- running and measuring child processes -------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds

    def __str__(self) -> str:
        return f"{self.wall:.2f} / {self.cpu:.2f}"


@dataclass(frozen=True)
class Run:
    timing: Timing
    max_rss_mib: float  # peak resident memory of the child (and anything it waited for)
    stdout: str


def fastest(runs: list[Run]) -> Run:
    """The best of repeated runs: the shortest wall and CPU times, the highest peak memory."""
    return Run(
        Timing(min(r.timing.wall for r in runs), min(r.timing.cpu for r in runs)),
        max(r.max_rss_mib for r in runs),
        runs[0].stdout,
    )


def child_env() -> dict[str, str]:
    """The environment of every measured step: the MkDocs 2 notice off, the build date pinned
    as `clusters build` pins it (SOURCE_DATE_EPOCH from today in Asia/Shanghai)."""
    epoch = int(dt.datetime.combine(dt.date.fromisoformat(TODAY), dt.time(), ZoneInfo("Asia/Shanghai")).timestamp())
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": str(epoch)}


def run_measured(command: list[str], what: str) -> Run:
    """Run `command` in the repository root and measure it; raise if it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=child_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise BenchmarkError(
            f"{what} failed with exit code {process.returncode}: {' '.join(command)}\n{_tail(stdout)}\n{_tail(stderr)}"
        )
    return Run(Timing(wall, usage.ru_utime + usage.ru_stime), usage.ru_maxrss / 1024, stdout)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def validate_command(data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "validate", "--data", str(data_dir), "--today", TODAY]


def full_build_command(data_dir: Path, site_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--data",
        str(data_dir),
        "--site-dir",
        str(site_dir),
        "--config-file",
        str(REPO_ROOT / "mkdocs.yml"),
        "--today",
        TODAY,
    ]


def plain_build_command(config_file: Path) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "--config-file", str(config_file)]


def internal_command(task: str, *args: Path) -> list[str]:
    """This script run as a child for one of the tasks in INTERNAL_TASKS."""
    return [sys.executable, str(Path(__file__).resolve()), "_internal", task, *map(str, args)]


# --- tasks run inside a child process ---------------------------------------------------------------


def task_load(data_dir: str) -> dict[str, Any]:
    """Time load_dataset alone (imports excluded): the library path of `clusters validate`."""
    from generator.load.dataset import load_dataset

    wall, cpu = time.perf_counter(), time.process_time()
    result = load_dataset(Path(data_dir), today=dt.date.fromisoformat(TODAY))
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "files": result.files,
        "problems": len(result.problems),
    }


def _generated_files(data_dir: str) -> tuple[Any, list[Any]]:
    """mkdocs.yml as `clusters build` loads it (the plugin's options set), after the plugin's
    on_config and on_files: the config and every file the plugin generates."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    from generator.domain.calendar import start_of_day
    from generator.site.build import plugin_options

    config_file = REPO_ROOT / "mkdocs.yml"
    config = load_config(
        str(config_file),
        site_dir=str(Path(tempfile.gettempdir()) / "unused"),
        **plugin_options(config_file, Path(data_dir), start_of_day(dt.date.fromisoformat(TODAY))),
    )
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(get_files(config), config=config)
    return config, list(files)


def _plain_config(work_dir: Path, docs: Path, config: Any, name: str) -> dict[str, Any]:
    """mkdocs.yml minus the clusters plugin (same theme, extensions, extra values), for `docs`."""
    plain = yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plain["plugins"] = [p for p in plain["plugins"] if "clusters" not in (p if isinstance(p, dict) else {p: None})]
    plain["docs_dir"] = str(docs)
    plain["site_dir"] = str(work_dir / "site")
    plain["theme"]["custom_dir"] = str(docs / "overrides")
    plain["extra"] = {**plain.get("extra", {}), "clusters": config.extra["clusters"]}
    if config.site_url:
        plain["site_url"] = config.site_url
    config_file = work_dir / name
    config_file.write_text(yaml.safe_dump(plain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"config": str(config_file), "site": plain["site_dir"]}


def task_plain_project(data_dir: str, work: str) -> dict[str, Any]:
    """Write what the clusters plugin generates as ordinary files beside a copy of site_src/, and
    a config equal to mkdocs.yml minus the plugin (same theme, extensions, extra values). The site
    search's index is made by `clusters build` after MkDocs, so it is in the full build only."""
    work_dir = Path(work)
    docs = work_dir / "docs"
    shutil.copytree(REPO_ROOT / "site_src", docs)
    config, files = _generated_files(data_dir)
    generated = [file for file in files if file.generated_by == "clusters"]
    for file in generated:
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.content_bytes)
    return {
        **_plain_config(work_dir, docs, config, "mkdocs-plain.yml"),
        "pages": sum(file.src_uri.endswith(".md") for file in generated),
    }


def task_same_content_project(data_dir: str, work: str, full_site: str) -> dict[str, Any]:
    """The yardstick of issue 22: every page the plugin generates as a plain Markdown page with the
    same visible content, derived from the page as the full build wrote it (benchmarks/samecontent.py),
    beside a copy of site_src/ and the plugin's other files as they are; mkdocs.yml minus the plugin."""
    from mkdocs.utils.meta import get_data
    from samecontent import article_markdown

    work_dir, site = Path(work), Path(full_site)
    docs = work_dir / "docs"
    shutil.copytree(REPO_ROOT / "site_src", docs)
    config, files = _generated_files(data_dir)
    sources = {file.url.rstrip("/"): file.src_uri for file in files}
    pages = 0
    for file in files:
        if file.generated_by != "clusters":
            continue
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        if not file.src_uri.endswith(".md"):
            target.write_bytes(file.content_bytes)
            continue
        _, meta = get_data(file.content_string)
        built = (site / file.dest_uri).read_text(encoding="utf-8")
        body = article_markdown(built, file.src_uri, file.url, sources)
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) if meta else ""
        target.write_text(f"---\n{front}---\n\n{body}" if front else body, encoding="utf-8")
        pages += 1
    project = _plain_config(work_dir, docs, config, "mkdocs-same.yml")
    # The plain pages keep the ids of headings only: a link to another id (an entry of the practice
    # page, say) still lands on its page, and MkDocs still checks it, but reports it as info.
    plain = yaml.safe_load(Path(project["config"]).read_text(encoding="utf-8"))
    validation = plain.setdefault("validation", {})
    validation["links"] = {**validation.get("links", {}), "anchors": "info"}
    Path(project["config"]).write_text(yaml.safe_dump(plain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {**project, "pages": pages}


def task_full_project(data_dir: str, work: str) -> dict[str, Any]:
    """mkdocs.yml with the clusters plugin's options as `clusters build` sets them, for `mkdocs build`:
    the full build without the site search's index and the release files."""
    from generator.site.build import plugin_options

    work_dir = Path(work)
    config_file = REPO_ROOT / "mkdocs.yml"
    full = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    full.update(plugin_options(config_file, Path(data_dir), dt.date.fromisoformat(TODAY)))
    full["docs_dir"] = str(REPO_ROOT / full["docs_dir"])
    full["theme"]["custom_dir"] = str(REPO_ROOT / full["theme"]["custom_dir"])
    full["site_dir"] = str(work_dir / "site")
    target = work_dir / "mkdocs-full.yml"
    target.write_text(yaml.safe_dump(full, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"config": str(target), "site": full["site_dir"]}


def task_pagefind(site_dir: str) -> dict[str, Any]:
    """The site search's index of a built site (generator.site.search), as `clusters build` makes it."""
    from generator.site.search import index_site

    index_site(Path(site_dir))
    return {}


def task_yardstick(data_dir: str) -> dict[str, Any]:
    """The machine's own speed: PyYAML's C loader reading every record file, nothing else.

    The design notes measured this at about 1.1 s for 10,000 small files when the targets were
    set; comparing it across machines tells how much of a validate time is the machine.
    """
    files = sorted(Path(data_dir).glob("*/*.yaml"))
    wall, cpu = time.perf_counter(), time.process_time()
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "files": len(files)}


INTERNAL_TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "load": task_load,
    "plain-project": task_plain_project,
    "same-content-project": task_same_content_project,
    "full-project": task_full_project,
    "pagefind": task_pagefind,
    "yardstick": task_yardstick,
}


def run_internal(task: str, *args: Path) -> dict[str, Any]:
    run = run_measured(internal_command(task, *args), f"internal task {task}")
    return json.loads(run.stdout.strip().splitlines()[-1])


# --- one measured size ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidateResult:
    clusters: int
    notices: int
    cli: Timing  # `python -m generator validate` as a subprocess
    load: Timing  # load_dataset in-process (imports excluded)
    max_rss_mib: float
    yardstick: Timing  # PyYAML's C loader alone reading the same record files (task_yardstick)


@dataclass(frozen=True)
class SizeResult:
    validate: ValidateResult
    full: Timing  # `clusters build`: validation, plugin, MkDocs, Pagefind, release files
    plain: Timing  # `mkdocs build` of the generated pages as files, no plugin
    full_mkdocs: Timing  # `mkdocs build` with the clusters plugin: `clusters build` minus Pagefind and release
    same: Timing  # `mkdocs build` of plain Markdown pages with the same visible content (samecontent.py)
    pagefind_full: Timing  # the site search's index of the full build's pages
    pagefind_same: Timing  # the same, of the plain same-content pages
    cluster_page_bytes: float  # mean size of clusters/<id>/index.html in the full build
    same_page_bytes: float  # the same in the plain same-content build
    search_index_bytes: (
        int  # the site search's index in the full build (pagefind/: entry, metadata, chunks, fragments; gzip)
    )
    full_rss_mib: float
    plain_rss_mib: float
    html_pages: int

    @property
    def ratio_cpu(self) -> float:
        return self.full.cpu / self.plain.cpu

    @property
    def ratio_wall(self) -> float:
        return self.full.wall / self.plain.wall

    @property
    def same_ratio_cpu(self) -> float:
        """Build cost against plain pages with the same visible content, the site search left out."""
        return self.full_mkdocs.cpu / self.same.cpu

    @property
    def same_ratio_wall(self) -> float:
        return self.full_mkdocs.wall / self.same.wall

    @property
    def same_ratio_search_cpu(self) -> float:
        """The same, each build with its site search's index (Pagefind)."""
        return (self.full_mkdocs.cpu + self.pagefind_full.cpu) / (self.same.cpu + self.pagefind_same.cpu)

    @property
    def same_ratio_search_wall(self) -> float:
        return (self.full_mkdocs.wall + self.pagefind_full.wall) / (self.same.wall + self.pagefind_same.wall)


def notices_for(clusters: int) -> int:
    return max(1, -(-clusters // CLUSTERS_PER_NOTICE))


def make_data(scratch: Path, clusters: int, notices: int) -> Path:
    """Synthetic data that must validate without errors or warnings; abort loudly otherwise."""
    data_dir = synthetic.write_data_dir(scratch / f"data-{clusters}-{notices}", REPO_ROOT, clusters, notices)
    check = subprocess.run(
        validate_command(data_dir), cwd=REPO_ROOT, env=child_env(), capture_output=True, text=True, check=False
    )
    summary = check.stdout.strip().splitlines()[-1] if check.stdout.strip() else ""
    if check.returncode != 0 or "0 个错误，0 个警告" not in summary:
        raise BenchmarkError(
            f"the synthetic data in {data_dir} does not validate cleanly "
            f"(exit {check.returncode}):\n{_tail(check.stdout)}\n{_tail(check.stderr)}"
        )
    return data_dir


def measure_validate(data_dir: Path, clusters: int, notices: int, repeat: int) -> ValidateResult:
    cli = fastest([run_measured(validate_command(data_dir), "clusters validate") for _ in range(repeat)])
    load, yardstick = (fastest_internal(task, data_dir, repeat) for task in ("load", "yardstick"))
    return ValidateResult(clusters, notices, cli.timing, load, cli.max_rss_mib, yardstick)


def fastest_internal(task: str, data_dir: Path, repeat: int) -> Timing:
    """The shortest wall and CPU times an internal task reports for itself over repeated runs."""
    runs = [run_internal(task, data_dir) for _ in range(repeat)]
    return Timing(min(run["wall"] for run in runs), min(run["cpu"] for run in runs))


def measure_size(scratch: Path, clusters: int, repeat: int) -> SizeResult:
    notices = notices_for(clusters)
    data_dir = make_data(scratch, clusters, notices)
    validate = measure_validate(data_dir, clusters, notices, repeat)

    works = {name: scratch / f"{name}-{clusters}" for name in ("plain", "same", "full")}
    for work in works.values():
        work.mkdir()
    plain_project = run_internal("plain-project", data_dir, works["plain"])
    full_project = run_internal("full-project", data_dir, works["full"])
    full_site, full_mkdocs_site = scratch / f"site-full-{clusters}", Path(full_project["site"])
    runs: dict[str, list[Run]] = {name: [] for name in ("full", "full_mkdocs", "plain", "same", "pf_full", "pf_same")}
    same_project: dict[str, Any] = {}
    for _ in range(repeat):  # alternate, so that all builds meet the same machine conditions
        runs["full"].append(run_measured(full_build_command(data_dir, full_site), "clusters build"))
        if not same_project:  # derived from the pages the full build wrote
            same_project = run_internal("same-content-project", data_dir, works["same"], full_site)
        runs["full_mkdocs"].append(
            run_measured(plain_build_command(Path(full_project["config"])), "mkdocs build with the plugin")
        )
        runs["pf_full"].append(run_measured(internal_command("pagefind", full_mkdocs_site), "Pagefind (full)"))
        runs["plain"].append(run_measured(plain_build_command(Path(plain_project["config"])), "mkdocs build"))
        runs["same"].append(
            run_measured(plain_build_command(Path(same_project["config"])), "mkdocs build (same content)")
        )
        runs["pf_same"].append(
            run_measured(internal_command("pagefind", Path(same_project["site"])), "Pagefind (same content)")
        )
    best = {name: fastest(measured) for name, measured in runs.items()}

    full_pages = _html_pages(full_site)
    for name, site in (("plain", plain_project["site"]), ("same-content", same_project["site"])):
        if (pages := _html_pages(Path(site))) != full_pages:
            raise BenchmarkError(
                f"the {name} build has {pages} HTML pages, the full build {full_pages}: "
                "they did not build the same pages"
            )
    cluster_ids = [path.stem for path in (data_dir / "clusters").glob("*.yaml")]
    return SizeResult(
        validate=validate,
        full=best["full"].timing,
        plain=best["plain"].timing,
        full_mkdocs=best["full_mkdocs"].timing,
        same=best["same"].timing,
        pagefind_full=best["pf_full"].timing,
        pagefind_same=best["pf_same"].timing,
        cluster_page_bytes=_mean_page_bytes(full_site, cluster_ids),
        same_page_bytes=_mean_page_bytes(Path(same_project["site"]), cluster_ids),
        search_index_bytes=_search_index_bytes(full_site),
        full_rss_mib=best["full"].max_rss_mib,
        plain_rss_mib=best["plain"].max_rss_mib,
        html_pages=full_pages,
    )


def _mean_page_bytes(site_dir: Path, cluster_ids: list[str]) -> float:
    sizes = [(site_dir / "clusters" / cid / "index.html").stat().st_size for cid in cluster_ids]
    return sum(sizes) / len(sizes)


def _search_index_bytes(site_dir: Path) -> int:
    """The index a reader's queries draw from, as stored (gzip, by Pagefind): benchmarks/search.py."""
    folder = site_dir / "pagefind"
    pieces = [
        folder / "pagefind-entry.json",
        *folder.glob("*.pf_meta"),
        *folder.glob("index/*"),
        *folder.glob("fragment/*"),
    ]
    return sum(piece.stat().st_size for piece in pieces)


def _html_pages(site_dir: Path) -> int:
    return sum(1 for _ in site_dir.rglob("*.html"))


def warm_up(scratch: Path) -> None:
    """One unmeasured build, so that the first measurement does not pay for cold file caches."""
    warm_up_dir = scratch / "warm-up"  # apart from the measured sizes' folders (N = 20 may be one)
    data_dir = make_data(warm_up_dir, 20, 2)
    run_measured(full_build_command(data_dir, warm_up_dir / "site"), "warm-up build")


# --- targets and report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    passed: bool | None  # None: the run did not include what the target needs


def check_targets(sizes: dict[int, SizeResult], validated: ValidateResult | None) -> list[Target]:
    targets = []
    name = f"full build ≤ {RATIO_LIMIT}× plain MkDocs at N = {RATIO_SIZE:,} (CPU time)"
    if RATIO_SIZE in sizes:
        r = sizes[RATIO_SIZE]
        targets.append(
            Target(
                name,
                f"{r.ratio_cpu:.2f}× ({r.full.cpu:.1f} s / {r.plain.cpu:.1f} s); wall time {r.ratio_wall:.2f}×",
                r.ratio_cpu <= RATIO_LIMIT,
            )
        )
    else:
        targets.append(Target(name, f"not measured (needs N = {RATIO_SIZE})", None))

    name = f"bytes per cluster page at N = {BYTES_SIZE:,} within {BYTES_TOLERANCE:.0%} of N = {BYTES_BASE}"
    if BYTES_BASE in sizes and BYTES_SIZE in sizes:
        base, large = sizes[BYTES_BASE].cluster_page_bytes, sizes[BYTES_SIZE].cluster_page_bytes
        change = large / base - 1
        targets.append(
            Target(name, f"{large:,.0f} vs {base:,.0f} bytes ({change:+.1%})", abs(change) <= BYTES_TOLERANCE)
        )
    else:
        targets.append(Target(name, f"not measured (needs N = {BYTES_BASE} and {BYTES_SIZE})", None))

    targets += same_content_targets(sizes)

    name = (
        f"`clusters validate` of {VALIDATE_RECORDS:,} record files ≤ {VALIDATE_LIMIT:g} × PyYAML's C loader "
        "reading them (CPU time)"
    )
    if validated is not None and validated.clusters + validated.notices == VALIDATE_RECORDS:
        yardstick = validated.yardstick.cpu
        targets.append(
            Target(
                name,
                f"{validated.cli.cpu:.2f} s = {validated.cli.cpu / yardstick:.2f} × {yardstick:.2f} s "
                f"(wall {validated.cli.wall:.2f} s; load_dataset alone {validated.load.cpu:.2f} s = "
                f"{validated.load.cpu / yardstick:.2f} ×)",
                validated.cli.cpu <= VALIDATE_LIMIT * yardstick,
            )
        )
    else:
        targets.append(Target(name, f"not measured (needs --validate-records {VALIDATE_RECORDS})", None))
    return targets


def same_content_targets(sizes: dict[int, SizeResult]) -> list[Target]:
    """Issue 22's targets: against plain pages with the same visible content, and page bytes 1,000 vs 100."""
    targets = []
    for with_search in (False, True):
        what = "each with its site search index (Pagefind)" if with_search else "site search left out"
        name = (
            f"build cost per cluster page ≤ {SAME_LIMIT:g}× a plain MkDocs page with the same visible content "
            f"at N = {SAME_SIZE:,} (CPU time; {what})"
        )
        if SAME_SIZE not in sizes:
            targets.append(Target(name, f"not measured (needs N = {SAME_SIZE})", None))
            continue
        r = sizes[SAME_SIZE]
        if with_search:
            ratio, wall = r.same_ratio_search_cpu, r.same_ratio_search_wall
            full, same = r.full_mkdocs.cpu + r.pagefind_full.cpu, r.same.cpu + r.pagefind_same.cpu
        else:
            ratio, wall = r.same_ratio_cpu, r.same_ratio_wall
            full, same = r.full_mkdocs.cpu, r.same.cpu
        targets.append(
            Target(name, f"{ratio:.2f}× ({full:.1f} s / {same:.1f} s); wall time {wall:.2f}×", ratio <= SAME_LIMIT)
        )
    name = f"bytes per cluster page at N = {LIGHT_BYTES_SIZE:,} within {BYTES_TOLERANCE:.0%} of N = {BYTES_BASE}"
    if BYTES_BASE in sizes and LIGHT_BYTES_SIZE in sizes:
        base, large = sizes[BYTES_BASE].cluster_page_bytes, sizes[LIGHT_BYTES_SIZE].cluster_page_bytes
        change = large / base - 1
        targets.append(
            Target(name, f"{large:,.0f} vs {base:,.0f} bytes ({change:+.1%})", abs(change) <= BYTES_TOLERANCE)
        )
    else:
        targets.append(Target(name, f"not measured (needs N = {BYTES_BASE} and {LIGHT_BYTES_SIZE})", None))
    return targets


def per_page_margins(sizes: dict[int, SizeResult]) -> tuple[int, int, float, float] | None:
    """What one more cluster page costs (CPU seconds, with its share of notices), full build (plugin
    + MkDocs) and plain same-content build, from the smallest and the largest size measured."""
    if len(sizes) < 2:
        return None
    small, large = min(sizes), max(sizes)
    pages = large - small
    full = (sizes[large].full_mkdocs.cpu - sizes[small].full_mkdocs.cpu) / pages
    same = (sizes[large].same.cpu - sizes[small].same.cpu) / pages
    return small, large, full, same


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kib = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs-material": version("mkdocs-material"),
        "frictionless": version("frictionless"),
        "PyYAML": version("PyYAML"),
        "load average at start (1, 5, 15 min)": ", ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def report(
    info: dict[str, str],
    repeat: int,
    sizes: dict[int, SizeResult],
    validated: ValidateResult | None,
    targets: list[Target],
) -> str:
    lines = ["## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [
        f"- runs per step: {repeat} (fastest counts)",
        "",
        "## Sizes",
        "",
        "Times in seconds, wall / CPU.",
        "",
        "| clusters | notices | validate CLI | load_dataset | full build | plain MkDocs | full ÷ plain CPU (wall) "
        "| bytes / cluster page | search index (bytes, gzip) | HTML pages | peak RSS validate / full / plain (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clusters, r in sizes.items():
        v = r.validate
        lines.append(
            f"| {clusters:,} | {v.notices:,} | {v.cli} | {v.load} | {r.full} | {r.plain} "
            f"| {r.ratio_cpu:.2f} ({r.ratio_wall:.2f}) | {r.cluster_page_bytes:,.0f} "
            f"| {r.search_index_bytes:,} | {r.html_pages:,} "
            f"| {v.max_rss_mib:.0f} / {r.full_rss_mib:.0f} / {r.plain_rss_mib:.0f} |"
        )
    lines += [
        "",
        "## Same visible content (issue 22)",
        "",
        "Times in seconds, wall / CPU. Plugin + MkDocs: `mkdocs build` with the clusters plugin (`clusters "
        "build` without the site search and the release files). Plain same content: `mkdocs build` of plain "
        "Markdown pages showing what the generated pages show (benchmarks/samecontent.py). Pagefind: the "
        "site search's index of each.",
        "",
        "| clusters | plugin + MkDocs | plain same content | ratio CPU (wall) | Pagefind CPU: full / plain "
        "| ratio with Pagefind CPU (wall) | bytes / cluster page: full / plain |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clusters, r in sizes.items():
        lines.append(
            f"| {clusters:,} | {r.full_mkdocs} | {r.same} | {r.same_ratio_cpu:.2f} ({r.same_ratio_wall:.2f}) "
            f"| {r.pagefind_full.cpu:.2f} / {r.pagefind_same.cpu:.2f} "
            f"| {r.same_ratio_search_cpu:.2f} ({r.same_ratio_search_wall:.2f}) "
            f"| {r.cluster_page_bytes:,.0f} / {r.same_page_bytes:,.0f} |"
        )
    if margins := per_page_margins(sizes):
        small, large, full, same = margins
        lines += [
            "",
            f"One more cluster page (with a tenth of a notice page), from N = {small:,} to {large:,}: "
            f"{full * 1000:.1f} ms of CPU with the plugin, {same * 1000:.1f} ms as a plain page "
            f"({full / same:.2f}×), site search left out.",
        ]
    if validated is not None:
        lines += [
            "",
            "## Validation only",
            "",
            "| record files | clusters | notices | validate CLI | load_dataset | peak RSS (MiB) "
            "| PyYAML C loader alone (yardstick) |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {validated.clusters + validated.notices:,} | {validated.clusters:,} | {validated.notices:,} "
            f"| {validated.cli} | {validated.load} | {validated.max_rss_mib:.0f} | {validated.yardstick} |",
            "",
            "The yardstick is the machine's speed: DESIGN.md measured about 1.1 s for 10,000 files "
            "where the targets were set.",
        ]
    lines += ["", "## Targets", "", "| target | measured | result |", "|---|---|---|"]
    for target in targets:
        verdict = {True: "PASS", False: "**FAIL**", None: "not measured"}[target.passed]
        lines.append(f"| {target.name} | {target.measured} | {verdict} |")
    return "\n".join(lines) + "\n"


# --- command line ----------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of synthetic clusters (default %(default)s)",
    )
    parser.add_argument(
        "--validate-records",
        type=int,
        default=DEFAULT_VALIDATE_RECORDS,
        help="record files (clusters + notices, 10:1) for the validation-only run; 0 skips it (default %(default)s)",
    )
    parser.add_argument(
        "--repeat", type=int, default=DEFAULT_REPEAT, help="runs per step; the fastest counts (default %(default)s)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (data and sites)")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, e.g. 100,1000,5000")
    if not args.sizes or min(args.sizes) < 1 or args.repeat < 1 or args.validate_records < 0:
        parser.error("sizes and --repeat must be positive, --validate-records not negative")
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    info = machine()
    _log("warming up…")
    warm_up(scratch)
    sizes: dict[int, SizeResult] = {}
    for clusters in args.sizes:
        _log(f"N = {clusters:,}: generating, validating, building ({args.repeat} runs each)…")
        r = sizes[clusters] = measure_size(scratch, clusters, args.repeat)
        _log(
            f"  validate {r.validate.cli}, full {r.full}, plain {r.plain}, plugin + MkDocs {r.full_mkdocs}, "
            f"same content {r.same}, Pagefind {r.pagefind_full} / {r.pagefind_same} (wall / CPU s)"
        )
    validated = None
    if args.validate_records:
        clusters = round(args.validate_records * CLUSTERS_PER_NOTICE / (CLUSTERS_PER_NOTICE + 1))
        notices = args.validate_records - clusters
        _log(f"validation only: {clusters:,} clusters + {notices:,} notices…")
        validated = measure_validate(make_data(scratch, clusters, notices), clusters, notices, args.repeat)
    targets = check_targets(sizes, validated)
    print(report(info, args.repeat, sizes, validated, targets), end="")
    if args.json:
        payload = {
            "machine": info,
            "today": TODAY,
            "repeat": args.repeat,
            "sizes": [
                {
                    "clusters": n,
                    **asdict(r),
                    "ratio_cpu": r.ratio_cpu,
                    "ratio_wall": r.ratio_wall,
                    "same_ratio_cpu": r.same_ratio_cpu,
                    "same_ratio_search_cpu": r.same_ratio_search_cpu,
                }
                for n, r in sizes.items()
            ],
            "validate_only": asdict(validated) if validated else None,
            "targets": [asdict(target) for target in targets],
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if any(target.passed is False for target in targets) else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["_internal"]:  # a child process of this script
        print(json.dumps(INTERNAL_TASKS[argv[1]](*argv[2:])))
        return 0
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="clusters-bench-"))
    try:
        return run_benchmark(args, scratch)
    except BenchmarkError as exc:
        print(f"BENCHMARK ABORTED: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"scratch folder kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
