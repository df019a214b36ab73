"""What a reader meets first, in a real browser (Debian's Chromium, axe-core): the cluster list at
390, 1,024 and 1,280 px with every row's status on screen, the home page's counts adding up to the
list's rows, the long reference tables folding on a phone, and the 适老模式 switch at both settings.

The site is built from the base fixture plus the clusters below as of 2026-03-01, a day with
clusters of every common status: alpha, delta and the two-level one 有效, review 待复核 (national
2022-09-01, three years), gamma 已撤销, beta (its end known only to the year) and the long-named one
(no recognition date) 状态不明. Screenshots are saved only with CLUSTERS_SCREENSHOTS=1.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import build, clean, no_serious_violation, screenshot, serve, visit
from conftest import make_data_dir

DAY = dt.date(2026, 3, 1)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WIDTHS = {
    390: PHONE,
    768: {"viewport": {"width": 768, "height": 1024}},  # a tablet upright: the narrowest table
    1024: {"viewport": {"width": 1024, "height": 768}},
    1280: {"viewport": {"width": 1280, "height": 900}},
}
LONG_NAME = "【测试数据】广东省广州市海珠区智能制造系统集成服务测试产业集群"
REPOSTS = (
    "sources:\n  - url: https://example.org/sources/{cid}\n    repost: true\n    states: 名称（转载）\n"
    "  - url: https://example.org/sources/{cid}-b\n    repost: true\n    states: 批次（转载）\n"
)
CLUSTERS = {
    "test-list-long": (
        LONG_NAME,
        "440105",
        "  - type: certified\n    level: national\n    batch: 2025\n    source: https://example.org/sources/test-list-long\n",
    ),
    "test-list-two-levels": (
        "【测试数据】广州市番禺区测试两级认定产业集群",
        "440113",
        "  - type: certified\n    date: 2024-05-01\n    level: provincial\n    batch: 2024\n"
        "    source: https://example.org/sources/test-list-two-levels\n"
        "  - type: certified\n    date: 2024-09-19\n    level: national\n    batch: 2024\n"
        "    source: https://example.org/sources/test-list-two-levels\n",
    ),
    "test-list-review": (
        "【测试数据】广州市越秀区测试复核产业集群",
        "440104",
        "  - type: certified\n    date: 2022-09-01\n    level: national\n    batch: 2022\n"
        "    source: https://example.org/sources/test-list-review\n",
    ),
}
ROWS = 7  # the four of the base fixture and the three above
# Keeps, in the page, whether 适老模式 was on when <body> was inserted: nothing is painted before that.
FIRST_PAINT_PROBE = """
window.__elderAtBody = null;
new MutationObserver((records, observer) => {
  if (document.body) {
    window.__elderAtBody = document.documentElement.classList.contains('cl-elder');
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("public-list")
    data = make_data_dir(root)
    for cid, (name, district, events) in CLUSTERS.items():
        (data / "clusters" / f"{cid}.yaml").write_text(
            f"# 测试数据（虚构，仅供自动化测试）\nid: {cid}\nname: {name}\nverified: false\n"
            f'district: "{district}"\nleading_industry: 【测试数据】测试产业\n{REPOSTS.format(cid=cid)}events:\n{events}',
            encoding="utf-8",
        )
    site = build(data, root / "site", DAY)
    with serve(site) as url:
        yield url


def boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; })",
    )


def sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_row_shows_its_status_without_scrolling_sideways(browser, base_url, width):
    with visit(browser, base_url, locale="zh-CN", **WIDTHS[width]) as found:
        page = found.page
        page.goto(base_url + "clusters/")
        rows = page.locator("table[data-cluster-list] tbody tr")
        assert rows.count() == ROWS
        assert sideways_overflow(page) <= 0
        wrap = page.locator(".cl-list-wrap")
        assert wrap.evaluate("w => w.scrollWidth - w.clientWidth") <= 0, "the list scrolls sideways"
        assert wrap.get_attribute("tabindex") is None  # a keyboard stop only while it scrolls
        viewport = page.evaluate("document.documentElement.clientWidth")
        badges = boxes(page, "table[data-cluster-list] tbody tr td.cl-status .cl-badge")
        assert len(badges) == ROWS
        for box in badges:
            assert box["left"] >= 0 and box["right"] <= viewport, (box, viewport)
        names = boxes(page, "table[data-cluster-list] tbody tr td.cl-name")
        if width < 760:  # one card per cluster, the status beside the name
            assert page.locator("table[data-cluster-list] thead").is_hidden()
            assert rows.first.evaluate("r => getComputedStyle(r).display") == "grid"
            for name, badge in zip(names, badges, strict=True):
                assert badge["left"] >= name["right"] - 1 and abs(badge["top"] - name["top"]) < 12, (name, badge)
            labels = page.locator("td.cl-until").first.evaluate("td => getComputedStyle(td, '::before').content")
            assert labels == '"有效期至："'
        else:  # a table: the header row, 状态 its last column, inside the viewport
            header = boxes(page, "table[data-cluster-list] thead th")
            assert [h["right"] <= viewport for h in header] == [True] * 6
            for th in header:  # the sort buttons no longer copy the header cell's min-width
                assert th["width"] < viewport / 2
        assert page.locator("td.cl-name", has_text=LONG_NAME).is_visible()
        screenshot(page, f"list-{width}")
        no_serious_violation(page)
        clean(found)


def test_the_status_stays_on_screen_at_1024_in_elder_mode(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **WIDTHS[1024]) as found:
        page = found.page
        page.add_init_script("localStorage.setItem('gz-clusters-elder-mode', '1')")
        page.goto(base_url + "clusters/")
        assert page.evaluate("document.documentElement.classList.contains('cl-elder')")
        assert sideways_overflow(page) <= 0
        viewport = page.evaluate("document.documentElement.clientWidth")
        for box in boxes(page, "td.cl-status .cl-badge"):
            assert box["right"] <= viewport, box
        screenshot(page, "list-1024-elder")
        clean(found)


def row_values(page, cells: str) -> list[str]:
    return page.locator(f"table[data-cluster-list] tbody tr:not([hidden]) {cells}").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-value') || '')"
    )


def test_sort_and_filter_a_phone_s_cards_with_the_keyboard(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **PHONE) as found:
        page = found.page
        page.goto(base_url + "clusters/")
        menu = page.locator("select[data-sort-menu]")
        assert menu.is_visible() and page.get_by_label("排序").count() == 1
        # the filters and the sort menu are reached with Tab, in that order
        page.locator("select[data-filter=district]").focus()
        order = []
        for _ in range(3):
            page.keyboard.press("Tab")
            order.append(page.evaluate("document.activeElement.getAttribute('data-filter') ?? 'sort'"))
        assert order == ["level", "status", "sort"]
        options = menu.locator("option").all_inner_texts()
        assert options[0] == "默认（按所在区）" and "有效期至（由早到晚）" in options and "状态（升序）" in options
        menu.select_option(label="有效期至（由早到晚）")
        values = row_values(page, "td.cl-until")
        known = [v for v in values if v]
        assert known == sorted(known) and values[len(known) :] == [""] * (len(values) - len(known)), values
        assert page.locator("th", has_text="有效期至").get_attribute("aria-sort") == "ascending"
        menu.select_option(label="状态（升序）")
        ranks = [int(v) for v in row_values(page, "td.cl-status")]
        assert ranks == sorted(ranks)  # 有效 before 待复核, 已撤销 and 状态不明
        statuses = page.locator("tbody tr td.cl-status .cl-badge").all_inner_texts()
        assert statuses[0] == "有效" and statuses[-1] == "状态不明"
        status = page.locator("select[data-filter=status]")
        status.focus()
        status.select_option("unknown")
        assert page.locator(".cl-count").inner_text() == "显示 2 / 7 个集群"
        visible = page.locator("table[data-cluster-list] tbody tr:visible")
        assert visible.count() == 2
        assert page.locator("table[data-cluster-list] tbody tr[hidden]").first.is_hidden()
        menu.select_option("")  # back to the order as built
        assert page.locator("th[aria-sort=ascending], th[aria-sort=descending]").count() == 0
        clean(found)


