"""The schema files themselves: Frictionless accepts them, no typo'd keys, Chinese titles, and
every resource is fed by exactly one record type."""

import copy
import re

import pytest
from frictionless import Schema

from generator import SCHEMAS_DIR
from generator.problems import CODES, Severity
from generator.schema.fields import PATTERN_EXPECTATIONS
from generator.schema.kinds import RECORD_TYPES
from generator.schema.package import descriptor_key_errors, load_schemas

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("resource", sorted(SCHEMA_SET.schemas))
def test_frictionless_accepts_each_schema(resource):
    report = Schema.validate_descriptor(SCHEMA_SET.schemas[resource])
    assert report.valid, report.flatten(["type", "note"])


def test_schema_files_use_only_known_keys():
    assert descriptor_key_errors(SCHEMA_SET) == []


def test_a_typo_in_a_schema_is_caught():
    broken = copy.deepcopy(SCHEMA_SET)
    broken.schemas["clusters"]["fields"][0]["constraint"] = {"required": True}
    broken.schemas["clusters"]["fields"][1]["constraints"]["requird"] = True
    assert descriptor_key_errors(broken) == ["clusters.id: constraint", "clusters.name.constraints: requird"]


@pytest.mark.parametrize("resource", sorted(SCHEMA_SET.schemas))
def test_every_field_has_a_chinese_title(resource):
    for field in SCHEMA_SET.schemas[resource]["fields"]:
        assert CJK.search(field.get("title", "")), f"{resource}.{field['name']} lacks a Chinese title"


def test_every_pattern_has_a_chinese_explanation():
    for resource, schema in SCHEMA_SET.schemas.items():
        for field in schema["fields"]:
            pattern = field.get("constraints", {}).get("pattern")
            if pattern:
                assert pattern in PATTERN_EXPECTATIONS, f"{resource}.{field['name']}: {pattern}"


def test_each_resource_is_fed_by_exactly_one_record_type():
    fed = [rt.resource for rt in RECORD_TYPES] + [c for rt in RECORD_TYPES for c in rt.children.values()]
    assert sorted(fed) == sorted(SCHEMA_SET.schemas)


def test_child_resources_carry_parent_link_and_seq():
    for record_type in RECORD_TYPES:
        for child in record_type.children.values():
            names = [f["name"] for f in SCHEMA_SET.schemas[child]["fields"]]
            assert "seq" in names
            if record_type.parent_field:
                assert record_type.parent_field in names
                assert names.index(record_type.parent_field) < names.index("seq")


def test_foreign_keys_point_at_existing_fields():
    for resource, schema in SCHEMA_SET.schemas.items():
        for fk in schema.get("foreignKeys", []):
            target = SCHEMA_SET.schemas[fk["reference"]["resource"]]
            assert set(fk["reference"]["fields"]) <= {f["name"] for f in target["fields"]}, resource


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_problem_code_is_documented_in_chinese(code):
    kind = CODES[code]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)
    assert CJK.search(kind.template) and CJK.search(kind.description)
    assert kind.severity in (Severity.ERROR, Severity.WARNING, Severity.NOTE)


def test_checked_in_json_schemas_are_current():
    from generator.cli import derived_files

    for path, content in derived_files(SCHEMA_SET).items():
        assert path.is_file() and path.read_bytes() == content, f"{path} is stale: run clusters generate"
