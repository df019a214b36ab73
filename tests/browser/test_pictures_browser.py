"""The notice page in the order a citizen needs it, and the pictures (inline SVG drawn at build time),
as a reader sees them in Chromium at 390 px and 1,280 px.

- The notice page (the fixture's municipal notice, while open and after it closed): its state and
  deadline first, then 如何提出异议 (to whom, how, by when; the day it closed once closed), then the
  list, and the 政府信息公开 metadata once, at the end — by the y positions the browser lays out.
- The tile map (districts index): 11 tiles, each a link to its district, where the grid puts them,
  with the same counts as the table under it; the programme by year against its table.
- The timeline (cluster pages): one mark per dated event of 大事记, the validity bars, and the
  as-of marker at its place against the bars' ends.
Each page with no serious axe violation, nothing from another origin, no console error (a style
attribute would be refused by the pages' CSP and reported there).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import (
    SHANGHAI,
    build,
    clean,
    no_serious_violation,
    screenshot,
    serve,
    visit,
)
from conftest import make_data_dir

NOTICE = "notices/test-municipal-2025-list/"
OPEN_DAY = dt.date(2025, 2, 24)  # the fixture notice's window: 2025-02-20 .. 2025-02-28 17:30
DAY = dt.date(2026, 11, 28)  # closed, its final list out; every fixture cluster has a history
ISSUER = "【测试数据】测试发布单位"
META = 'index_no: "TEST00/2025-00001"\ntopic: 【测试数据】工业、交通\nwritten_on: 2025-02-19\ndoc_no: 【测试数据】测工信函〔2025〕1号\n'
# A national cluster in 增城区 with a renewal and two annual reports: every kind of mark on one timeline.
OMEGA = "test-pictures-omega"
OMEGA_YAML = """\
# 测试数据（虚构，仅供自动化测试）：国家级集群，2023-01-11 认定，两次年度报告，2025-12-20 复核通过。
id: test-pictures-omega
name: 【测试数据】广州市增城区测试图示产业集群
verified: true
district: "440118"
leading_industry: 【测试数据】测试图示
sources:
  - url: https://example.org/sources/test-pictures-omega
    official: true
events:
  - type: certified
    date: 2023-01-11
    level: national
    batch: 2022
    source: https://example.org/sources/test-pictures-omega
  - type: annual_report
    date: 2024-04-20
    year: 2023
    source: https://example.org/sources/test-pictures-omega
  - type: annual_report
    date: 2025-04-10
    year: 2024
    source: https://example.org/sources/test-pictures-omega
  - type: renewed
    date: 2025-12-20
    level: national
    source: https://example.org/sources/test-pictures-omega
"""
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
# The grid's idea of where each district lies (generator/publish/charts.TILE_GRID), as the reader sees it.
NORTH_TO_SOUTH = ["花都区", "白云区", "越秀区", "海珠区"]  # one column, top to bottom
WEST_TO_EAST = ["荔湾区", "越秀区", "天河区"]  # one row, left to right


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("pictures-browser")
    data = make_data_dir(root)
    notice = data / "notices" / "test-municipal-2025-list.yaml"
    notice.write_text(notice.read_text(encoding="utf-8") + META, encoding="utf-8")
    (data / "clusters" / f"{OMEGA}.yaml").write_text(OMEGA_YAML, encoding="utf-8")
    built = {day: build(data, root / f"site-{day.isoformat()}", day) for day in (OPEN_DAY, DAY)}
    with serve(built[OPEN_DAY]) as open_url, serve(built[DAY]) as url:
        yield {OPEN_DAY: open_url, DAY: url}


def top(page, selector: str) -> float:
    """The y of the element's top edge in the page (not the viewport), in CSS px."""
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().top + window.scrollY")


def sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# ---------------------------------------------------------------------------------------------
# The notice page


