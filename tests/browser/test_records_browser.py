"""What a person sees of the programme's own records, in a real browser: the 政府信息公开 box and the
result (正式名单与公示名单对照) on a notice page, the correction log, and a district's bureau; the annual
call (tests/fixtures/calls) with its attachments, contacts and the districts' bureaux, and the notice
naming it — on a phone and on a desktop, with nothing loaded from elsewhere and no serious
accessibility violation."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import (
    SECURITY_HEADERS,
    build,
    clean,
    no_serious_violation,
    screenshot,
    serve,
    visit,
)
from conftest import make_data_dir, shared_site

DAY = dt.date(2026, 11, 28)  # after the fixture notice's final list (2025-03-10)
NOTICE = "notices/test-municipal-2025-list/"
DISTRICT = "districts/huangpu/"
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
CALL = "calls/test-municipal-2025-call/"
CALL_TITLE = "【测试数据】关于开展 2025 年广州市市级中小企业特色产业集群认定工作的通知"
CALL_DAY = dt.date(2024, 12, 20)  # the call's deadline day: 申报中 until 17:30
# Read at 10:00 that day: live-states.js shows the states at the reader's clock, and the call closes at 17:30.
CALL_READ_AT = dt.datetime(2024, 12, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
RESULT_DAY = dt.date(2025, 3, 10)  # the notice naming the call has its final list and result file
CALL_FILES = ["Word 文档（DOCX）", "Excel 表格（XLSX）"]  # the call's attachments, in order: their type
SHA256 = re.compile(r"[0-9a-f]{64}")
META = (
    'index_no: "TEST00/2025-00001"\ntopic: 【测试数据】工业、交通\nwritten_on: 2025-02-19\n'
    "doc_no: 【测试数据】测工信函〔2025〕1号\nvalidity: 有效\n"
)
CORRECTION = (
    "corrections:\n  - date: 2025-02-21\n    field: objection.office_hours\n"
    "    old: 工作日 9:00—12:00\n    new: 工作日 9:00—12:00、14:00—17:30\n"
    "    reason: 【测试数据】原公示漏写下午的受理时间\n"
)
BUREAU = (
    "    bureau: 【测试数据】黄埔区测试主管部门\n    bureau_phone: 020-00000000\n"
    "    bureau_source: https://example.org/huangpu/contact\n"
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("records-browser")
    data = make_data_dir(root)
    notice = data / "notices" / "test-municipal-2025-list.yaml"
    notice.write_text(notice.read_text(encoding="utf-8") + META + CORRECTION, encoding="utf-8")
    districts = data / "districts.yaml"
    districts.write_text(
        districts.read_text(encoding="utf-8").replace("    slug: huangpu\n", "    slug: huangpu\n" + BUREAU, 1),
        encoding="utf-8",
    )
    site = build(data, root / "site", DAY)
    with serve(site) as url:
        yield url


def assert_govinfo(page, *pairs: tuple[str, str]) -> None:
    """The 政府信息公开 box is shown with each term and its value."""
    box = page.locator("section.cl-govinfo")
    assert box.is_visible()
    for term, value in pairs:
        assert box.locator("dt", has_text=term).is_visible()
        assert box.locator("dd", has_text=value).first.is_visible()


def sideways(page) -> int:
    """How far the page itself scrolls sideways (0 when nothing is wider than the viewport)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_notice_page_shows_metadata_result_and_corrections(browser, base_url, device):
    options = PHONE if device == "phone" else DESKTOP
    with visit(browser, base_url, locale="zh-CN", **options) as found:
        page = found.page
        page.goto(base_url + NOTICE)
        assert_govinfo(
            page, ("索引号", "TEST00/2025-00001"), ("文号", "【测试数据】测工信函〔2025〕1号"), ("有效性", "有效")
        )
        table = page.locator("table.cl-final-list")
        table.scroll_into_view_if_needed()
        assert table.is_visible()
        results = table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.result)")
        assert results == ["kept", "kept", "dropped"]
        assert table.locator("tr[data-result='dropped'] td").last.inner_text() == "【测试数据】候选集群，尚未建档"
        log = page.locator(".cl-corrections")
        log.scroll_into_view_if_needed()
        assert log.is_visible() and "原公示漏写下午的受理时间" in log.inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the notice page scrolls sideways by {overflow}px on a {device}"
        if device == "desktop":  # the metadata box reads as a form: two label/value pairs per row
            columns = page.evaluate(
                "getComputedStyle(document.querySelector('section.cl-govinfo dl')).gridTemplateColumns.split(' ').length"
            )
            assert columns == 4
        screenshot(page, f"records-notice-{device}")
        no_serious_violation(page)
        clean(found)


