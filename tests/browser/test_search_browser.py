"""The site search in a real browser (Debian's Chromium, Playwright), under the site's
Content-Security-Policy as nginx sends it.

The site is built from the test fixtures with the call overlay (tests/fixtures/calls) and the search
overlay (tests/fixtures/search: a cluster named …有机高分子材料产业集群) as of 2025-02-24. A reader
opens the search from the header's button, types, and Pagefind's interface shows titles and
excerpts. Checked: a page loads nothing of the search until it is opened, and the index only once a
query is typed; a phrase across word boundaries (分子材料) and the middle of a word (埔区 in 黄埔区)
are found, a phrase is not a bag of characters; what only the page furniture or the editor guide
says is not found; keyboard use, axe, no policy violation.

Typing: Chinese arrives through an input method, which inserts the text and then releases a key;
Playwright's fill inserts it without key events, so a key (End, which changes nothing) is pressed
after it, as the input method would.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from browser_support import (
    SECURITY_HEADERS,
    build,
    screenshot,
    serious_violations,
    serve,
    visit,
)
from conftest import CALLS_FIXTURE, TESTS_DIR, make_data_dir
from test_csp_browser import RECORD_VIOLATIONS, csp_console, violations

BUILT_ON = dt.date(2025, 2, 24)
SEARCH_FIXTURE = TESTS_DIR / "fixtures" / "search"
POLYMER = "clusters/test-national-polymer/"
ALPHA = "clusters/test-municipal-alpha/"
INDEX_PIECE = re.compile(r"/pagefind/.*\.(pf_fragment|pf_index|pf_meta|pagefind)$|/pagefind/pagefind(-worker)?\.js$")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-browser")
    data = make_data_dir(root, CALLS_FIXTURE)
    shutil.copytree(SEARCH_FIXTURE / "files", data, dirs_exist_ok=True)
    return build(data, root / "site", BUILT_ON)


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site) as url:
        yield url


def open_search(page):
    """Open the search from the header's button; the search box, once Pagefind's interface is in."""
    page.get_by_role("button", name="搜索").click()
    box = page.get_by_role("textbox", name="站内搜索")
    box.wait_for(timeout=15_000)
    return box


def search(page, query: str) -> list[dict[str, str]]:
    """Type `query` into the open search; the results shown: link, title and excerpt."""
    box = page.get_by_role("textbox", name="站内搜索")
    box.fill(query)
    box.press("End")
    # Done: the message names the query, and every result shown has its title (each is drawn
    # first as a placeholder, then filled in when its fragment has arrived).
    page.wait_for_function(
        """query => [...document.querySelectorAll('.pagefind-ui__message')].some(
            m => m.textContent.includes(query) && /找到/.test(m.textContent))
            && [...document.querySelectorAll('.pagefind-ui__result')].every(
            r => r.querySelector('.pagefind-ui__result-link'))""",
        arg=query,
        timeout=15_000,
    )
    return page.locator(".pagefind-ui__result").evaluate_all(
        """results => results.map(r => ({
            href: r.querySelector('.pagefind-ui__result-link').getAttribute('href'),
            title: r.querySelector('.pagefind-ui__result-title').textContent.trim(),
            excerpt: r.querySelector('.pagefind-ui__result-excerpt').innerHTML,
        }))"""
    )


def index_requests(found) -> list[str]:
    return [url for url in found.requests if INDEX_PIECE.search(url.split("?")[0])]


# --- nothing of the search until a reader searches -----------------------------------------------------


@pytest.mark.parametrize("path", ["", "clusters/", ALPHA, "notices/test-municipal-2025-list/", "guideline/"])
def test_a_page_load_fetches_nothing_of_the_search(browser, base_url, path):
    with visit(browser, base_url, locale="zh-CN") as found:
        found.page.goto(base_url + path)
        found.page.wait_for_load_state("networkidle")
        assert not [url for url in found.requests if "/pagefind/" in url], found.requests
        assert found.page.get_by_role("button", name="搜索").is_visible()


def test_opening_the_search_loads_its_interface_and_a_query_the_index(browser, base_url):
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + ALPHA)
        open_search(page)
        page.wait_for_load_state("networkidle")
        loaded = [url.removeprefix(base_url) for url in found.requests if "/pagefind/" in url]
        assert sorted(loaded) == ["pagefind/pagefind-ui.css", "pagefind/pagefind-ui.js"]
        search(page, "装备")
        fetched = index_requests(found)
        assert any(url.endswith(".pf_index") for url in fetched) and any(
            url.endswith(".pf_fragment") for url in fetched
        )
        assert not found.foreign_requests() and not found.errors, (found.foreign_requests(), found.errors)


def test_a_search_that_cannot_load_says_so(browser, base_url):
    """Where the search's files cannot be had (a site built by `mkdocs build` alone has none), the
    dialog says so in a sentence instead of staying empty."""
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.route("**/pagefind/**", lambda route: route.abort())
        page.goto(base_url + ALPHA)
        page.get_by_role("button", name="搜索").click()
        status = page.get_by_role("dialog", name="站内搜索").get_by_role("status")
        status.filter(has_text="站内搜索暂时无法使用").wait_for(timeout=10_000)
        assert "请稍后再试" in status.inner_text()


# --- what is found --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query,first,contains",
    [
        # across a word boundary: 高分子 | 材料
        ("分子材料", POLYMER, [POLYMER]),
        # the middle of a word: 黄埔区
        ("埔区", ALPHA, [ALPHA, "notices/test-municipal-2025-list/"]),
        ("装备产业", ALPHA, [ALPHA]),
        # a district, an industry, a notice title, a call title, the guideline's text
        ("南沙区", POLYMER, [POLYMER]),
        ("测试纺织", "clusters/test-national-beta/", ["clusters/test-national-beta/"]),
        ("拟认定名单公示", "notices/test-municipal-2025-list/", ["notices/test-municipal-2025-list/"]),
        ("认定工作的通知", None, ["calls/test-municipal-2025-call/"]),
        ("固链强链补链延链", None, ["guideline/", "cultivation/2-1-1/"]),
    ],
)
def test_a_phrase_is_found_wherever_it_stands_in_the_words(browser, base_url, query, first, contains):
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url)
        open_search(page)
        results = search(page, query)
        hrefs = [r["href"].removeprefix("/") for r in results]
        assert set(contains) <= set(hrefs), hrefs
        if first:
            assert hrefs[0] == first, hrefs  # clusters, then notices, calls, lists, rules
        for result in results:
            # Title and excerpt as the page says them: no separators left, the phrase marked as one.
            assert "\u200b" not in result["title"] + result["excerpt"]
            assert f"<mark>{query}</mark>" in result["excerpt"] or query in result["title"], result
        if query == "分子材料":
            assert results[0]["title"] == "【测试数据】广州市南沙区测试有机高分子材料产业集群"
            screenshot(page, "search-cross-word")
        assert not found.errors and not found.foreign_requests()


def test_a_phrase_is_not_a_bag_of_characters(browser, base_url):
    """分 and 材 both stand on the polymer cluster's page, never side by side: no result. Typed
    with a space, as two words, the page is found."""
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url)
        open_search(page)
        assert search(page, "分材") == []
        assert POLYMER in [r["href"].removeprefix("/") for r in search(page, "南沙 材料")]


@pytest.mark.parametrize(
    "query,shown_on",
    [
        ("网站标识码", ALPHA),  # the footer
        ("主办单位", ALPHA),  # the footer
        ("数据最后更新", ALPHA),  # the as-of line above every article
        ("拉取请求", "guide/"),  # only the editor guide says it
        ("提前合并", "guide/"),  # only the editor guide says it
    ],
)
def test_what_only_the_furniture_or_the_editor_guide_says_is_not_found(browser, base_url, query, shown_on):
    with visit(browser, base_url, locale="zh-CN") as found:
        page = found.page
        page.goto(base_url + shown_on)
        assert query in page.locator("body").inner_text()  # the page a reader sees does say it
        open_search(page)
        assert search(page, query) == []


# --- using it -----------------------------------------------------------------------------------------


def test_the_search_works_from_the_keyboard_and_passes_axe(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}) as found:
        page = found.page
        page.goto(base_url + ALPHA)
        button = page.get_by_role("button", name="搜索")
        button.focus()
        page.keyboard.press("Enter")
        box = page.get_by_role("textbox", name="站内搜索")
        box.wait_for()
        assert page.evaluate("document.activeElement.classList.contains('pagefind-ui__search-input')")
        dialog = page.get_by_role("dialog", name="站内搜索")
        assert dialog.is_visible()
        results = search(page, "分子材料")
        assert results
        screenshot(page, "search-open")
        serious = serious_violations(page)
        assert not serious, serious
        page.keyboard.press("Escape")
        assert not dialog.is_visible()
        assert page.evaluate("document.activeElement.hasAttribute('data-site-search-open')")  # back on the button
        page.keyboard.press("Enter")  # opens again, the box focused (Escape also cleared it)
        assert dialog.is_visible()
        assert page.evaluate("document.activeElement.classList.contains('pagefind-ui__search-input')")
        search(page, "分子材料")
        page.get_by_role("link", name=re.compile("高分子材料产业集群")).first.click()
        page.wait_for_url(re.compile(POLYMER + "$"))
        assert not found.errors and not found.foreign_requests()


def test_the_search_on_a_phone(browser, base_url):
    phone = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    with visit(browser, base_url, locale="zh-CN", **phone) as found:
        page = found.page
        page.goto(base_url + "notices/")
        button = page.get_by_role("button", name="搜索")
        box = button.bounding_box()
        assert box["width"] >= 40 and box["height"] >= 40  # a touch target
        open_search(page)
        results = search(page, "埔区")
        assert results
        dialog = page.get_by_role("dialog", name="站内搜索").bounding_box()
        assert dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= 375
        screenshot(page, "search-phone")
        serious = serious_violations(page)
        assert not serious, serious


# --- under the Content-Security-Policy ----------------------------------------------------------------


@pytest.mark.parametrize("headers", [True, False], ids=["nginx-header", "meta-only"])
def test_the_search_runs_under_the_policy_without_a_violation(browser, site, headers):
    """With the header nginx sends (its worker under the header's policy too), and with the pages'
    <meta> policy alone (as on GitHub Pages)."""
    with serve(site, headers=headers) as url, visit(browser, url, locale="zh-CN") as found:
        found.context.add_init_script(RECORD_VIOLATIONS)
        response = found.page.goto(url + ALPHA)
        assert ("content-security-policy" in response.headers) == headers
        if headers:
            assert {name: response.headers[name.lower()] for name in SECURITY_HEADERS} == SECURITY_HEADERS
        open_search(found.page)
        assert search(found.page, "分子材料")
        assert violations(found) == []
        assert csp_console(found) == []
        assert not found.errors, found.errors


# A minimal WebAssembly module (the 8-byte header): what compiling one needs from the policy.
COMPILE = "() => WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => 'compiled', e => e.name)"


def test_webassembly_runs_only_because_the_policy_allows_it(browser, site, tmp_path):
    """A control: the same page with 'wasm-unsafe-eval' taken out of its <meta> policy cannot compile
    WebAssembly (and the refusal is reported); with it, it can."""
    page_html = (site / "clusters" / "test-municipal-alpha" / "index.html").read_text(encoding="utf-8")
    assert page_html.count(" 'wasm-unsafe-eval'") == 1
    (tmp_path / "with").mkdir()
    (tmp_path / "with" / "index.html").write_text(page_html, encoding="utf-8")
    (tmp_path / "without").mkdir()
    (tmp_path / "without" / "index.html").write_text(page_html.replace(" 'wasm-unsafe-eval'", ""), encoding="utf-8")
    for folder, expected in [("with", "compiled"), ("without", "CompileError")]:
        with serve(tmp_path / folder, headers=False) as url, visit(browser, url) as found:
            found.context.add_init_script(RECORD_VIOLATIONS)
            found.page.goto(url)
            assert found.page.evaluate(COMPILE) == expected, folder
            refused = [v for v in violations(found) if v["directive"].startswith("script-src")]
            assert bool(refused) == (folder == "without"), refused