@pytest.mark.parametrize("device", VIEWPORTS)
@pytest.mark.parametrize("day", [OPEN_DAY, DAY], ids=["open", "closed"])
def test_the_notice_page_puts_state_deadline_and_objections_before_the_list_and_metadata_once(
    browser, sites, day, device
):
    url = sites[day]
    with visit(browser, url, locale="zh-CN", timezone_id="Asia/Shanghai", **VIEWPORTS[device]) as found:
        page = found.page
        # The badge follows the browser's clock (live-states.js): read the page at noon of its day.
        page.clock.set_fixed_time(dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI))
        page.goto(url + NOTICE)
        state = page.locator("section.cl-notice-state")
        assert state.is_visible()
        order = {
            "state": top(page, "section.cl-notice-state"),
            "objections": top(page, "h2#objections"),
            "list": top(page, "h2#list"),
            "outcome": top(page, "h2#outcome"),
            "metadata": top(page, "section.cl-govinfo"),
        }
        assert list(order) == sorted(order, key=order.get), order
        # The metadata once: one box, each of its terms once on the page, no second 发布单位/发布日期 list.
        article = page.locator("article")
        assert page.locator("section.cl-govinfo").count() == 1
        for term in ("索引号", "发布机构", "成文日期", "文号", "发布日期"):
            assert article.locator("dt", has_text=re.compile(f"^{term}$")).count() == 1, term
        assert article.locator("dt", has_text=re.compile("^发布单位$")).count() == 0
        # State and deadline, with the cut-off instant the notice states.
        state_text = state.inner_text()
        assert "2025-02-28 17:30" in state_text and "截止时刻为公示载明" in state_text
        objection = page.locator("div.cl-objection")
        text = objection.inner_text()
        assert ISSUER in objection.locator("dd").first.inner_text()  # to whom, as the record names the issuer
        assert objection.locator("a[href='tel:020-00000000']").is_visible()
        assert objection.locator("a[href='mailto:objection@example.org']").is_visible()
        assert "【测试数据】广州市测试路 1 号" in text and "（本站做法）" in text
        if day == OPEN_DAY:
            assert page.locator("p.cl-badges .cl-badge").inner_text() == "公示中"
            assert "异议截至 2025-02-28 17:30" in state_text
            assert f"请在 2025-02-28 17:30（北京时间）之前，向 {ISSUER} 提出" in text
            assert "已于" not in state_text + text
        else:
            assert page.locator("p.cl-badges .cl-badge").inner_text() == "已结束"
            assert "公示期已于 2025-02-28 结束" in state_text
            assert "公示期已于 2025-02-28 结束" in text
            assert "请在" not in text
        # How to object is no longer a scroll away: its heading starts within the first screen and a half.
        height = VIEWPORTS[device]["viewport"]["height"]
        assert order["objections"] < 1.5 * height, order
        assert sideways(page) <= 0
        screenshot(page, f"pictures-notice-{'open' if day == OPEN_DAY else 'closed'}-{device}")
        no_serious_violation(page)
        clean(found)


@pytest.mark.parametrize(
    ("clock", "state", "sentence"),
    [
        (dt.datetime(2025, 2, 28, 17, 29, tzinfo=SHANGHAI), "公示中", "请在 2025-02-28 17:30（北京时间）之前"),
        (dt.datetime(2025, 2, 28, 17, 31, tzinfo=SHANGHAI), "已结束", "公示期已于 2025-02-28 结束"),
    ],
    ids=["before-the-cut-off", "after-the-cut-off"],
)
def test_a_page_built_while_open_follows_the_readers_clock_past_the_cut_off(browser, sites, clock, state, sentence):
    """Built on 2025-02-24, read on the last day: the state box and the objection lead say what the
    badge says, on either side of 17:30, as live-states.js shows from the reader's clock."""
    url = sites[OPEN_DAY]
    with visit(browser, url, locale="zh-CN", **VIEWPORTS["desktop"]) as found:
        page = found.page
        page.clock.set_fixed_time(clock)
        page.goto(url + NOTICE)
        assert page.locator("p.cl-badges .cl-badge").inner_text() == state
        shown = page.locator("section.cl-notice-state").inner_text() + page.locator("div.cl-objection").inner_text()
        assert sentence in shown
        other = "公示期已于" if state == "公示中" else "请在 2025-02-28"
        assert other not in shown
        visible = page.locator("[data-when]:visible").evaluate_all("els => els.map(e => e.dataset.when)")
        assert visible == (["open", "upcoming open"] if state == "公示中" else ["closed", "closed"])
        clean(found)


# ---------------------------------------------------------------------------------------------
# The districts index: tile map and the programme by year


