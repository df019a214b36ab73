"""The schema-field helpers, the one record-id pattern and the typed, schema-driven serializer.

Exports are written from the typed domain objects (generator.load.build types every cell once), so
a CSV cell, a JSON value and the object a page prints are the same value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
import yaml
from conftest import REPO_ROOT, make_data_dir

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.model import PartialDate
from generator.domain.snapshot import take_snapshot
from generator.load import attachments
from generator.load.build import cell
from generator.load.dataset import load_dataset
from generator.publish.exports import build_exports
from generator.publish.serialize import plain, record_row
from generator.schema.kinds import ANCHOR_KEY, CLAUSE_REFS, RECORD_ID, RECORD_TYPE
from generator.schema.package import load_schemas

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
DAY = dt.date(2026, 11, 28)


def test_every_id_field_of_the_schemas_uses_the_one_record_id_pattern():
    id_like = []
    for path in sorted(SCHEMAS_DIR.glob("*.schema.yaml")):
        for spec in yaml.safe_load(path.read_text(encoding="utf-8")).get("fields", []):
            pattern = spec.get("constraints", {}).get("pattern")
            if pattern and "a-z0-9" in pattern:
                id_like.append((path.name, spec["name"], pattern))
    assert id_like, "no identifier field found: the scan is broken"
    # the statements of data/practice.yaml: anchors of the practice page, and the clauses they read
    anchors = [found for found in id_like if found[0].startswith("practice_")]
    assert {pattern for *_, pattern in anchors} == {ANCHOR_KEY.pattern, CLAUSE_REFS.pattern}, anchors
    ids = [found for found in id_like if found[1] != "file" and found not in anchors]
    assert {pattern for *_, pattern in ids} == {RECORD_ID.pattern}, ids
    # attachment file names: a record identifier and an allowed extension
    files = [pattern for _, name, pattern in id_like if name == "file"]
    assert files and set(files) == {attachments.NAME.pattern}, files


@pytest.mark.parametrize(
    ("text", "ok"),
    [("test-a1", True), ("a", True), ("-a", False), ("a--b", False), ("A", False), ("a_b", False), ("a-", False)],
)
def test_record_id_pattern(text, ok):
    assert bool(RECORD_ID.fullmatch(text)) is ok


def test_group_helpers_follow_the_record_type():
    notice = RECORD_TYPE["notice"]
    assert notice.group_of("objection_phone") == "objection"
    assert notice.group_of("outcome_final_date") == "outcome"
    assert notice.group_of("title") is None
    assert RECORD_TYPE["cluster"].group_of("objection_phone") is None  # clusters have no groups
    fields = SCHEMA_SET.schemas["notices"]["fields"]
    members = [spec["name"] for spec in notice.members(fields, "objection")]
    assert "phone" in members and "objection_phone" not in members and "title" not in members
    entries = [spec["name"] for spec in notice.item_fields(SCHEMA_SET.schemas["notice_entries"]["fields"])]
    assert "seq" not in entries and "notice_id" not in entries and "cluster" in entries


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        ("12.50", {"type": "number"}, Decimal("12.50")),
        ("7", {"type": "integer"}, 7),
        ("true", {"type": "boolean", "trueValues": ["true"]}, True),
        ("false", {"type": "boolean", "trueValues": ["true"]}, False),
        ("2025-02-20", {"type": "date"}, dt.date(2025, 2, 20)),
        ("", {"type": "string"}, None),
        (None, {"type": "integer"}, None),
        ("2024-05", {"type": "string"}, "2024-05"),
    ],
)
def test_a_cell_is_typed_by_its_schema_once(value, spec, expected):
    assert cell(value, spec) == expected
    assert type(cell(value, spec)) is type(expected)


def test_plain_values_keep_what_the_record_states():
    assert plain(PartialDate.parse("2024-05")) == "2024-05"
    assert plain(dt.time(17, 30)) == "17:30"
    assert plain(Decimal("12.50")) == Decimal("12.50")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    data = make_data_dir(tmp_path_factory.mktemp("records"))
    cluster = data / "clusters" / "test-municipal-alpha.yaml"
    text = cluster.read_text(encoding="utf-8")
    text = (
        re.sub(r"(?m)^area_km2:.*$", 'area_km2: "12.50"', text)
        if re.search(r"(?m)^area_km2:", text)
        else text.replace("\nevents:", '\narea_km2: "12.50"\nevents:', 1)
    )
    cluster.write_text(text, encoding="utf-8")
    result = load_dataset(data, SCHEMAS_DIR, today=DAY)
    assert result.ok, result.problems
    return result.dataset


def test_the_serializer_reads_the_typed_object_field_by_field(loaded):
    cluster = loaded.clusters["test-municipal-alpha"]
    assert cluster.area_km2 == Decimal("12.50")
    row = record_row(cluster, SCHEMA_SET.schemas["clusters"]["fields"], RECORD_TYPE["cluster"])
    assert list(row) == [spec["name"] for spec in SCHEMA_SET.schemas["clusters"]["fields"]]
    assert row["area_km2"] == Decimal("12.50") and row["verified"] is cluster.verified and row["name"] == cluster.name
    notice = next(iter(loaded.notices.values()))
    notice_row = record_row(notice, SCHEMA_SET.schemas["notices"]["fields"], RECORD_TYPE["notice"])
    assert notice_row["objection_phone"] == notice.objection.phone
    assert notice_row["outcome_final_date"] == notice.outcome.final_date
    assert notice_row["published_on"] == notice.published_on


def test_csv_json_and_the_domain_object_agree(loaded):
    files = {f.path: f.content for f in build_exports(take_snapshot(loaded, start_of_day(DAY)), SCHEMA_SET)}
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(files["data/clusters.csv"].decode("utf-8-sig")))}
    records = {row["id"]: row for row in json.loads(files["data/clusters.json"])}
    for cid, cluster in loaded.clusters.items():
        expected = "" if cluster.area_km2 is None else str(cluster.area_km2)
        assert rows[cid]["area_km2"] == expected, cid
        assert records[cid]["area_km2"] == (None if cluster.area_km2 is None else float(cluster.area_km2))
        assert rows[cid]["verified"] == ("true" if cluster.verified else "false")
    assert rows["test-municipal-alpha"]["area_km2"] == "12.50"  # as the record states it, not 12.5


def test_no_output_module_reads_the_yaml_text():
    """Raw rows reach only the load stage (and problems); every output reads typed objects."""
    for path in sorted((REPO_ROOT / "generator").rglob("*.py")):
        if path.parent.name == "load":
            continue
        text = path.read_text(encoding="utf-8")
        assert "row.values" not in text and ".row." not in text and ".doc.data" not in text, path
