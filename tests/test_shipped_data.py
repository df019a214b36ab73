"""The shipped data/ as CI checks it: properties that hold for any valid data, never counts or contents.

A correct change to data/ (a new cluster, a corrected date, next year's holiday arrangement) must keep
these green, so they state what every valid data folder satisfies: it validates without errors, every
record file becomes a record, the site builds with a page for everything published, every record file
points editors at its JSON Schema and validates against it, records keep the order Decap writes, and the
policies quote their sources word for word. Tests of the code read the fixtures instead (conftest.py).

Every check runs twice (the `shipped` fixture): on data/ itself, and on a temporary copy with the next
year's holiday arrangement added (NEW_YEAR_CALENDAR below, a fictional test fixture that lives only in
the copy): adding a year, as staff do each December, keeps CI green.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REAL_DATA, REPO_ROOT, Page
from frictionless import validate
from jsonschema import Draft202012Validator

from generator import SCHEMAS_DIR
from generator.cli import cli
from generator.domain.snapshot import take_snapshot
from generator.editor.decap import COLLECTION_KINDS, decap_config
from generator.load.dataset import load_dataset
from generator.load.records import RECORD_TYPES
from generator.load.tables import load_schemas

VALIDATE_DAY = dt.date(2026, 11, 28)
BUILD_DAY = dt.date(2026, 11, 29)
CONFIG = REPO_ROOT / "mkdocs.yml"
NEW_YEAR = 2027
# The year after the shipped calendar, as staff would add it: the 2026 file's structure with 2027
# dates. A test fixture, not the State Council's arrangement (its dates are made up).
NEW_YEAR_CALENDAR = """\
# yaml-language-server: $schema=../../schemas/json/calendar.schema.json
# 测试夹具（虚构，仅供自动化测试，只写入临时目录）：按 2026.yaml 的结构填写的 2027 年节假日安排，
# 用来证明新增下一年的文件后校验与生成仍然通过。日期是编造的，不是国务院办公厅的通知。
year: 2027
title: 【测试数据】2027 年部分节假日安排（虚构）
doc_no:
issued_on: 2026-11-10
url:
verification: 【测试数据】虚构数据，未与任何通知核对。
notes:
  - 【测试数据】测试夹具，只存在于测试的临时目录中。
holidays:
  - name: 元旦
    start: 2027-01-01
    end: 2027-01-03
  - name: 春节
    start: 2027-02-05
    end: 2027-02-13
  - name: 清明节
    start: 2027-04-03
    end: 2027-04-05
  - name: 劳动节
    start: 2027-05-01
    end: 2027-05-05
  - name: 端午节
    start: 2027-06-09
    end: 2027-06-11
  - name: 中秋节
    start: 2027-09-15
    end: 2027-09-17
  - name: 国庆节
    start: 2027-10-01
    end: 2027-10-07
makeup_workdays:
  - date: 2027-01-31
  - date: 2027-02-20
  - date: 2027-04-25
  - date: 2027-05-08
  - date: 2027-09-26
  - date: 2027-10-09
