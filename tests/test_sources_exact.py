"""Sources are exact; records are linked where the sources link them (issue 24).

Built from a scratch copy of the shipped data/ as of 2026-12-02, and read as a reader reads it: the
cluster and notice pages, the open data and the calendar file.

1. A national rule is credited to the notice that states it (工信部企业函〔2024〕267号 for the
   2024 batch's "集群认定有效期为三年", 工信部企业函〔2023〕3号 for the 2022 batch's reports by
   30 April), never to the measures (工信部办法); it applies only to the batch it was stated for;
   no report recipient that no source names.
2. A validity end known only to the year ("2025") is not taken as its latest day: between 365 days
   after its earliest and after its latest possible day the status is 状态不明, with the range.
3. The notice page lists the recognitions its final list gave, and the cluster page links the notice.
4. The 2022 batch (valid 2023 to 2025) owes the reports its notice states, marked with the source
   and the uncertainty, on the page and in the calendar file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import REAL_DATA, REPO_ROOT, Page

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.exports import build_exports
from generator.schema.package import load_schemas
from generator.site.build import build_site

CONFIG = REPO_ROOT / "mkdocs.yml"
DAY = dt.date(2026, 12, 2)
HUANGPU_2022 = "huangpu-intelligent-manufacturing-equipment"
HUADU_2022 = "huadu-luggage-leather-goods"
HUANGPU_2024 = "huangpu-organic-polymer-materials"
PANYU_2024 = "panyu-textile-apparel"
BAIYUN_2023 = "baiyun-cosmetics"
NOTICE_2022 = "miit-2022-national-clusters"
NOTICE_2023 = "miit-2023-national-clusters"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("sources-exact") / "data"
    shutil.copytree(REAL_DATA, copy)
    return copy


@pytest.fixture(scope="module")
def site(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sources-exact-site") / "site"
    build_site(CONFIG, data, out, start_of_day(DAY))
    return out


def page(site: Path, src: str) -> Page:
    return Page(site / src / "index.html")


def section(site: Path, src: str, cls: str):
    found = page(site, src).root.find(cls=cls)
    assert found is not None, (src, cls)
    return found


def recognition_row(site: Path, cluster: str):
    table = page(site, f"clusters/{cluster}").root.find("table")  # 认定与有效期, the page's first table
    rows = [tr for tr in table.find_all("tr") if tr.find("td")]
    assert len(rows) == 1
    return rows[0]


def ics_events(site: Path) -> dict[str, str]:
    """deadlines.ics as UID -> the event's unfolded text."""
    text = (site / "calendar" / "deadlines.ics").read_text(encoding="utf-8").replace("\r\n ", "").replace("\n ", "")
    events = {}
    for block in text.split("BEGIN:VEVENT")[1:]:
        uid = next(line for line in block.splitlines() if line.startswith("UID:"))[4:]
        events[uid.removesuffix("@gz-clusters")] = block
    return events


def clusters_json(files: dict[str, bytes] | Path) -> dict[str, dict]:
    raw = (files / "data" / "clusters.json").read_bytes() if isinstance(files, Path) else files["data/clusters.json"]
    return {row["id"]: row for row in json.loads(raw)}


# ---------------------------------------------------------------------------------------------
# 1. Rules credited to the notice that states them, for its batch only


def test_the_2024_validity_is_credited_to_the_2024_list_notice(site):
    cell = recognition_row(site, HUANGPU_2024).find_all("td")[4]
    text = cell.text()
    assert text.startswith("2024-09-19 至 2027-09-18")
    assert "工信部企业函〔2024〕267号" in text and "“集群认定有效期为三年”" in text
    assert "转载页面，原文未核对" in text
    assert "工信部办法" not in text  # the measures' own text states no validity the site has seen
    link = cell.find("a", href="http://ceccweb.org.cn/listshow.php?cid=68&id=1797")
    assert link is not None and "工信部企业函〔2024〕267号" in link.text()


