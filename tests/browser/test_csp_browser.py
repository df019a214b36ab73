"""The Content-Security-Policy in a real browser: every page type, served with the header the
project's nginx configuration sends (and, separately, with the pages' <meta> policy alone, as on
GitHub Pages), works without a single violation, and the theme's inline scripts do run. Controls
show that what the policy forbids (an inline event handler, an injected or foreign script, a
request to another origin) is refused and reported, so that "no violation" means something.
"""

from __future__ import annotations

import re

import pytest
from browser_support import SECURITY_HEADERS, Tab, serve, visit
from conftest import REPO_ROOT, shared_site
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import BUILT_ON, PAGE_TYPES

from generator.publish import csp

# Records every violation event into the page before any of its scripts runs.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push({
    directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber,
    sample: e.sample, disposition: e.disposition}));
"""


@pytest.fixture(scope="module")
def site(shared):
    return shared_site(shared, "browser", BUILT_ON).site  # the site tests/browser/test_browser.py visits


@pytest.fixture(scope="module")
def base_url(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def meta_only_url(site):
    with serve(site, headers=False) as url:
        yield url


@pytest.fixture(scope="module")
def header_tab(browser, base_url):
    """The page the page-type tests share (a fresh one per test took twice as long), recording the
    violations of every document it loads."""
    tab = Tab(browser, base_url, init_script=RECORD_VIOLATIONS, locale="zh-CN", timezone_id="Asia/Shanghai")
    yield tab
    tab.close()


def open_page(found, url: str):
    found.context.add_init_script(RECORD_VIOLATIONS)
    found.failed = []  # (url, error) of the requests that failed
    found.page.on("requestfailed", lambda request: found.failed.append((request.url, request.failure)))
    return found.page.goto(url)


# A request every policy here refuses (connect-src), made only to mark a point in the page's
# violation reports; its own reports and console messages are left out of what the tests see.
SENTINEL = "http://127.0.0.2:9/csp-sentinel/"


def violations(found) -> list[dict]:
    """The violations reported so far. Violation events are dispatched asynchronously but in order:
    once the report of a sentinel request made now has arrived, every earlier report has too."""
    found.sentinels = getattr(found, "sentinels", 0) + 1
    sentinel = f"{SENTINEL}{found.sentinels}"
    found.page.evaluate("url => { fetch(url).catch(() => null); }", sentinel)
    try:
        found.page.wait_for_function("url => window.__csp.some(v => v.blocked === url)", arg=sentinel, timeout=10_000)
    except PlaywrightTimeout:
        raise AssertionError(
            f"the policy did not refuse or report the sentinel request {sentinel} "
            f"(connect-src no longer 'self'?): {found.page.evaluate('window.__csp')}"
        ) from None
    return [v for v in found.page.evaluate("window.__csp") if not v["blocked"].startswith(SENTINEL)]


def csp_console(found) -> list[str]:
    """Console messages about the policy (Chromium reports each refusal there too), but the sentinel's."""
    return [
        m.text
        for m in found.console
        if ("Content Security Policy" in m.text or "Content-Security-Policy" in m.text) and SENTINEL not in m.text
    ]


def scroll(page, delta_y: int) -> None:
    """Turn the mouse wheel, and return once the page has scrolled as far as it can that way and its
    scroll listeners have seen the final position (Playwright does not wait for the scrolling)."""
    target = page.evaluate(
        """dy => {
        const root = document.documentElement;
        const end = Math.max(0, Math.min(scrollY + dy, root.scrollHeight - root.clientHeight));
        window.__scrolled_to = Math.abs(end - scrollY) < 1 ? end : null;  // else: nowhere to scroll to
        if (!window.__scroll_watched) {
            addEventListener('scroll', () => { window.__scrolled_to = scrollY; }, {passive: true});
            window.__scroll_watched = true;
        }
        return end;
    }""",
        delta_y,
    )
    page.mouse.wheel(0, delta_y)
    page.wait_for_function(
        "end => window.__scrolled_to !== null && Math.abs(window.__scrolled_to - end) < 1", arg=target, timeout=10_000
    )


