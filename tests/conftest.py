"""Shared test helpers: build a temporary data/ folder from the fixtures and run the validate CLI.

The temporary folder holds the REAL data/districts.yaml, data/calendar/ and data/policy/, plus the
fixture records in tests/fixtures/base/ (never the real clusters or notices), plus, for a case
folder, its files/ overlay minus the paths listed in its remove.txt.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
REAL_DATA = REPO_ROOT / "data"
FIXTURE_BASE = TESTS_DIR / "fixtures" / "base"
CASES_DIR = TESTS_DIR / "cases"
TODAY = "2026-11-28"

# `PATH:LINE:COL: error|warning: message [code]`
PROBLEM_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|note): "
                          r"(?P<message>.*) \[(?P<code>[a-z0-9-]+)\]$")


def make_data_dir(tmp_path: Path, case_dir: Path | None = None) -> Path:
    """Build tmp_path/data from the real gazetteer and calendar, the base fixture and a case overlay."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy2(REAL_DATA / "districts.yaml", data / "districts.yaml")
    for folder in ("calendar", "policy"):
        if (REAL_DATA / folder).is_dir():
            shutil.copytree(REAL_DATA / folder, data / folder)
    shutil.copytree(FIXTURE_BASE, data, dirs_exist_ok=True)
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
        return text[len(prefix):]
    marker = "/" + prefix
    if marker in text:
        return text.rsplit(marker, 1)[1]
    return text


def run_validate(data_dir: Path, **extra_env: str) -> Run:
    """Run `python -m generator validate` on data_dir as a real subprocess from the repository root."""
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra_env)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--data", str(data_dir), "--today", TODAY],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120,
    )
    problems = []
    for line in done.stdout.splitlines():
        match = PROBLEM_LINE.match(line)
        if match:
            problems.append(Found(relative_to_data(match["path"], data_dir), int(match["line"]), int(match["col"]),
                                  match["severity"], match["code"], match["message"]))
    return Run(done.returncode, done.stdout, done.stderr, problems)


class Page(HTMLParser):
    """Tags with attributes and the visible text of one HTML page."""

    def __init__(self, source: Path | str):
        """`source`: an HTML file, or HTML text (a generated page's Markdown holds raw HTML blocks)."""
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.scripts: list[str] = []  # inline script bodies
        self._skip = 0
        self.feed(source.read_text(encoding="utf-8") if isinstance(source, Path) else source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)
        elif self.tags and self.tags[-1][0] == "script":
            self.scripts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.chunks))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]
