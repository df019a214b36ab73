"""`clusters normalise`: every record file in one layout (schema line, key order, indentation, quotes)
and no value changed, whoever wrote the file: staff by hand, `clusters new`, or the Decap CMS form."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import DATA_DIR, PROJECT_ROOT, SCHEMAS_DIR
from generator.cli import cli
from generator.editor import normalise as normaliser
from generator.editor.layout import schema_line
from generator.editor.normalise import normalise_bytes, normalise_file, record_type_of
from generator.load.yamlread import parse_yaml
from generator.schema.kinds import RECORD_TYPE
from generator.schema.package import load_schemas

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
# Every record file shipped or used as a fixture, whatever its layout.
RECORD_FILES = sorted(
    path
    for root in (DATA_DIR, FIXTURES, PROJECT_ROOT / "tests" / "cases" / "positive")
    for path in root.rglob("*.yaml")
    if record_type_of(path) is not None
)


def values(raw: bytes) -> object:
    document, problems = parse_yaml(raw, "x.yaml")
    assert document is not None, problems
    return document.data


def test_there_are_record_files_to_check():
    assert len(RECORD_FILES) > 40
    assert {record_type_of(path).kind for path in RECORD_FILES} == set(RECORD_TYPE)


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_round_trip_keeps_every_value_and_is_stable(path):
    result = normalise_file(path, SCHEMA_SET, path.name)
    assert not result.problems, [p.format() for p in result.problems]
    assert result.text is not None
    assert values(result.text.encode()) == values(path.read_bytes())
    assert result.text.splitlines()[0] == schema_line(record_type_of(path))
    again = normalise_bytes(result.text.encode(), record_type_of(path), SCHEMA_SET, path.name)
    assert again.text == result.text and not again.changed


def test_the_shipped_records_are_in_the_standard_layout():
    result = CliRunner().invoke(cli, ["normalise", "--check", "--data", str(DATA_DIR)])
    assert result.exit_code == 0, result.output


def test_comments_are_kept_where_they_are():
    path = DATA_DIR / "site.yaml"
    result = normalise_file(path, SCHEMA_SET, "site.yaml")
    assert not result.changed
    comments = [line for line in path.read_text(encoding="utf-8").splitlines() if "#" in line]
    assert comments and all(line in result.text.splitlines() for line in comments)


# A cluster as a form editor may save it: no comments, keys in another order, lists not indented,
# a district code and a year-only date unquoted, a number quoted, a date quoted.
AS_SAVED = """\
name: 测试集群
id: test-form
district: 440112
verified: false
leading_industry: 装备
events:
- level: municipal
  type: certified
  date: 2025
  batch: "2025"
  source: https://example.org/a
sources:
- url: https://example.org/a
  published_on: '2025-03-10'
  official: "true"
"""
STANDARD = """\
# yaml-language-server: $schema=../../schemas/json/cluster.schema.json
id: test-form
name: 测试集群
verified: false
district: "440112"
leading_industry: 装备
sources:
  - url: https://example.org/a
    published_on: '2025-03-10'
    official: true
events:
  - type: certified
    date: "2025"
    level: municipal
    batch: 2025
    source: https://example.org/a
