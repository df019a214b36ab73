"""The strict YAML reader: strings only, positions kept, dangerous or ambiguous input refused."""

from pathlib import Path

import pytest

from generator.load.yamlread import MAX_BYTES, read_yaml


def read(tmp_path: Path, content: str | bytes):
    file = tmp_path / "record.yaml"
    file.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return read_yaml(file, "record.yaml")


def only_problem(tmp_path, content):
    doc, problems = read(tmp_path, content)
    assert doc is None
    assert len(problems) == 1, problems
    found = problems[0]
    return found.code, found.line, found.col


def test_scalars_stay_strings_and_yaml11_traps_do_not_fire(tmp_path):
    doc, problems = read(tmp_path, "a: no\nb: 0755\nc: 1.10\nd: 2023-02-30\ne: on\nf: 1e3\ng: 440112\n")
    assert problems == []
    assert doc.data == {"a": "no", "b": "0755", "c": "1.10", "d": "2023-02-30", "e": "on", "f": "1e3", "g": "440112"}


def test_plain_null_forms_become_none_but_quoted_ones_stay_text(tmp_path):
    doc, _ = read(tmp_path, "a:\nb: ~\nc: null\nd: 'null'\ne: ''\n")
    assert doc.data == {"a": None, "b": None, "c": None, "d": "null", "e": ""}


def test_positions_are_one_based_and_count_characters(tmp_path):
    doc, _ = read(tmp_path, "名称: 中文\nevents:\n  - type: certified\n    date: 2023\n")
    assert doc.value_pos[("名称",)] == (1, 5)
    assert doc.key_pos[("events",)] == (2, 1)
    assert doc.value_pos[("events", 0)] == (3, 5)
    assert doc.value_pos[("events", 0, "date")] == (4, 11)
    assert doc.key_pos[("events", 0, "date")] == (4, 5)
    # an absent key is located at its nearest present parent
    assert doc.position(("events", 0, "reason")) == (3, 5)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("a: 1\nb: 2\na: 3\n", ("yaml-duplicate-key", 3, 1), id="duplicate-key"),
        pytest.param("a:\n  b: 1\n  b: 2\n", ("yaml-duplicate-key", 3, 3), id="nested-duplicate-key"),
        pytest.param("a:\n\t- b\n", ("yaml-tab", 2, 1), id="tab"),
        pytest.param("a: &x [1, 2]\nb: *x\n", ("yaml-alias", 2, 4), id="alias"),
        pytest.param("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", ("yaml-alias", 2, 8), id="alias-bomb"),
        pytest.param("a:\n  <<: {b: 1}\n", ("yaml-merge-key", 2, 3), id="merge-key"),
        pytest.param("a: !!python/object:os.system x\n", ("yaml-tag", 1, 4), id="python-tag"),
        pytest.param("a: !!int 5\n", ("yaml-tag", 1, 4), id="int-tag"),
        pytest.param("a: 1\n---\nb: 2\n", ("yaml-multiple-documents", 2, 1), id="two-documents"),
        pytest.param("- a\n- b\n", ("yaml-not-mapping", 1, 1), id="top-level-list"),
        pytest.param("just text\n", ("yaml-not-mapping", 1, 1), id="top-level-scalar"),
        pytest.param("", ("file-empty", 1, 1), id="empty"),
        pytest.param("# only a comment\n\n", ("file-empty", 1, 1), id="comments-only"),
        pytest.param("a: b\x00c\n", ("yaml-control-character", 1, 5), id="nul"),
        pytest.param("a: x\u202ey\n", ("yaml-control-character", 1, 5), id="rtl-override"),
        pytest.param("a: x\u2028y\n", ("yaml-control-character", 1, 5), id="line-separator"),
        pytest.param("a: b: c\n", ("yaml-syntax", 1, 5), id="colon-in-plain-value"),
        pytest.param("a: 'open\nb: c\n", ("yaml-syntax", 1, 4), id="unclosed-quote"),
        pytest.param("a:\n  - b\n - c\n", ("yaml-syntax", 3, 2), id="bad-indentation"),
        pytest.param("? [a, b]\n: c\n", ("yaml-complex-key", 1, 3), id="complex-key"),
        pytest.param("a: " + "[" * 30 + "]" * 30 + "\n", ("yaml-too-deep", 1, 24), id="too-deep"),
    ],
)
def test_refused_input_is_located(tmp_path, content, expected):
    assert only_problem(tmp_path, content) == expected


def test_invalid_utf8_is_located_at_the_byte(tmp_path):
    content = "name: 中文\nnote: ".encode() + "广州".encode("gbk") + b"\n"
    assert only_problem(tmp_path, content) == ("file-encoding", 2, 7)


def test_bom_is_accepted(tmp_path):
    doc, problems = read(tmp_path, "\ufeffid: a\n")
    assert problems == [] and doc.data == {"id": "a"}


def test_oversized_file_is_refused_before_parsing(tmp_path):
    assert only_problem(tmp_path, "a: b\n" + "#" * MAX_BYTES) == ("file-too-large", 1, 1)


def test_missing_file_is_a_problem_not_an_exception(tmp_path):
    doc, problems = read_yaml(tmp_path / "nope.yaml", "nope.yaml")
    assert doc is None and [p.code for p in problems] == ["file-unreadable"]


def test_messages_are_chinese_with_code(tmp_path):
    _, problems = read(tmp_path, "a: 1\na: 2\n")
    line = problems[0].format()
    assert line == "record.yaml:2:1: error: 字段 “a” 重复出现（第一次出现在第 1 行） [yaml-duplicate-key]"


@pytest.mark.parametrize(
    ("content", "hint"),
    [("a: 1\nname：广州\nb: 2\n", "全角冒号"), ("a: 1\nname:广州\nb: 2\n", "冒号后缺少空格")],
)
def test_a_broken_key_line_is_blamed_not_the_line_after(tmp_path, content, hint):
    doc, problems = read(tmp_path, content)
    assert [(p.code, p.line) for p in problems] == [("yaml-syntax", 2)]
    assert hint in problems[0].values["detail"]  # the diagnosis YAML's own message would not give
