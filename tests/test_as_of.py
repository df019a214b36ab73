"""One truth as of a day: the seven contradictions found between outputs, each pinned by a test.

Each test renders the real outputs for one day (the generated pages, whose Markdown holds the HTML
the site shows, and the open-data files, feed and calendar as published), or builds the real
site, and reads them back with parsers. Before the snapshot existed each of these failed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, Page, make_data_dir
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from pagefind_support import fragments, text

from generator import SCHEMAS_DIR
from generator.cli import cli
from generator.domain.calendar import SHANGHAI, start_of_day
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.diff import compare
from generator.publish.exports import build_exports
from generator.publish.pages import render_pages
from generator.schema.package import load_schemas
from generator.site.build import build_site

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
NOTICE = "test-municipal-2025-list"  # fixture: published 2025-02-20, window to 2025-02-28 17:30
ATOM = "{http://www.w3.org/2005/Atom}"

# Records added to the fixture for these tests (test data, marked as such).
REVOKED = """\
id: test-asof-revoked
name: 【测试数据】广州市天河区测试撤销产业集群
verified: false
district: "440106"
leading_industry: 【测试数据】测试软件
events:
  - type: certified
    date: 2025-03-10
    level: municipal
    source: https://example.org/test-asof-revoked
  - type: annual_report
    date: 2026-02-20
    year: 2025
  - type: revoked
    date: 2026-05-01
    reason: "4.3.3"
    source: https://example.org/test-asof-revoked-revocation
"""
LATE = """\
id: test-asof-late
name: 【测试数据】广州市番禺区测试后认定产业集群
verified: false
district: "440113"
leading_industry: 【测试数据】测试纺织
events:
  - type: certified
    date: 2025-11-10
    level: municipal
    source: https://example.org/test-asof-late
"""
YEAR_END = """\
id: test-asof-year-end
title: 【测试数据】2026 年末市级名单公示
level: municipal
issuer: 【测试数据】测试发布单位
published_on: 2026-12-28
working_days: 7
ends_on: 2027-01-08
url: https://example.org/notices/test-asof-year-end
objection:
  phone: 020-00000000
entries:
  - name: 【测试数据】年末候选集群
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = make_data_dir(tmp_path_factory.mktemp("as-of"))
    (folder / "clusters" / "test-asof-revoked.yaml").write_text(REVOKED, encoding="utf-8")
    (folder / "clusters" / "test-asof-late.yaml").write_text(LATE, encoding="utf-8")
    (folder / "notices" / "test-asof-year-end.yaml").write_text(YEAR_END, encoding="utf-8")
    return folder


@dataclass
class Outputs:
    snapshot: object
    pages: dict[str, str]  # src_uri -> generated Markdown (raw HTML blocks)
    files: dict[str, bytes]  # site path -> bytes
    dataset: object = None  # the records the snapshot was taken from

    def page(self, src_uri: str) -> Page:
        return Page(self.pages[src_uri])

    def section(self, src_uri: str, css_class: str) -> str:
        """The visible text of one <div class="…"> block of a page."""
        content = self.pages[src_uri]
        start = content.index(f'<div class="{css_class}">')
        return Page(content[start : content.index("</div>", start)]).text

    def everything(self) -> str:
        return "\n".join(self.pages.values()) + "\n".join(
            content.decode("utf-8", "replace") for content in self.files.values()
        )


def outputs(data: Path, day: dt.date) -> Outputs:
    loaded = load_dataset(data, SCHEMAS_DIR, today=day)
    assert loaded.ok, [p.format() for p in loaded.problems]
    snapshot = take_snapshot(loaded.dataset, start_of_day(day))
    exports = build_exports(snapshot, SCHEMA_SET)
    pages = render_pages(snapshot, SCHEMA_SET, exports)
    return Outputs(
        snapshot, {p.src_uri: p.content for p in pages}, {f.path: f.content for f in exports}, loaded.dataset
    )


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def ics_events(content: bytes) -> dict[str, tuple[object, object]]:
    """UID -> (start, end), read by two independent parsers that must agree."""
    loose = {
        str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND")) for e in Calendar.from_ical(content).walk("VEVENT")
    }
    strict = {e.uid: (e.dtstart, e.dtend) for e in IcsCalendarStream.calendar_from_ics(content.decode("utf-8")).events}
    assert loose == strict
    return strict


