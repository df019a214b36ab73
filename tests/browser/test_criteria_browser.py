"""The self-check form in Chromium: drawn by site_src/javascripts/self-check.js from data/criteria.json
alone (issue 24). A change to one criterion's words and one threshold in a copy of the data
(tests/test_criteria_once.py, change_policy) shows in the form's text and turns a value that met the
guideline's limit into one that does not; without JavaScript the checklist is still the page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from browser_support import clean, serve, visit
from conftest import shared_site
from hostile_corpus import MARKER
from test_criteria_once import AREA_BETWEEN, BUILT_ON, WORDS_AFTER, WORDS_BEFORE, changed_site

READY = "#self-check-form[data-self-check=ready]"


@pytest.fixture(scope="module")
def before_url(shared):
    with serve(shared_site(shared, "base", dt.date.fromisoformat(BUILT_ON)).site) as url:
        yield url


@pytest.fixture(scope="module")
def after_url(shared):
    with serve(changed_site(shared)) as url:
        yield url


def drawn(page, url: str) -> None:
    page.goto(url + "criteria/")
    page.wait_for_selector(READY)


@pytest.mark.parametrize(
    ("which", "words", "limit", "verdict"),
    [("before", WORDS_BEFORE, "100", "满足"), ("after", WORDS_AFTER, "80", "不满足")],
)
def test_the_form_shows_the_policys_words_and_compares_with_its_threshold(
    browser, before_url, after_url, which, words, limit, verdict
):
    url = before_url if which == "before" else after_url
    with visit(browser, url, locale="zh-CN") as found:
        page = found.page
        drawn(page, url)
        assert page.locator('[data-criterion="digital-transformation"] legend').inner_text() == words
        assert page.locator("#self-check-form").inner_text().count(WORDS_BEFORE) == (1 if which == "before" else 0)
        assert page.locator('label[for="sc-area"]').inner_text() == f"占地面积 要求 ≤ {limit} 平方公里"
        page.fill("#sc-area", AREA_BETWEEN)
        assert page.locator("#sc-area-result").inner_text() == verdict
        failed = page.locator("#sc-summary-failed").inner_text()
        assert ("不满足：3.2.2 占地面积" in failed) == (verdict == "不满足")
        page.fill("#sc-area", limit)  # 不超过: the limit itself meets it
        assert page.locator("#sc-area-result").inner_text() == "满足"
        clean(found)


def test_the_form_holds_every_criterion_of_the_json_and_its_verdict_follows_the_comparisons(browser, before_url):
    with visit(browser, before_url, locale="zh-CN") as found:
        page = found.page
        drawn(page, before_url)
        data = json.loads(
            page.evaluate(
                "() => fetch(document.getElementById('self-check-form').dataset.criteria).then(r => r.text())"
            )
        )
        drawn_keys = page.eval_on_selector_all(
            "#self-check-form [data-criterion]", "nodes => nodes.map(n => n.dataset.criterion)"
        )
        groups = [g["key"] for g in data["groups"]]
        assert sorted(drawn_keys) == sorted([c["key"] for c in data["criteria"]] + groups)
        assert [k for k in drawn_keys if k not in groups] == [c["key"] for c in data["criteria"]]  # in order
        for criterion in data["criteria"]:
            if criterion["kind"] == "yesno":
                legend = page.locator(f'[data-criterion="{criterion["key"]}"] legend').inner_text()
                assert legend == criterion["text"]
        # every answer at its limit: met unless the comparison leaves the number itself out (高于)
        for criterion in data["criteria"]:
            if criterion["kind"] == "yesno":
                page.check(f'input[name="sc-{criterion["key"]}"][value="yes"]')
        thresholds = {t["key"]: t for t in data["thresholds"]}
        expected = {}
        for key, threshold in thresholds.items():
            page.fill(f"#sc-{key}", str(threshold["value"]))
            expected[key] = "不满足" if threshold["operator"] == ">" else "满足"
        for key, state in expected.items():
            assert page.locator(f"#sc-{key}-result").inner_text() == state, key
        counted = sum(len(s["entries"]) for s in data["sections"])
        failing = [k for k, state in expected.items() if state == "不满足" and not thresholds[k]["group"]]
        assert failing  # 高于 60% …
        summary = page.locator("#sc-summary-counts").inner_text()
        assert summary.startswith(f"共 {counted} 项：满足 {counted - len(failing)} 项，不满足 {len(failing)} 项")
        for key in failing:  # just above the limit: met
            page.fill(f"#sc-{key}", str(thresholds[key]["value"] + 0.5))
        summary = page.locator("#sc-summary-counts").inner_text()
        assert summary.startswith(f"共 {counted} 项：满足 {counted} 项，不满足 0 项")
        assert "所列基本条件均已满足" in summary
        page.check('input[name="sc-digital-transformation"][value="no"]')
        assert page.locator("#sc-summary-failed").inner_text() == f"不满足：3.2.5 {WORDS_BEFORE}"
        clean(found)


def test_without_javascript_the_checklist_is_the_page(browser, before_url):
    with visit(browser, before_url, locale="zh-CN", java_script_enabled=False) as found:
        page = found.page
        page.goto(before_url + "criteria/")
        checklist = page.locator(".criteria-list").inner_text()
        assert WORDS_BEFORE in checklist and "占地面积 ≤ 100 平方公里" in checklist
        assert page.locator("#self-check-form [data-criterion]").count() == 0  # the script draws the form
        assert WORDS_BEFORE not in page.locator("#self-check-form").inner_text()
        assert page.locator("#sc-summary").is_hidden()
        assert "未启用 JavaScript" in page.locator("#self-check-form").inner_text()


def test_hostile_criterion_text_is_drawn_as_text(browser, shared):
    site = shared_site(shared, "hostile", dt.date(2026, 11, 28)).site
    with serve(site) as url, visit(browser, url, locale="zh-CN") as found:
        page = found.page
        drawn(page, url)
        legend = page.locator('[data-criterion="hostile-brand"] legend').inner_text()
        assert legend == "{{ 7*7 }}集群……<img src=x onerror=alert('XSS-MARKER')>品牌&amp;知名度"
        assert page.locator("#self-check-form img").count() == 0
        assert not found.dialogs
        assert not [m.text for m in found.console if MARKER in m.text]