def test_the_header_buttons_sort_with_the_keyboard(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **WIDTHS[1280]) as found:
        page = found.page
        page.goto(base_url + "clusters/")
        header = page.locator("th", has_text="名称")
        button = header.locator("button")
        button.focus()
        outline = button.evaluate("b => getComputedStyle(b).outlineStyle")
        page.keyboard.press("Enter")
        assert header.get_attribute("aria-sort") == "ascending"
        assert page.locator("select[data-sort-menu]").input_value() == "0:ascending"
        page.keyboard.press("Space")
        assert header.get_attribute("aria-sort") == "descending"
        assert outline != "none"  # focus is visible
        names = page.locator("tbody td.cl-name > a:not(.cl-badge-link)").all_inner_texts()
        collated = page.evaluate("n => n.slice().sort((a, b) => b.localeCompare(a, 'zh-Hans-CN'))", names)
        assert names == collated and len(names) == ROWS
        clean(found)


# --- the home page's counts -------------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 1280])
def test_the_home_page_counts_add_up_to_the_list(browser, base_url, width):
    with visit(browser, base_url, locale="zh-CN", **WIDTHS[width]) as found:
        page = found.page
        page.goto(base_url + "clusters/")
        by_status: dict[str, int] = {}
        for status in page.locator("table[data-cluster-list] tbody tr").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-status'))"
        ):
            by_status[status] = by_status.get(status, 0) + 1
        page.goto(base_url)
        headline = page.locator(".cl-headline")
        shown = {}
        for item in headline.locator("li[data-status]").all():
            if not item.is_visible():
                continue  # a status with no cluster is listed but hidden until live-states.js counts one
            line = item.inner_text()
            number = re.match(r"^\s*\S+\s+(\d+) 个", line)  # the badge, then the number
            assert number, line
            shown[item.get_attribute("data-status")] = int(number[1])
        assert shown == by_status == {"valid": 3, "review_due": 1, "revoked": 1, "unknown": 2}
        total = int(headline.locator("strong[data-count=total]").inner_text())
        assert total == sum(shown.values()) == ROWS
        assert headline.locator(".cl-sum").inner_text() == "合计：3 + 1 + 1 + 2 = 7 个。"
        reasons = headline.locator("li[data-reason]").all_inner_texts()
        assert sum(int(re.search(r"：(\d+) 个（", r)[1]) for r in reasons) == shown["unknown"]
        assert any(r.startswith("来源未载明认定日期") and LONG_NAME in r for r in reasons), reasons
        progress = page.locator(".cl-progress-text")
        assert progress.is_visible() and progress.inner_text() == "3 / 25"
        assert page.locator("progress").get_attribute("value") == "3"
        assert page.get_by_label("确定有效的市级集群 / 指引的目标数").count() == 1
        assert "由广州市自己认定（市级认定）的 2 个" in page.locator(".cl-about-data").inner_text()
        assert sideways_overflow(page) <= 0
        screenshot(page, f"home-headline-{width}")
        no_serious_violation(page)
        clean(found)


# --- long pages fold --------------------------------------------------------------------------


def line_breaks(code) -> list[str]:
    """The character before each line break inside an element (its text laid out, one rect per line)."""
    return code.evaluate(
        """el => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        const chars = [];
        for (let node; (node = walker.nextNode()); ) {
            for (let i = 0; i < node.length; i++) {
                const range = document.createRange();
                range.setStart(node, i); range.setEnd(node, i + 1);
                const rect = range.getClientRects()[0];
                if (rect) chars.push([node.data[i], Math.round(rect.top)]);
            }
        }
        const breaks = [];
        for (let i = 1; i < chars.length; i++) if (chars[i][1] > chars[i - 1][1] + 2) breaks.push(chars[i - 1][0]);
        return breaks;
    }"""
    )


