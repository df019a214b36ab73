"""Shared test helpers: build a temporary data/ folder from the fixtures and run the validate CLI.

The temporary folder holds the tests' own fixtures, tests/fixtures/base/ (districts, calendar
2022–2026, policy and the fictional records; never anything read from data/), plus, for a case
folder, its files/ overlay minus the paths listed in its remove.txt. Tests of the shipped data/
live in tests/test_shipped_data.py and assert only what holds for any valid data.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.domain.calendar import start_of_day
from generator.site.build import build_site

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
REAL_DATA = REPO_ROOT / "data"
FIXTURE_BASE = TESTS_DIR / "fixtures" / "base"
# A day after every date the fixtures and data/ hold: a load as of it counts no record as scheduled (for
# tests that read the records for their calendar, policies or shape, not for what is published when).
AFTER_EVERY_RECORD = dt.date(2100, 1, 1)
CALLS_FIXTURE = TESTS_DIR / "fixtures" / "calls"  # an overlay (files/): a call, attachments, a notice naming them
CASES_DIR = TESTS_DIR / "cases"
TODAY = "2026-11-28"

# `PATH:LINE:COL: error|warning: message [code]`
PROBLEM_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|note): "
    r"(?P<message>.*) \[(?P<code>[a-z0-9-]+)\]$"
)


def git(repo: Path, *args: str, when: str | None = None) -> str:
    """Run git in `repo` as a test author, free of the machine's git settings; `when` dates the commit."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--finished-lines",
        action="store_true",
        default=False,
        help="one line per finished test (how many have finished, the time since the start, its outcome, "
        "duration and id) instead of a dot: readable progress in a CI log (tests/run)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("finished_lines") and not hasattr(config, "workerinput"):  # not in an xdist worker
        config.pluginmanager.register(FinishedLines(config), "finished-lines")


class FinishedLines:
    """`--finished-lines`: each test, once its teardown is reported (from whichever xdist worker ran
    it), as one line `[ 12/980   95 s] PASSED   tests/test_x.py::test_y (1.2 s)`; the dots are left out."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.started = time.monotonic()
        self.finished = 0
        self.phases: dict[str, list[pytest.TestReport]] = {}
        self.session: pytest.Session | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report, config):
        category, _letter, word = yield
        return category, "", word  # no dot (or F, s …): the line below says it

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phases = self.phases.setdefault(report.nodeid, [])
        phases.append(report)
        if report.when != "teardown":
            return
        del self.phases[report.nodeid]
        self.finished += 1
        statuses = [self.config.hook.pytest_report_teststatus(report=r, config=self.config) for r in phases]
        # the outcome: the first phase that did not simply pass (an error in setup, a skip, a failure), else the call's
        category, _, word = next(
            (s for s in statuses if s[0] and s[0] != "passed"), statuses[min(1, len(statuses) - 1)]
        )
        word, markup = word if isinstance(word, tuple) else (word, {})
        total = self.session.testscollected if self.session else 0
        line = (
            f"[{self.finished:>{len(str(total))}}/{total} {time.monotonic() - self.started:4.0f} s] "
            f"{word or category.upper() or 'PASSED':<8} {report.nodeid} ({sum(r.duration for r in phases):.1f} s)"
        )
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line, **markup)


def make_data_dir(tmp_path: Path, case_dir: Path | None = None) -> Path:
    """Build tmp_path/data from the base fixture (tests/fixtures/base/: its own copies of the gazetteer,
    the holiday arrangements and the policies, the fictional site, clusters and notices) and a case
    overlay. Nothing is read from the shipped data/, so a change there cannot break a test of the code."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_BASE, data)
    if case_dir is not None:
        files = case_dir / "files"
        if files.is_dir():
            shutil.copytree(files, data, dirs_exist_ok=True)
        remove = case_dir / "remove.txt"
        if remove.is_file():
            for line in remove.read_text(encoding="utf-8").splitlines():
                relative = line.strip()
                if not relative or relative.startswith("#"):
                    continue
                target = data / relative
                assert target.resolve().is_relative_to(data.resolve()), relative
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink()
    return data