# 1. `clusters diff` and the site agree on a status, open publicity included.
def test_diff_and_site_give_the_same_status_during_publicity(data, tmp_path):
    day = dt.date(2025, 2, 24)  # alpha is on the open list; its certification is dated 2025-03-10
    shown = outputs(data, day)
    assert 'data-status="in_publicity"' in shown.pages["clusters/index.md"]
    alpha = shown.page("clusters/test-municipal-alpha.md").text
    assert "公示中" in alpha
    (tmp_path / "base").mkdir()
    base = make_data_dir(tmp_path / "base")
    (base / "clusters" / "test-municipal-alpha.yaml").unlink()
    before = load_dataset(base, SCHEMAS_DIR, today=day).dataset
    diff = compare(before, shown.dataset, shown.snapshot.at, SCHEMA_SET)
    (change,) = [s for s in diff.statuses if s.id == "test-municipal-alpha"]
    assert change.after == "公示中"
    row = next(r for r in csv_rows(shown.files["data/clusters.csv"]) if r["id"] == "test-municipal-alpha")
    assert (row["status"], row["status_label"]) == ("in_publicity", "公示中")


# 2. The home page's deadlines and the calendar file come from one list: no validity end of a
#    cluster revoked before it, in either.
def test_home_deadlines_and_calendar_agree_and_skip_revoked_validity(data):
    shown = outputs(data, dt.date(2026, 6, 1))  # revoked on 2026-05-01; its validity would end 2028-03-09
    home = shown.section("index.md", "cl-deadlines")
    events = ics_events(shown.files["calendar/deadlines.ics"])
    assert not [uid for uid in events if uid.startswith("validity-end-test-asof-revoked")]
    assert "测试撤销产业集群" not in home
    assert "2028-03-09" in home  # alpha's validity end is listed in both
    assert "validity-end-test-municipal-alpha-municipal-2025-03-10@gz-clusters" in events
    for deadline in shown.snapshot.upcoming():
        start, end = events[f"{deadline.key}@gz-clusters"]
        assert f"{deadline.day.isoformat()}" in home and deadline.name in home
        assert (start.date() if isinstance(start, dt.datetime) else start) == deadline.day


# 3. The home page states the notice's own cut-off, as the notice page does.
def test_home_states_the_stated_cut_off(data):
    shown = outputs(data, dt.date(2025, 2, 24))
    home = shown.section("index.md", "cl-deadlines")
    assert "2025-02-28 17:30" in home and "24:00" not in home
    assert "2025-02-28 17:30" in shown.page(f"notices/{NOTICE}.md").text


# 4. --today reaches every output: nothing that happened later is shown, counts start with the guideline.
def test_a_build_as_of_a_day_shows_nothing_that_happened_later(data):
    shown = outputs(data, dt.date(2025, 10, 22))
    recent = shown.section("index.md", "cl-recent")
    assert "2025-11-10" not in recent and "2026-02-20" not in recent and "2026-05" not in recent
    assert "clusters/test-asof-late.md" not in shown.pages  # certified 2025-11-10: not yet on the site
    assert "后认定产业集群" not in shown.everything()
    revoked = shown.page("clusters/test-asof-revoked.md").text
    assert "已报送" not in revoked and "2026-02-20" not in revoked and "已撤销" not in revoked
    assert "来源未载明认定日期" not in shown.everything()
    events = csv_rows(shown.files["data/events.csv"])
    assert all((row["date"] or "0") <= "2025-10-22" for row in events), events


def test_before_the_guideline_no_municipal_cluster_is_counted(data):
    shown = outputs(data, dt.date(2024, 6, 1))
    progress = shown.section("index.md", "cl-progress")
    assert "尚未施行" in progress and "<strong>" not in shown.pages["index.md"].split('class="cl-progress"')[1][:400]
    assert shown.snapshot.municipal == ()
    after = outputs(data, dt.date(2025, 3, 10))
    assert "确定有效的市级集群" in after.section("index.md", "cl-progress")


