"""The as-of oracle: every output of a build as of day D states the same facts, nothing from after D,
and no municipal cluster is counted before the guideline's start.

A hypothesis strategy (tests/oracle_records.py) writes valid record folders: clusters recognised
at every level with exact or partial dates, renewed, reported on, changed or revoked; municipal
notices of 7 working days, some with a 17:30 cut-off, a stated start or end, a final list after
the window, and now and then one at the end of 2026 whose window needs the missing 2027 holiday
arrangement. For each folder, on random days and on the edge days (the day before and the day of
each publication, each notice's last day and the day after, the final list's day and the day
before, 2024-12-29/30), each at 00:00, at a drawn time of day on the random days, on either side of
the start of the month or year a partially dated event names (recognitions, revocations, reports),
and a minute before and after each window's closing instant (its 17:30 cut-off, or 24:00) the
pages and the exports are rendered, and `check_consistent` reads them
with real parsers and compares them with one another and with the snapshot. One test runs the
same oracle over real MkDocs builds of the fixture data.

The bugs the oracle found in generator/ have a regression test each at the end: each builds the
smallest data that showed one, and asserts what must hold.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from conftest import AFTER_EVERY_RECORD, FIXTURE_BASE, REPO_ROOT, make_data_dir
from hypothesis import HealthCheck, assume, given, settings
from oracle_feeds import read_ics
from oracle_pages import parse_html
from oracle_records import dataset_specs, write_data_dir
from oracle_support import check_consistent, check_diff
from pagefind_support import decompress, text

from generator import SCHEMAS_DIR
from generator.domain.calendar import SHANGHAI, CalendarNotCovered, start_of_day
from generator.domain.lifecycle import WorkingDaysUnknown, notice_window
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.diff import compare, render_markdown
from generator.publish.exports import build_exports
from generator.publish.pages import render_pages
from generator.schema.package import load_schemas
from generator.site.build import build_site
from generator.site.search import PRECOMPRESSED_SUFFIXES

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
CONFIG = REPO_ROOT / "mkdocs.yml"
FIXTURE_NOTICE = "test-municipal-2025-list"  # published 2025-02-20, window to 2025-02-28 17:30, final list 2025-03-10
FIXTURE_FINAL_URL = "https://example.org/notices/test-municipal-2025-final"


def build(dataset, day: dt.date | dt.datetime):
    """Snapshot, pages and exports as of `day` (00:00) or an instant, linked like the plugin links
    them (site base URL)."""
    snapshot = take_snapshot(dataset, day if isinstance(day, dt.datetime) else start_of_day(day))
    site = dataset.site.values if dataset.site else {}
    exports = build_exports(snapshot, SCHEMA_SET, site.get("base_url"))
    pages = render_pages(snapshot, SCHEMA_SET, exports)
    return snapshot, pages, exports, site.get("base_url")


def load(folder: Path):
    return load_dataset(folder, SCHEMAS_DIR, today=AFTER_EVERY_RECORD)


def errors(loaded) -> list[str]:
    return [p.format() for p in loaded.problems if p.severity.value == "error"]


# ---------------------------------------------------------------------------------------------
# The property


# 20 examples in four shards of five: pytest-xdist can spread them
# over its workers instead of leaving one worker with a single 45-second test at the end.
@pytest.mark.parametrize("shard", range(4))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=dataset_specs(partial_notice_certifications=True, partial_revocations=True))
def test_every_output_agrees_as_of_each_day(shard, spec):
    with tempfile.TemporaryDirectory(prefix="oracle-") as tmp:
        head = load(write_data_dir(Path(tmp) / "head", spec.yaml_files()))
        assume(head.ok)  # the strategy writes valid folders only; this keeps a stray invalid one out
        base = load(write_data_dir(Path(tmp) / "base", spec.yaml_files(drop_last_events=True)))
    for day in sorted(set(spec.days) | set(spec.edge_days)):
        snapshot, pages, exports, base_url = build(head.dataset, day)
        check_consistent(snapshot, pages, exports, base_url=base_url, dataset=head.dataset)
    # Drawn instants: a time of day, and either side of the start of a month or year a date names.
    for instant in spec.instants:
        snapshot, pages, exports, base_url = build(head.dataset, instant)
        check_consistent(snapshot, pages, exports, base_url=base_url, dataset=head.dataset)
    # And instants: a minute before and after each window's closing instant (a 17:30 cut-off, or 24:00).
    for notice in head.dataset.notices.values():
        try:
            closes = notice_window(notice, head.dataset.calendar, head.dataset.policies).closes_at
        except (CalendarNotCovered, WorkingDaysUnknown):
            continue
        for instant in (closes - dt.timedelta(minutes=1), closes + dt.timedelta(minutes=1)):
            snapshot, pages, exports, base_url = build(head.dataset, instant)
            check_consistent(snapshot, pages, exports, base_url=base_url, dataset=head.dataset)
    assert base.ok, errors(base)
    for day in spec.days:
        check_diff(
            base.dataset,
            head.dataset,
            start_of_day(day),
            SCHEMA_SET,
            render_markdown,
            compare,
        )


# ---------------------------------------------------------------------------------------------
# The closing instant, edge by edge


def _fixture_notice(cutoff: str | None) -> str:
    text = (FIXTURE_BASE / "notices" / f"{FIXTURE_NOTICE}.yaml").read_text(encoding="utf-8")
    assert 'cutoff_time: "17:30"\n' in text
    return text.replace('cutoff_time: "17:30"\n', f'cutoff_time: "{cutoff}"\n' if cutoff else "")


@pytest.mark.parametrize("cutoff", [None, "17:30"], ids=["24:00", "17:30"])
def test_closing_instant_edges(tmp_path, cutoff):
    """The badge's data-closes is the calendar's DTEND; 23:59 of the last day is before the close
    only without a cut-off; 00:00 of the next day is never before it; the day-level state turns
    from open to closed between the last day and the next."""
    data = make_data_dir(tmp_path)
    (data / "notices" / f"{FIXTURE_NOTICE}.yaml").write_text(_fixture_notice(cutoff), encoding="utf-8")
    loaded = load(data)
    assert loaded.ok, errors(loaded)
    last_day = dt.date(2025, 2, 28)
    states = {}
    for day in (last_day - dt.timedelta(days=1), last_day, last_day + dt.timedelta(days=1)):
        snapshot, pages, exports, base_url = build(loaded.dataset, day)
        check_consistent(snapshot, pages, exports, base_url=base_url, dataset=loaded.dataset)
        page = parse_html(next(p.content for p in pages if p.src_uri == f"notices/{FIXTURE_NOTICE}.md"))
        badge = page.find("p", "cl-badges").find("span", "cl-badge")
        closes = dt.datetime.fromisoformat(badge.attrs["data-closes"])
        ics = read_ics(next(e.content for e in exports if e.path == "calendar/deadlines.ics"))  # both parsers agree
        event = ics[f"notice-close-{FIXTURE_NOTICE}@gz-clusters"]
        assert event.end == closes, f"{day}: DTEND {event.end.isoformat()} != data-closes {closes.isoformat()}"
        assert event.start == start_of_day(last_day), f"{day}: DTSTART {event.start.isoformat()}"
        assert (event.start_tzid, event.end_tzid) == ("Asia/Shanghai", "Asia/Shanghai")
        before_midnight = dt.datetime(2025, 2, 28, 23, 59, tzinfo=SHANGHAI)
        next_midnight = dt.datetime(2025, 3, 1, 0, 0, tzinfo=SHANGHAI)
        assert (before_midnight < closes) is (cutoff is None), (
            f"23:59 of the last day {'should' if cutoff is None else 'should not'} be before the close "
            f"{closes.isoformat()}"
        )
        assert closes <= next_midnight, f"00:00 of 2025-03-01 is before the close {closes.isoformat()}"
        expected = dt.datetime(2025, 2, 28, 17, 30, tzinfo=SHANGHAI) if cutoff else next_midnight
        assert closes == expected and closes.astimezone(dt.UTC) == expected, closes.isoformat()
        states[day] = badge.attrs["class"]
    assert states == {
        last_day - dt.timedelta(days=1): "cl-badge cl-notice-open",
        last_day: "cl-badge cl-notice-open",
        last_day + dt.timedelta(days=1): "cl-badge cl-notice-closed",
    }, states


# ---------------------------------------------------------------------------------------------
# The same oracle over real MkDocs builds

SCHEDULED_NOTICE = """\
# 测试数据（虚构）：发布日期在两次构建之后的公示，两次构建都不得提及。
id: test-oracle-scheduled
title: 【测试数据】ORACLESCHEDULED 2025 年第二批市级集群拟认定名单公示
level: municipal
issuer: 【测试数据】测试发布单位
published_on: 2025-03-11
working_days: 7
cutoff_time: "17:30"
url: https://example.org/notices/test-oracle-scheduled
objection:
  phone: 020-00000000
