"""Hostile record text (tests/hostile/accepted) in a real browser: every page that shows it is
opened, hovered and clicked through, and no payload runs — no dialog opens, no console message or
script error carries the corpus's marker, nothing is requested from another origin."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import serve, visit
from conftest import shared_site
from hostile_corpus import MARKER

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def hostile_site(shared):
    site = shared_site(shared, "hostile", TODAY).site  # the site tests/test_hostile.py reads
    pages = sorted(
        p.relative_to(site).parent.as_posix()
        for p in site.rglob("index.html")
        if p.relative_to(site).parts[0] != "admin"
    )
    with serve(site) as url:
        yield url, [("" if p == "." else p + "/") for p in pages]


def test_the_marker_would_be_seen(browser, hostile_site):
    """A control: a script that did run would be caught by each of the checks below."""
    url, _ = hostile_site
    with visit(browser, url) as found:
        found.page.goto(url)
        found.page.evaluate(f"() => {{ console.error('{MARKER}'); alert('{MARKER}'); }}")
        assert found.dialogs == [MARKER]
        assert any(MARKER in message.text for message in found.console)


SHARDS = 3  # the pages in three tests, so that pytest-xdist can spread them over its workers


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_payload_runs_on_any_page(browser, hostile_site, shard):
    url, pages = hostile_site
    assert any(p.startswith("clusters/test-") for p in pages) and any(p.startswith("notices/") for p in pages)
    assert any(p.startswith("calls/test-") for p in pages)
    with visit(browser, url, locale="zh-CN") as found:
        page = found.page
        for path in pages[shard::SHARDS]:
            # "load": after every script of the page ran and every image loaded or failed (onerror
            # payloads); the pages request nothing later (no timers, no late fetches to wait for).
            page.goto(url + path, wait_until="load")
            # Hover every link and element with a title (onmouseover payloads), focus every
            # control (onfocus), as a visitor moving through the page would.
            if path.startswith(("clusters/", "notices/", "districts/", "calls/")) or path == "":
                for element in page.locator("article a, article [title]").all()[:60]:
                    if element.is_visible():
                        element.hover(timeout=2_000)
        assert not found.dialogs, found.dialogs
        assert not [m.text for m in found.console if MARKER in m.text]
        assert not [e for e in found.errors if MARKER in e], found.errors
        assert not found.foreign_requests(), found.foreign_requests()


def test_hostile_links_do_not_navigate_to_script(browser, hostile_site):
    url, pages = hostile_site
    with visit(browser, url) as found:
        page = found.page
        for path in [p for p in pages if p.startswith(("clusters/test-", "notices/test-", "calls/test-"))]:
            page.goto(url + path, wait_until="load")
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))], path
        assert not found.dialogs


@pytest.mark.parametrize("query", ["XSS", "alert", "onerror"])
def test_searching_the_hostile_text_runs_none_of_it(browser, hostile_site, query):
    """The site search shows the records' text in its titles and excerpts: found, shown as text,
    and nothing of it runs, whichever part of a payload the reader types."""
    url, _ = hostile_site
    with visit(browser, url, locale="zh-CN") as found:
        page = found.page
        page.goto(url + "clusters/")
        page.get_by_role("button", name="搜索").click()
        box = page.get_by_role("textbox", name="站内搜索")
        box.fill(query)
        box.press("End")
        page.wait_for_function(
            """() => document.querySelectorAll('.pagefind-ui__result-link').length > 0
                && [...document.querySelectorAll('.pagefind-ui__result')].every(
                r => r.querySelector('.pagefind-ui__result-link'))"""
        )
        shown = page.locator(".pagefind-ui__results").inner_text()
        assert MARKER in shown  # the payload is there, as text
        inserted = page.locator(".pagefind-ui__results script, .pagefind-ui__results img, .pagefind-ui__results svg")
        assert inserted.count() == 0
        assert not page.locator(".pagefind-ui__results [onerror], .pagefind-ui__results [onload]").count()
        page.wait_for_timeout(300)  # an onerror/onload payload would have fired by now
        assert not found.dialogs, found.dialogs
        assert not [m.text for m in found.console if MARKER in m.text]
        assert not [e for e in found.errors if MARKER in e], found.errors
        assert not found.foreign_requests(), found.foreign_requests()
