"""A notice's result on its page: the final list against the proposed one, the final document, the
objection register — computed once in the snapshot and the same as the package's final-diff.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Page, make_data_dir

from generator.domain.calendar import start_of_day
from generator.site.build import build_site

CONFIG = REPO_ROOT / "mkdocs.yml"
NOTICE = "test-municipal-2025-list"


def rows(site: Path) -> list[dict[str, str]]:
    page = Page(site / "notices" / NOTICE / "index.html")
    table = page.root.find("table", cls="cl-final-list")
    if table is None:
        return []
    found = []
    for tr in table.find_all("tr", data_result=True):
        cells = [td.text() for td in tr.find_all("td")]
        found.append(
            {
                "result": tr.attrs["data-result"],
                "seq": cells[0],
                "proposed": cells[1],
                "label": cells[2],
                "cluster": cells[3],
                "note": cells[4],
            }
        )
    return found


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    data = make_data_dir(tmp_path_factory.mktemp("results"))
    # The fixture's delta cluster is renamed in its record: the final list then differs from the proposed one.
    delta = data / "clusters" / "test-municipal-delta.yaml"
    delta.write_text(
        delta.read_text(encoding="utf-8").replace("测试软件产业集群", "测试软件与信息服务产业集群", 1), encoding="utf-8"
    )
    return data


def build(data: Path, out: Path, day: dt.date) -> Path:
    site = out / "site"
    build_site(CONFIG, data, site, start_of_day(day))
    return site


def test_after_the_final_list_each_entry_shows_its_result(data, tmp_path):
    site = build(data, tmp_path, dt.date(2026, 11, 28))
    found = rows(site)
    assert [(r["seq"], r["result"]) for r in found] == [("1", "kept"), ("2", "changed"), ("3", "dropped")]
    assert found[0]["cluster"] == "【测试数据】广州市黄埔区测试装备产业集群"
    assert found[1]["note"].startswith("名称与公示时不同")
    assert found[2]["note"] == "【测试数据】候选集群，尚未建档"  # the entry's own note is the stated reason
    text = Page(site / "notices" / NOTICE / "index.html").text
    assert "列入正式名单 2 项（其中信息有变化 1 项），未列入 1 项" in text
    assert "穗工信函〔2025〕1号（测试）" in text and "2025-03-10" in text
    # One truth: the page and the package's final-diff.json say the same.
    diff = json.loads((site / "data" / "notices" / NOTICE / "final-diff.json").read_text(encoding="utf-8"))
    assert diff["unchanged"] == ["test-municipal-alpha"]
    assert [c["cluster"] for c in diff["changed"]] == ["test-municipal-delta"] and diff["changed"][0]["fields"] == [
        "name"
    ]
    assert [r["seq"] for r in diff["removed"]] == [3] and diff["added"] == []


def test_before_the_final_list_there_is_no_comparison(data, tmp_path):
    site = build(data, tmp_path, dt.date(2025, 3, 5))  # window closed 2025-02-28, final list 2025-03-10
    assert rows(site) == []
    assert not (site / "data" / "notices" / NOTICE / "final-diff.json").exists()


def test_a_dropped_entry_without_a_note_says_the_reason_is_not_stated(data, tmp_path):
    notice = data / "notices" / f"{NOTICE}.yaml"
    original = notice.read_text(encoding="utf-8")
    try:
        notice.write_text(original.replace("    note: 【测试数据】候选集群，尚未建档\n", ""), encoding="utf-8")
        found = rows(build(data, tmp_path, dt.date(2026, 11, 28)))
    finally:
        notice.write_text(original, encoding="utf-8")
    assert found[2]["result"] == "dropped" and found[2]["note"] == "原因未载明"
