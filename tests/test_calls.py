"""The annual call (认定工作通知) and attachments: validated, placed on the pages, in the feed and the
calendar, and published only from the day the record says — checked on real builds of
tests/fixtures/calls (a municipal call published 2024-11-20, open 2024-11-25 to 2024-12-20 17:30,
district pre-review deadline 2024-12-10; the base notice naming it, with a proposed-list PDF and a
final-list PDF that belongs to the result of 2025-03-10)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import CALLS_FIXTURE, REPO_ROOT, Page, make_data_dir, run_validate, shared_site
from icalendar import Calendar

from generator.domain.calendar import SHANGHAI, start_of_day
from generator.domain.calls import call_facts, call_state
from generator.domain.model import Call
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.templates import human_size

CALL = "test-municipal-2025-call"
NOTICE = "test-municipal-2025-list"
ATOM = "{http://www.w3.org/2005/Atom}"
DAYS = {
    "before": dt.date(2024, 11, 19),  # the day before the call is published
    "published": dt.date(2024, 11, 20),  # published, applications open on 11-25
    "open": dt.date(2024, 12, 20),  # the deadline day itself
    "closed": dt.date(2024, 12, 21),
    "notice": dt.date(2025, 2, 20),  # the notice naming the call is out; its result is not
    "result": dt.date(2025, 3, 10),  # the final list is out
}


@pytest.fixture(scope="module")
def data(shared) -> Path:
    return shared_site(shared, "calls", DAYS["open"]).data


@pytest.fixture(scope="module")
def sites(shared) -> dict[str, Path]:
    """The site as of each day (tests/browser/test_records_browser.py opens two of them)."""
    return {name: shared_site(shared, "calls", day).site for name, day in DAYS.items()}


def call_page(site: Path) -> Page:
    return Page(site / "calls" / CALL / "index.html")


def test_the_fixture_validates_without_a_word(data):
    run = run_validate(data)
    assert run.returncode == 0 and not run.keys("error") and not run.keys("warning"), run.stdout + run.stderr


def test_before_publication_nothing_of_the_call_is_published(sites):
    site = sites["before"]
    assert not (site / "calls" / CALL).exists()
    assert not (site / "attachments").exists()
    assert "本站尚未收录申报通知" in Page(site / "calls" / "index.html").text
    home = Page(site / "index.html")
    assert home.root.find("div", cls="cl-calls") is None
    assert CALL not in (site / "feeds" / "notices.atom").read_text(encoding="utf-8")
    assert CALL not in (site / "calendar" / "deadlines.ics").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO((site / "data" / "calls.csv").read_text(encoding="utf-8-sig"))))
    assert rows == []


def test_published_but_not_yet_open_is_upcoming_on_the_home_page(sites):
    home = Page(sites["published"] / "index.html")
    box = home.root.find("div", cls="cl-calls")
    assert box is not None
    assert "未开始" in box.text() and "2024-11-25 至 2024-12-20 17:30" in box.text()
    link = box.find("a", href=f"calls/{CALL}/")
    assert link is not None


def test_the_call_page_states_what_the_call_states(sites):
    page = call_page(sites["open"])
    text = page.text
    assert "申报中" in text  # the deadline day counts as open
    govinfo = page.root.find("section", cls="cl-govinfo")
    assert govinfo is not None
    assert [dd.text() for dd in govinfo.find_all("dd")] == [
        "TEST00/2024-00099",
        "【测试数据】工业、交通",
        "【测试数据】测试发布单位",
        "2024-11-18",
        "【测试数据】测工信函〔2024〕99号",
        "2024-11-20",
        "有效",
    ]
    assert "2024-12-20 17:30（北京时间）" in text and "2024-12-10" in text
    assert [li.text() for li in page.root.find("div", cls="cl-materials").find("ol").find_all("li")] == [
        "【测试数据】市级中小企业特色产业集群申报表",
        "【测试数据】集群发展规划及必要的证明材料",
    ]
    contacts = page.root.find("div", cls="cl-contacts")
    assert "020-00000002" in contacts.text() and "call@example.org" in contacts.text()
    bureaux = page.root.find("div", cls="cl-bureaux")
    assert len(bureaux.find("tbody").find_all("tr")) == 11  # every district's bureau, 未载明 where unknown
    assert "未载明" in bureaux.text()


def test_each_attachment_is_linked_with_its_type_size_and_sha256(sites, data):
    site = sites["open"]
    items = call_page(site).root.find("ul", cls="cl-attachments").find_all("li")
    assert len(items) == 2
    for item, name, label in (
        (items[0], "test-2025-application-form.docx", "Word 文档（DOCX）"),
        (items[1], "test-2025-indicators.xlsx", "Excel 表格（XLSX）"),
    ):
        content = (data / "attachments" / name).read_bytes()
        assert (site / "attachments" / name).read_bytes() == content
        assert item.find("a").attrs["href"] == f"../../attachments/{name}"
        assert label in item.text() and human_size(len(content)) in item.text()
        assert hashlib.sha256(content).hexdigest() in item.text()
    # Only the call's files are out: the notice is not published yet.
    assert sorted(p.name for p in (site / "attachments").iterdir()) == [
        "test-2025-application-form.docx",
        "test-2025-indicators.xlsx",
    ]


def test_closed_calls_leave_the_home_page_but_stay_listed(sites):
    site = sites["closed"]
    assert Page(site / "index.html").root.find("div", cls="cl-calls") is None
    assert "已截止" in call_page(site).text
    assert "已截止" in Page(site / "calls" / "index.html").text


def test_the_calendar_has_both_deadlines_as_the_call_states_them(sites):
    calendar = Calendar.from_ical((sites["published"] / "calendar" / "deadlines.ics").read_bytes())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    deadline = events[f"call-deadline-{CALL}@gz-clusters"]
    end = deadline.decoded("dtend")
    assert end.isoformat() == "2024-12-20T17:30:00+08:00"
    district = events[f"call-district-deadline-{CALL}@gz-clusters"]
    assert district.decoded("dtstart") == dt.date(2024, 12, 10) and district.decoded("dtend") == dt.date(2024, 12, 11)


def test_the_feed_announces_the_call_on_its_day(sites):
    feed = ET.fromstring((sites["published"] / "feeds" / "notices.atom").read_bytes())
    (entry,) = [e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith(f"call/{CALL}")]
    assert entry.findtext(f"{ATOM}updated").startswith("2024-11-20T00:00:00+08:00")
    assert "申报截至 2024-12-20 17:30" in entry.findtext(f"{ATOM}summary")


def test_the_procedure_page_links_the_latest_municipal_call(sites):
    page = Page(sites["open"] / "procedure" / "index.html")
    assert page.root.find("a", href=f"../calls/{CALL}/") is not None
    assert "本站尚未收录市级认定工作通知" in Page(sites["before"] / "procedure" / "index.html").text


def test_the_notice_names_its_call_and_its_files_follow_the_result(sites):
    before_result = Page(sites["notice"] / "notices" / NOTICE / "index.html")
    assert before_result.root.find("a", href=f"../../calls/{CALL}/") is not None
    assert before_result.find("a", href="../../attachments/test-2025-proposed-list.pdf")
    assert not before_result.find("a", href="../../attachments/test-2025-final-list.pdf")
    assert not (sites["notice"] / "attachments" / "test-2025-final-list.pdf").exists()
    package = json.loads((sites["notice"] / "data" / "notices" / NOTICE / "datapackage.json").read_text("utf-8"))
    assert [a["path"] for a in package["attachments"]] == ["attachments/test-2025-proposed-list.pdf"]
    after = Page(sites["result"] / "notices" / NOTICE / "index.html")
    outcome = after.root.find("div", cls="cl-outcome")
    assert outcome.find("a", href="../../attachments/test-2025-final-list.pdf") is not None
    assert (sites["result"] / "attachments" / "test-2025-final-list.pdf").is_file()
    following = call_page(sites["result"]).root.find("div", cls="cl-call-notices")
    assert following.find("a", href=f"../../notices/{NOTICE}/") is not None


def test_the_open_data_lists_every_published_attachment(sites, data):
    rows = list(
        csv.DictReader(io.StringIO((sites["result"] / "data" / "attachments.csv").read_text(encoding="utf-8-sig")))
    )
    assert [(r["record_kind"], r["record_id"], r["stage"], r["path"]) for r in rows] == [
        ("call", CALL, "notice", "attachments/test-2025-application-form.docx"),
        ("call", CALL, "notice", "attachments/test-2025-indicators.xlsx"),
        ("notice", NOTICE, "notice", "attachments/test-2025-proposed-list.pdf"),
        ("notice", NOTICE, "outcome", "attachments/test-2025-final-list.pdf"),
    ]
    for row in rows:
        content = (data / row["path"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(content).hexdigest() and int(row["bytes"]) == len(content)
    calls = list(csv.DictReader(io.StringIO((sites["result"] / "data" / "calls.csv").read_text(encoding="utf-8-sig"))))
    assert [(c["id"], c["state"], c["closes_at"]) for c in calls] == [(CALL, "closed", "2024-12-20T17:30:00+08:00")]


def _call(**stated: object) -> Call:
    values: dict[str, object] = dict.fromkeys(Call.__dataclass_fields__, None)
    values.update(id="c", title="t", level="municipal", year=2026, issuer="i", published_on=dt.date(2026, 3, 2))
    values.update(materials=(), contacts=(), attachments=(), corrections=())
    values.pop("origin")
    values.update(stated)
    return Call(**values)  # type: ignore[arg-type]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("stated", "at", "state"),
    [
        ({}, _at("2026-03-01T23:59"), "upcoming"),
        ({}, _at("2026-03-02T00:00"), "unknown"),  # open since publication, no deadline stated: not guessed
        ({"deadline_on": dt.date(2026, 3, 31)}, _at("2026-03-02T00:00"), "open"),
        ({"deadline_on": dt.date(2026, 3, 31)}, _at("2026-03-31T23:59"), "open"),  # the deadline day until 24:00
        ({"deadline_on": dt.date(2026, 3, 31)}, _at("2026-04-01T00:00"), "closed"),
        ({"deadline_on": dt.date(2026, 3, 31), "deadline_time": dt.time(17, 30)}, _at("2026-03-31T17:29"), "open"),
        ({"deadline_on": dt.date(2026, 3, 31), "deadline_time": dt.time(17, 30)}, _at("2026-03-31T17:30"), "closed"),
        ({"opens_on": dt.date(2026, 3, 9), "deadline_on": dt.date(2026, 3, 31)}, _at("2026-03-08T23:59"), "upcoming"),
        ({"opens_on": dt.date(2026, 3, 9)}, _at("2026-03-09T00:00"), "unknown"),
    ],
)
def test_call_state(stated, at, state):
    assert call_state(_call(**stated), at) == state


def test_a_call_state_is_a_function_of_an_instant_only():
    with pytest.raises(TypeError):
        call_state(_call(), dt.date(2026, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        call_state(_call(), dt.datetime(2026, 3, 2, 12, 0))  # no time zone


@pytest.mark.parametrize(
    ("stated", "at", "state"),
    [
        ({}, _at("2026-03-01T12:00"), "upcoming"),  # not yet published: a following notice changes nothing
        ({}, _at("2027-06-01T12:00"), "followed"),  # no deadline, but a notice naming it is out: not open
        ({"deadline_on": dt.date(2026, 3, 31)}, _at("2026-03-02T12:00"), "open"),  # a stated deadline rules
        ({"deadline_on": dt.date(2026, 3, 31)}, _at("2026-04-01T00:00"), "closed"),
    ],
)
def test_a_call_followed_by_a_published_notice_is_no_longer_taking_applications(stated, at, state):
    assert call_state(_call(**stated), at, followed=True) == state
    assert call_facts(_call(**stated), at, ("some-notice",), None).state == state
    assert call_facts(_call(**stated), at, (), None).state == call_state(_call(**stated), at)


def test_every_scrolling_table_region_has_its_own_name(sites):
    """Screen readers list landmarks by name: two regions called the same on one page (axe
    landmark-unique) cannot be told apart. The call page has two tables, the open-data page many."""
    site = sites["result"]
    checked = 0
    for html in sorted(site.rglob("*.html")):
        labels = [n.attrs.get("aria-label") for n in Page(html).root.find_all(role="region")]
        assert all(labels) and len(labels) == len(set(labels)), (html.relative_to(site), labels)
        checked += len(labels)
    assert checked > 20


def test_a_call_without_a_deadline_reads_list_published_once_a_notice_naming_it_is_out(tmp_path):
    """The fixture call with its deadline and cut-off left out (as the shipped national call states
    none): 截止日期未载明 while applications may still be open, 名单已公示 from the day the notice naming
    it (2025-02-20) is published; never 申报中 on a guess."""
    data = make_data_dir(tmp_path, CALLS_FIXTURE)
    path = data / "calls" / f"{CALL}.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("deadline_on: 2024-12-20\n", "deadline_on:\n").replace(
        'deadline_time: "17:30"\n', "deadline_time:\n"
    )
    path.write_text(text, encoding="utf-8")
    loaded = load_dataset(data, REPO_ROOT / "schemas", today=dt.date(2025, 2, 20))
    assert loaded.ok, [p.format() for p in loaded.problems]
    states = {
        day: next(f for f in take_snapshot(loaded.dataset, start_of_day(day)).calls if f.call.id == CALL).state
        for day in (dt.date(2024, 11, 25), dt.date(2025, 2, 19), dt.date(2025, 2, 20))
    }
    assert states == {
        dt.date(2024, 11, 25): "unknown",
        dt.date(2025, 2, 19): "unknown",
        dt.date(2025, 2, 20): "followed",
    }