def exercise(page, name: str) -> None:
    """What a visitor does on such a page, so that the scripts' later work runs under the policy too."""
    scroll(page, 4000)
    scroll(page, -2000)
    for element in page.locator("article a[title], article abbr[title]").all()[:5]:  # native titles
        if element.is_visible():
            element.hover(timeout=2_000)
    if name == "home":  # the site search: Pagefind's interface, its worker and WebAssembly
        page.get_by_role("button", name="搜索").click()
        box = page.get_by_role("textbox", name="站内搜索")
        box.fill("装备")
        box.press("End")
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15_000)  # the index was read
    if name == "cluster-list":
        page.select_option("select[data-filter=district]", "440112")
        page.locator("th", has_text="有效期至").locator("button").click()
    if name == "criteria":
        page.wait_for_selector("#self-check-form[data-self-check=ready]")
        page.fill("#sc-area", "120")


def assert_theme_scripts_ran(page) -> None:
    assert page.evaluate("window.__md_scope instanceof URL"), "the theme's inline __md_scope script did not run"
    assert page.evaluate("typeof __md_get === 'function'")


@pytest.mark.parametrize("name,path", PAGE_TYPES, ids=[name for name, _ in PAGE_TYPES])
def test_page_runs_under_the_policy_without_a_violation(header_tab, base_url, name, path):
    with header_tab.visit() as found:
        response = found.page.goto(base_url + path)
        assert response.status == (404 if name == "not-found" else 200)
        assert response.headers["content-security-policy"] == csp.header_policy("/")
        meta = found.page.locator('head meta[http-equiv="Content-Security-Policy"]')
        assert meta.count() == 1
        # The <meta> comes before every script of the page, so it governs all of them.
        assert found.page.evaluate("""() => {
            const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
            return [...document.scripts].every(s => meta.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        exercise(found.page, name)
        assert_theme_scripts_ran(found.page)
        assert violations(found) == []
        assert csp_console(found) == []
        assert not found.errors, found.errors
        assert not found.foreign_requests(), found.foreign_requests()


@pytest.mark.parametrize(
    "name,path", [p for p in PAGE_TYPES if p[0] in ("home", "cluster", "cultivation-clause", "not-found")]
)
def test_page_runs_under_its_meta_policy_alone(browser, meta_only_url, name, path):
    """As on GitHub Pages: no header, the <meta> policy alone (with only the page's own hashes)."""
    with visit(browser, meta_only_url, locale="zh-CN") as found:
        response = open_page(found, meta_only_url + path)
        assert "content-security-policy" not in response.headers
        exercise(found.page, name)
        assert_theme_scripts_ran(found.page)
        assert violations(found) == []
        assert csp_console(found) == []


def test_the_test_server_sends_the_headers_nginx_sends():
    conf = (REPO_ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    live = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    sent = dict(re.findall(r'^\s*add_header\s+(\S+)\s+"([^"]*)"\s+always;', live, re.M))
    assert sent.pop("Strict-Transport-Security") == "max-age=31536000"  # HTTPS only; the test server is HTTP
    assert sent == SECURITY_HEADERS  # and Content-Security-Policy from the static map, by content type
    assert re.search(r"^\s*add_header\s+Content-Security-Policy\s+\$clusters_csp\s+always;", live, re.M)
    assert csp.parse_nginx_map(live) == {
        "default": csp.header_policy(""),
        "~(/|\\.html)$": csp.header_policy("/"),
    }


def test_admin_page_runs_under_its_own_policy(browser, base_url):
    """Decap CMS starts (its login screen appears) under the admin policy, with no violation."""
    with visit(browser, base_url, locale="zh-CN") as found:
        response = open_page(found, base_url + "admin/")
        assert response.headers["content-security-policy"] == csp.header_policy("/")
        meta = found.page.locator('head meta[http-equiv="Content-Security-Policy"]')
        assert meta.get_attribute("content") == csp.meta_policy(csp.ADMIN_POLICY)
        found.page.get_by_text("GitHub").first.wait_for(timeout=30_000)
        assert violations(found) == []
        assert csp_console(found) == []
        assert not found.errors, found.errors
        assert not found.foreign_requests(), found.foreign_requests()


# --- controls: what the policy forbids is refused and reported ----------------------------------

INJECT = """async () => {
    // Settles on the element's load or error event: listeners run in the order they were added, so
    // an inline handler of the same event has had its turn by then.
    const settled = element => new Promise(resolve => {
        element.addEventListener('load', resolve);
        element.addEventListener('error', resolve);
    });
    // An inline event handler, as an HTML injection would bring it.
    const div = document.createElement('div');
    div.innerHTML = '<img src="data:," onerror="window.__ran_handler = 1">'
        + '<button onclick="window.__ran_click = 1">x</button>';
    const image = settled(div.querySelector('img'));
    document.body.append(div);
    div.querySelector('button').click();
    // An injected inline script.
    const inline = document.createElement('script');
    inline.textContent = 'window.__ran_inline = 1';
    document.head.append(inline);
    // A script from another origin.
    const foreign = document.createElement('script');
    foreign.src = 'http://127.0.0.2:9/evil.js';
    const script = settled(foreign);
    document.head.append(foreign);
    await Promise.all([image, script]);
    return ['__ran_handler', '__ran_click', '__ran_inline'].filter(k => k in window);
}"""
# (eval is not among them: code that Playwright evaluates is exempt from the page's eval rule.)


def assert_refused(found, ran) -> None:
    assert ran == [], ran
    seen = violations(found)
    directives = {v["directive"] for v in seen}
    assert "script-src-attr" in directives, seen  # onerror= / onclick=
    assert "script-src-elem" in directives, seen  # the injected and the foreign <script>
    assert any(v["blocked"].startswith("http://127.0.0.2:9/") for v in seen), seen
    assert any(v["blocked"] == "inline" and v["directive"] == "script-src-elem" for v in seen), seen
    assert all(v["disposition"] == "enforce" for v in seen)
    assert csp_console(found), "Chromium reports refusals on the console too"
    # Chromium announces the foreign script's request, then fails it itself: it never leaves.
    refused = [failure for url, failure in found.failed if url.startswith("http://127.0.0.2")]
    assert refused == ["csp"], found.failed


@pytest.mark.parametrize("path", ["", "clusters/test-municipal-alpha/", "no-such-page/"])
def test_injected_handlers_and_scripts_are_refused_and_reported(browser, base_url, path):
    with visit(browser, base_url) as found:
        open_page(found, base_url + path)
        assert violations(found) == []
        assert_refused(found, found.page.evaluate(INJECT))


def test_the_meta_policy_alone_refuses_them_too(browser, meta_only_url):
    with visit(browser, meta_only_url) as found:
        open_page(found, meta_only_url + "clusters/")
        assert violations(found) == []
        assert_refused(found, found.page.evaluate(INJECT))


def test_a_request_to_another_origin_is_refused_and_the_origin_check_still_sees_one(browser, base_url):
    """connect-src 'self' stops the request in the page; with the policy bypassed (as a control of
    the control), the origin check of browser_support sees it leave."""
    with visit(browser, base_url) as found:
        open_page(found, base_url)
        found.page.evaluate("() => fetch('http://127.0.0.2:9/x').catch(() => null)")
        # Reported once by each policy in force (the header's and the <meta>'s).
        assert {v["directive"] for v in violations(found)} == {"connect-src"}
        assert found.foreign_requests() == []
    with visit(browser, base_url, bypass_csp=True) as found:
        found.page.goto(base_url)
        with found.page.expect_request("http://127.0.0.2:9/x"):
            found.page.evaluate("() => fetch('http://127.0.0.2:9/x').catch(() => null)")
        assert found.foreign_requests() == ["http://127.0.0.2:9/x"]


def test_a_page_with_an_unlisted_inline_script_is_refused(browser, site, tmp_path):
    """If a page held an inline script the build did not hash (a template changed after the build),
    the browser would refuse it: the hashes are what allows the theme's scripts, nothing else."""
    page = site / "criteria" / "index.html"
    text = page.read_text(encoding="utf-8")
    copy = tmp_path / "site"
    copy.mkdir()
    (copy / "index.html").write_text(
        text.replace("</body>", "<script>window.__ran_unlisted = 1</script></body>"), encoding="utf-8"
    )
    with serve(copy) as url, visit(browser, url) as found:
        open_page(found, url)
        assert not found.page.evaluate("'__ran_unlisted' in window")
        seen = violations(found)
        assert any(v["directive"] == "script-src-elem" and v["blocked"] == "inline" for v in seen), seen
