"""take_snapshot(dataset, start_of_day(day)): every derived fact of a small dataset, asserted exactly on chosen days.

The dataset is the base fixture (tests/fixtures/base/) plus the records written below; the municipal
guideline (guangzhou-2024) is in force from 2024-12-30 to 2027-12-29. Its timeline:

- gamma (440111): provincial, certified 2023-07, revoked 2025-06-18 under 4.3.3;
- beta (440113): national, certified 2023, valid 2024 to 2026 as its source states, report 2025-02;
- the notice test-municipal-2025-list: published 2025-02-20 (Thursday), 7 working days to 2025-02-28
  with a 17:30 cut-off, final list 2025-03-10; it lists alpha and delta;
- alpha (440112) and delta (440106): certified from that list on 2025-03-10; delta's operator changed 2026-05;
- epsilon (440105, here): municipal, certified 2025-04-01, its 2025 report recorded on 2026-02-10;
- the notice test-snap-stated-end (here): published 2026-12-24, its end 2027-01-05 taken from its own
  words (the fixture has no 2027 holiday arrangement), an outcome without a final date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import pytest
from conftest import make_data_dir

from generator.domain.calendar import SHANGHAI, start_of_day
from generator.domain.lifecycle import Bound
from generator.domain.model import PartialDate
from generator.domain.snapshot import Snapshot, take_snapshot
from generator.load.dataset import load_dataset

D = dt.date.fromisoformat
LIST = "test-municipal-2025-list"
STATED_END = "test-snap-stated-end"
FINAL_URL = "https://example.org/notices/test-municipal-2025-final"
WINDOW_DAYS = tuple(
    D(d) for d in ("2025-02-20", "2025-02-21", "2025-02-24", "2025-02-25", "2025-02-26", "2025-02-27", "2025-02-28")
)

EXTRA = {
    "clusters/test-snap-epsilon.yaml": """\
# 测试数据（虚构，仅供自动化测试）：市级集群，2025-04-01 认定，2026-02-10 报送 2025 年度报告。
id: test-snap-epsilon
name: 【测试数据】广州市海珠区测试报告产业集群
verified: false
district: "440105"
leading_industry: 【测试数据】测试报告
events:
  - type: certified
    date: 2025-04-01
    level: municipal
    source: https://example.org/sources/test-snap-epsilon
  - type: annual_report
    date: 2026-02-10
    year: 2025
    source: https://example.org/sources/test-snap-epsilon-report
""",
    f"notices/{STATED_END}.yaml": f"""\
# 测试数据（虚构，仅供自动化测试）：年底发布、写明截止日的公示；结果没有日期。
id: {STATED_END}
title: 【测试数据】写明截止日期的年底公示
level: municipal
issuer: 【测试数据】测试发布单位
published_on: 2026-12-24
ends_on: 2027-01-05
url: https://example.org/notices/{STATED_END}
objection:
  email: objection@example.org
outcome:
  final_doc_no: 测试结果〔2027〕1号
entries:
  - name: 【测试数据】广州市越秀区测试候选产业集群
    district: "440104"
