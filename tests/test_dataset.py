"""load_dataset as a library: every problem in one run, none lost, none invented."""

import datetime as dt

from conftest import make_data_dir

from generator.load.dataset import load_dataset

TODAY = dt.date(2026, 11, 28)


def test_two_missing_fields_at_one_place_are_two_problems(tmp_path):
    data = make_data_dir(tmp_path)
    (data / "clusters" / "x.yaml").write_text(
        "id: x\nverified: true\ndistrict: '440112'\nevents: []\n", encoding="utf-8"
    )
    problems = load_dataset(data, today=TODAY).problems
    missing = sorted(p.values["field"] for p in problems if p.code == "required")
    assert missing == ["leading_industry", "name"]


def test_one_bad_file_does_not_hide_problems_in_others(tmp_path):
    data = make_data_dir(tmp_path)
    (data / "clusters" / "a.yaml").write_text("id: a\nid: b\n", encoding="utf-8")
    (data / "clusters" / "b.yaml").write_text("- not a mapping\n", encoding="utf-8")
    codes = {(p.path.rsplit("/", 1)[-1], p.code) for p in load_dataset(data, today=TODAY).problems}
    assert {("a.yaml", "yaml-duplicate-key"), ("b.yaml", "yaml-not-mapping")} <= codes


def test_the_dataset_keeps_only_valid_records(tmp_path):
    data = make_data_dir(tmp_path)
    (data / "clusters" / "a.yaml").write_text("id: a\n", encoding="utf-8")
    result = load_dataset(data, today=TODAY)
    assert not result.ok
    assert "a" not in result.dataset.clusters
    assert "test-municipal-alpha" in result.dataset.clusters
