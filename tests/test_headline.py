"""The home page's headline (Snapshot.headline, home.html.j2): every cluster counted in exactly one
status, the unknown ones explained, the progress bar labelled in text, and what the records are,
said once, each sentence saying whose it is.

The dataset is the base fixture (tests/fixtures/base/) plus the clusters below. As of 2026-03-01:
- alpha, delta (municipal, 2025-03-10): 有效;
- gamma (provincial 2023-07, revoked 2025-06-18): 已撤销;
- review (national 2022-09-01, 3 years, so to 2025-08-31; no review recorded): 待复核;
- beta (national, valid "2024" to "2026" as its source states): 状态不明, the end known only to the year;
- undated (national, batch only): 状态不明, the recognition date not stated;
- later (provincial 2026-02-01, valid from 2027 as stated): 状态不明, not started.
Between the notice's close (2025-02-28) and its final list (2025-03-10), alpha and delta are on a
closed list with no recognition: 状态不明, no recognition recorded.

Each test reads the rendered page (the generated Markdown holds the HTML the site shows) with the
tests' HTML reader, and compares its numbers with the snapshot and with the rows of the list page.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import pytest
from conftest import REAL_DATA, TODAY, Node, Page, make_data_dir

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.lifecycle import STATUS_LABELS, UNKNOWN_REASONS
from generator.domain.snapshot import Snapshot, take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.pages import render_pages
from generator.schema.package import load_schemas

D = dt.date.fromisoformat
SCHEMA_SET = load_schemas(SCHEMAS_DIR)
DAYS = ["2024-06-01", "2025-02-24", "2025-03-05", "2025-03-10", "2026-03-01", "2026-11-28", "2030-01-01"]


def cluster(cid: str, name: str, district: str, events: str, sources: str) -> str:
    return (
        f"# 测试数据（虚构，仅供自动化测试）\nid: {cid}\nname: 【测试数据】{name}\nverified: false\n"
        f'district: "{district}"\nleading_industry: 【测试数据】测试产业\nsources:\n{sources}events:\n{events}'
    )


REPOSTS = (
    "  - url: https://example.org/sources/{cid}-a\n    repost: true\n    states: 名称（转载）\n"
    "  - url: https://example.org/sources/{cid}-b\n    repost: true\n    states: 批次（转载）\n"
)
NEWS = "  - url: https://example.org/sources/{cid}-news\n    states: 名称（新闻报道）\n"
EXTRA = {
    "test-headline-review": (
        "广州市越秀区测试复核产业集群",
        "440104",
        "  - type: certified\n    date: 2022-09-01\n    level: national\n    batch: 2022\n"
        "    source: https://example.org/sources/test-headline-review-a\n",
        REPOSTS,
    ),
    "test-headline-undated": (
        "广州市荔湾区测试未载明产业集群",
        "440103",
        "  - type: certified\n    level: national\n    batch: 2024\n    source: https://example.org/sources/test-headline-undated-a\n",
        REPOSTS,
    ),
    "test-headline-later": (
        "广州市南沙区测试将来产业集群",
        "440115",
        "  - type: certified\n    date: 2026-02-01\n    level: provincial\n    valid_from: 2027-01-01\n"
        "    valid_until: 2029-12-31\n    source: https://example.org/sources/test-headline-later-news\n",
        NEWS,
    ),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = make_data_dir(tmp_path_factory.mktemp("headline"))
    for cid, (name, district, events, sources) in EXTRA.items():
        text = cluster(cid, name, district, events, sources.format(cid=cid))
        (folder / "clusters" / f"{cid}.yaml").write_text(text, encoding="utf-8")
    return folder


@functools.cache
def _outputs(data: Path, day: str) -> tuple[Snapshot, dict[str, str]]:
    loaded = load_dataset(data, SCHEMAS_DIR, today=D(day))
    assert loaded.ok, [p.format() for p in loaded.problems]
    snapshot = take_snapshot(loaded.dataset, start_of_day(D(day)))
    return snapshot, {p.src_uri: p.content for p in render_pages(snapshot, SCHEMA_SET)}


@pytest.fixture(scope="module")
def at(data):
    """The snapshot and the generated pages as of a day ("YYYY-MM-DD")."""
    return lambda day: _outputs(data, day)


def block(pages: dict[str, str], css_class: str) -> Node:
    """The <div class="…"> of the home page."""
    found = Page(pages["index.md"]).root.find("div", css_class)
    assert found is not None, f"no div.{css_class} on the home page"
    return found


def list_rows(pages: dict[str, str]) -> list[Node]:
    table = Page(pages["clusters/index.md"]).root.find("table", data_cluster_list=True)
    return table.find_all("tr", data_status=True) if table else []


def shown_counts(headline: Node) -> dict[str, int]:
    """status code -> the number the home page prints for it."""
    counts = {}
    for item in headline.find_all("li", data_status=True):
        if item.attrs.get("data-n") == "0":
            continue  # hidden (site.css): a status none is in as of the build
        number = item.find("strong", data_count=item.attrs["data-status"])
        assert number is not None and number.text().isdigit(), item.text()
        counts[item.attrs["data-status"]] = int(number.text())
    return counts


# --- the counts add up ------------------------------------------------------------------------


@pytest.mark.parametrize("day", DAYS)
def test_every_cluster_is_in_exactly_one_status(at, day):
    snapshot, _ = at(day)
    headline = snapshot.headline
    members = [f.cluster.id for group in headline.statuses for f in group.clusters]
    assert sorted(members) == sorted(f.cluster.id for f in snapshot.clusters)  # each once, none left out
    assert sum(group.count for group in headline.statuses) == headline.total == len(snapshot.clusters)
    assert [g.code for g in headline.statuses] == [c for c in STATUS_LABELS if c in {g.code for g in headline.statuses}]
    unknown = next((g for g in headline.statuses if g.code == "unknown"), None)
    reasons = [f.cluster.id for r in headline.unknown_reasons for f in r.clusters]
    assert sorted(reasons) == sorted(f.cluster.id for f in unknown.clusters) if unknown else reasons == []


@pytest.mark.parametrize("day", DAYS)
def test_the_home_page_counts_add_up_to_the_rows_of_the_list(at, day):
    snapshot, pages = at(day)
    headline, rows = block(pages, "cl-headline"), list_rows(pages)
    counts = shown_counts(headline)
    by_row: dict[str, int] = {}
    for row in rows:
        by_row[row.attrs["data-status"]] = by_row.get(row.attrs["data-status"], 0) + 1
    assert counts == by_row
    total = headline.find("strong", data_count="total")
    assert total is not None and int(total.text()) == len(rows) == sum(counts.values())
    parts = " + ".join(str(n) for n in counts.values())
    assert headline.find("p", "cl-sum").text() == f"合计：{parts} = {len(rows)} 个。"
    assert len(rows) == len(snapshot.clusters) > 0


def test_the_statuses_on_a_day_with_every_kind(at):
    _, pages = at("2026-03-01")
    assert shown_counts(block(pages, "cl-headline")) == {"valid": 2, "review_due": 1, "revoked": 1, "unknown": 3}


# --- the unknowns explained -------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,expected",
    [
        (
            "2026-03-01",
            {
                "date_not_stated": ["test-headline-undated"],
                "starts_later": ["test-headline-later"],
                "end_unclear": ["test-national-beta"],
            },
        ),
        ("2025-03-05", {"date_not_stated": ["test-headline-undated"],
                        "no_recognition": ["test-municipal-delta", "test-municipal-alpha"]}),
        ("2024-06-01", {"date_not_stated": ["test-headline-undated"],
                        "start_unclear": ["test-national-beta"]}),
    ],
)  # fmt: skip
def test_each_unknown_status_is_explained_by_its_reason(at, day, expected):
    snapshot, pages = at(day)
    assert {r.code: [f.cluster.id for f in r.clusters] for r in snapshot.headline.unknown_reasons} == expected
    names = {f.cluster.id: f.cluster.name for f in snapshot.clusters}
    unknown = block(pages, "cl-headline").find("li", data_status="unknown")
    assert unknown is not None and "据本站记录，状态不明的原因是" in unknown.text()
    items = {li.attrs["data-reason"]: li for li in unknown.find_all("li", data_reason=True)}
    assert list(items) == list(expected)
    for code, ids in expected.items():
        text = items[code].text()
        assert text.startswith(f"{UNKNOWN_REASONS[code]}：{len(ids)} 个（"), text
        assert [a.text() for a in items[code].find_all("a")] == [names[cid] for cid in ids]


def test_no_reason_line_without_an_unknown_status(tmp_path):
    """The base fixture alone on 2025-03-10: alpha, delta, beta and gamma all valid."""
    snapshot, pages = _outputs(make_data_dir(tmp_path), "2025-03-10")
    assert shown_counts(block(pages, "cl-headline")) == {"valid": 4}
    assert snapshot.headline.unknown_reasons == ()
    assert block(pages, "cl-headline").find("ul", "cl-unknown-reasons") is None
    (unknown,) = block(pages, "cl-headline").find_all("li", data_status="unknown")
    assert unknown.attrs["data-n"] == "0"  # hidden by site.css until live-states.js counts one


# --- the progress bar -------------------------------------------------------------------------


@pytest.mark.parametrize("day,counted", [("2025-03-10", 5), ("2026-03-01", 2), ("2030-01-01", 0)])
def test_the_progress_bar_says_its_numbers_in_text(at, day, counted):
    snapshot, pages = at(day)
    progress = block(pages, "cl-progress")
    target = snapshot.rules.target.value
    assert progress.find("strong", data_count="municipal").text() == str(counted) == str(len(snapshot.municipal))
    bar = progress.find("progress")
    assert bar.attrs["max"] == str(target) and bar.attrs["value"] == str(min(counted, target))
    assert progress.find("span", "cl-progress-text").text() == f"{counted} / {target}"
    label = progress.find("label")
    assert label is not None and label.attrs["for"] == bar.attrs["id"]


def test_before_the_guideline_there_is_no_bar_but_every_cluster_is_still_counted(at):
    snapshot, pages = at("2024-06-01")
    assert block(pages, "cl-progress").find("progress") is None
    assert "尚未施行" in block(pages, "cl-progress").text()
    assert sum(shown_counts(block(pages, "cl-headline")).values()) == len(snapshot.clusters) > 0


# --- what the data are, said once -------------------------------------------------------------


def about(pages: dict[str, str]) -> Node:
    return block(pages, "cl-about-data")


def test_what_the_records_are_when_the_city_has_recognised_some(at):
    snapshot, pages = at("2026-03-01")
    text = about(pages).text()
    # national: beta, review, undated; provincial: gamma, later; municipal: alpha, delta
    assert (
        "据本站记录：收录的 7 个集群中，获国家级认定的 3 个，获省级认定的 2 个，由广州市自己认定（市级认定）的 2 个。"
        in text
    )
    # unverified: beta and the three added here; none of those four cites the authority's own page;
    # review and undated cite reposts only
    assert "7 个中有 4 个集群的名称没有与发文机关的原文核对" in text
    assert "其中 4 个集群所引的来源中没有发文机关自己的网页或文件" in text
    assert "2 个集群所引的来源全部是转载页面，名称照录转载" in text
    headline = snapshot.headline
    assert (headline.unverified, headline.no_official_source, headline.reposts_only) == (4, 4, 2)


def test_what_the_records_are_when_the_city_has_recognised_none(at):
    snapshot, pages = at("2025-02-24")  # alpha and delta are on the open list, not yet recognised
    node = about(pages)
    assert "由广州市自己认定（市级认定）的一个也没有" in node.text()
    assert node.find("span", data_level_count="municipal").attrs["data-value"] == "0"
    assert "另有 2 个还没有认定，只列在公示名单中" in node.text()
    assert snapshot.headline.city_recognised == 0 and snapshot.headline.unrecognised == 2


def test_the_auto_recognition_clause_is_quoted_once(at):
    snapshot, pages = at("2026-03-01")
    words = snapshot.rules.excerpts["auto-recognition"][1]
    home = Page(pages["index.md"]).root
    quotes = [q for q in home.find_all("q", "cl-quote") if q.text() == words]
    assert len(quotes) == 1 and quotes[0].attrs["data-clause"] == snapshot.rules.excerpts["auto-recognition"][0]


@pytest.mark.parametrize("day", ["2025-02-24", "2026-03-01"])
def test_every_sentence_says_whose_it_is(at, day):
    """A fact from the records (据本站记录), a quotation of a named clause, or the site's practice."""
    _, pages = at(day)
    for css in ("cl-headline", "cl-about-data"):
        for paragraph in block(pages, css).find_all("p"):
            text = paragraph.text()
            if paragraph.attrs.get("class") == "cl-sum" or text.startswith("截至"):
                continue  # the sum of the numbers above; the day the counts are for
            quoted = any("data-clause" in q.attrs for q in paragraph.find_all("q", "cl-quote"))
            practice = paragraph.find("a", "cl-practice") is not None
            assert text.startswith("据本站记录") or quoted or practice, text


def test_an_empty_site_says_so(tmp_path):
    data = make_data_dir(tmp_path)
    for record in (data / "clusters").glob("*.yaml"):
        record.unlink()
    for record in (data / "notices").glob("*.yaml"):
        record.unlink()
    snapshot, pages = _outputs(data, "2026-03-01")
    assert snapshot.headline.total == 0
    assert "本站还没有收录任何集群" in block(pages, "cl-headline").text()
    assert Page(pages["index.md"]).root.find("div", "cl-about-data") is None


# --- the shipped records (what holds for any valid data) ---------------------------------------


def test_the_shipped_records_add_up_on_the_home_page():
    snapshot, pages = _outputs(REAL_DATA, TODAY)
    counts = shown_counts(block(pages, "cl-headline"))
    assert sum(counts.values()) == len(list_rows(pages)) == len(snapshot.clusters)
    if "unknown" in counts:
        reasons = block(pages, "cl-headline").find_all("li", data_reason=True)
        numbers = [int(re.search(r"：(\d+) 个（", li.text())[1]) for li in reasons]
        assert sum(numbers) == counts["unknown"]
