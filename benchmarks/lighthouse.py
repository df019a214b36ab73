#!/usr/bin/env python3
"""Lighthouse on the built site, served by a real nginx with the project's own server configuration.

    .venv/bin/python benchmarks/lighthouse.py [--today YYYY-MM-DD] [--runs 3] [--record] [--json OUT]

What it does, in a scratch folder:

1. builds the site from the shipped data/ (`clusters build --site-dir <tmp>/releases/r1`) and makes
   it live as a server would (`<tmp>/current -> releases/r1`);
2. asks `clusters nginx-conf --root <tmp> --listen-address 127.0.0.1 --http-port <free port>` for the
   server block (HTTP only: no certificate), wraps it in a minimal main nginx.conf (no daemon; pid,
   logs and temporary files in the scratch folder) and starts Debian's /usr/sbin/nginx on 127.0.0.1
   under `timeout`, so that it stops by itself whatever happens to this script;
3. runs Lighthouse (benchmarks/node_modules, pinned in package.json and package-lock.json; `npm ci`
   in benchmarks/ if it is missing) with Debian's Chromium against the home page, the list of all
   clusters, one cluster page and one notice page (the first linked from their lists), in
   Lighthouse's default mobile profile (emulated phone, simulated slow 4G and 4× CPU slowdown);
4. prints the four category scores and the bytes a first visit transfers (the total-byte-weight
   audit) and their size uncompressed (the network-requests audit's resource sizes) for each page,
   with the audits that cost the most, and judges the targets (issue 22): performance ≥ 95;
   accessibility, best practices and SEO 100; a first visit ≤ 100 KB transferred with gzip and
   ≤ 250 KB uncompressed (1 KB = 1,000 bytes).

With --runs N each page is measured N times and the run with the median performance score counts
(Lighthouse's own advice: its scores vary from run to run). --record adds the rows to the table in
benchmarks/README.md. Exits 0 if every target is met, 1 if one is not, 2 if the benchmark itself
could not run. Not a test: run it by hand and record the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html.parser
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
README = BENCH_DIR / "README.md"

NGINX = Path("/usr/sbin/nginx")
CHROMIUM = Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_VERSION = "12.2.3"  # as pinned in package.json
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CATEGORY_NAMES = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best-practices": "best practices",
    "seo": "SEO",
}

NGINX_TIMEOUT = 900  # seconds: `timeout` stops nginx by then, whatever becomes of this script
LIGHTHOUSE_TIMEOUT = 240  # seconds for one Lighthouse run (about 30–60 s on two cores)
MAX_RUNS = 3  # runs per page, so that every run fits in one nginx's NGINX_TIMEOUT

# The targets from the issue.
PERFORMANCE_MIN = 95
OTHER_CATEGORIES_MIN = 100
FIRST_VISIT_MAX_BYTES = 100_000  # 100 KB transferred, gzip as nginx sends it (1 KB = 1,000 bytes)
FIRST_VISIT_MAX_UNCOMPRESSED = 250_000  # 250 KB of content once decompressed (what a server without gzip sends)

README_BEGIN = "<!-- lighthouse.py --record: rows below, newest first -->"
README_END = "<!-- lighthouse.py --record: end -->"


class BenchmarkError(Exception):
    """The benchmark could not measure (a failed build, nginx or Lighthouse): not a target failure."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


# --- tools -------------------------------------------------------------------------------------------


def check_tools() -> None:
    """Debian's nginx and Chromium must be there; Lighthouse is installed from the lock file if missing."""
    missing = [str(path) for path in (NGINX, CHROMIUM) if not path.exists()]
    if missing:
        raise BenchmarkError(
            f"missing {', '.join(missing)}: install Debian's packages (apt-get install nginx chromium)"
        )
    if not LIGHTHOUSE.exists():
        _log("installing Lighthouse into benchmarks/node_modules (npm ci)…")
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH_DIR, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BenchmarkError(f"npm ci failed in {BENCH_DIR}:\n{_tail(result.stdout)}\n{_tail(result.stderr)}")
    found = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if found != LIGHTHOUSE_VERSION:
        raise BenchmarkError(
            f"benchmarks/node_modules has Lighthouse {found or '(none)'}, not {LIGHTHOUSE_VERSION}: run npm ci there"
        )


