"""Corrections (勘误): a published notice changes only through its correction log.

The pull-request check runs `clusters validate --against <base branch>`; these tests edit a published
notice in a temporary git repository and run that check on the edit, without and with a correction.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from conftest import (
    CALLS_FIXTURE,
    PROBLEM_LINE,
    REPO_ROOT,
    Page,
    make_data_dir,
    problems_of,
    run_cli,
    validate_document,
)

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.schema.package import load_schemas
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


def changed_values(repo: Path, code: str, against: str = "HEAD") -> list[dict]:
    """The values of each `code` problem `clusters validate --against --format json` reports."""
    _, document = validate_document("data", "--against", against, "--today", DAY, cwd=repo)
    return [found["params"] for found in problems_of(document, code)]


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
    assert changed_values(repo, "published-notice-changed") == [
        {"title": TITLE, "field": "objection.phone", "old": "020-00000000", "new": "020-11111111"}
    ]


def test_against_works_in_every_format(repo, tmp_path):
    """The pull-request check's comparison, as text (with annotations), JSON and SARIF: the same problem."""
    edit_phone(repo)
    where = (f"data/notices/{NOTICE}.yaml", 16, 10, "published-notice-changed")
    assert check(repo)[1] == [where]
    code, document = validate_document("data", "--against", "HEAD", "--today", DAY, cwd=repo)
    assert code == 1
    assert [(p["path"], p["line"], p["column"], p["code"]) for p in document["problems"]] == [where]
    code, log = validate_document("data", "--against", "HEAD", "--today", DAY, cwd=repo, output="sarif")
    assert code == 1
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    found = (location["artifactLocation"]["uri"], location["region"]["startLine"], location["region"]["startColumn"])
    assert (*found, result["ruleId"]) == where and result["level"] == "error"


def test_the_same_edit_with_a_correction_is_accepted_and_shown(repo, tmp_path):
    edit_phone(repo)
    path = notice_file(repo)
    path.write_text(path.read_text(encoding="utf-8") + CORRECTION, encoding="utf-8")
    code, errors, output = check(repo)
    assert (code, errors) == (0, []), output
    site = tmp_path / "site"
    build_site(REPO_ROOT / "mkdocs.yml", repo / "data", site, start_of_day(dt.date.fromisoformat(DAY)))
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


def test_as_of_a_day_before_the_correction_the_page_shows_the_original_and_the_package_every_version(repo, tmp_path):
    import hashlib
    import json

    edit_phone(repo)
    path = notice_file(repo)
    path.write_text(path.read_text(encoding="utf-8") + CORRECTION, encoding="utf-8")
    before = tmp_path / "before"
    build_site(REPO_ROOT / "mkdocs.yml", repo / "data", before, start_of_day(dt.date(2025, 2, 20)))
    page = Page(before / "notices" / NOTICE / "index.html")
    assert "020-00000000" in page.text and "020-11111111" not in page.text  # the correction is dated 2025-02-21
    assert page.root.find("div", cls="cl-corrections") is None
    after = tmp_path / "after"
    build_site(REPO_ROOT / "mkdocs.yml", repo / "data", after, start_of_day(dt.date.fromisoformat(DAY)))
    assert "020-11111111" in Page(after / "notices" / NOTICE / "index.html").text
    package = json.loads((after / "data" / "notices" / NOTICE / "datapackage.json").read_text(encoding="utf-8"))
    versions = package["versions"]
    assert [(v["date"], v["change"]) for v in versions] == [
        ("2025-02-20", "发布"),
        ("2025-02-21", "勘误：objection.phone"),
    ]
    assert versions[0]["sha256"] != versions[1]["sha256"]
    # The first version is the record as first published: the base commit's notice, hashed the same way.
    from generator.load.dataset import load_dataset
    from generator.publish.opendata import canonical
    from generator.schema.stated import stated

    original = load_dataset(make_data_dir(tmp_path / "original"), SCHEMAS_DIR, today=dt.date.fromisoformat(DAY))
    first = stated(original.dataset.notices[NOTICE], "notice", load_schemas(SCHEMAS_DIR))
    assert versions[0]["sha256"] == "sha256:" + hashlib.sha256(canonical(first)).hexdigest()
    early = json.loads((before / "data" / "notices" / NOTICE / "datapackage.json").read_text(encoding="utf-8"))
    assert early["versions"] == versions[:1]


