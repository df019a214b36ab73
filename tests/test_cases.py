"""End-to-end cases for `clusters validate`, one run of the command per case folder: in this process
(conftest.run_cli), and once as the real `python -m generator validate` subprocess.

tests/cases/negative/<name>/ holds files/ (overlaid on the base fixture), optionally remove.txt,
and expect.yaml: either a list of the exact errors `{path, line, col, code}`, or a mapping
`{errors: [...], warnings: [...], params: [...], xfail: "reason"}`. Warnings are compared only when
the mapping has a `warnings` list; each `params` entry `{path, line, col, code, params: {name: value}}`
names a problem that must be reported with those values (read from `clusters validate --format json`:
a case checks what a message says by its values, never by its Chinese text). An `xfail` marks a
case where the validator is known to be wrong (strict).
tests/cases/positive/<name>/ must validate with exit 0 and no error lines; an optional expect.yaml
there may only hold `xfail: "reason"`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import (
    CASES_DIR,
    make_data_dir,
    relative_to_data,
    run_validate,
    run_validate_in_subprocess,
    validate_document,
)

from generator.problems import CODES, Severity

NEGATIVE = sorted(p for p in (CASES_DIR / "negative").iterdir() if p.is_dir())
POSITIVE = sorted(p for p in (CASES_DIR / "positive").iterdir() if p.is_dir())

# Error codes that no file content can produce, so no negative case can exercise them.
NOT_REACHABLE_FROM_FILES = {
    "file-unreadable",  # needs an OS read failure (permissions, I/O error), not file content
    "file-symlink",  # a case folder is copied, links followed: tests/test_hostile.py makes real links
    "file-not-regular",  # a FIFO cannot live in git: tests/test_hostile.py makes one
    # `clusters validate --against REV` compares two revisions: tests/test_corrections.py edits a git repository
    "published-notice-changed",
    "published-notice-removed",
    "published-call-changed",
    "published-call-removed",
    "correction-log-rewritten",
    # a file over 20 MiB does not belong in git: tests/test_attachments.py makes a sparse one
    "attachment-too-large",
    # the deployment file (deploy/servers.yaml) is not a record: tests/test_deploy_config.py has a case for each
    *(code for code in CODES if code.startswith("deploy-config-")),
    # `clusters normalise` reports these, never `clusters validate`: tests/test_normalise.py reaches each
    *(code for code in CODES if code.startswith("normalise-")),
}


def load_expectation(case: Path) -> dict:
    raw = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    if raw is None:
        raw = []
    if isinstance(raw, list):
        raw = {"errors": raw}
    assert isinstance(raw, dict), f"{case.name}/expect.yaml must be a list or a mapping"
    unknown = set(raw) - {"errors", "warnings", "params", "xfail"}
    assert not unknown, f"{case.name}/expect.yaml: unknown keys {unknown}"
    return raw


def as_keys(items: list[dict] | None) -> set[tuple[str, int, int, str]]:
    keys = set()
    for item in items or []:
        assert set(item) == {"path", "line", "col", "code"}, item
        assert item["code"] in CODES, item["code"]
        keys.add((item["path"], int(item["line"]), int(item["col"]), item["code"]))
    return keys


def negative_params():
    for case in NEGATIVE:
        expectation = load_expectation(case)
        marks = [pytest.mark.xfail(strict=True, reason=expectation["xfail"])] if expectation.get("xfail") else []
        yield pytest.param(case, id=case.name, marks=marks)


def test_there_are_enough_cases():
    assert len(NEGATIVE) >= 36
    assert len(POSITIVE) >= 6


def test_base_fixture_validates_clean(tmp_path):
    run = run_validate(make_data_dir(tmp_path))
    assert "Traceback" not in run.stdout + run.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.problems == [], run.stdout


def test_the_entry_point_as_a_subprocess_prints_what_the_cases_see(tmp_path):
    """The cases run the click command in this process; here the entry point staff and CI run
    (`python -m generator validate`, its imports and exit codes) reports a negative case itself,
    and prints exactly what the in-process run prints."""
    case = CASES_DIR / "negative" / "revoked-twice"
    data = make_data_dir(tmp_path, case)
    process = run_validate_in_subprocess(data)
    output = process.stdout + process.stderr
    assert "Traceback" not in output, output
    assert process.returncode == 1, output
    assert process.keys("error") == as_keys(load_expectation(case)["errors"]), output
    in_process = run_validate(data)
    assert (in_process.returncode, in_process.stdout, in_process.stderr) == (
        process.returncode,
        process.stdout,
        process.stderr,
    )


@pytest.mark.parametrize("case", list(negative_params()))
def test_negative_case(case: Path, tmp_path):
    expectation = load_expectation(case)
    data = make_data_dir(tmp_path, case)
    run = run_validate(data)
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    expected_errors = as_keys(expectation.get("errors"))
    assert run.keys("error") == expected_errors, output
    if "warnings" in expectation:
        assert run.keys("warning") == as_keys(expectation["warnings"]), output
    if expectation.get("params"):
        assert_params(data, expectation["params"])
    assert run.returncode == (1 if expected_errors else 0), output


def assert_params(data: Path, expected: list[dict]) -> None:
    """Each expected problem is reported at its place with (at least) the values given."""
    _, document = validate_document(data)
    reported = {
        (relative_to_data(p["path"], data), p["line"], p["column"], p["code"]): p["params"]
        for p in document["problems"]
    }
    for item in expected:
        assert set(item) == {"path", "line", "col", "code", "params"}, item
        (key,) = as_keys([{name: item[name] for name in ("path", "line", "col", "code")}])
        assert key in reported, f"{key} not reported: {sorted(reported)}"
        values = reported[key]
        assert {name: values.get(name) for name in item["params"]} == item["params"], (key, values)


def positive_params():
    for case in POSITIVE:
        reason = load_expectation(case).get("xfail") if (case / "expect.yaml").is_file() else None
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", list(positive_params()))
def test_positive_case(case: Path, tmp_path):
    run = run_validate(make_data_dir(tmp_path, case))
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    assert run.returncode == 0, output
    assert not run.keys("error"), output


def test_every_error_code_has_a_negative_case():
    exercised = set()
    for case in NEGATIVE:
        exercised |= {key[3] for key in as_keys(load_expectation(case).get("errors"))}
    error_codes = {code for code, kind in CODES.items() if kind.severity is Severity.ERROR}
    assert error_codes >= NOT_REACHABLE_FROM_FILES, "allow-list names a code that is gone or not an error"
    missing = error_codes - NOT_REACHABLE_FROM_FILES - exercised
    assert not missing, f"error codes without a negative case: {sorted(missing)}"


ANNOTATION = re.compile(r"^::error file=(?P<path>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+)(,title=(?P<code>[^:]*))?::")


def test_github_actions_adds_error_annotations(tmp_path):
    data = make_data_dir(tmp_path, CASES_DIR / "negative" / "revoked-twice")
    plain = [line for line in run_validate(data).stdout.splitlines() if line.startswith("::")]
    assert plain == [], "annotations must only appear on GitHub Actions"
    run = run_validate(data, GITHUB_ACTIONS="true")
    assert run.returncode == 1
    annotations = [ANNOTATION.match(line) for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert annotations and all(annotations), run.stdout
    errors = {(p.line, p.col, p.code) for p in run.problems if p.severity == "error"}
    assert {(int(m["line"]), int(m["col"]), m["code"]) for m in annotations} == errors
    assert all(m["path"].endswith("clusters/test-extra.yaml") for m in annotations)
