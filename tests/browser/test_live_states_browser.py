"""Between two builds every page stays true at the reader's instant (issue 23).

The base fixture built as of 2025-02-24 00:00: its municipal notice is open until 2025-02-28 17:30 and
lists two clusters (公示中 while it is open, 状态不明 after: no final list yet). Chromium reads the
pages under a fixed clock on either side of the cut-off, and of midnight before the last day; every
badge, phrase, list row and count says what the snapshot at that instant says (taken here in Python,
the one definition), and the words come from the generated table, none from the script.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import SHANGHAI, clean, serve, visit
from conftest import shared_site

from generator import SCHEMAS_DIR
from generator.domain.schedule import state_schedule
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset

BUILT = dt.date(2025, 2, 24)
NOTICE = "test-municipal-2025-list"
INSTANTS = {
    "before-midnight": dt.datetime(2025, 2, 27, 23, 59, tzinfo=SHANGHAI),
    "midnight": dt.datetime(2025, 2, 28, 0, 0, tzinfo=SHANGHAI),
    "before-cut-off": dt.datetime(2025, 2, 28, 17, 29, tzinfo=SHANGHAI),
    "after-cut-off": dt.datetime(2025, 2, 28, 17, 31, tzinfo=SHANGHAI),
}


@pytest.fixture(scope="module")
def built(shared):
    return shared_site(shared, "base", BUILT)


@pytest.fixture(scope="module")
def base_url(built):
    with serve(built.site) as url:
        yield url


def truth(built, at: dt.datetime):
    """The snapshot at the reader's instant: what every page must say then."""
    loaded = load_dataset(built.data, SCHEMAS_DIR, today=at.date())
    assert loaded.ok
    return take_snapshot(loaded.dataset, at)


@pytest.mark.parametrize("name", list(INSTANTS))
def test_every_changing_state_follows_the_readers_clock(browser, built, base_url, name):
    at = INSTANTS[name]
    snapshot = truth(built, at)
    notice = next(f for f in snapshot.notices if f.notice.id == NOTICE)
    statuses = {f.cluster.id: f.status for f in snapshot.clusters}
    listed = [e.cluster for e in notice.notice.entries if e.cluster]
    assert listed and all(statuses[c].code == ("in_publicity" if notice.state == "open" else "unknown") for c in listed)
    with visit(browser, base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}) as found:
        page = found.page
        page.clock.set_fixed_time(at)

        page.goto(base_url)  # home: the notice's badge, its cut-off and its working days left
        item = page.locator("li", has=page.locator(f"[data-live='notice:{NOTICE}']"))
        assert item.locator(".cl-badge").inner_text() == notice.state_label
        assert "异议截至 2025-02-28 17:30（北京时间）" in item.inner_text()
        phrase = item.locator(f"[data-live='days:{NOTICE}']")
        if notice.days_left:
            assert phrase.inner_text() == f"，含今天还剩 {notice.days_left} 个工作日"
        else:
            assert phrase.is_hidden() and phrase.inner_text() == ""

        headline = snapshot.headline  # home: every count, as a reader sees it (a zero is hidden)
        shown = page.locator(".cl-status-counts > li[data-status]:visible").evaluate_all(
            "els => els.map(e => [e.dataset.status, e.querySelector('strong').textContent])"
        )
        assert shown == [[group.code, str(group.count)] for group in headline.statuses]
        assert page.locator("strong[data-count=total]").inner_text() == str(headline.total)
        assert page.locator(".cl-sum").inner_text() == f"合计：{headline.sum_label} 个。"
        assert page.locator("strong[data-count=municipal]").inner_text() == str(headline.counted)
        assert headline.target  # the progress bar and its text, as the snapshot at that instant has them
        assert page.locator("progress#progress-target").get_attribute("value") == str(headline.progress)
        assert page.locator(".cl-progress-text").inner_text() == f"{headline.counted} / {headline.target}"

        page.goto(base_url + "clusters/")  # the list: each listed row's status, its filter and the count
        for cluster in listed:
            row = page.locator(f"tr[data-live='cluster:{cluster}']")
            assert row.get_attribute("data-status") == statuses[cluster].code
            assert row.locator(".cl-badge").first.inner_text() == statuses[cluster].label
        page.select_option("select[data-filter=status]", "in_publicity")
        count = page.locator(".cl-count").inner_text()
        expected = sum(1 for status in statuses.values() if status.code == "in_publicity")
        assert re.match(rf"显示 {expected} / {len(statuses)} ", count), count
        assert page.locator("table[data-cluster-list] tbody tr:visible").count() == expected
        page.select_option("select[data-filter=status]", "")  # sorted by status: in the order of the moment
        page.locator("th[data-sort=rank] button").click()
        ids = page.locator("table[data-cluster-list] tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.live.split(':')[1])"
        )
        ranks = [statuses[cid].rank for cid in ids]
        assert ranks == sorted(ranks), list(zip(ids, ranks, strict=True))

        page.goto(base_url + f"clusters/{listed[0]}/")  # the cluster's own page and its notice's badge
        badge = page.locator("p.cl-badges .cl-badge").first
        assert badge.inner_text() == statuses[listed[0]].label
        assert f"cl-status-{statuses[listed[0]].code}" in badge.get_attribute("class")
        link = page.locator("p.cl-badges a.cl-badge-link").first.get_attribute("href")
        assert link.endswith(f"#status-{statuses[listed[0]].code}")

        page.goto(base_url + f"notices/{NOTICE}/")  # the notice page: its badge and the sentences of its state
        assert page.locator("p.cl-badges .cl-badge").inner_text() == notice.state_label
        visible = page.locator("[data-when]:visible").evaluate_all("els => els.map(e => e.dataset.when)")
        assert all(notice.state in when.split(" ") for when in visible) and visible
        clean(found)