def _boxes(locator) -> list[dict]:
    return locator.evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })"
    )


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"] - 0.5
        and b["x"] < a["x"] + a["w"] - 0.5
        and a["y"] < b["y"] + b["h"] - 0.5
        and b["y"] < a["y"] + a["h"] - 0.5
    )


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_tile_map_has_eleven_linked_tiles_that_agree_with_the_table(browser, sites, device):
    url = sites[DAY]
    with visit(browser, url, locale="zh-CN", **VIEWPORTS[device]) as found:
        page = found.page
        page.goto(url + "districts/")
        tiles = page.locator("svg.cl-tilemap a.cl-tile-link")
        assert tiles.count() == 11
        rows = page.locator("table.cl-district-table tbody tr")
        assert rows.count() == 11
        table = {}
        for i in range(rows.count()):
            row = rows.nth(i)
            cells = {
                key: int(row.locator(f"td[data-{kind}='{key}']").inner_text())
                for kind, keys in (("count", ["total"]), ("level", ["national", "provincial", "municipal"]))
                for key in keys
            }
            for cell in row.locator("td[data-status]").all():
                cells[cell.get_attribute("data-status")] = int(cell.inner_text())
            table[row.get_attribute("data-district")] = (row.locator("th a").get_attribute("href"), cells)
        boxes = _boxes(page.locator("svg.cl-tilemap svg.cl-tile"))
        shapes = page.locator("svg.cl-tilemap svg.cl-tile")
        figure = page.locator("svg.cl-tilemap").bounding_box()
        where = {}
        for i in range(11):
            tile, link = shapes.nth(i), tiles.nth(i)
            code = tile.get_attribute("data-district")
            href, cells = table[code]
            assert link.get_attribute("data-district") == code
            assert link.get_attribute("href") == href  # the same district page as the table's link
            total = int(tile.get_attribute("data-total"))
            shown = tile.locator("text.cl-tile-total").text_content()
            assert shown == f"{total} 个集群" and total == cells["total"], (code, shown, cells)
            levels = {
                s.get_attribute("data-level"): int(s.get_attribute("data-count")) for s in tile.locator("tspan").all()
            }
            assert levels == {k: cells[k] for k in ("national", "provincial", "municipal") if cells[k]}, code
            statuses = {
                r.get_attribute("data-status"): int(r.get_attribute("data-count"))
                for r in tile.locator("rect[data-status]").all()
            }
            assert statuses == {
                k: v for k, v in cells.items() if k not in ("total", "national", "provincial", "municipal") and v
            }, code
            name = tile.locator("text.cl-tile-name").text_content()
            assert name in link.get_attribute("aria-label") and f"{total} 个集群" in link.get_attribute("aria-label")
            assert link.bounding_box() == tile.bounding_box()  # the link's area is the tile
            box = boxes[i]
            assert box["w"] > 60 and box["h"] > 60, box  # a tile a finger can hit, on a phone too
            for text in _boxes(tile.locator("text")):  # its words stay on the tile
                assert box["x"] <= text["x"] and text["x"] + text["w"] <= box["x"] + box["w"] + 0.5, (code, text, box)
            assert figure["x"] - 0.5 <= box["x"] and box["x"] + box["w"] <= figure["x"] + figure["width"] + 0.5
            where[name] = box
        assert sum(cells["total"] for _href, cells in table.values()) == 5  # the fixture's four and omega
        assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        # The whole tile is its link, an empty one too (an unpainted interior would take no click).
        hits = tiles.evaluate_all(
            """links => links.map(a => {
                a.scrollIntoView({block: "center"});
                const r = a.closest("svg.cl-tile").getBoundingClientRect();
                const link = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)?.closest("a");
                return [a.dataset.district, link ? link.dataset.district : null];
            })"""
        )
        assert all(own == hit for own, hit in hits), hits
        assert [where[n]["y"] for n in NORTH_TO_SOUTH] == sorted(where[n]["y"] for n in NORTH_TO_SOUTH)
        assert [where[n]["x"] for n in WEST_TO_EAST] == sorted(where[n]["x"] for n in WEST_TO_EAST)
        assert "审图号" in page.locator("figure.cl-tilemap-figure figcaption").inner_text()
        # The programme by year: each bar's total and levels as its table row states them.
        for bar in page.locator("svg.cl-by-year g.cl-year-bar").all():
            year = bar.get_attribute("data-year")
            row = page.locator(f"table.cl-year-table tr[data-year='{year}']")
            assert int(bar.get_attribute("data-total")) == int(row.locator("td[data-count='total']").inner_text())
            for segment in bar.locator("rect").all():
                level = segment.get_attribute("data-level")
                assert int(segment.get_attribute("data-count")) == int(
                    row.locator(f"td[data-level='{level}']").inner_text()
                )
        # omega's batch 2022; beta's batch and gamma's date 2023; none in 2024; alpha and delta 2025
        years = page.locator("svg.cl-by-year g.cl-year-bar")
        assert [(g.get_attribute("data-year"), g.get_attribute("data-total")) for g in years.all()] == [
            ("2022", "1"),
            ("2023", "2"),
            ("2024", "0"),
            ("2025", "2"),
        ]
        assert page.locator("table.cl-year-table tbody tr").count() == 4
        inside(page.locator("svg.cl-by-year"))
        assert sideways(page) <= 0
        screenshot(page, f"pictures-districts-{device}")
        no_serious_violation(page)
        clean(found)
        # A tile is a link: following it opens the district's list.
        tile = page.locator("svg.cl-tilemap a.cl-tile-link[data-district='440118']")
        tile.click()
        page.wait_for_url(re.compile(r"/districts/zengcheng/$"))
        assert "增城区" in page.locator("h1").first.inner_text()
        assert OMEGA in page.content()


