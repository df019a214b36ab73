"""What a person sees of the programme's own records, in a real browser: the 政府信息公开 box and the
result (正式名单与公示名单对照) on a notice page, the correction log, and a district's bureau — on a
phone and on a desktop, with nothing loaded from elsewhere and no serious accessibility violation."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import build, chromium, screenshot, serve, visit
from conftest import make_data_dir

DAY = dt.date(2026, 11, 28)  # after the fixture notice's final list (2025-03-10)
NOTICE = "notices/test-municipal-2025-list/"
DISTRICT = "districts/huangpu/"
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
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


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def clean(found) -> None:
    assert not found.foreign_requests(), found.foreign_requests()
    assert not found.errors, found.errors
    assert not found.console_errors(None), found.console_errors(None)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_notice_page_shows_metadata_result_and_corrections(browser, base_url, device):
    options = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}
    with visit(browser, base_url, locale="zh-CN", **options) as found:
        page = found.page
        page.goto(base_url + NOTICE)
        box = page.locator("section.cl-govinfo")
        assert box.is_visible()
        for term, value in (
            ("索引号", "TEST00/2025-00001"),
            ("文号", "【测试数据】测工信函〔2025〕1号"),
            ("有效性", "有效"),
        ):
            assert box.locator("dt", has_text=term).is_visible()
            assert box.locator("dd", has_text=value).first.is_visible()
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
        violations = Axe().run(page)
        serious = [v for v in violations.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, [(v["id"], v["help"], [n["html"][:120] for n in v["nodes"]]) for v in serious]
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