def test_the_district_page_shows_its_bureau_on_a_phone(browser, base_url):
    with visit(browser, base_url, locale="zh-CN", **PHONE) as found:
        page = found.page
        page.goto(base_url + DISTRICT)
        box = page.locator("section.cl-bureau")
        box.scroll_into_view_if_needed()
        assert box.is_visible()
        assert box.locator("dd", has_text="【测试数据】黄埔区测试主管部门").is_visible()
        assert box.locator("dd", has_text="未载明").count() == 3  # address, office hours, website
        assert box.locator("a[href='https://example.org/huangpu/contact']").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        screenshot(page, "records-district-phone")
        clean(found)


# --- the annual call (tests/fixtures/calls) ---------------------------------------------------


@pytest.fixture(scope="module")
def call_url(shared):
    """The site on the call's deadline day (tests/test_calls.py reads the same)."""
    with serve(shared_site(shared, "calls", CALL_DAY).site) as url:
        yield url


@pytest.fixture(scope="module")
def result_url(shared):
    """The site on the day the notice naming the call has its final list."""
    with serve(shared_site(shared, "calls", RESULT_DAY).site) as url:
        yield url


def check_attachment_item(page, item, kind: str) -> str:
    """One entry of a ul.cl-attachments: its link, its type (`kind`) and size, and its SHA-256, all
    visible and inside the viewport; the printed hash."""
    item.scroll_into_view_if_needed()
    assert item.locator("a[download]").is_visible()
    described = item.locator(":scope > .cl-muted:not(.cl-hash)")
    assert described.is_visible()
    assert re.fullmatch(rf"（{re.escape(kind)}，[0-9.]+ (字节|KB|MB)）", described.inner_text()), described.inner_text()
    code = item.locator(".cl-hash code")
    assert code.is_visible() and "SHA-256" in item.locator(".cl-hash").inner_text()
    printed = code.inner_text().strip()
    assert SHA256.fullmatch(printed), printed
    right = code.evaluate("c => c.getBoundingClientRect().right")
    assert right <= page.viewport_size["width"], f"the hash runs {right}px past the viewport"
    return printed


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_call_page_shows_its_facts_files_and_tables(browser, call_url, device):
    options = PHONE if device == "phone" else DESKTOP
    with visit(browser, call_url, locale="zh-CN", **options) as found:
        page = found.page
        page.clock.set_fixed_time(CALL_READ_AT)  # the reader's clock on the day the site is as of
        assert page.goto(call_url + CALL).status == 200
        assert_govinfo(
            page,
            ("索引号", "TEST00/2024-00099"),
            ("成文日期", "2024-11-18"),
            ("文号", "【测试数据】测工信函〔2024〕99号"),
            ("有效性", "有效"),
        )
        badge = page.locator(".cl-badges .cl-badge")
        assert badge.is_visible() and badge.inner_text() == "申报中"
        deadline = page.locator("dl.cl-facts dt", has_text="申报截止").locator("xpath=following-sibling::dd[1]")
        assert deadline.is_visible() and "2024-12-20 17:30" in deadline.inner_text()
        materials = page.locator("div.cl-materials ol li")
        assert materials.all_inner_texts() == [
            "【测试数据】市级中小企业特色产业集群申报表",
            "【测试数据】集群发展规划及必要的证明材料",
        ]
        items = page.locator("div.cl-materials ul.cl-attachments > li")
        assert items.count() == len(CALL_FILES)
        for i, kind in enumerate(CALL_FILES):
            check_attachment_item(page, items.nth(i), kind)
        for section in ("cl-contacts", "cl-bureaux"):
            wrap = page.locator(f"div.{section} div.cl-table-wrap[tabindex='0'][role=region]")
            wrap.scroll_into_view_if_needed()
            assert wrap.is_visible() and wrap.get_attribute("aria-label")
            wrap.focus()
            assert wrap.evaluate("w => document.activeElement === w"), f"{section}: the table cannot be focused"
            if device == "phone":  # wider than the phone: it scrolls inside its wrapper, by keyboard too
                assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), f"{section}: the table does not scroll"
                page.keyboard.press("ArrowRight")
                page.wait_for_function("w => w.scrollLeft > 0", arg=wrap.element_handle())
                wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")  # as far as a finger goes
                last = wrap.locator("thead th").last
                edge = last.evaluate("th => th.getBoundingClientRect().right")
                assert edge <= page.viewport_size["width"] + 1, f"{section}: the last column stays out of reach"
        assert sideways(page) <= 0, f"the call page scrolls sideways by {sideways(page)}px on a {device}"
        screenshot(page, f"records-call-{device}")
        no_serious_violation(page)
        clean(found)


