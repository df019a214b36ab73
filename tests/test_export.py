"""The open-data stage: every export parsed back with a real parser, from the fixture records.

The fixture notice test-municipal-2025-list closes 2025-02-28 at 17:30; on 2025-03-03 it is
closed and clusters alpha and delta name it in their certified events (dated 2025-03-10).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import CALLS_FIXTURE, FIXTURE_BASE, make_data_dir
from frictionless import Package, validate
from icalendar import Calendar
from jsonschema import Draft202012Validator

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.results import final_diff, recognised_by_notice
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.problems import Severity
from generator.publish.exports import build_exports
from generator.publish.opendata import CLUSTER_DERIVED_FIELDS, NOTICE_DERIVED_FIELDS
from generator.publish.serialize import ExportFile
from generator.schema.package import load_schemas

TODAY = dt.date(2025, 3, 10)  # the fixture notice's final list is dated that day
LATER = dt.date(2026, 11, 28)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE = "test-municipal-2025-list"
ATOM = "{http://www.w3.org/2005/Atom}"
BOM = b"\xef\xbb\xbf"
SCHEMA_KINDS = ("policy", "cluster", "notice", "call", "calendar", "districts", "site", "practice")


def _load(data_dir: Path, today: dt.date = TODAY):
    result = load_dataset(data_dir, SCHEMAS_DIR, today=today)
    errors = [p.format() for p in result.problems if p.severity is Severity.ERROR]
    assert not errors, errors
    return result.dataset


@pytest.fixture(scope="module")
def schema_set():
    return load_schemas(SCHEMAS_DIR)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return _load(make_data_dir(tmp_path_factory.mktemp("export-data")))


@pytest.fixture(scope="module")
def files(dataset, schema_set) -> dict[str, ExportFile]:
    built = build_exports(take_snapshot(dataset, start_of_day(TODAY)), schema_set)
    paths = [f.path for f in built]
    assert len(paths) == len(set(paths)), "an output path is produced twice"
    return {f.path: f for f in built}


@pytest.fixture(scope="module")
def site(files, tmp_path_factory) -> Path:
    """The exports written out as they would sit in the built site."""
    root = tmp_path_factory.mktemp("site")
    for export in files.values():
        target = root / export.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(export.content)
    return root


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# -- the contract ---------------------------------------------------------------------------------


def test_output_paths(files):
    assert set(files) == {
        "data/clusters.csv",
        "data/clusters.json",
        "data/events.csv",
        "data/notices.csv",
        "data/notices.json",
        "data/calls.csv",
        "data/attachments.csv",
        "data/datapackage.json",
        "data/criteria.json",
        f"data/notices/{NOTICE}/entries.csv",
        f"data/notices/{NOTICE}/datapackage.json",
        f"data/notices/{NOTICE}/final-diff.json",
        "feeds/notices.atom",
        "feeds/changes.atom",
        "calendar/deadlines.ics",
        *(f"schemas/{kind}.schema.json" for kind in SCHEMA_KINDS),
    }


def test_every_file_has_a_chinese_title_and_description_and_a_media_type(files):
    for export in files.values():
        assert export.media_type
        for text in (export.title, export.description):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (export.path, text)


def test_same_inputs_give_identical_bytes(dataset, schema_set, files):
    again = build_exports(take_snapshot(dataset, start_of_day(TODAY)), schema_set)
    assert [(f.path, f.content) for f in again] == [(f.path, files[f.path].content) for f in again]
    with_base = build_exports(take_snapshot(dataset, start_of_day(TODAY)), schema_set, "https://example.org/gz")
    assert [f.content for f in with_base] == [
        f.content
        for f in build_exports(take_snapshot(dataset, start_of_day(TODAY)), schema_set, "https://example.org/gz")
    ]


# -- CSV and JSON tables ---------------------------------------------------------------------------


def test_clusters_csv_has_bom_header_and_round_trips_chinese(files, dataset, schema_set):
    content = files["data/clusters.csv"].content
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    rows = _csv_rows(content)
    expected_header = [f["name"] for f in schema_set.schemas["clusters"]["fields"]] + [
        f["name"] for f in CLUSTER_DERIVED_FIELDS
    ]
    assert list(rows[0]) == expected_header
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == set(dataset.clusters)
    alpha = by_id["test-municipal-alpha"]
    assert alpha["name"] == dataset.clusters["test-municipal-alpha"].name == "【测试数据】广州市黄埔区测试装备产业集群"
    assert alpha["district_name"] == "黄埔区"
    assert alpha["verified"] == "true"
    assert alpha["area_km2"] == "12.5"
    assert alpha["levels"] == "municipal" and alpha["highest_level"] == "municipal"
    assert alpha["valid_until"] == "2028-03-09"
    assert alpha["status_as_of"] == "2025-03-10T00:00:00+08:00"  # the snapshot's instant
    assert alpha["status_until"] == "2027-12-10T00:00:00+08:00"  # 即将到期: 90 days before 2028-03-09
    assert alpha["page"] == "clusters/test-municipal-alpha/"
    beta = by_id["test-national-beta"]
    assert (beta["status"], beta["status_label"], beta["valid_until"]) == ("valid", "有效", "2026")
    assert beta["status_until"] == "2026-01-02T00:00:00+08:00"  # past 2026-01-01 the year's end may have come
    assert beta["verified"] == "false" and beta["operator"] == ""


def test_clusters_json_matches_csv_with_json_types(files):
    rows = json.loads(files["data/clusters.json"].content)
    csv_rows = _csv_rows(files["data/clusters.csv"].content)
    assert [row["id"] for row in rows] == [row["id"] for row in csv_rows]
    alpha = next(row for row in rows if row["id"] == "test-municipal-alpha")
    assert alpha["verified"] is True and alpha["area_km2"] == 12.5
    assert alpha["levels"] == ["municipal"] and alpha["status_as_of"] == "2025-03-10T00:00:00+08:00"
    assert alpha["status_until"] == "2027-12-10T00:00:00+08:00"
    delta = next(row for row in rows if row["id"] == "test-municipal-delta")
    assert delta["operator"] is None


def test_events_csv_is_the_events_table(files, dataset, schema_set):
    rows = _csv_rows(files["data/events.csv"].content)
    assert list(rows[0]) == [f["name"] for f in schema_set.schemas["events"]["fields"]]
    # Events that had happened by the day: alpha's and delta's later ones (2026-…) are not yet published.
    happened = [e for c in dataset.clusters.values() for e in c.events if e.date is None or e.date.earliest <= TODAY]
    assert len(rows) == len(happened) < sum(len(c.events) for c in dataset.clusters.values())
    beta = [row for row in rows if row["cluster_id"] == "test-national-beta"]
    assert [(r["seq"], r["type"], r["date"], r["valid_from"], r["year"]) for r in beta] == [
        ("1", "certified", "2023", "2024", ""),
        ("2", "annual_report", "2025-02", "", "2024"),
    ]


def test_notices_csv_and_json(files, schema_set):
    rows = _csv_rows(files["data/notices.csv"].content)
    expected_header = [f["name"] for f in schema_set.schemas["notices"]["fields"]] + [
        f["name"] for f in NOTICE_DERIVED_FIELDS
    ]
    assert list(rows[0]) == expected_header
    (row,) = rows
    assert row["id"] == NOTICE
    assert (row["first_day"], row["last_day"]) == ("2025-02-20", "2025-02-28")
    assert dt.datetime.fromisoformat(row["closes_at"]) == dt.datetime(2025, 2, 28, 17, 30, tzinfo=SHANGHAI)
    assert row["closes_at"].endswith("+08:00")
    assert row["state"] == "closed" and row["page"] == f"notices/{NOTICE}/"
    assert row["objection_postcode"] == "510000"
    (item,) = json.loads(files["data/notices.json"].content)
    assert item["working_days"] == 7 and item["outcome_objections_received"] == 0
    assert item["closes_at"] == row["closes_at"]


def test_notice_state_follows_today(dataset, schema_set):
    built = {f.path: f for f in build_exports(take_snapshot(dataset, start_of_day(dt.date(2025, 2, 24))), schema_set)}
    (row,) = _csv_rows(built["data/notices.csv"].content)
    assert row["state"] == "open"
    assert f"data/notices/{NOTICE}/final-diff.json" not in built  # not closed yet: no final list to compare


# -- data packages ---------------------------------------------------------------------------------


def _check_declared_hashes(package_file: Path) -> int:
    descriptor = json.loads(package_file.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        content = (package_file.parent / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest(), resource["path"]
        assert resource["bytes"] == len(content), resource["path"]
    return len(descriptor["resources"])


def test_main_package_validates_with_frictionless(site):
    package_file = site / "data" / "datapackage.json"
    report = validate(str(package_file))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "message"])
    assert _check_declared_hashes(package_file) == 7
    descriptor = json.loads(package_file.read_text(encoding="utf-8"))
    assert descriptor["created"] == "2025-03-10T00:00:00+08:00"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert [r["name"] for r in descriptor["resources"]] == [
        "clusters",
        "events",
        "notices",
        "calls",
        "attachments",
        "clusters-json",
        "notices-json",
    ]
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["name"]["title"] == "集群名称" and fields["status"]["title"] == "状态代码"
    package = Package(str(package_file))
    rows = package.get_resource("clusters").read_rows()
    alpha = next(row for row in rows if row["id"] == "test-municipal-alpha")  # header read without the BOM
    assert alpha["name"] == "【测试数据】广州市黄埔区测试装备产业集群"
    assert alpha["verified"] is True and alpha["status_as_of"] == start_of_day(TODAY)
    (notice,) = package.get_resource("notices").read_rows()
    assert notice["closes_at"] == dt.datetime(2025, 2, 28, 17, 30, tzinfo=SHANGHAI)


def test_main_package_passes_the_frictionless_cli(site):
    done = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "data/datapackage.json"],
        check=False,
        cwd=site,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_notice_package_validates_and_declares_hashes(site):
    package_file = site / "data" / "notices" / NOTICE / "datapackage.json"
    report = Package(str(package_file)).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "message"])
    assert _check_declared_hashes(package_file) == 2
    descriptor = json.loads(package_file.read_text(encoding="utf-8"))
    assert "created" not in descriptor  # its bytes change only when the records do
    rows = Package(str(package_file)).get_resource("entries").read_rows()
    assert [row["cluster"] for row in rows] == ["test-municipal-alpha", "test-municipal-delta", None]
    assert rows[2]["name"] == "【测试数据】广州市南沙区测试候选产业集群"


def test_notice_package_bytes_do_not_depend_on_today(dataset, schema_set, files):
    later = {f.path: f for f in build_exports(take_snapshot(dataset, start_of_day(LATER)), schema_set)}
    for name in ("entries.csv", "datapackage.json", "final-diff.json"):
        path = f"data/notices/{NOTICE}/{name}"
        assert later[path].content == files[path].content


def test_final_diff_of_the_fixture(files):
    diff = json.loads(files[f"data/notices/{NOTICE}/final-diff.json"].content)
    assert diff["added"] == [] and diff["changed"] == []
    assert diff["removed"] == [
        {"seq": 3, "cluster": None, "name": "【测试数据】广州市南沙区测试候选产业集群", "district": "440115"}
    ]
    assert diff["unchanged"] == ["test-municipal-alpha", "test-municipal-delta"]


EPSILON = """\
id: test-municipal-epsilon
name: 【测试数据】广州市南沙区测试候选产业集群
verified: false
district: "440115"
leading_industry: 【测试数据】测试候选
events:
  - type: certified
    date: 2025-03-10
    level: municipal
    notice: test-municipal-2025-list
    source: https://example.org/notices/test-municipal-2025-final