outcome:
  final_doc_no: ORACLEFINAL〔2025〕9号
  final_date: 2025-04-30
entries:
  - cluster: test-municipal-alpha
  - name: 【测试数据】广州市海珠区测试候选二号产业集群
    district: "440105"
"""
RECORD_PAGES = re.compile(r"(?:clusters|districts|notices)/[a-z0-9-]+")
EXPORT_FOLDERS = ("data", "feeds", "calendar", "schemas")


def searchable(piece: bytes) -> bytes:
    """A piece of the search index as the text a reader may be shown (decompressed, U+200B removed)."""
    return text(decompress(piece).decode("utf-8", errors="replace")).encode("utf-8")


def site_outputs(site: Path) -> tuple[dict[str, str], dict[str, bytes], dict[str, bytes]]:
    """The generated pages (by src_uri) as built HTML, the exports as written, and every file the
    build wrote except the theme's assets (search index and sitemap included)."""
    pages, files, scan = {}, {}, {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(site).as_posix()
        if relative.startswith("assets/"):
            continue
        content = path.read_bytes()
        # The search index's pieces are gzip, their text one character per word: scanned as text.
        scan[relative] = searchable(content) if path.suffix in PRECOMPRESSED_SUFFIXES else content
        if relative.split("/", 1)[0] in EXPORT_FOLDERS and "/" in relative:
            files[relative] = content
        if path.name == "index.html":
            folder = relative[: -len("index.html")].rstrip("/")
            if folder in ("", "clusters", "districts", "notices"):
                pages[f"{folder}/index.md".lstrip("/")] = content.decode("utf-8")
            elif folder in ("open-data", "guide") or RECORD_PAGES.fullmatch(folder):
                pages[f"{folder}.md"] = content.decode("utf-8")
    return pages, files, scan


@pytest.mark.parametrize("day", [dt.date(2025, 2, 24), dt.date(2025, 3, 10)], ids=str)
def test_built_site_agrees(tmp_path, day):
    data = make_data_dir(tmp_path)
    (data / "notices" / "test-oracle-scheduled.yaml").write_text(SCHEDULED_NOTICE, encoding="utf-8")
    loaded = build_site(CONFIG, data, tmp_path / "site", start_of_day(day))
    pages, files, scan = site_outputs(tmp_path / "site")
    snapshot = take_snapshot(loaded.dataset, start_of_day(day))
    base_url = loaded.dataset.site.values.get("base_url")
    assert base_url == "https://example.org/"
    assert {
        "index.md",
        "clusters/index.md",
        "notices/index.md",
        f"notices/{FIXTURE_NOTICE}.md",
        "clusters/test-municipal-alpha.md",
        "districts/huangpu.md",
    } <= set(pages), sorted(pages)
    assert {"data/clusters.csv", "data/notices.json", "feeds/notices.atom", "calendar/deadlines.ics"} <= set(files)
    assert any(name.startswith("pagefind/fragment/") for name in scan), "the search index is scanned too"
    check_consistent(snapshot, pages, files, scan=scan, base_url=base_url, dataset=loaded.dataset)
    # The Markdown step keeps the badge the generator rendered.
    rendered = {p.src_uri: p.content for p in build(loaded.dataset, day)[1]}
    page = f"notices/{FIXTURE_NOTICE}.md"
    built = parse_html(pages[page]).find("p", "cl-badges").find("span", "cl-badge")
    expected = parse_html(rendered[page]).find("p", "cl-badges").find("span", "cl-badge")
    assert (built.attrs, built.text()) == (expected.attrs, expected.text())


# ---------------------------------------------------------------------------------------------
# Bugs the oracle found in generator/, each kept as a regression test with the smallest data that showed it


def _fixture_with(tmp_path: Path, replace: dict[str, tuple[str, str]] | None = None, add: dict[str, str] | None = None):
    data = make_data_dir(tmp_path)
    for relative, (old, new) in (replace or {}).items():
        text = (data / relative).read_text(encoding="utf-8")
        assert old in text, (relative, old)
        (data / relative).write_text(text.replace(old, new), encoding="utf-8")
    for relative, text in (add or {}).items():
        (data / relative).write_text(text, encoding="utf-8")
    loaded = load(data)
    assert loaded.ok, errors(loaded)
    return loaded


LATER_NOTICE = """\
id: test-oracle-later
title: 【测试数据】ORACLELATER 2025 年第二批拟认定名单公示
level: municipal
issuer: 【测试数据】测试发布单位
published_on: 2025-06-03
working_days: 7
url: https://example.org/notices/test-oracle-later
objection:
  phone: 020-00000000
entries:
  - cluster: test-oracle-year-only
"""
YEAR_ONLY_CLUSTER = """\
id: test-oracle-year-only
name: 【测试数据】广州市海珠区测试年份集群
verified: false
district: "440105"
leading_industry: 【测试数据】测试
events:
  - type: certified
    date: "2025"
    level: municipal
    notice: test-oracle-later
    source: https://example.org/sources/test-oracle-year-only
"""


# Was: generator/publish/export.py _event_rows (now publish/opendata.py): events.csv copies an as-of event's `notice` even when that notice is  published after the day. A certification dated only '2025' (as of 2025-03-01 it counts from 2025-01-01)  naming notice test-oracle-later (published_on 2025-06-03) puts 'test-oracle-later' in data/e
def test_regression_event_names_a_notice_not_yet_published(tmp_path):
    loaded = _fixture_with(
        tmp_path,
        add={"notices/test-oracle-later.yaml": LATER_NOTICE, "clusters/test-oracle-year-only.yaml": YEAR_ONLY_CLUSTER},
    )
    snapshot, pages, exports, base_url = build(loaded.dataset, dt.date(2025, 3, 1))
    files = {e.path: e.content for e in exports}
    assert b"test-oracle-later" not in files["data/notices.csv"]  # the notice itself is not published yet
    assert b"test-oracle-later" not in files["data/events.csv"], "events.csv names the unpublished notice"
    check_consistent(snapshot, pages, exports, base_url=base_url, dataset=loaded.dataset)


# Was: generator/publish/export.py _notice_package (now publish/opendata.py): data/notices/<id>/final-diff.json (the final list against the  proposed one) is written once the notice is closed and some cluster's as-of certification names it, not  from the notice's outcome.final_date. Fixture with test-municipal-alpha's certification dated '
def test_regression_final_diff_before_the_final_list(tmp_path):
    loaded = _fixture_with(
        tmp_path,
        replace={
            "clusters/test-municipal-alpha.yaml": (
                "    date: 2025-03-10\n    level: municipal",
                "    date: 2025-03\n    level: municipal",
            )
        },
    )
    snapshot, pages, exports, base_url = build(loaded.dataset, dt.date(2025, 3, 5))
    paths = {e.path for e in exports}
    assert f"data/notices/{FIXTURE_NOTICE}/datapackage.json" in paths
    assert f"data/notices/{FIXTURE_NOTICE}/final-diff.json" not in paths, "final list published before 2025-03-10"
    check_consistent(snapshot, pages, exports, base_url=base_url, dataset=loaded.dataset)


# Was: generator/domain/snapshot.py as_of: a cluster source without published_on is always cited, even when its url  is a notice's outcome.final_url, whose date the records state (outcome.final_date). Fixture as of  2025-02-24: clusters/test-municipal-delta cites https://example.org/notices/test-municipal-2025-fi
def test_regression_undated_source_cites_the_final_list_early(tmp_path):
    loaded = _fixture_with(tmp_path)
    snapshot, pages, exports, base_url = build(loaded.dataset, dt.date(2025, 2, 24))
    page = next(p.content for p in pages if p.src_uri == "clusters/test-municipal-delta.md")
    cited = {a.attrs["href"] for a in parse_html(page).find("div", "cl-sources").find_all("a")}
    assert FIXTURE_FINAL_URL not in cited, "the final list is cited before its final_date"
    check_consistent(snapshot, pages, exports, base_url=base_url, dataset=loaded.dataset)


PARTLY_DATED_REVOCATION = """\
id: test-oracle-revoked-in-june
name: 【测试数据】广州市天河区测试六月撤销集群
verified: false
district: "440106"
leading_industry: 【测试数据】测试
events:
  - type: certified
    date: 2025-03-10
    level: municipal
    source: https://example.org/sources/test-oracle-revoked-in-june
  - type: revoked
    date: 2026-06
    reason: "4.3.3"
"""


# Was: generator/domain/lifecycle.py cluster_status: a revocation dated only to the month counts from the month's  first day everywhere (snapshot.as_of shows it in the page's 撤销 section, the history and the home page's  recent changes; _deadlines drops the validity end; annual_reports stops the reports) except in
def test_regression_partly_dated_revocation_leaves_the_status_valid(tmp_path):
    loaded = _fixture_with(tmp_path, add={"clusters/test-oracle-revoked-in-june.yaml": PARTLY_DATED_REVOCATION})
    snapshot, pages, exports, base_url = build(loaded.dataset, dt.date(2026, 6, 10))
    page = parse_html(next(p.content for p in pages if p.src_uri == "clusters/test-oracle-revoked-in-june.md"))
    assert page.find("div", "cl-revocation") is not None  # the page publishes the revocation
    badge = page.find("p", "cl-badges").find("span", "cl-badge")
    assert "cl-status-revoked" in badge.classes, f"status {badge.text()} beside a published revocation"
    check_consistent(snapshot, pages, exports, base_url=base_url, dataset=loaded.dataset)


RECERTIFIED = """\
id: test-oracle-recertified
name: 【测试数据】广州市花都区测试重新认定集群
verified: false
district: "440114"
leading_industry: 【测试数据】测试
events:
  - type: certified
    date: 2022-12-20
    level: national
    source: https://example.org/sources/test-oracle-recertified
  - type: revoked
    date: 2025-05-20
    level: national
    reason: "4.3.5"
  - type: certified
    date: 2026-06-01
    level: municipal
    source: https://example.org/sources/test-oracle-recertified-2
"""


# Was: generator/domain/lifecycle.py cluster_status (and snapshot._deadlines, lifecycle.annual_reports): a  certification recorded after a revocation (the way problems.py event-after-revocation tells staff to record  a re-recognition) never takes effect: the first revocation decides the status for good. A cluster
def test_regression_certification_after_revocation_is_ignored(tmp_path):
    loaded = _fixture_with(tmp_path, add={"clusters/test-oracle-recertified.yaml": RECERTIFIED})
    snapshot, pages, exports, base_url = build(loaded.dataset, dt.date(2026, 8, 1))
    check_consistent(snapshot, pages, exports, base_url=base_url, dataset=loaded.dataset)  # every output: 已撤销
    facts = next(f for f in snapshot.clusters if f.cluster.id == "test-oracle-recertified")
    uids = set(read_ics(next(e.content for e in exports if e.path == "calendar/deadlines.ics")))
    assert facts.status.code == "valid", f"status {facts.status.label}: {facts.status.detail}"
    assert "validity-end-test-oracle-recertified-municipal-2026-06-01@gz-clusters" in uids