""",
}


@pytest.fixture(scope="module", name="dataset")
def dataset_fixture(tmp_path_factory):
    data = make_data_dir(tmp_path_factory.mktemp("snapshot"))
    assert not (data / "calendar" / "2027.yaml").exists()
    for relative, text in EXTRA.items():
        (data / relative).write_text(text, encoding="utf-8")
    loaded = load_dataset(data, today=D("2026-11-28"))
    assert loaded.ok, [p.format() for p in loaded.problems]
    return loaded.dataset


@pytest.fixture(scope="module", name="snap")
def snap_fixture(dataset):
    """The snapshot of the dataset on a day ("YYYY-MM-DD"), taken once per day."""
    return functools.cache(lambda day: take_snapshot(dataset, start_of_day(D(day))))


def clusters(snapshot: Snapshot) -> dict:
    return {facts.cluster.id: facts for facts in snapshot.clusters}


def notice(snapshot: Snapshot, notice_id: str = LIST):
    return next(facts for facts in snapshot.notices if facts.notice.id == notice_id)


# The annual reports of the fixture's recognitions dated only to the month (gamma) or year (beta).
PARTIAL_REPORTS = ("annual-report-test-provincial-gamma-", "annual-report-test-national-beta-")


def ids(facts_list) -> list[str]:
    return [facts.cluster.id for facts in facts_list]


def deadline(snapshot: Snapshot, key: str):
    return next(d for d in snapshot.deadlines if d.key == key)


def at(day: str, time: str = "00:00") -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time.fromisoformat(time), tzinfo=SHANGHAI)


# ---------------------------------------------------------------------------------------------
# A notice: published on its day, open through its last window day, closed the day after


def test_the_day_before_publication_nothing_of_the_notice_exists(snap):
    snapshot = snap("2025-02-19")
    assert snapshot.notices == ()
    assert ids(snapshot.clusters) == ["test-provincial-gamma", "test-national-beta"]  # alpha and delta: not yet
    # gamma (certified 2023-07) and beta (valid 2024 to 2026) report although their dates are partial
    assert [d.key for d in snapshot.deadlines if not d.key.startswith(PARTIAL_REPORTS)] == [
        "guideline-lapse-guangzhou-2024"
    ]


def test_on_its_publication_day_the_notice_is_open_with_all_seven_days_left(snap):
    snapshot = snap("2025-02-20")
    facts = notice(snapshot)
    assert (facts.state, facts.state_label, facts.days_left) == ("open", "公示中", 7)
    assert facts.missing_years == () and facts.page == f"notices/{LIST}.md"
    window = facts.window
    assert (window.first_day, window.last_day, window.days, window.checked) == (
        D("2025-02-20"),
        D("2025-02-28"),
        WINDOW_DAYS,
        True,
    )
    assert (window.opens_at, window.closes_at) == (at("2025-02-20"), at("2025-02-28", "17:30"))
    assert (window.working_days, window.policy) == (7, None)  # the notice states its own N
    # the outcome is withheld until the final list comes out
    assert facts.outcome_published is False and facts.notice.outcome.is_empty
    listed = clusters(snapshot)
    for cluster_id in ("test-municipal-alpha", "test-municipal-delta"):
        assert listed[cluster_id].status.code == "in_publicity"
        assert listed[cluster_id].status.detail == "列入正在公示的名单"
        assert listed[cluster_id].notices == (facts,)
        # the certification (2025-03-10) and the final list as a source are not there yet
        assert listed[cluster_id].cluster.events == () and listed[cluster_id].cluster.sources == ()
        assert listed[cluster_id].recognitions == () and listed[cluster_id].level is None
    objection = deadline(snapshot, f"notice-close-{LIST}")
    assert (objection.kind, objection.day, objection.closes_at, objection.timed, objection.time_label) == (
        "objection",
        D("2025-02-28"),
        at("2025-02-28", "17:30"),
        True,
        "17:30",
    )
    assert objection.what == "公示异议截止（17:30）"
    assert (
        objection.description
        == "公示期 2025-02-20 至 2025-02-28（7 个工作日），异议受理截至 2025-02-28 17:30（北京时间）。"
    )
    assert [d.key for d in snapshot.upcoming() if not d.key.startswith(PARTIAL_REPORTS)] == [
        f"notice-close-{LIST}",
        "guideline-lapse-guangzhou-2024",
    ]


def test_on_its_last_window_day_the_notice_is_still_open(snap):
    snapshot = snap("2025-02-28")
    facts = notice(snapshot)
    assert (facts.state, facts.days_left, facts.outcome_published) == ("open", 1, False)
    assert clusters(snapshot)["test-municipal-alpha"].status.code == "in_publicity"
    # the 17:30 cut-off had not passed at the start of the day
    assert snapshot.upcoming()[0].key == f"notice-close-{LIST}"


def test_the_day_after_the_window_the_notice_is_closed_and_the_outcome_still_withheld(snap):
    snapshot = snap("2025-03-01")
    facts = notice(snapshot)
    assert (facts.state, facts.state_label, facts.days_left) == ("closed", "已结束", None)
    assert facts.outcome_published is False and facts.notice.outcome.is_empty  # the final list is dated 03-10
    alpha = clusters(snapshot)["test-municipal-alpha"]
    assert (alpha.status.code, alpha.status.detail, alpha.status.recognition) == ("unknown", "没有认定记录", None)
    assert ids(snapshot.undetermined) == ["test-municipal-delta", "test-municipal-alpha"]
    assert f"notice-close-{LIST}" in [d.key for d in snapshot.deadlines]
    assert f"notice-close-{LIST}" not in [d.key for d in snapshot.upcoming()]


def test_on_the_final_lists_day_the_outcome_and_the_recognitions_appear(snap):
    day_before = clusters(snap("2025-03-09"))
    assert day_before["test-municipal-delta"].cluster.sources == ()  # dated by the notice's final list
    snapshot = snap("2025-03-10")
    facts = notice(snapshot)
    assert facts.outcome_published is True
    assert (facts.notice.outcome.final_doc_no, facts.notice.outcome.final_date) == (
        "穗工信函〔2025〕1号（测试）",
        D("2025-03-10"),
    )
    for cluster_id in ("test-municipal-alpha", "test-municipal-delta"):
        found = clusters(snapshot)[cluster_id]
        assert (found.status.code, found.status.detail) == ("valid", "市级认定有效期至 2028-03-09")
        assert found.valid_until == Bound(D("2028-03-09"), D("2028-03-09"), "2028-03-09")
        assert (found.level, found.levels) == ("municipal", ["municipal"])
        assert [s.url for s in found.cluster.sources] == [FINAL_URL]
        assert [(r.covered_year, r.due_on, r.state) for r in found.reports] == [
            (2025, D("2026-02-28"), "due"),
            (2026, D("2027-02-28"), "due"),
            (2027, D("2028-02-29"), "due"),
        ]
    assert [(str(c.date), c.cluster.cluster.id, c.event.type) for c in snapshot.changes] == [
        ("2025-03-10", "test-municipal-delta", "certified"),
        ("2025-03-10", "test-municipal-alpha", "certified"),
        ("2025-02", "test-national-beta", "annual_report"),
        ("2023", "test-national-beta", "certified"),
        ("2023-07", "test-provincial-gamma", "certified"),
    ]


def test_a_recognition_from_a_final_list_happens_no_earlier_than_the_list(dataset):
    """alpha's certification dated 2025-03-05, from the list whose final list is dated 2025-03-10."""
    alpha = dataset.clusters["test-municipal-alpha"]
    early = dataclasses.replace(
        alpha, events=(dataclasses.replace(alpha.events[0], date=PartialDate.parse("2025-03-05")),)
    )
    moved = dataclasses.replace(dataset, clusters={**dataset.clusters, alpha.id: early})
    before = clusters(take_snapshot(moved, start_of_day(D("2025-03-09"))))["test-municipal-alpha"]
    assert (before.cluster.events, before.status.code) == ((), "unknown")
    on_the_day = clusters(take_snapshot(moved, start_of_day(D("2025-03-10"))))["test-municipal-alpha"]
    assert [str(e.date) for e in on_the_day.cluster.events] == ["2025-03-05"]
    assert (on_the_day.status.code, on_the_day.valid_until.earliest) == ("valid", D("2028-03-04"))


