#!/usr/bin/env python3
"""What the site search costs a reader, in bytes, and what its index weighs per cluster.

    python benchmarks/search.py [--sizes 100,1000] [--shipped] [--json OUT]

For each size N it builds the site from N synthetic clusters and N/10 notices (benchmarks/synthetic.py,
validated as bench.py does), and with --shipped also from data/ as of today; then it serves the site
on 127.0.0.1 and drives Debian's Chromium (Playwright) as a reader would, recording every request:

1. a page load (a cluster's page) without searching;
2. opening the search dialog (the header's button);
3. a first query, then a second and a third: what each fetched.

Bytes are counted as nginx sends them (deploy/nginx.conf): a file's .gz where the build wrote one
(gzip_static), anything else as it is; the index's pieces are gzip already, written so by Pagefind.
Headers are not counted. The index's size is the sum of its pieces (entry file, metadata, word
chunks, page fragments) on disk, all gzip, divided by the number of clusters.

Targets (issue 22): no index bytes on a page load without a search; a query fetches ≤ 30 KB; the
index ≤ 1 KB gzip per cluster. Prints a Markdown report; exits 1 if a target fails, 2 if it could
not measure. Not a test: run it by hand and record the results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import unquote, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR)]
import bench  # noqa: E402  (beside this file: machine(), make_data(), the build command)

REPO_ROOT = bench.REPO_ROOT
CHROMIUM = "/usr/bin/chromium"
QUERY_LIMIT = 30 * 1024  # bytes one query may fetch, gzip
PER_CLUSTER_LIMIT = 1024  # index bytes per cluster, gzip
# (query, what it stands for): a phrase across two words, a district, a document-number prefix.
QUERIES = (("分子材料", "phrase across words"), ("黄埔区", "district"), ("穗工信函", "document number"))
PAGE = "clusters/{cluster}/"
INDEX_SUFFIXES = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter")


@dataclass
class Phase:
    name: str
    files: list[str] = field(default_factory=list)  # site paths requested
    bytes: int = 0  # as nginx sends them
    search_bytes: int = 0  # of those, under pagefind/
    index_bytes: int = 0  # of those, the index's own pieces (entry, meta, chunks, fragments)


@dataclass
class Measured:
    label: str
    clusters: int
    pages_indexed: int
    index_total: int  # gzip bytes: entry + meta + chunks + fragments
    chunks: int  # gzip bytes of the word chunks (index/)
    fragments: int  # gzip bytes of the page fragments (fragment/)
    chunk_files: int
    largest_chunk: int
    build_seconds: float
    phases: list[Phase]

    @property
    def per_cluster(self) -> float:
        return self.index_total / self.clusters


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextmanager
def served(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def sent_bytes(site: Path, path: str) -> int:
    """The body nginx sends for `path` to a browser that accepts gzip."""
    file = site / path
    if file.is_dir():
        file = file / "index.html"
    packed = file.with_name(file.name + ".gz")
    return packed.stat().st_size if packed.is_file() else file.stat().st_size


def phase(name: str, site: Path, base: str, urls: list[str]) -> Phase:
    result = Phase(name)
    for url in urls:
        if not url.startswith(base):
            raise bench.BenchmarkError(f"a request left the site: {url}")
        path = unquote(urlsplit(url).path).lstrip("/")
        size = sent_bytes(site, path)
        result.files.append(path)
        result.bytes += size
        if path.startswith("pagefind/"):
            result.search_bytes += size
            if path.endswith(INDEX_SUFFIXES) or path.endswith("pagefind-entry.json"):
                result.index_bytes += size
    return result


def reader(site: Path, cluster: str) -> list[Phase]:
    from playwright.sync_api import sync_playwright

    phases = []
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(locale="zh-CN")
            page = context.new_page()
            requests: list[str] = []
            context.on("request", lambda request: requests.append(request.url))

            def take() -> list[str]:
                page.wait_for_load_state("networkidle")
                taken = [url for url in requests if not url.endswith("favicon.png")]
                requests.clear()
                return taken

            page.goto(base + PAGE.format(cluster=cluster))
            phases.append(phase("page load, no search", site, base, take()))
            page.get_by_role("button", name="搜索").click()
            box = page.get_by_role("textbox", name="站内搜索")
            box.wait_for()
            phases.append(phase("open the search", site, base, take()))
            for number, (query, what) in enumerate(QUERIES, 1):
                box.fill(query)
                box.press("End")
                page.wait_for_function(
                    """q => [...document.querySelectorAll('.pagefind-ui__message')].some(
                        m => m.textContent.includes(q) && /找到/.test(m.textContent))
                        && [...document.querySelectorAll('.pagefind-ui__result')].every(
                        r => r.querySelector('.pagefind-ui__result-link'))""",
                    arg=query,
                    timeout=30_000,
                )
                count = page.locator(".pagefind-ui__message").first.inner_text()
                phases.append(phase(f"query {number}: {query} ({what}; {count})", site, base, take()))
        finally:
            browser.close()
    return phases


def measure(label: str, data_dir: Path, site: Path, day: str) -> Measured:
    command = [*bench.full_build_command(data_dir, site)[:-1], day]
    run = bench.run_measured(command, f"clusters build of {label}")
    clusters = sorted(path.stem for path in (data_dir / "clusters").glob("*.yaml"))
    shown = [cid for cid in clusters if (site / "clusters" / cid / "index.html").is_file()]
    folder = site / "pagefind"
    pieces = [
        folder / "pagefind-entry.json",
        *folder.glob("*.pf_meta"),
        *folder.glob("index/*"),
        *folder.glob("fragment/*"),
    ]
    chunks = sorted(p.stat().st_size for p in folder.glob("index/*"))
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    return Measured(
        label=label,
        clusters=len(shown),
        pages_indexed=sum(language["page_count"] for language in entry["languages"].values()),
        index_total=sum(p.stat().st_size for p in pieces),
        chunks=sum(chunks),
        fragments=sum(p.stat().st_size for p in folder.glob("fragment/*")),
        chunk_files=len(chunks),
        largest_chunk=chunks[-1] if chunks else 0,
        build_seconds=run.timing.wall,
        phases=reader(site, shown[len(shown) // 2]),
    )


def report(info: dict[str, str], results: list[Measured]) -> tuple[str, bool]:
    lines = ["### Machine", "", *[f"- {key}: {value}" for key, value in info.items()], ""]
    lines += [
        "### Index",
        "",
        "| data | clusters | pages indexed | index, gzip (bytes) | per cluster | word chunks (files, largest) "
        "| page fragments | build (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        lines.append(
            f"| {m.label} | {m.clusters:,} | {m.pages_indexed:,} | {m.index_total:,} | {m.per_cluster:,.0f} "
            f"| {m.chunks:,} ({m.chunk_files}, {m.largest_chunk:,}) | {m.fragments:,} | {m.build_seconds:.1f} |"
        )
    lines += [
        "",
        "### What a reader's browser fetches",
        "",
        "Bytes as nginx sends them (gzip where the build wrote a .gz; the index's pieces as Pagefind wrote "
        'them), headers not counted. "index": the index\'s own pieces; "search": everything under '
        "pagefind/ (with the search program: pagefind.js, its worker, its WebAssembly, the interface).",
        "",
        "| data | step | requests | bytes | of which search | of which index |",
        "|---|---|---:|---:|---:|---:|",
    ]
    passed = True
    for m in results:
        for p in m.phases:
            lines.append(
                f"| {m.label} | {p.name} | {len(p.files)} | {p.bytes:,} | {p.search_bytes:,} | {p.index_bytes:,} |"
            )
    lines += ["", "### Targets", "", "| target | data | measured | result |", "|---|---|---|---|"]
    for m in results:
        load = m.phases[0]
        ok = load.search_bytes == 0
        passed &= ok
        lines.append(
            f"| no search bytes on a page load | {m.label} | {load.search_bytes:,} bytes | {'PASS' if ok else '**FAIL**'} |"
        )
        queries = [p for p in m.phases if p.name.startswith("query")]
        worst = max(p.index_bytes for p in queries)
        ok = worst <= QUERY_LIMIT
        passed &= ok
        lines.append(
            f"| a query fetches ≤ 30 KB of index | {m.label} | largest {worst:,} bytes "
            f"(first query with the search program: {queries[0].search_bytes:,}) | {'PASS' if ok else '**FAIL**'} |"
        )
        ok = m.per_cluster <= PER_CLUSTER_LIMIT
        passed &= ok
        lines.append(
            f"| index ≤ 1 KB gzip per cluster | {m.label} | {m.per_cluster:,.0f} bytes "
            f"(word chunks alone {m.chunks / m.clusters:,.0f}) | {'PASS' if ok else '**FAIL**'} |"
        )
    return "\n".join(lines) + "\n", passed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000", help="synthetic cluster counts (default %(default)s)")
    parser.add_argument("--shipped", action="store_true", help="also measure the site built from data/ as of today")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    info = {**bench.machine(), "pagefind": version("pagefind"), "chromium": _chromium_version()}
    scratch = Path(tempfile.mkdtemp(prefix="clusters-search-bench-"))
    try:
        results = []
        for n in sizes:
            print(f"N = {n:,}: generating, building, searching…", file=sys.stderr, flush=True)
            data = bench.make_data(scratch, n, bench.notices_for(n))
            results.append(measure(f"synthetic {n:,}", data, scratch / f"site-{n}", bench.TODAY))
        if args.shipped:
            print("data/: building, searching…", file=sys.stderr, flush=True)
            today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
            results.append(measure(f"data/ as of {today}", REPO_ROOT / "data", scratch / "site-shipped", today))
    except bench.BenchmarkError as exc:
        print(f"BENCHMARK ABORTED: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text, passed = report(info, results)
    print(text, end="")
    if args.json:
        payload = {"machine": info, "results": [{**asdict(m), "per_cluster": m.per_cluster} for m in results]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if passed else 1


def _chromium_version() -> str:
    try:
        return subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except OSError:
        return "not found"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