# 5. The objection deadline is an event on its last day ending at the cut-off; date deadlines are all-day.
def test_calendar_objection_deadline_ends_at_the_cut_off_on_its_day(data):
    shown = outputs(data, dt.date(2025, 3, 10))
    events = ics_events(shown.files["calendar/deadlines.ics"])
    start, end = events[f"notice-close-{NOTICE}@gz-clusters"]
    assert start == dt.datetime(2025, 2, 28, 0, 0, tzinfo=SHANGHAI)
    assert end == dt.datetime(2025, 2, 28, 17, 30, tzinfo=SHANGHAI)
    start, end = events["annual-report-test-municipal-alpha-2025@gz-clusters"]
    assert (start, end) == (dt.date(2026, 2, 28), dt.date(2026, 3, 1))
    raw = shown.files["calendar/deadlines.ics"].decode("utf-8")
    assert "DTEND;TZID=Asia/Shanghai:20250228T173000" in raw and "BEGIN:VTIMEZONE" in raw


def test_calendar_deadline_without_cut_off_ends_at_midnight_of_its_last_day(data, tmp_path):
    folder = make_data_dir(tmp_path)
    notice = folder / "notices" / f"{NOTICE}.yaml"
    notice.write_text(notice.read_text(encoding="utf-8").replace('cutoff_time: "17:30"\n', ""), encoding="utf-8")
    events = ics_events(outputs(folder, dt.date(2025, 3, 10)).files["calendar/deadlines.ics"])
    start, end = events[f"notice-close-{NOTICE}@gz-clusters"]
    assert start == dt.datetime(2025, 2, 28, 0, 0, tzinfo=SHANGHAI)
    assert end == dt.datetime(2025, 3, 1, 0, 0, tzinfo=SHANGHAI)  # 24:00 of 28 February


# 6. A notice is published on its day, not before.
def test_a_notice_is_not_published_before_its_day(data, tmp_path):
    day = dt.date(2025, 2, 10)  # the fixture notice is dated 2025-02-20
    shown = outputs(data, day)
    assert f"notices/{NOTICE}.md" not in shown.pages
    everything = shown.everything()
    assert NOTICE not in everything and "拟认定名单公示" not in everything and "测试联系人" not in everything
    assert not csv_rows(shown.files["data/notices.csv"])
    assert not [u for u in ics_events(shown.files["calendar/deadlines.ics"]) if u.startswith("notice-close")]
    feed = ET.fromstring(shown.files["feeds/notices.atom"])
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles and not [t for t in titles if "公示" in t], titles  # earlier cluster events only
    site = tmp_path / "site"
    build_site(REPO_ROOT / "mkdocs.yml", data, site, start_of_day(day))
    assert not (site / "notices" / NOTICE).exists()
    indexed = fragments(site)  # the site search's index
    assert [url for url in indexed if url.startswith("/clusters/test-")]  # the clusters of the day are in it
    assert not [url for url, f in indexed.items() if NOTICE in url or "拟认定名单" in text(f["meta"]["title"])]
    later = outputs(data, dt.date(2025, 2, 20))
    assert f"notices/{NOTICE}.md" in later.pages