def test_the_script_turns_at_the_instant_without_a_reload(browser, base_url):
    """Open at 17:29:50 and left open: at 17:30 the badge turns by itself (the script wakes at the
    table's next instant, not only once a minute)."""
    with visit(browser, base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}) as found:
        page = found.page
        page.clock.install(time=dt.datetime(2025, 2, 28, 17, 29, 50, tzinfo=SHANGHAI))
        page.goto(base_url + f"notices/{NOTICE}/")
        badge = page.locator("p.cl-badges .cl-badge")
        assert badge.inner_text() == "公示中"
        page.clock.run_for(15_000)
        assert badge.inner_text() == "已结束"
        clean(found)


def test_the_words_come_from_the_generated_table(built):
    """live-states.js holds no state word of its own; the generated table has the ones the pages print."""
    script = (built.site / "javascripts" / "live-states.js").read_text(encoding="utf-8")
    for word in ("公示中", "已结束", "有效", "状态不明", "申报中", "已截止", "工作日"):
        assert word not in script
    table = (built.site / "javascripts" / "live-states-data.js").read_text(encoding="utf-8")
    assert "2025-02-28T17:30:00+08:00" in table


def test_the_progress_bar_and_its_counts_follow_the_instants_they_change_at(built):
    """The home page's municipal count, the national/provincial part of it and the progress bar (its
    value and its text) are in the generated table, each entry what the snapshot at its instant says.
    As of 2025-03-09 noon the base fixture's count changes within the table's horizon (a final list
    takes effect), so the table must carry that change, not only the build's value."""
    loaded = load_dataset(built.data, SCHEMAS_DIR, today=dt.date(2025, 3, 9))
    assert loaded.ok
    snapshot = take_snapshot(loaded.dataset, dt.datetime(2025, 3, 9, 12, tzinfo=SHANGHAI))
    counts = state_schedule(loaded.dataset, snapshot).counts
    assert len(counts["progress"]) > 1 and len(counts["progress-text"]) > 1  # it changes before the next build

    def said(headline):
        return {
            "progress": str(headline.progress),
            "progress-text": f"{headline.counted} / {headline.target}",
            "municipal": str(headline.counted),
            "auto": str(headline.counted_auto),
        }

    for kind in ("progress", "progress-text", "municipal", "auto"):
        for entry in counts[kind]:
            assert said(take_snapshot(loaded.dataset, entry.at).headline)[kind] == entry.label, (kind, entry)