def test_an_attachment_downloads_as_the_file_whose_sha256_is_printed(browser, call_url):
    with visit(browser, call_url, locale="zh-CN", **DESKTOP) as found:
        page = found.page
        page.goto(call_url + CALL)
        items = page.locator("ul.cl-attachments > li")
        assert items.count() == len(CALL_FILES)
        for i, kind in enumerate(CALL_FILES):
            item = items.nth(i)
            printed = check_attachment_item(page, item, kind)
            with page.expect_download() as started:
                item.locator("a[download]").click()
            download = started.value
            assert download.failure() is None
            assert urlsplit(download.url).netloc == urlsplit(call_url).netloc, download.url
            name = urlsplit(download.url).path.rsplit("/", 1)[-1]
            assert download.suggested_filename == name
            body = Path(download.path()).read_bytes()
            assert hashlib.sha256(body).hexdigest() == printed, name
            # Chromium's download manager fetches the file outside the page's network events: ask
            # the server again for what it sends with it.
            response = page.request.get(download.url)
            assert response.status == 200, (name, response.status)
            assert response.body() == body
            assert response.headers["content-type"] == mimetypes.guess_type(name)[0], response.headers
            assert response.headers["x-content-type-options"] == SECURITY_HEADERS["X-Content-Type-Options"]
        clean(found)


def test_the_home_page_leads_to_the_open_call(browser, call_url):
    with visit(browser, call_url, locale="zh-CN", **PHONE) as found:
        page = found.page
        page.clock.set_fixed_time(CALL_READ_AT)
        page.goto(call_url)
        assert page.locator("h2#open-calls").inner_text().startswith("正在申报与即将开始申报")
        calls = page.locator("div.cl-calls")
        calls.scroll_into_view_if_needed()
        assert calls.is_visible()
        entry = calls.locator("li", has_text=CALL_TITLE)
        assert entry.locator(".cl-badge").inner_text() == "申报中"
        assert "2024-11-25 至 2024-12-20 17:30" in entry.inner_text()
        entry.get_by_role("link", name=CALL_TITLE).click()
        page.wait_for_url(call_url + CALL)
        assert page.locator("article h1").first.inner_text() == CALL_TITLE
        clean(found)


def test_the_notice_names_its_call_and_shows_the_result_file(browser, result_url):
    with visit(browser, result_url, locale="zh-CN", **PHONE) as found:
        page = found.page
        assert page.goto(result_url + NOTICE).status == 200
        call = page.locator("dt", has_text="申报通知").locator("xpath=following-sibling::dd[1]").get_by_role("link")
        assert call.is_visible() and call.inner_text() == CALL_TITLE
        outcome = page.locator("div.cl-outcome ul.cl-attachments > li")
        assert outcome.count() == 1
        link = outcome.locator("a[download]")
        assert link.inner_text() == "【测试数据】正式名单（结果附件）"
        printed = check_attachment_item(page, outcome, "PDF 文档")
        response = page.request.get(link.evaluate("a => a.href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(response.body()).hexdigest() == printed
        assert sideways(page) <= 0, f"the notice page scrolls sideways by {sideways(page)}px on a phone"
        screenshot(page, "records-notice-result-phone")
        no_serious_violation(page)
        call.click()
        page.wait_for_url(result_url + CALL)
        assert page.locator(".cl-badges .cl-badge").inner_text() == "已截止"
        clean(found)