def test_validate_notes_what_is_scheduled(data):
    result = _validate(["validate", "--data", str(data), "--today", "2025-02-10"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    scheduled = [line for line in lines if "[notice-scheduled]" in line]
    assert any(
        f"notices/{NOTICE}.yaml:" in line and ": note: " in line and "将于 2025-02-20 发布" in line
        for line in scheduled
    ), lines
    assert any(
        "test-asof-late.yaml:" in line and "将于 2025-11-10 生效" in line and "[event-in-future]" in line
        for line in lines
    ), lines


# 7. A late-December notice that states its end date is published while next year's arrangement is missing.
def test_year_end_notice_with_stated_end_is_published_unchecked(data, tmp_path):
    day = dt.date(2026, 12, 29)
    result = _validate(["validate", "--data", str(data), "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    assert any(
        "notices/test-asof-year-end.yaml:" in line
        and "[calendar-not-covered-stated-end]" in line
        and ": warning: " in line
        for line in result.output.splitlines()
    ), result.output
    site = tmp_path / "site"
    build_site(REPO_ROOT / "mkdocs.yml", data, site, start_of_day(day))
    page = Page(site / "notices" / "test-asof-year-end" / "index.html")
    assert "2026-12-28 至 2027-01-08" in page.text
    assert "尚未与官方日历核对" in page.text and "2027" in page.text
    (badge,) = [a for t, a in page.tags if t == "span" and "data-closes" in a]
    assert badge["data-closes"] == "2027-01-09T00:00:00+08:00"


def test_year_end_notice_without_stated_end_is_refused(data, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for path in data.rglob("*"):
        target = folder / path.relative_to(data)
        if path.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.write_bytes(path.read_bytes())
    notice = folder / "notices" / "test-asof-year-end.yaml"
    notice.write_text(notice.read_text(encoding="utf-8").replace("ends_on: 2027-01-08\n", ""), encoding="utf-8")
    result = _validate(["validate", "--data", str(folder), "--today", "2026-12-29"])
    assert result.exit_code == 1
    assert any(
        "notices/test-asof-year-end.yaml:5:" in line and "[calendar-not-covered]" in line
        for line in result.output.splitlines()
    ), result.output


def _validate(args: list[str]):
    """`clusters validate` in this process; an exception inside it fails the test (it is not an exit code)."""
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_no_function_below_the_cli_defaults_the_as_of_day():
    """Issue 23: the day (or instant) a computation is as of is always passed in; only the CLI and the
    clock module decide it. A parameter named for it must have no default anywhere else in generator/."""
    import importlib
    import inspect
    import pkgutil

    import generator

    names = {"today", "day", "at", "now", "as_of", "instant"}
    not_an_as_of = {"generator.domain.model.PartialDate.__init__(day=None)"}  # its day of the month, if known
    found = []
    modules = [m.name for m in pkgutil.walk_packages(generator.__path__, "generator.")]
    assert len(modules) > 30
    for name in modules:
        if name in ("generator.cli", "generator.site.clock", "generator.__main__"):
            continue
        module = importlib.import_module(name)
        for _, member in inspect.getmembers(module):
            functions = [member]
            if inspect.isclass(member) and member.__module__ == name:
                functions = [f for _, f in inspect.getmembers(member, inspect.isfunction)]
            for function in functions:
                if not inspect.isfunction(function) or function.__module__ != name:
                    continue
                for parameter in inspect.signature(function).parameters.values():
                    if parameter.name in names and parameter.default is not inspect.Parameter.empty:
                        found.append(f"{name}.{function.__qualname__}({parameter.name}={parameter.default!r})")
    assert [f for f in found if f not in not_an_as_of] == []


@pytest.mark.parametrize(
    "day,shown",
    [(dt.date(2023, 10, 9), False), (dt.date(2024, 12, 31), False), (dt.date(2025, 1, 1), True)],
)
def test_a_recognition_known_only_by_its_batch_year_has_not_happened_before_that_year(day, shown):
    """The shipped Haizhu cluster: national, batch 2025, its date not stated. As of 2023-10-09 it is not
    on the list, has no page and is not counted among clusters of unknown state (issue 23)."""
    loaded = load_dataset(REPO_ROOT / "data", SCHEMAS_DIR, today=day)
    assert loaded.ok, [p.format() for p in loaded.problems]
    record = loaded.dataset.clusters["haizhu-smart-manufacturing-system-integration"]
    (certified,) = [e for e in record.events if e.type == "certified"]
    assert certified.date is None and certified.batch == 2025  # what the test relies on
    snapshot = take_snapshot(loaded.dataset, start_of_day(day))
    ids = {facts.cluster.id for facts in snapshot.clusters}
    assert (record.id in ids) is shown
    exports = {e.path: e.content for e in build_exports(snapshot, load_schemas(SCHEMAS_DIR), None)}
    rows = list(csv.DictReader(io.StringIO(exports["data/clusters.csv"].decode("utf-8-sig"))))
    assert (record.id in {row["id"] for row in rows}) is shown
    pages = {page.src_uri: page.content for page in render_pages(snapshot, load_schemas(SCHEMAS_DIR), ())}
    assert (f"clusters/{record.id}.md" in pages) is shown
    assert ("2025 年度" in pages["clusters/index.md"]) is shown