def test_an_event_naming_a_notice_not_yet_published_does_not_name_it(dataset):
    """The list's publication moved to 2025-03-15 (after alpha's certification from it, 03-10)."""
    late = dataclasses.replace(dataset.notices[LIST], published_on=D("2025-03-15"))
    moved = dataclasses.replace(dataset, notices={**dataset.notices, LIST: late})
    before = clusters(take_snapshot(moved, start_of_day(D("2025-03-14"))))["test-municipal-alpha"]
    assert [(e.type, e.notice) for e in before.cluster.events] == [("certified", None)]
    assert before.notices == () and before.status.code == "valid"
    after = clusters(take_snapshot(moved, start_of_day(D("2025-03-15"))))["test-municipal-alpha"]
    assert [(e.type, e.notice) for e in after.cluster.events] == [("certified", LIST)]
    assert [f.notice.id for f in after.notices] == [LIST]


# ---------------------------------------------------------------------------------------------
# Events: absent until their day (a month counts from its first day)


def test_an_event_dated_after_the_day_is_absent(snap):
    before = snap("2026-04-30")
    assert [e.type for e in clusters(before)["test-municipal-delta"].cluster.events] == ["certified"]
    assert ("test-municipal-delta", "changed") not in [(c.cluster.cluster.id, c.event.type) for c in before.changes]
    after = snap("2026-05-01")  # dated 2026-05: it may have happened from the month's first day
    assert [e.type for e in clusters(after)["test-municipal-delta"].cluster.events] == ["certified", "changed"]
    first = after.changes[0]
    assert (str(first.date), first.cluster.cluster.id, first.event.type) == (
        "2026-05",
        "test-municipal-delta",
        "changed",
    )
    assert [c.event.type for c in after.recent(2)] == ["changed", "annual_report"]  # epsilon's report, 2026-02-10