def test_the_open_data_tables_fold_on_a_phone(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **PHONE) as found:
        page = found.page
        page.goto(base_url + "open-data/")
        folds = page.locator("details[data-fold]")
        assert folds.count() >= 20
        assert folds.evaluate_all("ds => ds.filter(d => d.open).length") == 0
        for fold in folds.all():
            summary = fold.locator("summary").inner_text()
            count = int(re.search(r"（(\d+) 个字段）", summary)[1])
            assert fold.locator("tbody tr").count() == count, summary
            assert fold.locator("table").is_hidden()
        folded = page.evaluate("document.documentElement.scrollHeight")
        assert sideways_overflow(page) <= 0
        assert page.locator(".cl-downloads .cl-table-wrap").evaluate("w => w.scrollWidth - w.clientWidth") <= 0
        for code in page.locator(".cl-downloads code.cl-path").all():  # wrapped between parts only
            assert set(line_breaks(code)) <= {"/", "_", "-"}, code.inner_text()
        screenshot(page, "open-data-phone-folded")
        no_serious_violation(page)
        first = folds.first
        first.locator("summary").focus()
        page.keyboard.press("Enter")
        assert first.evaluate("d => d.open") and first.locator("table").is_visible()
        page.evaluate("dispatchEvent(new Event('beforeprint'))")  # a printout shows every table
        assert folds.evaluate_all("ds => ds.every(d => d.open)")
        assert page.evaluate("document.documentElement.scrollHeight") > 3 * folded
        clean(found)


def test_the_open_data_tables_are_open_on_a_wide_screen(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **WIDTHS[1280]) as found:
        page = found.page
        page.goto(base_url + "open-data/")
        assert page.locator("details[data-fold]").evaluate_all("ds => ds.length > 0 && ds.every(d => d.open)")
        for code in page.locator(".cl-downloads code.cl-path").all():  # room enough: one line each
            assert line_breaks(code) == [], code.inner_text()
        no_serious_violation(page)
        clean(found)


def test_the_error_code_tables_fold_and_a_link_opens_its_own(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **PHONE) as found:
        page = found.page
        page.goto(base_url + "guide/")
        folds = page.locator("details[data-fold]")
        assert folds.count() >= 3 and folds.evaluate_all("ds => ds.every(d => !d.open)")
        page.goto(base_url + "guide/#code-unknown-key")
        row = page.locator("#code-unknown-key")
        assert row.is_visible() and row.evaluate("r => r.closest('details').open")
        assert folds.evaluate_all("ds => ds.filter(d => d.open).length") == 1
        clean(found)


# --- 适老模式 -----------------------------------------------------------------------------------


def text_style(page) -> dict:
    return page.evaluate(
        """() => { const p = document.querySelector('.cl-headline p'); const s = getComputedStyle(p);
        return {size: parseFloat(s.fontSize), color: s.color}; }"""
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_elder_mode_switch_at_both_settings(browser, base_url, width):
    with visit(browser, base_url, locale="zh-CN", **WIDTHS[width]) as found:
        page = found.page
        # Revisits bypass the HTTP cache: the test server, like nginx, answers a revalidation with a
        # 304 whose Content-Security-Policy is the one for non-HTML responses (no script hashes).
        found.context.route("**/*", lambda route: route.continue_())
        page.add_init_script(FIRST_PAINT_PROBE)
        page.goto(base_url)
        button = page.get_by_role("button", name="适老模式")
        assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
        assert page.evaluate("window.__elderAtBody") is False
        normal = text_style(page)
        screenshot(page, f"elder-off-{width}")
        no_serious_violation(page)

        button.focus()
        assert button.evaluate("b => b.matches(':focus-visible') && getComputedStyle(b).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-pressed") == "true"
        larger = text_style(page)
        assert larger["size"] >= normal["size"] * 1.15, (normal, larger)
        assert larger["color"] == "rgb(0, 0, 0)" and normal["color"] != larger["color"]
        assert sideways_overflow(page) <= 0

        page.reload()  # remembered, and in force before the first paint
        assert page.evaluate("window.__elderAtBody") is True
        button = page.get_by_role("button", name="适老模式")
        assert button.get_attribute("aria-pressed") == "true"
        assert text_style(page) == larger
        page.goto(base_url + "clusters/")  # and on every page
        assert page.evaluate("document.documentElement.classList.contains('cl-elder')")
        page.goto(base_url)
        screenshot(page, f"elder-on-{width}")
        no_serious_violation(page)

        page.get_by_role("button", name="适老模式").click()  # off again, and remembered so
        page.reload()
        assert page.get_by_role("button", name="适老模式").get_attribute("aria-pressed") == "false"
        assert page.evaluate("window.__elderAtBody") is False and text_style(page) == normal
        clean(found)
