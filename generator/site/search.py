"""Site search: Pagefind's static index of the finished pages, in small pieces fetched per query.

Pagefind (PyPI `pagefind[extended]`: a Rust binary in a wheel) reads the built pages and writes
SEARCH_DIR/ into the site: a small entry file, its search script with a WebAssembly module, the
index split into chunks by word, and one fragment per page (its title and text for the excerpt).
No page loads any of it: the header's search dialog (site_src/javascripts/search.js) loads the
script when a reader first opens it, and a query then fetches only the index chunks that hold its
words and the fragments of the results it shows.

What is indexed: the part of a page inside `data-pagefind-body` (site_src/overrides/main.html puts
it around the article, after the as-of line; a page whose front matter says `search: exclude:
true` has none: the home page, the cluster lists, the editor guide, the open-data page and the
change log), less EXCLUDED_SELECTORS: of a record page, what people look for (names, districts,
industries, document numbers, titles), not its dates, labels, pictures and small print. Pages
without it (those, the admin page, 404.html) are not indexed at all; the header, navigation and
footer never are. Every indexed page costs its fragment (its text, for the excerpts, gzip-compressed
alone) and its characters' places in the word chunks, so what a cluster's page leaves out is saved
once per cluster (benchmarks/README.md, "Search").

Chinese phrases: Pagefind segments Chinese into words when indexing and again, differently, in the
browser (Intl.Segmenter), and matches whole words or their beginnings, so a phrase that crosses a
word boundary (分子材料 in 高分子材料) or the middle of a word would not be found. The index is
therefore built one Chinese character per word: Pagefind reads a copy of each page in which
adjacent CJK characters are separated by U+200B (ZERO WIDTH SPACE, invisible in an excerpt), and the
search script asks for a query's characters as one exact phrase ("分 子 材 料"), which Pagefind
matches only where the characters stand next to each other. The pages served stay as MkDocs wrote
them.

Order: in an exact phrase search Pagefind scores every match alike, so the results are sorted by
what kind of page they are (PAGE_KINDS, a sort key the indexed copy carries): clusters, notices
and calls first, each on its own page, then the lists, the rules and explanations, the home page last.

The indexed copy also marks the page's kind (KIND_ATTRIBUTE: EXCLUDED_SELECTORS differ by kind) and
keeps ids only on the headings that make sub-results: Pagefind stores an anchor in the fragment for
every element with an id inside the indexed part, even an excluded one.

The output depends only on the pages: Pagefind runs in a scratch folder that holds only the copies
(it would read a pagefind.yml in its working folder), with the PAGEFIND_* environment variables
removed but the one set here, and two builds of the same pages give the same bytes
(tests/test_site.py, tests/test_search.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SEARCH_DIR = "pagefind"  # in the site folder; the search dialog's bundle path
BODY_ATTRIBUTE = "data-pagefind-body"  # marks the part of a page that is indexed (overrides/main.html)
LANGUAGE = "zh"  # one index for the whole site, whatever a page's lang says
# Pagefind's index files, gzip-compressed by Pagefind itself and inflated by its script: the web
# server sends them as they are, and the build writes no .gz beside them (generator.site.release).
PRECOMPRESSED_SUFFIXES = frozenset({".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter", ".pagefind"})
# Pagefind's other search interfaces and its highlighter: the site uses pagefind-ui.js only.
_UNUSED = (
    "pagefind-component-ui.css",
    "pagefind-component-ui.js",
    "pagefind-highlight.js",
    "pagefind-modular-ui.css",
    "pagefind-modular-ui.js",
)
# Han characters (the CJK Unified Ideographs and their extensions, compatibility ideographs): the
# same class as search.js's. Two of them side by side get U+200B between them in the indexed copy.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}])(?=[{_HAN}])")
_TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_BODY_TAG = re.compile(rf"(<[a-z]+\s[^>]*?\b{BODY_ATTRIBUTE}\b)")
_ID = re.compile(r'\sid="[^"]*"')
_HEADING = re.compile(r"<h[1-6][\s>]", re.I)
_TIMEOUT = 600  # seconds; 1,000 clusters take a few
# The word locations per index chunk (Pagefind's default 20,000). One character per word makes each
# chunk hold many characters' locations; a query fetches the chunks of its characters, so smaller
# chunks mean fewer bytes per query: at 1,000 clusters a phrase of four characters fetches about a
# third as much (benchmarks/README.md, "Search"), for 1-2 % more index in all. Pagefind 1.5 reads
# this from an environment variable it calls unstable: pyproject.toml pins the version, and
# tests/test_site.py checks that it took effect.
INDEX_CHUNK_SIZE = 1000
SORT_KEY = "order"  # the sort key search.js asks Pagefind to sort by, ascending
KIND_ATTRIBUTE = "data-search-kind"  # what kind of page; on the indexed part of the copy only
# (pattern of a page's folder, relative to the site; its kind; its place in the results), first match
# wins. Pages of one place keep Pagefind's order among themselves (by address).
PAGE_KINDS = (
    (re.compile(r"clusters/[^/]+"), "cluster", 1),  # a cluster's page
    (re.compile(r"notices/[^/]+"), "notice", 2),  # a notice's page
    (re.compile(r"calls/[^/]+"), "call", 3),  # an annual call's page
    (re.compile(r"(clusters|notices|calls|districts)(/[^/]+)?"), "list", 4),  # the lists
    (re.compile(r""), "home", 6),  # the home page
    (re.compile(r".*"), "rules", 5),  # the rules and explanations: guideline, criteria, procedure, practice …
)


def _on(kind: str, *selectors: str) -> tuple[str, ...]:
    """`selectors` on pages of one kind only (the indexed copy marks each page's kind)."""
    return tuple(f'[{KIND_ATTRIBUTE}="{kind}"] {selector}' for selector in selectors)


# Inside an indexed part, never indexed (Pagefind's exclude selectors): what nobody searches for, and
# what a page repeats from elsewhere. What stays is what people look for: names, districts,
# industries, operators, notes, document numbers, notice and call titles, the rules' text. On a
# record page every word left out is bytes saved for every record (benchmarks/README.md, "Search").
# The templates give some parts no class of their own: those are named by position, and
# tests/test_search.py checks on a built site that what should stay stays and the rest goes.
EXCLUDED_SELECTORS = (
    # Everywhere: heading permalinks (¶); pictures and their captions (icons, charts and legends; a
    # chart's text equivalent is in the page as a table or text); the small print (.cl-muted: the
    # clause or practice behind a date, what a source states); 未载明 (.cl-unknown); status badges;
    # tables' column headings.
    ".headerlink",
    "svg",
    "figure",
    ".cl-muted",
    ".cl-unknown",
    ".cl-badges",
    "thead",
    # A cluster's page keeps its name, district, leading industry, operator, summary and note, its
    # recognitions' batch and document number, and its events' words and document numbers. Left out:
    # the section headings (a page this short needs no sub-results; HEADINGS_LEFT_OUT drops their
    # anchors too); the facts' labels; what the template itself marks data-pagefind-ignore (its area
    # and website, the status sentence and the note that the name is unverified: the same words on
    # many pages; a recognition's level, date, validity and review); the events' dates and source links; the annual reports' due dates (computed from the rules); the
    # notices that list it (their own pages are indexed and list the cluster); its sources (links out).
    *_on(
        "cluster",
        "h2",
        ".cl-facts dt",
        ".cl-history strong",
        ".cl-history a",
        ".cl-reports",
        ".cl-related",
        ".cl-sources",
    ),
    # A notice's page keeps its title, the list (names, districts, notes), the outcome (the final
    # list's document number) and the publication record (issuer, document number). Left out: the
    # state and deadline (dates); how to object (the same sentences on every notice, and contacts; its
    # heading stays, as a sub-result); the list's row numbers; the final list against the proposed
    # one (it repeats the list); the window's working days and the like.
    *_on(
        "notice",
        ".cl-notice-state",
        ".cl-objection",
        ".cl-entries td:nth-child(1)",
        ".cl-outcome h3",
        ".cl-final-list",
        ".cl-record-meta > .cl-facts",
    ),
    # A call's page: not its state and deadline sentences (its dates are in its facts).
    *_on("call", ".cl-call-state"),
    # The lists (the district index): the districts' names, not their tallies.
    *_on("list", "td:not(:first-child)"),
)
# Kinds of page whose headings are left out above: the indexed copy drops their headings' ids, for
# Pagefind keeps an anchor for every element with an id even when the element itself is excluded.
# Elsewhere only headings keep their ids: Pagefind's interface makes sub-results of headings only.
HEADINGS_LEFT_OUT = frozenset({"cluster"})


class SearchIndexFailed(Exception):
    """Pagefind is missing or failed (a Chinese sentence, with what it said)."""


def pagefind_executable() -> Path:
    """The Pagefind binary that `pagefind[extended]` installs (the extended build: it knows Chinese)."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise SearchIndexFailed(
            "没有安装 Pagefind，无法生成站内搜索索引：请在本项目的虚拟环境中运行 pip install -e .（安装 pagefind[extended]）"
        ) from None
    try:
        return Path(get_executable())
    except FileNotFoundError as exc:
        raise SearchIndexFailed(f"找不到 Pagefind 程序：{exc}") from None


def separate_han(html: str) -> str:
    """`html` with U+200B between adjacent Han characters in its text (tags and comments untouched)."""
    parts = _TAG.split(html)
    return "".join(part if index % 2 else _BETWEEN_HAN.sub("\u200b", part) for index, part in enumerate(parts))


def without_ids(html: str, headings: bool) -> str:
    """`html` without the id attributes of its elements, but those of its headings if `headings`."""
    parts = _TAG.split(html)
    return "".join(
        _ID.sub("", part) if index % 2 and not (headings and _HEADING.match(part)) else part
        for index, part in enumerate(parts)
    )


def page_kind(page: str) -> tuple[str, int]:
    """A page's kind and place in the results, by its path relative to the site (`clusters/x/index.html`)."""
    folder = page.removesuffix("index.html").strip("/")
    return next((kind, order) for pattern, kind, order in PAGE_KINDS if pattern.fullmatch(folder))


def result_order(page: str) -> int:
    """A page's place in the results."""
    return page_kind(page)[1]


def indexed_copy(html: str, page: str) -> str:
    """What Pagefind reads of a page: Han characters apart; the page's kind (for EXCLUDED_SELECTORS)
    and place in the results on its indexed part; ids only on the headings that make sub-results."""
    kind, order = page_kind(page)
    marks = f'{KIND_ATTRIBUTE}="{kind}" data-pagefind-sort="{SORT_KEY}:{order}"'
    marked = _BODY_TAG.sub(lambda found: f"{found[1]} {marks}", html, count=1)
    return separate_han(without_ids(marked, headings=kind not in HEADINGS_LEFT_OUT))


def indexed_pages(site_dir: Path) -> list[Path]:
    """The pages that have a part to index, sorted by path."""
    return [path for path in sorted(site_dir.rglob("*.html")) if BODY_ATTRIBUTE in path.read_text(encoding="utf-8")]


def index_site(site_dir: Path) -> int:
    """Write SEARCH_DIR/ into the finished site folder (replacing an earlier one); return the number
    of pages indexed. Raises SearchIndexFailed."""
    output = site_dir / SEARCH_DIR
    pages = indexed_pages(site_dir)
    with tempfile.TemporaryDirectory(prefix="clusters-search-") as scratch:
        source = Path(scratch) / "pages"
        for page in pages:
            copy = source / page.relative_to(site_dir)
            copy.parent.mkdir(parents=True, exist_ok=True)
            relative = page.relative_to(site_dir).as_posix()
            copy.write_text(indexed_copy(page.read_text(encoding="utf-8"), relative), encoding="utf-8")
        if output.exists():
            shutil.rmtree(output)
        command = [
            str(pagefind_executable()),
            "--site",
            str(source),
            "--output-path",
            str(output.resolve()),
            "--force-language",
            LANGUAGE,
            "--exclude-selectors",
            ", ".join(EXCLUDED_SELECTORS),
            "--quiet",
        ]
        environment = {name: value for name, value in os.environ.items() if not name.upper().startswith("PAGEFIND")}
        environment["PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"] = str(INDEX_CHUNK_SIZE)
        try:
            ran = subprocess.run(
                command, cwd=scratch, env=environment, capture_output=True, text=True, timeout=_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchIndexFailed(f"Pagefind 未能运行：{exc}") from None
    if ran.returncode != 0 or not (output / "pagefind-entry.json").is_file():
        said = (ran.stderr.strip() or ran.stdout.strip())[-2000:]
        raise SearchIndexFailed(f"Pagefind 未能生成站内搜索索引（退出码 {ran.returncode}）：{said}")
    for name in _UNUSED:
        (output / name).unlink(missing_ok=True)
    return len(pages)