def test_a_month_dated_report_counts_from_the_first_of_its_month(snap):
    assert [e.type for e in clusters(snap("2025-01-31"))["test-national-beta"].cluster.events] == ["certified"]
    assert [e.type for e in clusters(snap("2025-02-01"))["test-national-beta"].cluster.events] == [
        "certified",
        "annual_report",
    ]


def test_a_revocation_takes_effect_on_its_day(snap):
    before = clusters(snap("2025-06-17"))["test-provincial-gamma"]
    assert (before.status.code, before.revocation) == ("valid", None)
    assert before.status.detail == "省级认定有效期至 2026-06-30 至 2026-07-30 之间"
    snapshot = snap("2025-06-18")
    gamma = clusters(snapshot)["test-provincial-gamma"]
    assert (gamma.status.code, gamma.status.label) == ("revoked", "已撤销")
    assert gamma.status.detail == "已于 2025-06-18 依据指引 4.3.3撤销认定"
    assert gamma.revocation.event.date.earliest == D("2025-06-18")
    assert gamma.revocation.policy.id == "guangzhou-2024"
    assert gamma.revocation.ground == gamma.revocation.policy.revocation_grounds["4.3.3"]
    assert "test-provincial-gamma" not in ids(snapshot.municipal)


# ---------------------------------------------------------------------------------------------
# The municipal count (1.6): nothing before the guideline's start


def test_nothing_counts_as_municipal_before_the_guidelines_start(snap):
    snapshot = snap("2024-12-29")
    assert (snapshot.guideline, snapshot.guideline_started, snapshot.guideline_lapsed) == (None, False, False)
    assert clusters(snapshot)["test-provincial-gamma"].status.code == "valid"  # valid, but not counted yet
    assert snapshot.municipal == () and snapshot.municipal_by_auto_recognition == ()
    # no guideline, so no lapse; nothing else is dated yet but the partially dated recognitions' reports
    assert [(d.key, d.day) for d in snapshot.deadlines] == [
        ("annual-report-test-provincial-gamma-2023-provincial", D("2024-03-31")),
        ("annual-report-test-provincial-gamma-2024-provincial", D("2025-03-31")),
        ("annual-report-test-national-beta-2024-national", D("2025-04-30")),
        ("annual-report-test-provincial-gamma-2025-provincial", D("2026-03-31")),  # before the revocation
        ("annual-report-test-national-beta-2025-national", D("2026-04-30")),  # beta may end early in 2026
    ]
    assert snapshot.rules.id == "guangzhou-2024"  # the site still explains the first guideline's rules


def test_from_the_guidelines_first_day_valid_clusters_count(snap):
    first = snap("2024-12-30")
    assert first.guideline.id == "guangzhou-2024" and first.guideline_started
    # beta's national validity starts some day in 2024: still open on 12-30, certain on 12-31
    assert ids(first.municipal) == ["test-provincial-gamma"]
    assert ids(first.undetermined) == ["test-national-beta"]
    assert clusters(first)["test-national-beta"].status.detail == "国家级认定的有效期起始日未明确（2024）"
    second = snap("2024-12-31")
    assert ids(second.municipal) == ["test-provincial-gamma", "test-national-beta"]
    assert ids(second.municipal_by_auto_recognition) == ["test-provincial-gamma", "test-national-beta"]
    assert second.undetermined == ()


def test_the_count_on_a_day_with_every_cluster_valid(snap):
    snapshot = snap("2025-04-01")
    assert ids(snapshot.clusters) == [
        "test-snap-epsilon",
        "test-municipal-delta",
        "test-provincial-gamma",
        "test-municipal-alpha",
        "test-national-beta",
    ]  # by district, then id
    assert ids(snapshot.municipal) == ids(snapshot.clusters)
    assert ids(snapshot.municipal_by_auto_recognition) == ["test-provincial-gamma", "test-national-beta"]


def test_a_validity_end_takes_the_cluster_out_of_the_count(snap):
    """alpha's municipal validity ends 2028-03-09: 即将到期 from 90 days before, 待复核 the day after."""
    assert clusters(snap("2027-12-09"))["test-municipal-alpha"].status.code == "valid"
    assert clusters(snap("2027-12-10"))["test-municipal-alpha"].status.code == "expiring"
    last = snap("2028-03-09")
    assert clusters(last)["test-municipal-alpha"].status.code == "expiring"
    assert "test-municipal-alpha" in ids(last.municipal)
    after = snap("2028-03-10")
    alpha = clusters(after)["test-municipal-alpha"]
    assert (alpha.status.code, alpha.status.detail) == (
        "review_due",
        "市级认定有效期已于 2028-03-09 届满，未见复核结果",
    )
    assert ids(after.municipal) == ["test-snap-epsilon"]  # valid to 2028-03-31; the others have ended