def clusters_command(*args: str) -> list[str]:
    """The `clusters` command of this checkout (`python -m generator`, run in the repository root)."""
    return [sys.executable, "-m", "generator", *args]


def run_clusters(*args: str) -> str:
    result = subprocess.run(clusters_command(*args), cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchmarkError(
            f"clusters {' '.join(args)} failed (exit {result.returncode}):\n{_tail(result.stdout)}\n{_tail(result.stderr)}"
        )
    return result.stdout


# --- the site -----------------------------------------------------------------------------------------


def build_release(root: Path, today: str | None) -> Path:
    """Build the shipped data into <root>/releases/r1 and make it live: <root>/current -> releases/r1."""
    release = root / "releases" / "r1"
    run_clusters("build", "--site-dir", str(release), *(["--today", today] if today else []))
    (root / "current").symlink_to(Path("releases") / "r1")
    return release


def as_of(release: Path, today: str | None) -> str:
    """The day the site was built as of: from the build's release.json, else --today or Beijing's today."""
    manifest = release / "release.json"
    if manifest.exists():
        return str(json.loads(manifest.read_text(encoding="utf-8"))["as_of"])
    return today or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def first_record_page(site: Path, section: str) -> str:
    """The path of the first record page that the list page /<section>/ links to, e.g. /clusters/<id>/."""
    parser = _Links()
    parser.feed((site / section / "index.html").read_text(encoding="utf-8"))
    pattern = re.compile(rf"/{section}/[a-z0-9][a-z0-9-]*/")
    for href in parser.hrefs:
        path = urllib.parse.urlsplit(urllib.parse.urljoin(f"/{section}/", href)).path
        if pattern.fullmatch(path) and (site / path.strip("/") / "index.html").is_file():
            return path
    raise BenchmarkError(f"/{section}/ links to no record page: the shipped data has none to measure")


def pages_to_measure(site: Path) -> dict[str, str]:
    """Page label -> path: the home page, the list of all clusters, one cluster and one notice."""
    return {
        "home": "/",
        "cluster list": "/clusters/",
        "cluster": first_record_page(site, "clusters"),
        "notice": first_record_page(site, "notices"),
    }


# --- nginx -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_config(root: Path, port: int) -> str:
    """The project's nginx server block for <root>/current, HTTP only, on 127.0.0.1:<port>."""
    config = run_clusters("nginx-conf", "--root", str(root), "--listen-address", "127.0.0.1", "--http-port", str(port))
    for address in re.findall(r"^\s*listen\s+(\S+?)[\s;]", config, flags=re.MULTILINE):
        host = address.rsplit(":", 1)[0].strip("[]") if ":" in address else ""
        if not host or not ipaddress.ip_address(host).is_loopback:
            raise BenchmarkError(f"clusters nginx-conf listens on {address!r}, not on 127.0.0.1 only:\n{config}")
    return config


def main_config(work: Path, server: Path) -> str:
    """A minimal main nginx.conf around the project's server block; everything nginx writes stays in work/."""
    mime_types = Path("/etc/nginx/mime.types")
    lines = [
        "daemon off;",
        "worker_processes 1;",
        f"pid {work / 'nginx.pid'};",
        f"error_log {work / 'error.log'} warn;",
        # The workers of a root master would otherwise run as nobody, who cannot read the scratch folder.
        *(["user root;"] if os.geteuid() == 0 else []),
        "events { worker_connections 64; }",
        "http {",
        *([f"    include {mime_types};"] if mime_types.exists() else []),
        "    default_type application/octet-stream;",
        f"    access_log {work / 'access.log'};",
        *(
            f"    {kind}_temp_path {work / (kind + '_temp')};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        f"    include {server};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop `timeout` and nginx under it (their own process group), and wait for them."""
    if process.poll() is None:
        process.terminate()  # `timeout` passes SIGTERM on to nginx: a fast shutdown
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group (workers, a stuck master)
    process.wait()


@contextmanager
def nginx(root: Path, work: Path, port: int) -> Iterator[str]:
    """Serve <root>/current on http://127.0.0.1:<port>/ for the length of the block, NGINX_TIMEOUT at most;
    nginx's configuration, logs and temporary files in `work`."""
    work.mkdir(parents=True)
    server = work / "server.conf"
    server.write_text(server_config(root, port), encoding="utf-8")
    config = work / "nginx.conf"
    config.write_text(main_config(work, server), encoding="utf-8")
    command = [str(NGINX), "-p", str(work), "-e", str(work / "error.log"), "-c", str(config)]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise BenchmarkError(f"nginx rejects the configuration:\n{check.stderr}\n{config.read_text(encoding='utf-8')}")
    log = (work / "nginx.out").open("wb")
    process = subprocess.Popen(
        ["timeout", "--kill-after=10", str(NGINX_TIMEOUT), *command],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that _stop can end all of it
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_serving(url, process, work)
        yield url
    finally:
        _stop(process)
        log.close()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], work: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"nginx exited with {process.returncode}:\n{_nginx_log(work)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise BenchmarkError(f"nginx did not serve {url} within 15 s:\n{_nginx_log(work)}")


def _nginx_log(work: Path) -> str:
    return "\n".join(
        _tail(path.read_text(encoding="utf-8", errors="replace"))
        for path in (work / "nginx.out", work / "error.log")
        if path.exists()
    )


# --- Lighthouse ---------------------------------------------------------------------------------------------


def run_lighthouse(url: str, output: Path, cpu_slowdown: float | None) -> dict[str, Any]:
    """One Lighthouse run in its default (mobile) profile; the parsed JSON report."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        *([f"--throttling.cpuSlowdownMultiplier={cpu_slowdown:g}"] if cpu_slowdown else []),
        "--quiet",
    ]
    # Lighthouse's Chromium profile (with its chrome.pid) goes into TMPDIR: here, a folder of ours.
    tmp = output.parent / f"{output.stem}.tmp"
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM), "TMPDIR": str(tmp)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=LIGHTHOUSE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"Lighthouse did not finish {url} within {LIGHTHOUSE_TIMEOUT} s") from None
    finally:
        _stop_lighthouse(process, tmp)
    if process.returncode != 0 or not output.exists():
        raise BenchmarkError(
            f"Lighthouse failed on {url} (exit {process.returncode}):\n{_tail(stdout)}\n{_tail(stderr)}"
        )
    report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise BenchmarkError(f"Lighthouse could not load {url}: {report['runtimeError']}")
    return report


def _stop_lighthouse(process: subprocess.Popen[str], tmp: Path) -> None:
    """Stop Lighthouse if it still runs, and the Chromium it started (in a process group of its own)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # Lighthouse closes its Chromium on SIGINT
        with suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=10)
    for pid_file in tmp.glob("lighthouse.*/chrome.pid"):  # left only if Lighthouse could not close it
        with suppress(ValueError, OSError):
            pid = int(pid_file.read_text(encoding="utf-8").strip())
            if str(pid_file.parent) in Path(f"/proc/{pid}/cmdline").read_text(encoding="utf-8", errors="replace"):
                os.killpg(pid, signal.SIGKILL)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    shutil.rmtree(tmp, ignore_errors=True)


def score(report: dict[str, Any], category: str) -> int:
    return round(float(report["categories"][category]["score"] or 0) * 100)


@dataclass(frozen=True)
class Cost:
    """An audit that costs score: what it is, what Lighthouse says of it, and its estimated savings."""

    audit: str
    title: str
    display: str  # Lighthouse's own summary, e.g. "Potential savings of 10 KiB" or "7 long tasks found"
    savings: dict[str, float]  # metric -> estimated saving, e.g. {"TBT": 600} (ms; CLS unitless)

    def __str__(self) -> str:
        savings = ", ".join(f"{metric} {value:g}" for metric, value in self.savings.items() if value)
        extra = "; ".join(part for part in (self.display, f"saves {savings}" if savings else "") if part)
        return f"{self.title} (`{self.audit}`){': ' + extra if extra else ''}"


@dataclass(frozen=True)
class PageResult:
    label: str
    path: str
    scores: dict[str, int]  # category id -> 0..100
    transferred_bytes: int  # total-byte-weight: what a first visit (empty cache) transfers
    uncompressed_bytes: int  # the same requests' bodies decompressed (network-requests: resourceSize)
    metrics: dict[str, str]  # FCP, LCP, TBT, CLS, SI as Lighthouse displays them
    points_lost: dict[str, float]  # performance points each metric costs: weight × (1 − metric score)
    performance_runs: list[int]  # every run's performance score (the median run is the one above)
    benchmark_index: float  # Lighthouse's measure of the host CPU (higher is faster)
    heaviest: list[tuple[str, int]]  # the largest transfers: (path, bytes)
    performance_costs: list[Cost] = field(default_factory=list)  # opportunities and diagnostics
    failed: dict[str, list[Cost]] = field(default_factory=dict)  # other category -> audits below full marks
    errors: list[str] = field(default_factory=list)  # audits Lighthouse could not compute


METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}
SKIPPED_MODES = ("notApplicable", "informative", "manual", "error")


def summarise(label: str, path: str, report: dict[str, Any], performance_runs: list[int]) -> PageResult:
    audits: dict[str, dict[str, Any]] = report["audits"]
    categories: dict[str, dict[str, Any]] = report["categories"]
    weight = audits["total-byte-weight"]
    origin = urllib.parse.urlsplit(report["finalDisplayedUrl"]).netloc
    heaviest = []
    for item in (weight.get("details") or {}).get("items", [])[:5]:
        where = urllib.parse.urlsplit(item["url"])
        heaviest.append((where.path if where.netloc == origin else item["url"], int(item["totalBytes"])))

    def cost(audit_id: str) -> Cost:
        audit = audits[audit_id]
        savings = {metric: float(value) for metric, value in (audit.get("metricSavings") or {}).items() if value}
        return Cost(audit_id, audit["title"], audit.get("displayValue", ""), savings)

    performance_refs = categories["performance"]["auditRefs"]
    points_lost = {}
    total_weight = sum(ref["weight"] for ref in performance_refs) or 1
    for ref in performance_refs:
        if ref["id"] in METRICS and ref["weight"]:
            metric_score = audits[ref["id"]].get("score") or 0
            points_lost[METRICS[ref["id"]]] = 100 * ref["weight"] / total_weight * (1 - metric_score)
    performance_costs = []
    for ref in performance_refs:
        audit = audits[ref["id"]]
        if ref.get("group") in ("metrics", "hidden"):
            continue
        low = audit.get("score") is not None and audit["score"] < 0.9 and audit["scoreDisplayMode"] not in SKIPPED_MODES
        if low or any((audit.get("metricSavings") or {}).values()):
            performance_costs.append(cost(ref["id"]))
    performance_costs.sort(key=lambda c: (-max(c.savings.values(), default=0), c.audit))

    failed: dict[str, list[Cost]] = {}
    for category in CATEGORIES[1:]:
        for ref in categories[category]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failed.setdefault(category, []).append(cost(ref["id"]))
    return PageResult(
        label=label,
        path=path,
        scores={category: score(report, category) for category in CATEGORIES},
        transferred_bytes=round(float(weight["numericValue"])),
        uncompressed_bytes=sum(
            int(item.get("resourceSize") or 0) for item in audits["network-requests"]["details"]["items"]
        ),
        metrics={name: audits[audit_id].get("displayValue", "") for audit_id, name in METRICS.items()},
        points_lost=points_lost,
        performance_runs=performance_runs,
        benchmark_index=float(report.get("environment", {}).get("benchmarkIndex") or 0),
        heaviest=heaviest,
        performance_costs=performance_costs,
        failed=failed,
        errors=sorted(audit_id for audit_id, audit in audits.items() if audit.get("scoreDisplayMode") == "error"),
    )


def measure_page(root: Path, label: str, path: str, runs: int, reports: Path, cpu_slowdown: float | None) -> PageResult:
    """Measure one page `runs` times behind one nginx; the run with the median performance score counts."""
    slug = re.sub(r"[^a-z0-9]+", "-", label)
    work = root / f"nginx-{slug}"
    results: list[tuple[int, dict[str, Any]]] = []
    with nginx(root, work, free_port()) as base:
        url = urllib.parse.urljoin(base, path)
        for run in range(1, runs + 1):
            _log(f"  {label} ({path}), run {run} of {runs}…")
            report = run_lighthouse(url, reports / f"{slug}-{run}.json", cpu_slowdown)
            results.append((score(report, "performance"), report))
    # Every request but /robots.txt (the site has none; Lighthouse's SEO audit accepts that) must be found.
    log = (work / "access.log").read_text(encoding="utf-8").splitlines()
    missing = [line for line in log if '" 404 ' in line and "GET /robots.txt " not in line]
    if missing:
        _log(f"  note: nginx answered 404 to {len(missing)} request(s) for {path}, e.g. {missing[0]}")
    ordered = sorted(results, key=lambda result: result[0])
    return summarise(label, path, ordered[(len(ordered) - 1) // 2][1], [run_score for run_score, _ in results])


# --- targets and report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    misses: list[str]  # "<page> <measured> (<by how much>)" for every page that misses it

    @property
    def passed(self) -> bool:
        return not self.misses


def check_targets(pages: list[PageResult]) -> list[Target]:
    targets = []
    for category in CATEGORIES:
        least = PERFORMANCE_MIN if category == "performance" else OTHER_CATEGORIES_MIN
        name = f"{CATEGORY_NAMES[category]} {'≥ ' if least < 100 else ''}{least}"
        misses = [
            f"{page.label} {page.scores[category]} ({least - page.scores[category]} short)"
            for page in pages
            if page.scores[category] < least
        ]
        targets.append(Target(name, misses))
    over = [
        f"{page.label} {page.transferred_bytes:,} bytes ({page.transferred_bytes - FIRST_VISIT_MAX_BYTES:,} over)"
        for page in pages
        if page.transferred_bytes > FIRST_VISIT_MAX_BYTES
    ]
    targets.append(Target(f"first visit ≤ {FIRST_VISIT_MAX_BYTES // 1000} KB transferred (gzip)", over))
    over = [
        f"{page.label} {page.uncompressed_bytes:,} bytes ({page.uncompressed_bytes - FIRST_VISIT_MAX_UNCOMPRESSED:,} over)"
        for page in pages
        if page.uncompressed_bytes > FIRST_VISIT_MAX_UNCOMPRESSED
    ]
    targets.append(Target(f"first visit ≤ {FIRST_VISIT_MAX_UNCOMPRESSED // 1000} KB uncompressed", over))
    return targets


def kib(size: float) -> str:
    return f"{size / 1024:,.1f} KiB"


TABLE_HEADER = (
    "| date | commit | page | performance (each run) | accessibility | best practices | SEO "
    "| first visit, bytes transferred | first visit, bytes uncompressed |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---:|"
)


def table_row(info: dict[str, str], page: PageResult) -> str:
    cells = [str(page.scores[category]) for category in CATEGORIES]
    if len(page.performance_runs) > 1:
        cells[0] += f" ({', '.join(map(str, page.performance_runs))})"
    scores = " | ".join(cells)
    return (
        f"| {info['date']} | {info['commit']} | {page.label} (`{page.path}`) | {scores} "
        f"| {page.transferred_bytes:,} ({kib(page.transferred_bytes)}) "
        f"| {page.uncompressed_bytes:,} ({kib(page.uncompressed_bytes)}) |"
    )


def report(info: dict[str, str], pages: list[PageResult], targets: list[Target]) -> str:
    lines = ["# Lighthouse", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += ["", TABLE_HEADER, *(table_row(info, page) for page in pages)]
    lines += [
        "",
        "| page | FCP | LCP | TBT | CLS | Speed Index | performance points lost | performance of each run |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for page in pages:
        m = page.metrics
        lost = ", ".join(f"{metric} {points:.1f}" for metric, points in page.points_lost.items() if points >= 0.05)
        runs = ", ".join(map(str, page.performance_runs))
        lines.append(
            f"| {page.label} | {m['FCP']} | {m['LCP']} | {m['TBT']} | {m['CLS']} | {m['SI']} | {lost or '—'} | {runs} |"
        )
    lines += ["", "## Targets", "", "| target | result |", "|---|---|"]
    for target in targets:
        lines.append(f"| {target.name} | {'PASS' if target.passed else '**FAIL**: ' + '; '.join(target.misses)} |")
    lines += ["", "## What costs the most (the median run of each page)", ""]
    for page in pages:
        lines += [f"### {page.label} (`{page.path}`)", ""]
        lines += [f"- performance: {cost}" for cost in page.performance_costs]
        for category, costs in page.failed.items():
            lines += [f"- {CATEGORY_NAMES[category]}: {cost}" for cost in costs]
        lines.append("- heaviest transfers: " + ", ".join(f"{path} {kib(size)}" for path, size in page.heaviest))
        lines.append("")
    errors = sorted({audit for page in pages for audit in page.errors})
    if errors:
        lines += [
            f"Audits Lighthouse {LIGHTHOUSE_VERSION} could not compute with this Chromium (none of them is "
            f"weighted in a score): {', '.join(errors)}.",
            "",
        ]
    return "\n".join(lines)


def record(info: dict[str, str], pages: list[PageResult]) -> None:
    """Add this run's rows at the top of the table between the markers in benchmarks/README.md."""
    text = README.read_text(encoding="utf-8")
    if text.count(README_BEGIN) != 1 or text.count(README_END) != 1:
        raise BenchmarkError(f"{README} has no table between {README_BEGIN!r} and {README_END!r}")
    before, rest = text.split(README_BEGIN)
    table, after = rest.split(README_END)
    old_rows = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]
    block = "\n".join([TABLE_HEADER, *(table_row(info, page) for page in pages), *old_rows])
    README.write_text(f"{before}{README_BEGIN}\n{block}\n{README_END}{after}", encoding="utf-8")


# --- the run ---------------------------------------------------------------------------------------------------


def _output(command: list[str]) -> str:
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip()


def commit() -> str:
    """HEAD's short hash, marked when the files that make the site differ from it in the work tree."""
    head = _output(["git", "rev-parse", "--short=7", "HEAD"])
    changed = _output(["git", "status", "--porcelain", "--", "generator", "site_src", "data", "mkdocs.yml"])
    return f"{head or 'unknown'}{' + uncommitted changes' if changed else ''}"


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    check_tools()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    _log("building the site…")
    release = build_release(scratch, args.today)
    reports = args.reports or scratch / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    pages = [
        measure_page(scratch, label, path, args.runs, reports, args.cpu_slowdown)
        for label, path in pages_to_measure(release).items()
    ]
    indexes = [page.benchmark_index for page in pages]
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "commit": commit(),
        "site as of": as_of(release, args.today),
        "lighthouse": LIGHTHOUSE_VERSION,
        "chromium": _output([str(CHROMIUM), "--version"]).splitlines()[-1],
        "nginx": _output([str(NGINX), "-v"]).removeprefix("nginx version: "),
        "server configuration": "clusters nginx-conf --listen-address 127.0.0.1 (HTTP, no certificate)",
        "profile": "Lighthouse's default: mobile (emulated Moto G Power), simulated slow 4G (150 ms, 1.6 Mbit/s), "
        + (f"CPU slowdown {args.cpu_slowdown:g}× (not the default 4×)" if args.cpu_slowdown else "4× CPU slowdown"),
        "runs per page": f"{args.runs} (the run with the median performance score counts)",
        "host CPU (Lighthouse benchmarkIndex)": f"{min(indexes):.0f}–{max(indexes):.0f}",
        "load average at start (1, 5, 15 min)": load,
    }
    targets = check_targets(pages)
    print(report(info, pages, targets))
    if args.json:
        payload = {"info": info, "pages": [asdict(page) for page in pages], "targets": [asdict(t) for t in targets]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.record:
        record(info, pages)
        _log(f"recorded in {README.relative_to(REPO_ROOT)}")
    return 0 if all(target.passed for target in targets) else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--today", help="the day the site is built as of (YYYY-MM-DD; default: today in Beijing)")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help=f"Lighthouse runs per page, 1 to {MAX_RUNS}; the median performance run counts (default %(default)s)",
    )
    parser.add_argument(
        "--cpu-slowdown",
        type=float,
        help="Lighthouse's CPU slowdown instead of its default 4 (to calibrate for a slower host; not with --record)",
    )
    parser.add_argument("--record", action="store_true", help="add the rows to the table in benchmarks/README.md")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's JSON reports in this folder")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= MAX_RUNS:
        parser.error(f"--runs takes 1 to {MAX_RUNS}")
    if args.cpu_slowdown is not None and (args.cpu_slowdown <= 0 or args.record):
        parser.error("--cpu-slowdown takes a positive number, and the README records only the default profile")
    if args.today is not None:
        try:
            dt.date.fromisoformat(args.today)
        except ValueError:
            parser.error("--today takes a date, YYYY-MM-DD")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwind, so that every finally stops what it started


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    scratch = Path(tempfile.mkdtemp(prefix="clusters-lighthouse-"))
    try:
        return run_benchmark(args, scratch)
    except BenchmarkError as exc:
        print(f"BENCHMARK ABORTED: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