def test_no_page_says_the_measures_state_the_validity_or_the_4_30_rule(site):
    for cluster in (HUANGPU_2022, HUADU_2022, HUANGPU_2024, PANYU_2024):
        text = page(site, f"clusters/{cluster}").text
        assert "工信部办法：集群认定有效期为三年" not in text
        assert "（工信部办法；" not in text  # the old credit of the 30 April rule
    assert "工业和信息化部（中小企业局）" not in "".join(
        path.read_text(encoding="utf-8") for path in site.rglob("*.html")
    )  # no source names a recipient


def test_the_4_30_rule_is_credited_to_the_2022_list_notice_with_no_recipient(site):
    reports = section(site, f"clusters/{HUANGPU_2022}", "cl-reports")
    text = reports.text()
    assert "工信部企业函〔2023〕3号《工业和信息化部关于公布2022年度中小企业特色产业集群名单的通告》" in text
    assert "每年 4 月 30 日前报送（原话未见，本站转述）（2022 年度批次）" in text
    # That the rule reaches that batch only is the site's practice, said as such and linked to it.
    said = reports.find("span", cls="cl-said", data_statement="report-other-levels")
    assert said is not None and "（本站做法）" in said.text()
    assert said.find("a", href="../../practice/#report-other-levels") is not None
    assert reports.find("a", href="https://dg.feibaos.com/news/info/82765.html?idx=2") is not None
    rows = [[td.text() for td in tr.find_all("td")] for tr in reports.find_all("tr") if tr.find("td")]
    assert rows and all(row[2] == "未载明" for row in rows)  # 报送对象


@pytest.mark.parametrize("cluster", [HUANGPU_2024, PANYU_2024, BAIYUN_2023])
def test_batches_no_source_states_a_report_rule_for_have_none(site, cluster):
    reports = section(site, f"clusters/{cluster}", "cl-reports")
    assert reports.find("table") is None
    text = reports.text()
    assert "年度报告期限未载明" in text and "只见于 2022 年度批次的名单通告（工信部企业函〔2023〕3号）" in text
    assert not any(uid.startswith(f"annual-report-{cluster}-") for uid in ics_events(site))


def test_the_2024_rule_is_not_applied_to_the_2023_batch(data, tmp_path):
    """Given a date, the 2023 batch's validity still is not computed: no source states it for 2023."""
    scratch = tmp_path / "data"
    shutil.copytree(data, scratch)
    record = scratch / "clusters" / f"{BAIYUN_2023}.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("    batch: 2023\n    date:\n", "    batch: 2023\n    date: 2023-10-18\n"), "utf-8")
    loaded = load_dataset(scratch, SCHEMAS_DIR, today=DAY)
    assert loaded.ok, [p.format() for p in loaded.problems]
    files = {f.path: f.content for f in build_exports(take_snapshot(loaded.dataset, start_of_day(DAY)), SCHEMA_SET)}
    row = clusters_json(files)[BAIYUN_2023]
    assert (row["status"], row["valid_until"]) == ("unknown", None)
    assert not any(f"validity-end-{BAIYUN_2023}" in uid for uid in ics_uids(files))


SCHEMA_SET = load_schemas(SCHEMAS_DIR)


def ics_uids(files: dict[str, bytes]) -> list[str]:
    text = files["calendar/deadlines.ics"].decode("utf-8").replace("\r\n ", "")
    return [line[4:] for line in text.splitlines() if line.startswith("UID:")]


def test_the_unknown_validity_says_why(site):
    cell = recognition_row(site, BAIYUN_2023).find_all("td")[4]
    assert cell.text().startswith("未载明")
    assert "本站所据来源只载明 2022、2024、2025 年度批次的有效期，未见来源载明 2023 年度批次的有效期" in cell.text()
    assert "来源未载明认定日期" in cell.text()


# ---------------------------------------------------------------------------------------------
# 2. An end known only to the year


@pytest.mark.parametrize(
    ("day", "status"),
    [
        ("2026-01-01", "review_due"),  # within 365 days of any day of 2025
        ("2026-01-02", "unknown"),
        ("2026-12-02", "unknown"),
        ("2026-12-31", "unknown"),
        ("2027-01-01", "expired"),  # more than 365 days after any day of 2025
    ],
)
def test_a_year_only_end_is_not_taken_as_its_last_day(data, day, status):
    loaded = load_dataset(data, SCHEMAS_DIR, today=dt.date.fromisoformat(day))
    snapshot = take_snapshot(loaded.dataset, start_of_day(dt.date.fromisoformat(day)))
    files = {f.path: f.content for f in build_exports(snapshot, SCHEMA_SET)}
    assert clusters_json(files)[HUANGPU_2022]["status"] == status