# ---------------------------------------------------------------------------------------------
# Deadlines and obligations


def test_a_recorded_report_marks_its_deadline_done_from_the_reports_day(snap):
    key = "annual-report-test-snap-epsilon-2025"
    before = snap("2026-02-09")
    (report,) = [r for r in clusters(before)["test-snap-epsilon"].reports if r.covered_year == 2025]
    assert (report.due_on, report.state, report.submitted, report.label) == (D("2026-02-28"), "due", None, "待报送")
    assert deadline(before, key).done is False and key in [d.key for d in before.upcoming(limit=50)]
    after = snap("2026-02-10")
    (report,) = [r for r in clusters(after)["test-snap-epsilon"].reports if r.covered_year == 2025]
    assert (report.state, report.submitted.date.earliest) == ("submitted", D("2026-02-10"))
    assert deadline(after, key).done is True and key not in [d.key for d in after.upcoming(limit=50)]


def test_an_unrecorded_report_is_not_recorded_the_day_after_its_due_date(snap):
    due = [r for r in clusters(snap("2026-02-28"))["test-municipal-alpha"].reports if r.covered_year == 2025]
    assert [(r.state, r.label) for r in due] == [("due", "待报送")]
    late = [r for r in clusters(snap("2026-03-01"))["test-municipal-alpha"].reports if r.covered_year == 2025]
    assert [(r.state, r.label) for r in late] == [("not_recorded", "未见记录")]
    snapshot = snap("2026-03-01")
    report = deadline(snapshot, "annual-report-test-municipal-alpha-2025")
    assert (report.day, report.closes_at, report.timed, report.time_label, report.done) == (
        D("2026-02-28"),
        at("2026-03-01"),
        False,
        "24:00",
        False,
    )
    assert report.what == "2025 年度报告报送截止（指引 4.2）"
    assert report.key not in [d.key for d in snapshot.upcoming(limit=50)]  # passed


def test_deadlines_are_ordered_by_instant_and_list_validity_ends(snap):
    snapshot = snap("2025-04-01")
    assert [(d.key, d.day) for d in snapshot.deadlines if not d.key.startswith(PARTIAL_REPORTS)] == [
        (f"notice-close-{LIST}", D("2025-02-28")),
        ("annual-report-test-municipal-alpha-2025", D("2026-02-28")),
        ("annual-report-test-municipal-delta-2025", D("2026-02-28")),
        ("annual-report-test-snap-epsilon-2025", D("2026-02-28")),
        ("annual-report-test-municipal-alpha-2026", D("2027-02-28")),
        ("annual-report-test-municipal-delta-2026", D("2027-02-28")),
        ("annual-report-test-snap-epsilon-2026", D("2027-02-28")),
        ("guideline-lapse-guangzhou-2024", D("2027-12-29")),
        ("annual-report-test-municipal-alpha-2027", D("2028-02-29")),
        ("annual-report-test-municipal-delta-2027", D("2028-02-29")),
        ("annual-report-test-snap-epsilon-2027", D("2028-02-29")),
        ("validity-end-test-municipal-alpha-municipal-2025-03-10", D("2028-03-09")),
        ("validity-end-test-municipal-delta-municipal-2025-03-10", D("2028-03-09")),
        ("validity-end-test-snap-epsilon-municipal-2025-04-01", D("2028-03-31")),
    ]
    end = deadline(snapshot, "validity-end-test-snap-epsilon-municipal-2025-04-01")
    assert (end.kind, end.closes_at, end.what, end.page) == (
        "validity_end",
        at("2028-04-01"),
        "市级认定有效期届满",
        "clusters/test-snap-epsilon.md",
    )