"""
# The JSON Schema (schemas/json/) of each kind of record file, by where the file lives.
RECORD_FILES = {
    "clusters/*.yaml": "cluster",
    "notices/*.yaml": "notice",
    "calendar/*.yaml": "calendar",
    "policy/*.yaml": "policy",
    "districts.yaml": "districts",
    "site.yaml": "site",
}
# The full texts the project carries of the documents a policy quotes (tests/test_policy.py checks the
# fixture copies against the same texts).
POLICY_SOURCES = {"guangzhou-2024": REPO_ROOT / "docs" / "sources" / "guangzhou-cluster-guideline-2024.txt"}


@pytest.fixture(scope="module", params=["data", f"data-with-{NEW_YEAR}"])
def shipped(request, tmp_path_factory) -> Path:
    """data/ itself, or a copy of it with the next year's holiday arrangement added."""
    if request.param == "data":
        return REAL_DATA
    if (REAL_DATA / "calendar" / f"{NEW_YEAR}.yaml").exists():
        pytest.skip(f"data/calendar/{NEW_YEAR}.yaml is shipped: move NEW_YEAR and its fixture on a year")
    copy = tmp_path_factory.mktemp("shipped") / "data"
    shutil.copytree(REAL_DATA, copy)
    (copy / "calendar" / f"{NEW_YEAR}.yaml").write_text(NEW_YEAR_CALENDAR, encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def loaded(shipped):
    return load_dataset(shipped, SCHEMAS_DIR, VALIDATE_DAY)


@pytest.fixture(scope="module")
def site(shipped, tmp_path_factory) -> Path:
    """`clusters build` as CI runs it, as of BUILD_DAY."""
    out = tmp_path_factory.mktemp("shipped-site") / "site"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--data",
            str(shipped),
            "--site-dir",
            str(out),
            "--today",
            BUILD_DAY.isoformat(),
            "--config-file",
            str(CONFIG),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and " error: " not in result.output, result.output
    return out


def record_files(folder: Path) -> list[tuple[str, Path]]:
    """(kind, path) of every record file in a data folder."""
    return [(kind, path) for pattern, kind in RECORD_FILES.items() for path in sorted(folder.glob(pattern))]


def test_the_copy_adds_exactly_the_new_year(shipped):
    years = sorted(int(p.stem) for p in (shipped / "calendar").glob("*.yaml"))
    assert (NEW_YEAR in years) == (shipped != REAL_DATA)
    if shipped != REAL_DATA:
        shipped_files = {p.relative_to(REAL_DATA) for p in REAL_DATA.rglob("*") if p.is_file()}
        copied_files = {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()}
        assert copied_files - shipped_files == {Path("calendar") / f"{NEW_YEAR}.yaml"}


def test_validates_without_errors(shipped):
    result = CliRunner().invoke(cli, ["validate", "--data", str(shipped), "--today", VALIDATE_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert " error: " not in result.output, result.output
    assert result.output.strip().splitlines()[-1].startswith("校验通过"), result.output


def test_every_record_file_becomes_a_record(shipped, loaded):
    assert loaded.ok, [p.format() for p in loaded.problems]
    dataset = loaded.dataset
    assert dataset.calendar.years == tuple(sorted(int(p.stem) for p in (shipped / "calendar").glob("*.yaml")))
    assert set(dataset.clusters) == {p.stem for p in (shipped / "clusters").glob("*.yaml")}
    assert set(dataset.notices) == {p.stem for p in (shipped / "notices").glob("*.yaml")}
    assert {p.id for p in dataset.policies.all} == {p.stem for p in (shipped / "policy").glob("*.yaml")}


def test_the_site_builds_with_a_page_for_everything_published(site, loaded):
    snapshot = take_snapshot(loaded.dataset, BUILD_DAY)
    for facts in snapshot.clusters:
        page = site / "clusters" / facts.cluster.id / "index.html"
        assert page.is_file(), page
        assert facts.status.label in Page(page).text, (page, facts.status.label)
    for facts in snapshot.notices:
        assert (site / "notices" / facts.notice.id / "index.html").is_file(), facts.notice.id
    for url in ["", "clusters", "notices", "districts", "open-data", "guideline", "criteria"]:
        assert (site / url / "index.html").is_file(), url
    assert f"状态按 {BUILD_DAY.isoformat()}（北京时间）计算" in Page(site / "index.html").text


def test_the_sites_open_data_validates(site, loaded):
    packages = sorted(site.glob("data/**/datapackage.json"))
    published = take_snapshot(loaded.dataset, BUILD_DAY).notices
    assert len(packages) == 1 + len(published)
    for package_file in packages:
        report = validate(str(package_file))
        assert report.valid, (package_file, report.flatten(["resourceName", "rowNumber", "type", "message"]))


def as_editor_sees(value):
    """yaml.safe_load turns 2025-02-20 into a date (YAML 1.1); editors (YAML 1.2) see a string."""
    if isinstance(value, dict):
        return {key: as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def test_every_record_file_points_editors_at_its_json_schema_and_meets_it(shipped):
    files = record_files(shipped)
    assert {kind for kind, _ in files} == set(RECORD_FILES.values())
    for kind, path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        # where the line points from the file's place in the repository's data/
        target = (REAL_DATA / path.relative_to(shipped).parent / first.split("=", 1)[1]).resolve()
        assert target == SCHEMAS_DIR / "json" / f"{kind}.schema.json" and target.is_file(), (path, target)
        validator = Draft202012Validator(
            json.loads(target.read_text(encoding="utf-8")), format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        record = as_editor_sees(yaml.safe_load(path.read_text(encoding="utf-8")))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, (path, errors)


DECAP = decap_config(load_schemas(SCHEMAS_DIR), RECORD_TYPES)


def decap_collection(kind: str) -> dict:
    resource = next(t.resource for t in RECORD_TYPES if t.kind == kind)
    return next(c for c in DECAP["collections"] if c["name"] == resource)


@pytest.mark.parametrize("kind", COLLECTION_KINDS)
def test_records_keep_what_decap_writes_back(shipped, kind):
    """Decap drops YAML comments (the key field's `comment` writes the yaml-language-server line back)
    and writes keys in form order: saving a record in the admin changes neither."""
    collection = decap_collection(kind)
    comment = next(f for f in collection["fields"] if f["name"] == "id")["comment"]
    form = [f["name"] for f in collection["fields"]]
    folder = shipped / collection["folder"].removeprefix("data/")
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == f"# {comment}", path
        keys = re.findall(r"^([a-z_]+):", text, re.M)
        assert keys == [name for name in form if name in keys], path


def squeeze(text: str) -> str:
    """Text without layout: whitespace (the source is a PDF extraction with stray spaces) removed."""
    return re.sub(r"\s+", "", text)


def test_policies_quote_their_sources_word_for_word(loaded):
    policies = [p for p in loaded.dataset.policies.all if p.id in POLICY_SOURCES]
    if not policies:
        pytest.skip("no shipped policy has a source text in docs/sources/")
    for policy in policies:
        source = squeeze(re.sub(r"— \d+ —", "", POLICY_SOURCES[policy.id].read_text(encoding="utf-8")))
        for clause, text in {**policy.clauses, **policy.revocation_grounds}.items():
            assert squeeze(f"{clause}{text}") in source, f"{policy.id} clause {clause} is not its source's text"
        for threshold in policy.thresholds:
            assert threshold.words in policy.clauses[threshold.clause], (policy.id, threshold.key)