# --- made once per run and shared: built sites, the browser ---------------------------------------


class Shared:
    """Folders made once per test run and shared by every module and every pytest-xdist worker that
    asks for them by the same name: the first to ask makes it, under a lock, while any other waits
    (a second worker building the same site would only slow the first); then all of them read it.
    What is shared is read-only: a test that changes it works on a copy."""

    def __init__(self, root: Path):
        self.root = root

    def get(self, name: str, make: Callable[[Path], object]) -> Path:
        """The folder root/name, made by `make(folder)` the first time it is asked for."""
        folder = self.root / name
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            done = self.root / f"{name}.done"
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                make(folder)
                done.touch()
        return folder


@pytest.fixture(scope="session")
def shared(tmp_path_factory) -> Shared:
    base = tmp_path_factory.getbasetemp()  # a worker's is a folder in the run's, which all workers see
    return Shared((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared")


def _hostile_data(root: Path) -> Path:
    from hostile_corpus import make_hostile_data_dir  # it imports this module

    return make_hostile_data_dir(root)


# The test data sites are built from, by name: one place, so that a name always means the same data.
SHARED_DATA: dict[str, Callable[[Path], Path]] = {
    "base": make_data_dir,  # tests/fixtures/base
    "browser": lambda root: make_data_dir(root, TESTS_DIR / "browser" / "overlay"),
    "calls": lambda root: make_data_dir(root, CALLS_FIXTURE),
    "hostile": _hostile_data,  # the accepted hostile corpus (tests/hostile_corpus.py)
}


@dataclass(frozen=True)
class SharedSite:
    data: Path
    site: Path


def shared_site(shared: Shared, data: str, day: dt.date) -> SharedSite:
    """The site `clusters build` makes from SHARED_DATA[data] as of `day` (mkdocs.yml), built once
    per run; its data folder and site folder, both read-only."""

    def make(folder: Path) -> None:
        build_site(REPO_ROOT / "mkdocs.yml", SHARED_DATA[data](folder), folder / "site", start_of_day(day))

    folder = shared.get(f"{data}-{day.isoformat()}", make)
    return SharedSite(folder / "data", folder / "site")


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process for every browser test module (tests/browser): launching one
    for each module, in each worker, cost about a second each time."""
    from browser_support import chromium  # tests/browser/ is on sys.path once one of its modules is imported

    with chromium() as launched:
        yield launched


@pytest.fixture(name="make_data_dir")
def make_data_dir_fixture():
    """The `make_data_dir(tmp_path, case_dir=None)` builder, as a fixture."""
    return make_data_dir


@dataclass(frozen=True)
class Found:
    path: str  # relative to the data folder
    line: int
    col: int
    severity: str
    code: str
    message: str

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    problems: list[Found]

    def keys(self, severity: str) -> set[tuple[str, int, int, str]]:
        return {p.key for p in self.problems if p.severity == severity}


def relative_to_data(printed: str, data_dir: Path) -> str:
    """A printed path (absolute, or relative to the working directory) relative to the data folder."""
    path = Path(printed)
    if path.is_absolute():
        try:
            return path.relative_to(data_dir).as_posix()
        except ValueError:
            return path.resolve().relative_to(data_dir.resolve()).as_posix()
    prefix = data_dir.name + "/"
    text = path.as_posix()
    if text.startswith(prefix):
        return text[len(prefix) :]
    marker = "/" + prefix
    if marker in text:
        return text.rsplit(marker, 1)[1]
    return text


class CliTimeout(BaseException):
    """An in-process command ran past its time limit. A BaseException, so that no `except Exception`
    (or `except OSError`, as around a file read) in the code under test can swallow it."""


@contextmanager
def _time_limit(seconds: float, what: str) -> Iterator[None]:
    """Interrupt the block after `seconds`, as subprocess.run(timeout=...) did: SIGALRM also breaks a
    blocking system call (a FIFO opened for reading). Signals reach only the main thread; elsewhere
    the block runs unlimited."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise CliTimeout(f"{what} did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(
    *args: object, cwd: Path = REPO_ROOT, env: Mapping[str, str | None] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`clusters ARGS` run in this process (click's CliRunner) as `python -m generator ARGS` would run
    in `cwd`: the exit code, stdout and stderr apart, in a CompletedProcess. GITHUB_ACTIONS is unset
    unless `env` sets it; `env` entries set to None are unset.

    An exception other than SystemExit is not turned into exit code 3 (as generator.cli.main does for
    staff): it propagates, failing the test with its traceback. tests/test_cases.py runs the real
    entry point once as a subprocess."""
    argv = [str(arg) for arg in args]
    before = Path.cwd()
    os.chdir(cwd)  # the commands resolve relative paths and run git in the working directory
    try:
        with _time_limit(timeout, "clusters " + " ".join(argv)):
            result = CliRunner().invoke(
                cli, argv, env={"GITHUB_ACTIONS": None, **(env or {})}, catch_exceptions=False, prog_name="clusters"
            )
    except CliTimeout as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["clusters", *argv], result.exit_code, result.stdout, result.stderr)


def _validate_run(done: subprocess.CompletedProcess[str], data_dir: Path) -> Run:
    problems = []
    for line in done.stdout.splitlines():
        match = PROBLEM_LINE.match(line)
        if match:
            problems.append(
                Found(
                    relative_to_data(match["path"], data_dir),
                    int(match["line"]),
                    int(match["col"]),
                    match["severity"],
                    match["code"],
                    match["message"],
                )
            )
    return Run(done.returncode, done.stdout, done.stderr, problems)


def mkdocs_config(tmp_path: Path, docs_dir: Path, custom_dir: Path) -> Path:
    """The project's mkdocs.yml with another docs folder and theme overrides, written to tmp_path."""
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        (REPO_ROOT / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .replace("docs_dir: site_src", f"docs_dir: {docs_dir}")
        .replace("custom_dir: site_src/overrides", f"custom_dir: {custom_dir}"),
        encoding="utf-8",
    )
    return config


def build_in_subprocess(data_dir: Path, site_dir: Path, today: str, config: Path) -> subprocess.CompletedProcess[str]:
    """`python -m generator build` as staff run it: its exit code and output, a traceback included."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--data",
            str(data_dir),
            "--site-dir",
            str(site_dir),
            "--today",
            today,
            "--config-file",
            str(config),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_validate(data_dir: Path, **extra_env: str) -> Run:
    """`clusters validate` on data_dir, in this process (run_cli), from the repository root."""
    return _validate_run(run_cli("validate", "--data", data_dir, "--today", TODAY, env=extra_env), data_dir)


def validate_document(
    data_dir: Path | str, *args: str, output: str = "json", cwd: Path = REPO_ROOT
) -> tuple[int, dict[str, Any]]:
    """`clusters validate --format json|sarif` on data_dir in this process (as of TODAY unless args say
    otherwise): the exit code and the document it printed, the whole of stdout."""
    today = () if "--today" in args else ("--today", TODAY)
    done = run_cli("validate", "--data", data_dir, "--format", output, *today, *args, cwd=cwd)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.returncode, json.loads(done.stdout)


def problems_of(document: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """The problems of one code in a `--format json` document: tests filter by code, never by text."""
    return [found for found in document["problems"] if found["code"] == code]


def run_validate_in_subprocess(data_dir: Path, **extra_env: str) -> Run:
    """`python -m generator validate` on data_dir as a real subprocess from the repository root: the
    entry point staff and CI run, including its imports and exit-code handling."""
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra_env)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--data", str(data_dir), "--today", TODAY],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
        check=False,
    )
    return _validate_run(done, data_dir)


class Node:
    """One element of a parsed page (see Page): its tag, attributes, children (Nodes and text), its
    parent, and `section`, the id of the heading it follows (an h1–h6 with an id in built HTML, or a
    Markdown heading line `## … {#id}` in a generated page's content)."""

    __slots__ = ("tag", "attrs", "children", "parent", "section")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None, section: str | None):
        self.tag, self.attrs, self.parent, self.section = tag, attrs, parent, section
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self) -> Iterator[Node]:
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def ancestors(self) -> Iterator[Node]:
        parent = self.parent
        while parent is not None:
            yield parent
            parent = parent.parent

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> list[Node]:
        """Elements below this one with the tag, the class and the attributes (`data_x="v"` is
        data-x="v"; `data_x=True` only asks that data-x be present)."""
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(
                (n.attrs.get(k.replace("_", "-")) == v) if v is not True else (k.replace("_", "-") in n.attrs)
                for k, v in attrs.items()
            )
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def raw_text(self) -> str:
        """All text below this element as written, script and style bodies included."""
        return "".join(child if isinstance(child, str) else child.raw_text() for child in self.children)

    def visible_text(self) -> str:
        """The text below this element without the bodies of scripts and styles inside it."""
        return "".join(
            child if isinstance(child, str) else child.visible_text()
            for child in self.children
            if isinstance(child, str) or child.tag not in Page.RAW_TEXT
        )

    def text(self) -> str:
        """The visible text, whitespace collapsed."""
        return re.sub(r"\s+", " ", self.visible_text()).strip()

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class Page(HTMLParser):
    """One HTML page or fragment, parsed into a small tree of Nodes (`root`), with every element's
    tag and attributes (`tags`), its visible text, its title and its inline scripts.

    The tests' one HTML reader: the site tests, the hostile-input tests, the Decap admin test and
    the as-of oracle (tests/oracle_pages.py) all read pages through it.
    """

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
    )
    RAW_TEXT = ("script", "style")
    MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s.*\{#([A-Za-z0-9_-]+)\}\s*$", re.M)

    def __init__(self, source: Path | str):
        """`source`: an HTML file, or HTML text (a generated page's Markdown holds raw HTML blocks)."""
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None, None)
        self._stack = [self.root]
        self._section: str | None = None
        self.feed(source.read_text(encoding="utf-8") if isinstance(source, Path) else source)
        self.close()
        self.elements: list[Node] = list(self.root.iter())  # in document order
        self.tags: list[tuple[str, dict[str, str]]] = [(node.tag, node.attrs) for node in self.elements]
        # the bodies of inline scripts (a script with only a src has none)
        self.scripts: list[str] = [body for node in self.elements if node.tag == "script" and (body := node.raw_text())]

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and attributes.get("id"):
            self._section = attributes["id"]
        node = Node(tag, attributes, self._stack[-1], self._section)
        self._stack[-1].children.append(node)
        if tag not in self.VOID:
            self._stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self._stack[-1], self._section)
        self._stack[-1].children.append(node)

    def handle_endtag(self, tag):
        """Closes the innermost open element of that tag and every element opened inside it; a stray end tag is ignored."""
        for index in range(len(self._stack) - 1, 0, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if self._stack[-1].tag not in self.RAW_TEXT:
            for match in self.MARKDOWN_HEADING.finditer(data):
                self._section = match.group(1)
        self._stack[-1].children.append(data)

    @property
    def text(self) -> str:
        """The visible text (scripts and styles left out), whitespace collapsed."""
        return self.root.text()

    @property
    def title(self) -> str:
        """The visible text of the <title>, whitespace collapsed."""
        titles = "".join(node.visible_text() for node in self.elements if node.tag == "title")
        return re.sub(r"\s+", " ", titles).strip()

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """The attributes of every <tag> element whose attributes include `attrs`."""
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]