def test_the_guideline_lapses_the_day_after_its_last_day(snap):
    last = snap("2027-12-29")
    assert last.guideline_lapsed is False
    assert "guideline-lapse-guangzhou-2024" in [d.key for d in last.upcoming(limit=50)]
    after = snap("2027-12-30")
    assert after.guideline_lapsed is True and after.guideline.id == "guangzhou-2024"  # lapsed, still the rules
    lapse = deadline(after, "guideline-lapse-guangzhou-2024")
    assert (lapse.kind, lapse.day, lapse.closes_at, lapse.page) == (
        "guideline_lapse",
        D("2027-12-29"),
        at("2027-12-30"),
        "guideline.md",
    )
    assert lapse.key not in [d.key for d in after.upcoming(limit=50)]


# ---------------------------------------------------------------------------------------------
# A window the holiday arrangements do not cover


def test_a_stated_end_stands_in_for_a_missing_years_arrangement(snap):
    assert STATED_END not in [f.notice.id for f in snap("2026-12-23").notices]
    snapshot = snap("2026-12-24")
    assert [f.notice.id for f in snapshot.notices] == [STATED_END, LIST]  # newest first
    facts = notice(snapshot, STATED_END)
    window = facts.window
    assert (facts.state, facts.days_left, facts.missing_years) == ("open", None, (2027,))  # days not counted
    assert (window.first_day, window.last_day, window.days, window.checked) == (
        D("2026-12-24"),
        D("2027-01-05"),
        (),
        False,
    )
    assert (window.working_days, window.policy.id) == (7, "guangzhou-2024")  # 3.3.2 sets N for a municipal list
    assert window.closes_at == at("2027-01-06")
    assert facts.outcome_published is False and facts.notice.outcome.is_empty
    objection = deadline(snapshot, f"notice-close-{STATED_END}")
    assert (objection.day, objection.closes_at, objection.timed, objection.time_label) == (
        D("2027-01-05"),
        at("2027-01-06"),
        True,
        "24:00",
    )
    assert objection.what == "公示异议截止（24:00）"
    assert notice(snap("2027-01-05"), STATED_END).state == "open"


def test_an_outcome_without_a_final_date_appears_once_the_window_has_closed(snap):
    closed = notice(snap("2027-01-06"), STATED_END)
    assert (closed.state, closed.outcome_published) == ("closed", True)
    assert closed.notice.outcome.final_doc_no == "测试结果〔2027〕1号"


def test_a_window_that_cannot_be_computed_is_unknown_and_has_no_deadline(dataset):
    """A municipal list published 2026-12-28 with no end of its own needs the missing 2027 arrangement
    (validation refuses such a record; the snapshot of such objects still says what it cannot know)."""
    base = dataset.notices[LIST]
    year_end = dataclasses.replace(
        base, id="test-snap-year-end", published_on=D("2026-12-28"), working_days=None, ends_on=None, cutoff_time=None
    )
    snapshot = take_snapshot(
        dataclasses.replace(dataset, notices={**dataset.notices, year_end.id: year_end}), start_of_day(D("2026-12-28"))
    )
    facts = notice(snapshot, year_end.id)
    assert (facts.state, facts.state_label, facts.window, facts.missing_years, facts.days_left) == (
        "unknown",
        "无法计算",
        None,
        (2027,),
        None,
    )
    assert facts.outcome_published is False and facts.notice.outcome.is_empty  # its final list is not shown
    assert "notice-close-test-snap-year-end" not in [d.key for d in snapshot.deadlines]
    # it lists alpha (a copy of the 2025 list's entries), but a window not known to be open is not
    # publicity: alpha stays valid
    alpha = clusters(snapshot)["test-municipal-alpha"]
    assert [f.notice.id for f in alpha.notices] == ["test-snap-year-end", LIST]
    assert alpha.status.code == "valid"


def test_the_snapshot_is_a_pure_function_of_dataset_and_day(dataset):
    assert take_snapshot(dataset, start_of_day(D("2025-02-24"))) == take_snapshot(
        dataset, start_of_day(D("2025-02-24"))
    )


def test_the_final_list_appears_with_the_outcome(snap):
    assert snap("2025-03-09").final_lists == {}  # closed, but the final list is dated 03-10
    final = snap("2025-03-10").final_lists
    assert list(final) == [LIST]
    rows = [(row.result, row.entry.seq, row.cluster.id if row.cluster else None) for row in final[LIST].rows]
    # alpha and delta recognised as proposed; the candidate without a record is not on the final list
    assert rows == [("kept", 1, "test-municipal-alpha"), ("kept", 2, "test-municipal-delta"), ("dropped", 3, None)]
    assert (final[LIST].count("kept"), final[LIST].count("dropped")) == (2, 1)
