"""The site as a person meets it, in a real browser (Debian's Chromium driven by Playwright).

The site is built from the test fixtures (tests/fixtures/base plus tests/browser/overlay) as of
2025-02-24, while two notices are open, and served on 127.0.0.1. Every page a test opens is
checked for requests leaving the site, console errors and script errors.

A page is opened until its load event: every request it makes (its scripts) has started by then,
and only Chromium's own favicon request follows, so waiting for the network to be idle would only
add half a second of quiet to every page. What a test needs next (the self-check form) it waits
for itself. The site search is tested in tests/browser/test_search_browser.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import SHANGHAI, Tab, screenshot, serious_violations, serve, visit
from conftest import shared_site

BUILT_ON = dt.date(2025, 2, 24)
# One page of each kind the generator or site_src/ makes: (name for screenshots, path).
PAGE_TYPES = [
    ("home", ""),
    ("cluster-list", "clusters/"),
    ("cluster", "clusters/test-municipal-alpha/"),
    ("cluster-national", "clusters/test-national-beta/"),
    ("notice-list", "notices/"),
    ("notice", "notices/test-municipal-2025-list/"),
    ("district-list", "districts/"),
    ("district", "districts/huangpu/"),
    ("guideline", "guideline/"),
    ("criteria", "criteria/"),
    ("procedure", "procedure/"),
    ("cultivation", "cultivation/"),
    ("cultivation-clause", "cultivation/2-1-1/"),
    ("open-data", "open-data/"),
    ("guide", "guide/"),
    ("call-list", "calls/"),  # no call in these fixtures: the empty list (tests/test_calls.py has one)
    ("changes", "changes/"),  # built outside git: the page says it cannot list the history
    ("not-found", "no-such-page/"),
]
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def base_url(shared):
    with serve(shared_site(shared, "browser", BUILT_ON).site) as url:
        yield url


@pytest.fixture(scope="module")
def desktop(browser, base_url):
    """The page the page-type tests share (a fresh one per test took twice as long)."""
    tab = Tab(browser, base_url, locale="zh-CN", timezone_id="Asia/Shanghai")
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def phone(browser, base_url):
    tab = Tab(browser, base_url, locale="zh-CN", **PHONE)
    yield tab
    tab.close()


def assert_clean(found, missing_page: str | None = None) -> None:
    """Nothing left the site, nothing failed, no dialog opened."""
    assert not found.foreign_requests(), found.foreign_requests()
    assert not found.errors, found.errors
    assert not found.console_errors(missing_page), found.console_errors(missing_page)
    assert not found.dialogs, found.dialogs


# --- every page type: origin, accessibility, screenshots ----------------------------------------


@pytest.mark.parametrize("name,path", PAGE_TYPES, ids=[name for name, _ in PAGE_TYPES])
def test_page_stays_on_the_site_and_has_no_serious_accessibility_violation(desktop, base_url, name, path):
    with desktop.visit() as found:
        response = found.page.goto(base_url + path)
        assert response.status == (404 if name == "not-found" else 200)
        assert "本站使用示例或测试数据" in found.page.locator(".cl-demo-banner").inner_text()
        assert found.page.locator("html").get_attribute("lang") == "zh"
        if name == "not-found":
            assert "页面不存在" in found.page.locator("article h1").inner_text()
        screenshot(found.page, f"desktop-{name}")
        serious = serious_violations(found.page)
        assert not serious, serious
        assert_clean(found, missing_page=base_url + path if name == "not-found" else None)


def test_the_change_log_says_it_cannot_list_a_build_outside_git(browser, base_url):
    """The test site is built in a temporary folder, outside any git work tree: the 更新记录 page
    still renders, with its feed link and the note instead of the list."""
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + "changes/")
        assert page.locator("article h1").first.inner_text() == "更新记录"
        assert (
            page.locator(".cl-history-unavailable").inner_text() == "这次生成网站时没有取得更新历史，无法列出更新记录。"
        )
        assert page.locator(".cl-change-log").count() == 0
        feed = page.get_by_role("link", name="更新记录（Atom）")
        assert page.request.get(feed.evaluate("a => a.href")).status == 200
        assert_clean(found)


def test_the_origin_check_can_fail(browser, base_url):
    """A control: a request to another origin is seen (and refused by the closed network). The site's
    Content-Security-Policy would stop the fetch before any request exists, so it is bypassed here;
    tests/browser/test_csp_browser.py shows the policy refusing it."""
    with visit(browser, base_url, bypass_csp=True) as found:
        found.page.goto(base_url)
        with found.page.expect_request("http://127.0.0.2:9/x"):
            found.page.evaluate("() => fetch('http://127.0.0.2:9/x').catch(() => null)")
        assert found.foreign_requests() == ["http://127.0.0.2:9/x"]


# --- search: tests/browser/test_search_browser.py ------------------------------------------------


# --- filter and sort the list -----------------------------------------------------------------


def visible_names(page) -> list[str]:
    return page.locator(
        "table[data-cluster-list] tbody tr:not([hidden]) td:first-child a:not(.cl-badge-link)"
    ).all_inner_texts()


def test_filter_the_list(browser, base_url):
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + "clusters/")
        form = page.locator("form.cl-filters")
        assert form.is_visible()
        assert len(visible_names(page)) == 4
        assert page.locator(".cl-count").inner_text() == "显示 4 / 4 个集群"
        page.select_option("select[data-filter=district]", "440112")
        assert visible_names(page) == ["【测试数据】广州市黄埔区测试装备产业集群"]
        assert page.locator(".cl-count").inner_text() == "显示 1 / 4 个集群"
        page.select_option("select[data-filter=district]", "")
        page.select_option("select[data-filter=level]", "national")
        assert visible_names(page) == ["【测试数据】广州市番禺区测试纺织产业集群"]
        page.select_option("select[data-filter=status]", "revoked")  # national and revoked: none
        assert visible_names(page) == []
        assert page.locator(".cl-count").inner_text() == "显示 0 / 4 个集群"
        page.select_option("select[data-filter=level]", "")
        page.select_option("select[data-filter=status]", "")
        assert len(visible_names(page)) == 4
        assert_clean(found)


def test_self_check_reads_the_thresholds_from_the_policy_data(browser, base_url):
    """The self-check form is drawn from data/criteria.json (generated from data/policy/), fetched
    from the site itself, and compares against it: the comparison words decide whether the threshold
    value itself passes (tests/browser/test_criteria_browser.py changes the data and sees the form follow)."""
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + "criteria/")
        page.wait_for_selector("#self-check-form[data-self-check=ready]")
        assert any(url.endswith("/data/criteria.json") for url in found.requests)
        result = page.locator("#sc-area-result")
        for value, expected in (("120", "不满足"), ("100", "满足"), ("99.5", "满足")):  # 不超过 100: 100 passes
            page.fill("#sc-area", value)
            assert result.inner_text() == expected, value
        page.fill("#sc-annual-output", "30")  # 以上: the number itself passes
        assert page.locator("#sc-annual-output-result").inner_text() == "满足"
        page.fill("#sc-sme-output-share", "60")  # 高于: the number itself does not
        assert page.locator("#sc-sme-output-share-result").inner_text() == "不满足"
        page.fill("#sc-champion-firms", "0")
        page.fill("#sc-quality-firms", "10")
        assert page.locator("#sc-gradient-firms-result").inner_text() == "满足"
        assert "不满足：3.2.2 中小企业产值占集群总产值" in page.locator("#sc-summary-failed").inner_text()
        assert_clean(found)


def test_sort_the_list(browser, base_url):
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + "clusters/")
        header = page.locator("th", has_text="有效期至")
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        until = page.locator("table[data-cluster-list] tbody tr td:nth-child(5)")
        values = [until.nth(i).get_attribute("data-value") or "" for i in range(until.count())]
        known = [v for v in values if v]
        assert known == sorted(known) and values[len(known) :] == [""] * (len(values) - len(known)), values
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "descending"
        values = [until.nth(i).get_attribute("data-value") or "" for i in range(until.count())]
        known = [v for v in values if v]
        assert known == sorted(known, reverse=True), values
        name = page.locator("th", has_text="名称")
        name.locator("button").click()
        assert header.get_attribute("aria-sort") == "none" and name.get_attribute("aria-sort") == "ascending"
        names = visible_names(page)
        collated = page.evaluate("names => names.slice().sort((a, b) => a.localeCompare(b, 'zh-Hans-CN'))", names)
        assert names == collated and len(names) == 4
        assert_clean(found)


# --- notice badges against the browser clock --------------------------------------------------

MIDNIGHT = "notices/test-midnight-close/"  # no stated cut-off: the window closes at 24:00
AFTERNOON = "notices/test-municipal-2025-list/"  # the notice states 17:30 on its last day
ZONES = ["America/Los_Angeles", "Pacific/Kiritimati", "UTC"]  # UTC-8, UTC+14, and between
INSTANTS = [
    # A clock before the build's instant (2025-02-24 00:00) does not take the page back: the table of
    # states (live-states-data.js) starts at the build, which said 公示中.
    (MIDNIGHT, dt.datetime(2025, 2, 19, 23, 59), "公示中"),
    (MIDNIGHT, dt.datetime(2025, 2, 20, 0, 1), "公示中"),
    (MIDNIGHT, dt.datetime(2025, 2, 28, 23, 59), "公示中"),
    (MIDNIGHT, dt.datetime(2025, 3, 1, 0, 1), "已结束"),
    (AFTERNOON, dt.datetime(2025, 2, 28, 17, 29), "公示中"),
    (AFTERNOON, dt.datetime(2025, 2, 28, 17, 31), "已结束"),
]


def badge_text(page) -> str:
    return page.locator("article [data-opens][data-closes]").first.inner_text()


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "path,local,expected", INSTANTS, ids=[f"{p.split('/')[1]}-{t:%m%d-%H%M}" for p, t, _ in INSTANTS]
)
def test_notice_badge_follows_the_clock_in_beijing_time(browser, base_url, zone, path, local, expected):
    with visit(browser, base_url, locale="zh-CN", timezone_id=zone) as found:
        page = found.page
        page.clock.set_fixed_time(local.replace(tzinfo=SHANGHAI))
        page.goto(base_url + path)
        assert badge_text(page) == expected
        assert page.evaluate("new Intl.DateTimeFormat().resolvedOptions().timeZone") == zone
        assert_clean(found)


def test_an_open_page_flips_to_closed_at_midnight_without_a_reload(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", timezone_id="America/New_York") as found:
        page = found.page
        page.clock.install(time=dt.datetime(2025, 2, 28, 23, 59, 30, tzinfo=SHANGHAI))
        page.goto(base_url + MIDNIGHT)
        assert badge_text(page) == "公示中"
        page.clock.run_for(61_000)
        assert badge_text(page) == "已结束"
        assert page.locator("article [data-opens][data-closes]").first.get_attribute("data-state") == "closed"
        assert_clean(found)


def test_badge_as_built_without_javascript(browser, base_url):
    """Without JavaScript the badge says what was true on the build day (公示中 on 02-24)."""
    with visit(browser, base_url, java_script_enabled=False) as found:
        found.page.goto(base_url + MIDNIGHT)
        assert badge_text(found.page) == "公示中"


# --- phone and print --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,path",
    [p for p in PAGE_TYPES if p[0] != "not-found"],
    ids=[name for name, _ in PAGE_TYPES if name != "not-found"],
)
def test_phone_sized_viewport(phone, base_url, name, path):
    with phone.visit() as found:
        page = found.page
        page.goto(base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px on a phone"
        assert page.locator("article h1").first.is_visible()
        assert page.locator(".md-header__button[for='__drawer']").is_visible()  # the menu button
        font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('article')).fontSize)")
        assert font >= 12, f"{name}: text of {font}px is too small to read on a phone"
        screenshot(page, f"phone-{name}")
        assert_clean(found)


@pytest.mark.parametrize(
    "name,path",
    [
        ("notice", "notices/test-municipal-2025-list/"),
        ("cluster", "clusters/test-municipal-alpha/"),
        ("cluster-list", "clusters/"),
    ],
)
def test_print(browser, base_url, name, path):
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + path)
        page.emulate_media(media="print")
        for chrome in (".md-header", ".md-sidebar--primary", ".site-search-open"):
            assert not page.locator(chrome).first.is_visible(), chrome
        for kept in ("article h1", ".cl-demo-banner", ".cl-asof"):
            assert page.locator(kept).first.is_visible(), kept
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        assert_clean(found)


def test_printed_notice_shows_where_its_links_go(browser, base_url):
    with visit(browser, base_url) as found:
        page = found.page
        page.goto(base_url + "notices/test-municipal-2025-list/")
        page.emulate_media(media="print")
        link = page.locator("article a[href^='https://example.org/notices/test-municipal-2025-list']").first
        after = link.evaluate("a => getComputedStyle(a, '::after').content")
        assert "https://example.org/notices/test-municipal-2025-list" in after
        assert re.search(r"公示期", page.locator("article").inner_text())