"""


def test_final_diff_added_removed_changed(tmp_path, schema_set):
    data = make_data_dir(tmp_path)
    notice_file = data / "notices" / f"{NOTICE}.yaml"
    text = notice_file.read_text(encoding="utf-8")
    proposed = "  - cluster: test-municipal-delta\n    name: 【测试数据】广州市天河区测试软件产业集群\n"
    assert proposed in text
    notice_file.write_text(
        text.replace(proposed, proposed.replace("测试软件产业集群", "测试软件集群")), encoding="utf-8"
    )
    (data / "clusters" / "test-municipal-epsilon.yaml").write_text(EPSILON, encoding="utf-8")  # matched by name
    zeta = EPSILON.replace("epsilon", "zeta").replace("南沙区测试候选产业集群", "南沙区测试新增产业集群")
    (data / "clusters" / "test-municipal-zeta.yaml").write_text(zeta, encoding="utf-8")  # not proposed
    dataset = _load(data)
    notice = dataset.notices[NOTICE]
    assert [c.id for c in recognised_by_notice(dataset.clusters.values()).get(notice.id, [])] == [
        "test-municipal-alpha",
        "test-municipal-delta",
        "test-municipal-epsilon",
        "test-municipal-zeta",
    ]
    built = {f.path: f for f in build_exports(take_snapshot(dataset, start_of_day(TODAY)), schema_set)}
    diff = json.loads(built[f"data/notices/{NOTICE}/final-diff.json"].content)
    assert diff == final_diff(notice, recognised_by_notice(dataset.clusters.values()).get(notice.id, []))
    assert diff["added"] == [
        {"cluster": "test-municipal-zeta", "name": "【测试数据】广州市南沙区测试新增产业集群", "district": "440115"}
    ]
    assert diff["removed"] == []
    assert diff["changed"] == [
        {
            "seq": 2,
            "cluster": "test-municipal-delta",
            "fields": ["name"],
            "proposed": {"name": "【测试数据】广州市天河区测试软件集群", "district": "440106"},
            "final": {"name": "【测试数据】广州市天河区测试软件产业集群", "district": "440106"},
        }
    ]
    assert diff["unchanged"] == ["test-municipal-alpha", "test-municipal-epsilon"]


def _entries(content: bytes) -> list[ET.Element]:
    root = ET.fromstring(content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_feed_is_atom_newest_first_with_dated_entries_up_to_today(dataset, schema_set):
    built = build_exports(take_snapshot(dataset, start_of_day(dt.date(2025, 3, 3))), schema_set)
    content = next(f for f in built if f.path == "feeds/notices.atom").content
    root = ET.fromstring(content)
    assert root.findtext(f"{ATOM}id") == "tag:gz-clusters,2024:feeds/notices"
    assert root.findtext(f"{ATOM}updated") == "2025-02-20T00:00:00+08:00"  # the newest entry, not the build time
    entries = _entries(content)
    # Dated on or before 2025-03-03: the notice, beta's report (2025-02), gamma's (2023-07) and beta's (2023)
    # certifications. The final list and alpha/delta's certifications are dated 2025-03-10.
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "公示：【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示",
        "【测试数据】广州市番禺区测试纺织产业集群：报送 2024 年度报告",
        "【测试数据】广州市白云区测试美妆产业集群：省级认定",
        "【测试数据】广州市番禺区测试纺织产业集群：国家级认定",
    ]
    updated = [dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated")) for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert all(u.utcoffset() == dt.timedelta(hours=8) and u.time() == dt.time(0) for u in updated)
    for entry in entries:
        (link,) = entry.findall(f"{ATOM}link")
        assert link.get("href").startswith("../") and link.get("rel", "alternate") == "alternate"


def test_feed_ids_are_stable_and_unique(dataset, schema_set, files):
    first = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}title") for e in _entries(files["feeds/notices.atom"].content)}
    rebuilt = {f.path: f for f in build_exports(take_snapshot(dataset, start_of_day(LATER)), schema_set)}
    later_entries = _entries(rebuilt["feeds/notices.atom"].content)
    later = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}title") for e in later_entries}
    assert len(later) == len(later_entries) == 9  # + final list, alpha, delta, gamma revoked, delta changed
    assert all(entry_id.startswith("tag:gz-clusters,2024:") for entry_id in later)
    assert first.items() <= later.items()
    assert f"tag:gz-clusters,2024:notice/{NOTICE}/final" in later


def test_feed_links_are_absolute_under_base_url(dataset, schema_set):
    built = {
        f.path: f
        for f in build_exports(take_snapshot(dataset, start_of_day(TODAY)), schema_set, "https://example.org/gz")
    }
    root = ET.fromstring(built["feeds/notices.atom"].content)
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "https://example.org/gz/notices/",
        "self": "https://example.org/gz/feeds/notices.atom",
    }
    hrefs = [link.get("href") for entry in root.findall(f"{ATOM}entry") for link in entry.findall(f"{ATOM}link")]
    assert f"https://example.org/gz/notices/{NOTICE}/" in hrefs
    assert all(href.startswith("https://example.org/gz/") for href in hrefs)


# -- iCalendar -------------------------------------------------------------------------------------


def _events(content: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(content)
    events = calendar.walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    return {str(event["UID"]): event for event in events}


def test_calendar_deadlines(files):
    calendar = Calendar.from_ical(files["calendar/deadlines.ics"].content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = _events(files["calendar/deadlines.ics"].content)
    close = events[f"notice-close-{NOTICE}@gz-clusters"]
    # On the last day of the window, ending at the notice's stated 17:30 cut-off.
    start, end = close.decoded("DTSTART"), close.decoded("DTEND")
    assert (start, end) == (
        dt.datetime(2025, 2, 28, 0, 0, tzinfo=SHANGHAI),
        dt.datetime(2025, 2, 28, 17, 30, tzinfo=SHANGHAI),
    )
    assert start.utcoffset() == end.utcoffset() == dt.timedelta(hours=8)
    assert close["DTSTART"].params["TZID"] == close["DTEND"].params["TZID"] == "Asia/Shanghai"
    lapse = events["guideline-lapse-guangzhou-2024@gz-clusters"]
    assert lapse.decoded("DTSTART") == dt.date(2027, 12, 29) and lapse.decoded("DTEND") == dt.date(2027, 12, 30)
    report = events["annual-report-test-municipal-alpha-2025@gz-clusters"]
    assert report.decoded("DTSTART") == dt.date(2026, 2, 28)
    assert events["annual-report-test-municipal-alpha-2027@gz-clusters"].decoded("DTSTART") == dt.date(2028, 2, 29)
    end = events["validity-end-test-municipal-alpha-municipal-2025-03-10@gz-clusters"]
    assert end.decoded("DTSTART") == dt.date(2028, 3, 9)
    # Only exact ends: beta's national validity ends "2026" and gamma's within a month, so neither is listed.
    assert not any(
        uid.startswith(("validity-end-test-national-beta", "validity-end-test-provincial-gamma")) for uid in events
    )
    stamps = {event.decoded("DTSTAMP") for event in events.values()}
    assert stamps == {dt.datetime(2025, 3, 9, 16, 0, tzinfo=dt.UTC)}  # 2025-03-10 00:00 in Shanghai
    assert "公示异议截止" in str(close["SUMMARY"])


def test_calendar_uids_survive_a_rebuild(dataset, schema_set, files):
    later = {f.path: f for f in build_exports(take_snapshot(dataset, start_of_day(LATER)), schema_set)}[
        "calendar/deadlines.ics"
    ].content
    # The same events, but for gamma's 2025 report, due 2026-03-31 and cut off by its revocation on 2025-06-18.
    assert set(_events(later)) == set(_events(files["calendar/deadlines.ics"].content)) - {
        "annual-report-test-provincial-gamma-2025-provincial@gz-clusters"
    }
    assert later != files["calendar/deadlines.ics"].content  # only DTSTAMP differs
    again = {f.path: f for f in build_exports(take_snapshot(dataset, start_of_day(LATER)), schema_set)}[
        "calendar/deadlines.ics"
    ].content
    assert again == later


# -- JSON Schemas for the YAML records -------------------------------------------------------------


def _as_editor_sees(value):
    """yaml.safe_load turns 2025-02-20 into a date (YAML 1.1); editors (YAML 1.2) see a string."""
    if isinstance(value, dict):
        return {key: _as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_editor_sees(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _validator(files, kind: str) -> Draft202012Validator:
    schema = json.loads(files[f"schemas/{kind}.schema.json"].content)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _record_files(root: Path) -> list[tuple[str, Path]]:
    found = []
    for folder, kind in (
        ("clusters", "cluster"),
        ("notices", "notice"),
        ("calls", "call"),
        ("calendar", "calendar"),
        ("policy", "policy"),
    ):
        found += [(kind, path) for path in sorted((root / folder).glob("*.yaml"))]
    for name, kind in (("districts.yaml", "districts"), ("site.yaml", "site"), ("practice.yaml", "practice")):
        if (root / name).is_file():
            found.append((kind, root / name))
    return found


def test_every_fixture_record_validates_against_its_json_schema(files):
    """(The shipped records: tests/test_shipped_data.py.)"""
    records = _record_files(FIXTURE_BASE) + _record_files(CALLS_FIXTURE / "files")
    assert {kind for kind, _ in records} == set(SCHEMA_KINDS)
    for kind, path in records:
        data = _as_editor_sees(yaml.safe_load(path.read_text(encoding="utf-8")))
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(files, kind).iter_errors(data)
        ]
        assert not errors, (path, errors)


def test_json_schema_shape(files):
    cluster = json.loads(files["schemas/cluster.schema.json"].content)
    assert cluster["title"] == "集群记录" and cluster["additionalProperties"] is False
    assert set(cluster["required"]) == {"id", "name", "verified", "district", "leading_industry"}
    events = cluster["properties"]["events"]
    assert events["title"] == "集群事件"
    item = events["items"]
    assert item["additionalProperties"] is False and item["required"] == ["type"]
    assert "cluster_id" not in item["properties"] and "seq" not in item["properties"]
    assert item["properties"]["type"]["enum"] == ["certified", "renewed", "revoked", "changed", "annual_report"]
    assert item["properties"]["batch"]["minimum"] == 2022
    assert cluster["properties"]["area_km2"]["minimum"] == 0 and "maximum" not in cluster["properties"]["area_km2"]
    assert cluster["properties"]["verified"]["enum"] == [True, False, "true", "false"]
    notice = json.loads(files["schemas/notice.schema.json"].content)
    assert notice["properties"]["objection"]["additionalProperties"] is False
    assert "objection_phone" not in notice["properties"]
    assert notice["properties"]["outcome"]["properties"]["final_date"]["format"] == "date"
    assert notice["properties"]["entries"]["items"]["properties"]["district"]["pattern"] == "^(?:[0-9]{6})?$"
    calendar = json.loads(files["schemas/calendar.schema.json"].content)
    assert set(calendar["properties"]) >= {"year", "holidays", "makeup_workdays", "sources", "notes"}
    districts = json.loads(files["schemas/districts.schema.json"].content)
    assert districts["properties"]["districts"]["items"]["required"] == ["code", "name", "slug"]


def test_json_schema_rejects_misspelt_keys(files):
    alpha = _as_editor_sees(
        yaml.safe_load((FIXTURE_BASE / "clusters" / "test-municipal-alpha.yaml").read_text(encoding="utf-8"))
    )
    validator = _validator(files, "cluster")
    assert not list(validator.iter_errors(alpha))
    misspelt = dict(alpha, leading_industy=alpha["leading_industry"])
    del misspelt["leading_industry"]
    found = {(e.validator, tuple(e.absolute_path)) for e in validator.iter_errors(misspelt)}
    assert ("additionalProperties", ()) in found and ("required", ()) in found
    in_event = dict(alpha, events=[dict(alpha["events"][0], dat="2025-03-10")])
    assert [e.validator for e in validator.iter_errors(in_event)] == ["additionalProperties"]
    notice = _as_editor_sees(yaml.safe_load((FIXTURE_BASE / "notices" / f"{NOTICE}.yaml").read_text(encoding="utf-8")))
    in_group = dict(notice, objection=dict(notice["objection"], emial="a@example.org"))
    assert [e.validator for e in _validator(files, "notice").iter_errors(in_group)] == ["additionalProperties"]


def test_json_schema_checks_values(files):
    validator = _validator(files, "notice")
    notice = _as_editor_sees(yaml.safe_load((FIXTURE_BASE / "notices" / f"{NOTICE}.yaml").read_text(encoding="utf-8")))
    assert not list(validator.iter_errors(dict(notice, working_days="7")))  # the loader reads every scalar as text
    bad = {"level": "city", "working_days": 31, "cutoff_time": "00:00", "published_on": "2025/02/20"}
    for key, value in bad.items():
        assert list(validator.iter_errors(dict(notice, **{key: value}))), key
    assert list(validator.iter_errors({k: v for k, v in notice.items() if k != "issuer"}))
