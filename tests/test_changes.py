"""The one comparison of two states of the record (generator.domain.changes) and its three users."""

import ast
import pathlib

from generator.domain.changes import (
    ADDED,
    CHANGED,
    REMOVED,
    FieldChange,
    ItemChange,
    RecordChange,
    RecordState,
    compare_record,
    compare_records,
    item_changes,
)

GENERATOR = pathlib.Path(__file__).resolve().parents[1] / "generator"
TITLES = {"name": "名称", "summary": "简介", "level": "级别"}


def test_records_added_removed_and_changed_by_id():
    before = {
        "a": RecordState({"name": "甲", "level": "municipal"}),
        "b": RecordState({"name": "乙"}),
        "c": RecordState({"name": "丙", "summary": None}),
    }
    after = {
        "a": RecordState({"name": "甲", "level": "provincial"}),
        "c": RecordState({"name": "丙", "summary": ""}),  # empty before and after: no change
        "d": RecordState({"name": "丁"}),
    }
    assert compare_records(before, after, TITLES) == [
        RecordChange(CHANGED, "a", fields=(FieldChange("level", "级别", "municipal", "provincial"),)),
        RecordChange(REMOVED, "b"),
        RecordChange(ADDED, "d"),
    ]


def test_fields_follow_the_titles_order_and_only_those_named():
    change = compare_record(
        "x",
        RecordState({"summary": "旧", "name": "旧名", "unnamed": 1}),
        RecordState({"summary": "新", "name": "新名", "unnamed": 2}),
        TITLES,
    )
    assert [f.name for f in change.fields] == ["name", "summary"]
    assert change.fields[0] == FieldChange("name", "名称", "旧名", "新名")
    assert compare_record("x", RecordState({"name": 0}), RecordState({"name": None}), TITLES).fields  # 0 is a value


def test_list_items_added_removed_and_changed_in_place():
    assert item_changes("events", ["a", "b", "c"], ["a", "B", "c", "d"]) == (
        ItemChange(CHANGED, "events", "b", "B"),
        ItemChange(ADDED, "events", after="d"),
    )
    assert item_changes("events", ["a", "b", "c"], ["c"]) == (
        ItemChange(REMOVED, "events", before="a"),
        ItemChange(REMOVED, "events", before="b"),
    )
    change = compare_record(
        "x",
        RecordState({}, {"events": ["a", "b"], "sources": ["s"]}),
        RecordState({}, {"events": ["a2", "b", "c"], "sources": []}),
        TITLES,
    )
    assert (change.tally("events"), change.tally("sources")) == ((1, 1, 0), (0, 0, 1))
    assert (
        compare_records({"x": RecordState({}, {"events": ["a"]})}, {"x": RecordState({}, {"events": ["a"]})}, {}) == []
    )


def test_the_change_log_the_correction_check_and_clusters_diff_compare_through_it():
    """Each former engine imports the comparison and none keeps a matcher of its own."""
    users = {"load/history.py", "load/corrections.py", "publish/diff.py"}
    for path in sorted(GENERATOR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module} | {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        relative = path.relative_to(GENERATOR).as_posix()
        if relative in users:
            assert "generator.domain.changes" in imported, relative
        if relative not in {"domain/changes.py", "load/records.py"}:  # records: a key's likely spelling
            assert "difflib" not in imported, relative