"""


def test_a_record_as_a_form_saved_it_gets_the_standard_layout():
    result = normalise_bytes(AS_SAVED.encode(), RECORD_TYPE["cluster"], SCHEMA_SET, "test-form.yaml")
    assert result.text == STANDARD
    assert values(STANDARD.encode()) == values(AS_SAVED.encode())  # every value as the validator reads it


def test_a_wrong_or_misplaced_schema_line_is_replaced():
    text = "# 说明\n# yaml-language-server: $schema=../wrong.json\nid: x\n"
    result = normalise_bytes(text.encode(), RECORD_TYPE["notice"], SCHEMA_SET, "x.yaml")
    assert result.text == "# yaml-language-server: $schema=../../schemas/json/notice.schema.json\n# 说明\nid: x\n"


def test_text_stays_text():
    text = 'id: x\nyear: 2025\ndoc_no: 0755\nnote: "yes"\nurl: ~\n'
    result = normalise_bytes(text.encode(), RECORD_TYPE["call"], SCHEMA_SET, "x.yaml")
    assert "doc_no: 0755" in result.text.splitlines() or 'doc_no: "0755"' in result.text.splitlines()
    assert values(result.text.encode()) == values(text.encode())


def copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    return data


def test_check_names_each_file_and_line_and_changes_nothing(tmp_path):
    data = copy_data(tmp_path)
    target = data / "clusters" / "test-form.yaml"
    target.write_text(AS_SAVED, encoding="utf-8")
    result = CliRunner().invoke(cli, ["normalise", "--check", "--data", str(data)])
    assert result.exit_code == 1
    assert "clusters/test-form.yaml:1:1: error:" in result.output and "[normalise-needed]" in result.output
    assert "1 个文件需要整理" in result.output
    assert target.read_text(encoding="utf-8") == AS_SAVED
    written = CliRunner().invoke(cli, ["normalise", str(target)])
    assert written.exit_code == 0, written.output
    assert "已整理" in written.output
    assert target.read_text(encoding="utf-8") == STANDARD
    assert CliRunner().invoke(cli, ["normalise", "--check", "--data", str(data)]).exit_code == 0


def test_invalid_yaml_is_reported_with_its_place_and_left_as_it_is(tmp_path):
    data = copy_data(tmp_path)
    broken = data / "clusters" / "broken.yaml"
    broken.write_text("id: broken\nname：全角冒号\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["normalise", "--data", str(data)])
    assert result.exit_code == 1
    assert "broken.yaml:2:1: error:" in result.output and "[yaml-syntax]" in result.output
    assert "Traceback" not in result.output
    assert broken.read_text(encoding="utf-8") == "id: broken\nname：全角冒号\n"


def test_a_file_that_is_no_record_is_refused(tmp_path):
    other = tmp_path / "notes.yaml"
    other.write_text("a: 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["normalise", str(other)])
    assert result.exit_code == 1
    assert "notes.yaml:1:1: error:" in result.output and "[normalise-not-record]" in result.output


def test_nothing_is_written_when_a_value_would_change(tmp_path, monkeypatch):
    """The result is read back as the validator reads it before anything is written."""
    data = copy_data(tmp_path)
    target = data / "clusters" / "test-form.yaml"
    target.write_text(AS_SAVED, encoding="utf-8")
    monkeypatch.setattr(normaliser, "_styled", lambda value, field_type: value + "!" if value == "装备" else value)
    result = CliRunner().invoke(cli, ["normalise", str(target)])
    assert result.exit_code == 1
    assert "[normalise-unsafe]" in result.output
    assert target.read_text(encoding="utf-8") == AS_SAVED


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "test-new", "--name", "测试", "--district", "440112", "--industry", "装备", "--source", "https://e.org/a"],
        ["cluster", "test-new", "--name", "测试", "--district", "440112", "--industry", "装备", "--source", "https://e.org/a",
         "--date", "2025-03-10", "--doc-no", "穗工信函〔2025〕1号", "--verified"],
        ["notice", "test-new", "--title", "标题", "--issuer", "单位", "--phone", "020-12345678"],
        ["call", "test-new", "--title", "标题", "--issuer", "单位", "--year", "2025", "--deadline-on", "2025-09-01"],
    ],
)  # fmt: skip
def test_clusters_new_writes_the_standard_layout(tmp_path, args):
    data = copy_data(tmp_path)
    CliRunner().invoke(cli, ["new", *args, "--data", str(data), "--today", "2025-03-10"])
    written = next((data / f"{args[0]}s").glob("test-new.yaml"))
    result = normalise_file(written, SCHEMA_SET, written.name)
    assert not result.problems and not result.changed, result.text