# ---------------------------------------------------------------------------------------------
# The cluster timeline


def _x_range(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"], box["x"] + box["width"]


def _centre_x(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2


def inside(svg) -> None:
    """No text of the picture runs past its edges (the text keeps its size, the width does not)."""
    frame = svg.bounding_box()
    for box in _boxes(svg.locator("text")):
        assert frame["x"] - 0.5 <= box["x"] and box["x"] + box["w"] <= frame["x"] + frame["width"] + 0.5, (box, frame)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_timeline_marks_every_event_and_the_day_the_page_is_as_of(browser, sites, device):
    url = sites[DAY]
    with visit(browser, url, locale="zh-CN", **VIEWPORTS[device]) as found:
        page = found.page
        page.goto(url + f"clusters/{OMEGA}/")
        svg = page.locator("svg.cl-timeline")
        assert svg.get_attribute("role") == "img"
        assert page.locator("#timeline-title").text_content() == "【测试数据】广州市增城区测试图示产业集群的时间线"
        frame = svg.bounding_box()
        events = page.locator(".cl-history li[data-seq]")
        seqs = [li.get_attribute("data-seq") for li in events.all()]
        assert seqs == ["1", "2", "3", "4"]
        centres = {}
        for seq in seqs:
            mark = svg.locator(f"[data-seq='{seq}']")
            assert mark.count() == 1, seq
            box = mark.bounding_box()
            assert box is not None and box["width"] > 0, seq
            assert frame["x"] - 8 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 8
            centres[seq] = _centre_x(mark)
        kinds = [svg.locator(f"[data-seq='{s}']").get_attribute("data-kind") for s in seqs]
        assert kinds == ["certified", "annual_report", "annual_report", "renewed"]
        assert centres["1"] < centres["2"] < centres["3"] < centres["4"]  # in date order, left to right
        # One national recognition, renewed: valid 2023-01-11 to 2029-01-10, the as-of day inside it.
        (bar,) = svg.locator("rect[data-segment='valid']").all()
        start, end = _x_range(bar)
        today = _centre_x(svg.locator("line.cl-tl-today-line"))
        assert start < today < end
        # … at the right place: 2026-11-28 is 1,417 of the 2,192 days from 2023-01-11 to 2029-01-10
        assert today - start == pytest.approx((end - start) * 1417.5 / 2192, abs=1.5)
        assert abs(centres["1"] - start) <= 1.5  # the certification at the bar's start
        assert page.locator("g.cl-tl-today text").text_content() == "截至 2026-11-28"
        assert "2029-01-10" in svg.locator("g[data-lane='recognition'] text").text_content()
        sizes = svg.locator("text").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 12, sizes  # the text keeps its size on a phone
        assert sideways(page) <= 0
        inside(svg)
        screenshot(page, f"pictures-timeline-{device}")
        no_serious_violation(page)
        # A revocation: the validity stops at it, the rest hollow, and the as-of day after both.
        page.goto(url + "clusters/test-provincial-gamma/")
        svg = page.locator("svg.cl-timeline")
        revoked = svg.locator("[data-kind='revoked']")
        void = svg.locator("rect[data-segment='void']")
        valid = svg.locator("rect[data-segment='valid']")
        assert abs(_centre_x(revoked) - _x_range(void)[0]) <= 1.5
        assert abs(_x_range(valid)[1] - _x_range(void)[0]) <= 1.5
        assert _centre_x(svg.locator("line.cl-tl-today-line")) > _x_range(void)[1]  # 2026-11-28 after 2026-07-30
        assert svg.locator("[data-kind='certified']").get_attribute("data-precision") == "month"  # 2023-07
        inside(svg)  # its long label (an end known as a span of days, a revocation) takes two lines
        no_serious_violation(page)
        clean(found)