def test_recording_the_result_or_an_unstated_value_is_not_a_correction(repo):
    path = notice_file(repo)
    text = path.read_text(encoding="utf-8")
    git(repo, "rm", "-q", "--cached", str(path))
    path.write_text(
        text.replace("  final_doc_no: 穗工信函〔2025〕1号（测试）\n", "").replace(
            "basis: 【测试数据】工作指引 3.3.2\n", ""
        ),
        encoding="utf-8",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "notice recorded without its basis and final document number")
    path.write_text(text, encoding="utf-8")  # both now recorded: 未载明 → a value
    code, errors, output = check(repo)
    assert (code, errors) == (0, []), output
    path.write_text(text.replace("basis: 【测试数据】工作指引 3.3.2\n", ""), encoding="utf-8")
    git(repo, "commit", "-qam", "basis recorded")  # (the base now states a basis)
    path.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "basis back")
    path.write_text(text.replace("basis: 【测试数据】工作指引 3.3.2\n", ""), encoding="utf-8")  # a stated value removed
    code, errors, output = check(repo)
    assert code == 1 and [e[3] for e in errors] == ["published-notice-changed"], output


# A published call (认定工作通知) is held to the same rule: tests/fixtures/calls adds a call published 2024-11-20.

CALL = "test-municipal-2025-call"


@pytest.fixture
def call_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "call-repo"
    repo.mkdir()
    make_data_dir(repo, CALLS_FIXTURE)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def call_file(repo: Path) -> Path:
    return repo / "data" / "calls" / f"{CALL}.yaml"


def edit_call(repo: Path, old: str, new: str, log: str = "") -> None:
    path = call_file(repo)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new) + log, encoding="utf-8")


def test_moving_a_published_call_deadline_needs_a_correction(call_repo):
    edit_call(call_repo, "deadline_on: 2024-12-20\n", "deadline_on: 2024-12-27\n")
    code, errors, output = check(call_repo)
    assert code == 1, output
    assert errors == [(f"data/calls/{CALL}.yaml", 10, 14, "published-call-changed")], output
    (values,) = changed_values(call_repo, "published-call-changed")
    assert (values["field"], values["old"], values["new"]) == ("deadline_on", "2024-12-20", "2024-12-27")


def test_the_call_correction_covers_the_edit_and_the_page_shows_it(call_repo, tmp_path):
    log = (
        "corrections:\n  - date: 2024-12-02\n    field: deadline_on\n    old: 2024-12-20\n    new: 2024-12-27\n"
        "    reason: 【测试数据】截止日期延长，以发布单位补充通知为准\n"
    )
    edit_call(call_repo, "deadline_on: 2024-12-20\n", "deadline_on: 2024-12-27\n", log)
    code, errors, output = check(call_repo)
    assert (code, errors) == (0, []), output
    before, after = tmp_path / "before", tmp_path / "after"
    build_site(REPO_ROOT / "mkdocs.yml", call_repo / "data", before, start_of_day(dt.date(2024, 12, 1)))
    build_site(REPO_ROOT / "mkdocs.yml", call_repo / "data", after, start_of_day(dt.date(2024, 12, 2)))
    old_page = Page(before / "calls" / CALL / "index.html")
    assert "2024-12-20 17:30" in old_page.text and old_page.root.find("div", cls="cl-corrections") is None
    new_page = Page(after / "calls" / CALL / "index.html")
    assert "2024-12-27 17:30" in new_page.text
    cells = [td.text() for td in new_page.root.find("div", cls="cl-corrections").find_all("td")]
    assert cells[:4] == ["2024-12-02", "申报截止日（通知载明）", "2024-12-20", "2024-12-27"]


def test_changing_a_published_calls_materials_needs_a_correction_naming_the_list(call_repo):
    edit_call(call_repo, "  - item: 【测试数据】集群发展规划及必要的证明材料\n", "")
    code, errors, output = check(call_repo)
    assert [e[3] for e in errors] == ["published-call-changed"], output
    (values,) = changed_values(call_repo, "published-call-changed")
    assert values["field"] == "materials"  # the whole list, by its YAML name
    log = "corrections:\n  - date: 2024-12-02\n    field: materials\n    reason: 【测试数据】删去重复的材料\n"
    call_file(call_repo).write_text(call_file(call_repo).read_text(encoding="utf-8") + log, encoding="utf-8")
    code, errors, output = check(call_repo)
    assert (code, errors) == (0, []), output


def test_a_published_call_cannot_be_removed(call_repo):
    call_file(call_repo).unlink()
    notice = call_repo / "data" / "notices" / f"{NOTICE}.yaml"  # it names the call: drop the reference too
    notice.write_text(notice.read_text(encoding="utf-8").replace(f"call: {CALL}\n", ""), encoding="utf-8")
    code, errors, output = check(call_repo)
    assert (f"data/calls/{CALL}.yaml", 1, 1, "published-call-removed") in errors, output
