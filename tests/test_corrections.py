"""Corrections (勘误): a published notice changes only through its correction log.

The pull-request check runs `clusters validate --against <base branch>`; these tests edit a published
notice in a temporary git repository and run that check on the edit, without and with a correction.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from conftest import PROBLEM_LINE, REPO_ROOT, Page, make_data_dir, run_cli

from generator import SCHEMAS_DIR
from generator.load.tables import load_schemas
from generator.site.build import build_site

NOTICE = "test-municipal-2025-list"
DAY = "2026-11-28"
TITLE = next(
    s.get("title") for s in load_schemas(SCHEMAS_DIR).schemas["notices"]["fields"] if s["name"] == "objection_phone"
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    make_data_dir(repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def notice_file(repo: Path) -> Path:
    return repo / "data" / "notices" / f"{NOTICE}.yaml"


def check(repo: Path, against: str = "HEAD") -> tuple[int, list[tuple[str, int, int, str]], str]:
    done = run_cli("validate", "--data", "data", "--against", against, "--today", DAY, cwd=repo)
    found = []
    for line in done.stdout.splitlines():
        match = PROBLEM_LINE.match(line)
        if match and match["severity"] == "error":
            found.append((match["path"], int(match["line"]), int(match["col"]), match["code"]))
    return done.returncode, found, done.stdout + done.stderr


def edit_phone(repo: Path) -> None:
    path = notice_file(repo)
    path.write_text(
        path.read_text(encoding="utf-8").replace("  phone: 020-00000000\n", "  phone: 020-11111111\n"), encoding="utf-8"
    )


CORRECTION = """corrections:
  - date: 2025-02-21
    field: objection.phone
    old: 020-00000000
    new: 020-11111111
    reason: 【测试数据】原公示电话有误，以发布单位更正通知为准
"""


def test_an_unchanged_repository_passes(repo):
    code, errors, output = check(repo)
    assert (code, errors) == (0, []), output


def test_editing_a_published_notice_without_a_correction_is_refused(repo):
    edit_phone(repo)
    code, errors, output = check(repo)
    assert code == 1, output
    assert errors == [(f"data/notices/{NOTICE}.yaml", 16, 10, "published-notice-changed")], output
    assert "020-00000000" in output and "020-11111111" in output


def test_the_same_edit_with_a_correction_is_accepted_and_shown(repo, tmp_path):
    edit_phone(repo)
    path = notice_file(repo)
    path.write_text(path.read_text(encoding="utf-8") + CORRECTION, encoding="utf-8")
    code, errors, output = check(repo)
    assert (code, errors) == (0, []), output
    site = tmp_path / "site"
    build_site(REPO_ROOT / "mkdocs.yml", repo / "data", site, dt.date.fromisoformat(DAY))
    page = Page(site / "notices" / NOTICE / "index.html")
    table = page.root.find("div", cls="cl-corrections")
    assert table is not None
    cells = [td.text() for td in table.find_all("td")]
    assert cells == [
        "2025-02-21",
        TITLE,
        "020-00000000",
        "020-11111111",
        "【测试数据】原公示电话有误，以发布单位更正通知为准",
    ]


def test_a_correction_whose_values_do_not_match_does_not_cover_the_edit(repo):
    edit_phone(repo)
    path = notice_file(repo)
    path.write_text(
        path.read_text(encoding="utf-8") + CORRECTION.replace("new: 020-11111111", "new: 020-22222222"),
        encoding="utf-8",
    )
    code, errors, _ = check(repo)
    assert code == 1 and [e[3] for e in errors] == ["published-notice-changed"]


def test_the_log_only_grows(repo):
    path = notice_file(repo)
    edit_phone(repo)
    path.write_text(path.read_text(encoding="utf-8") + CORRECTION, encoding="utf-8")
    git(repo, "commit", "-qam", "corrected")
    path.write_text(path.read_text(encoding="utf-8").replace("原公示电话有误", "电话有误"), encoding="utf-8")
    code, errors, output = check(repo)
    assert code == 1, output
    assert [e[3] for e in errors] == ["correction-log-rewritten"], output


def test_a_published_notice_cannot_be_removed(repo):
    notice_file(repo).unlink()
    code, errors, output = check(repo)
    assert code == 1, output
    assert (f"data/notices/{NOTICE}.yaml", 1, 1, "published-notice-removed") in errors


def test_a_notice_not_yet_published_on_the_base_branch_is_a_draft(repo):
    path = notice_file(repo)
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("published_on: 2025-02-20", "published_on: 2026-12-01")
        .replace("ends_on: 2025-02-28\n", "")
        .replace("final_date: 2025-03-10", "final_date: 2026-12-20"),
        encoding="utf-8",
    )
    git(repo, "commit", "-qam", "scheduled notice")
    edit_phone(repo)
    code, errors, output = check(repo)
    assert (code, errors) == (0, []), output


def test_a_base_that_is_not_a_revision_is_a_usage_error(repo):
    done = run_cli("validate", "--data", "data", "--against", "no-such-branch", "--today", DAY, cwd=repo)
    assert done.returncode == 2 and "no-such-branch" in done.stderr