def test_the_cluster_page_states_the_range_it_cannot_decide(site):
    cluster = page(site, f"clusters/{HUANGPU_2022}")
    badge = cluster.root.find("p", "cl-badges").text()
    assert "状态不明" in badge and "待复核" not in badge
    assert "2026-01-02 至 2026-12-31 之间本站不判断是“待复核”还是“已过期”" in cluster.text
    assert clusters_json(site)[HUANGPU_2022]["status"] == "unknown"
    practice = page(site, "practice").root.find(id="partial-end")
    assert practice is not None and "365" in practice.text() and "（本站做法）" in practice.text()


# ---------------------------------------------------------------------------------------------
# 3. Records linked where the sources link them


def test_the_notice_page_lists_the_recognitions_of_its_batch(site):
    notice = page(site, f"notices/{NOTICE_2022}")
    assert "本站尚未记录由本次公示认定的集群" not in notice.text
    listed = notice.root.find("ul", "cl-final-list")
    assert listed is not None
    hrefs = {a.attrs["href"] for a in listed.find_all("a")}
    assert hrefs == {f"../../clusters/{HUANGPU_2022}/", f"../../clusters/{HUADU_2022}/"}
    assert "新增" not in listed.text()  # the proposed list was not transcribed: nothing was compared
    diff = json.loads((site / "data" / "notices" / NOTICE_2022 / "final-diff.json").read_text(encoding="utf-8"))
    assert (diff["compared"], diff["recognised"], diff["added"]) == (False, [HUADU_2022, HUANGPU_2022], [])
    other = page(site, f"notices/{NOTICE_2023}").root.find("ul", "cl-final-list")
    assert {a.attrs["href"] for a in other.find_all("a")} == {f"../../clusters/{BAIYUN_2023}/"}


@pytest.mark.parametrize(
    ("cluster", "notice"), [(HUANGPU_2022, NOTICE_2022), (HUADU_2022, NOTICE_2022), (BAIYUN_2023, NOTICE_2023)]
)
def test_the_cluster_page_links_its_notice(site, cluster, notice):
    related = section(site, f"clusters/{cluster}", "cl-related")
    assert related.find("a", href=f"../../notices/{notice}/") is not None
    with (site / "data" / "events.csv").open(encoding="utf-8-sig") as events:
        rows = [row for row in csv.DictReader(events) if row["cluster_id"] == cluster and row["type"] == "certified"]
    assert [row["notice"] for row in rows] == [notice]


# ---------------------------------------------------------------------------------------------
# 4. The 2022 batch's reports, with their source and uncertainty


def test_the_2022_batch_owes_the_reports_its_notice_states(site):
    reports = section(site, f"clusters/{HUANGPU_2022}", "cl-reports")
    rows = [[td.text() for td in tr.find_all("td")] for tr in reports.find_all("tr") if tr.find("td")]
    assert [(row[0], row[1]) for row in rows] == [("2023", "2024-04-30"), ("2024", "2025-04-30")]
    assert "无法确定" not in rows[0][3]  # valid from some day of 2023 to some day of 2025: certainly owed
    assert "有效期届满日只知在 2025 之内，2025-04-30 时是否仍在有效期内、是否须报送无法确定" in rows[1][3]
    events = ics_events(site)
    for cluster in (HUANGPU_2022, HUADU_2022):
        first, second = (
            events[f"annual-report-{cluster}-2023-national"],
            events[f"annual-report-{cluster}-2024-national"],
        )
        assert "DTSTART;VALUE=DATE:20240430" in first and "DTSTART;VALUE=DATE:20250430" in second
        assert "工信部企业函〔2023〕3号" in first and "转载页面，原文未核对" in first
        assert "未能确定" not in first and "是否须报送未能确定" in second
        assert f"annual-report-{cluster}-2025-national" not in events  # due 2026-04-30, after any end in 2025
