"""The shipped data/ as CI checks it: through the validator, and properties that hold for any valid data.

A correct change to data/ (a new cluster, a corrected date, next year's holiday arrangement) must keep
these green, and an incorrect one must fail through `clusters validate`, whose Chinese file:line
messages staff can read: every rule about the data (a make-up day on a weekend, outside every holiday
span, dates within the file's year, a title naming that year …) is the validator's, never an
assertion here. What is left are properties every valid data folder satisfies: it validates without
errors, every record file becomes a record, the site builds with a page for everything published,
every record file points editors at its JSON Schema and validates against it, records keep the order
Decap writes, the policies quote their sources word for word, and the holiday arrangements agree with
an independent source (the chinesecalendar package) on every day it knows.

Every check runs twice (the `shipped` fixture): on data/ itself, and on a temporary copy with the
year after the last shipped one added (`synthetic_calendar`, an obviously made-up arrangement that
lives only in the copy): adding a year, as staff do each December, keeps CI green. A copy with a
malformed next-year file fails validation with the validator's own codes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import chinese_calendar
import pytest
import yaml
from click.testing import CliRunner
from conftest import REAL_DATA, REPO_ROOT, Page, problems_of, validate_document
from frictionless import validate
from jsonschema import Draft202012Validator

from generator import SCHEMAS_DIR
from generator.cli import cli
from generator.domain.calendar import start_of_day
from generator.domain.snapshot import take_snapshot
from generator.editor.decap import COLLECTION_KINDS, decap_config
from generator.load.dataset import load_dataset
from generator.schema.kinds import RECORD_TYPES
from generator.schema.package import load_schemas

VALIDATE_DAY = dt.date(2026, 11, 28)
BUILD_DAY = dt.date(2026, 11, 29)
CONFIG = REPO_ROOT / "mkdocs.yml"
SHIPPED_YEARS = sorted(int(p.stem) for p in (REAL_DATA / "calendar").glob("*.yaml") if p.stem.isdigit())
NEXT_YEAR = SHIPPED_YEARS[-1] + 1 if SHIPPED_YEARS else VALIDATE_DAY.year + 1


def _next_saturday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(5 - day.weekday()) % 7 or 7)


def synthetic_calendar(year: int) -> str:
    """A well-formed holiday arrangement for `year` in the layout of the shipped files, its dates made
    up (not the State Council's): three spans, each followed by a make-up Saturday. A test fixture
    that is only ever written into a temporary copy of data/."""
    spans = [
        ("元旦", dt.date(year, 1, 1), dt.date(year, 1, 1)),
        ("劳动节", dt.date(year, 5, 1), dt.date(year, 5, 5)),
        ("国庆节", dt.date(year, 10, 1), dt.date(year, 10, 7)),
    ]
    holidays = "".join(f"  - name: {name}\n    start: {start}\n    end: {end}\n" for name, start, end in spans)
    makeup = "".join(f"  - date: {_next_saturday(end)}\n" for _, _, end in spans)
    return f"""\
# yaml-language-server: $schema=../../schemas/json/calendar.schema.json
# 【测试数据】{year} 年部分节假日安排（虚构） — 测试夹具，只写入临时目录
# 用来证明新增下一年的文件后校验与生成仍然通过。日期是编造的，不是国务院办公厅的通知。
year: {year}
title: 【测试数据】{year} 年部分节假日安排（虚构）
doc_no:
issued_on: {year - 1}-11-10
url:
verification: 【测试数据】虚构数据，未与任何通知核对。
notes:
  - 【测试数据】测试夹具，只存在于测试的临时目录中。
holidays:
{holidays}makeup_workdays:
{makeup}"""


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


def copy_of_data(root: Path, calendar_text: str | None = None) -> Path:
    """data/ copied to root/data, with `calendar_text` added as next year's holiday arrangement."""
    copy = root / "data"
    shutil.copytree(REAL_DATA, copy)
    if calendar_text is not None:
        (copy / "calendar" / f"{NEXT_YEAR}.yaml").write_text(calendar_text, encoding="utf-8")
    return copy


@pytest.fixture(scope="module", params=["data", "data-with-next-year"])
def shipped(request, tmp_path_factory) -> Path:
    """data/ itself, or a copy of it with next year's holiday arrangement added."""
    if request.param == "data":
        return REAL_DATA
    return copy_of_data(tmp_path_factory.mktemp("shipped"), synthetic_calendar(NEXT_YEAR))


@pytest.fixture(scope="module")
def loaded(shipped):
    return load_dataset(shipped, SCHEMAS_DIR, today=VALIDATE_DAY)


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
    files = {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()}
    shipped_files = {p.relative_to(REAL_DATA) for p in REAL_DATA.rglob("*") if p.is_file()}
    added = {Path("calendar") / f"{NEXT_YEAR}.yaml"} if shipped != REAL_DATA else set()
    assert files == shipped_files | added
    assert Path("calendar") / f"{NEXT_YEAR}.yaml" not in shipped_files


def test_validates_without_errors(shipped):
    result = CliRunner().invoke(cli, ["validate", "--data", str(shipped), "--today", VALIDATE_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert " error: " not in result.output, result.output
    assert result.output.strip().splitlines()[-1].startswith("校验通过"), result.output
    assert f"calendar/{NEXT_YEAR}.yaml" not in result.output, "the added year is well-formed: not even a warning"


def test_every_record_file_becomes_a_record(shipped, loaded):
    assert loaded.ok, [p.format() for p in loaded.problems]
    dataset = loaded.dataset
    assert dataset.calendar.years == tuple(sorted(int(p.stem) for p in (shipped / "calendar").glob("*.yaml")))
    assert set(dataset.clusters) == {p.stem for p in (shipped / "clusters").glob("*.yaml")}
    assert set(dataset.notices) == {p.stem for p in (shipped / "notices").glob("*.yaml")}
    assert {p.id for p in dataset.policies.all} == {p.stem for p in (shipped / "policy").glob("*.yaml")}


def test_the_site_builds_with_a_page_for_everything_published(site, loaded):
    snapshot = take_snapshot(loaded.dataset, start_of_day(BUILD_DAY))
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
    published = take_snapshot(loaded.dataset, start_of_day(BUILD_DAY)).notices
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


def test_the_holiday_arrangements_agree_with_chinesecalendar():
    """An independent source (the chinesecalendar package) says the same of every shipped day it
    knows; a year it does not know yet (the next year's file arrives before its update) is left out."""
    loaded = load_dataset(REAL_DATA, SCHEMAS_DIR, today=VALIDATE_DAY)
    calendar = loaded.dataset.calendar
    differing, compared = [], 0
    for year in calendar.years:
        day = dt.date(year, 1, 1)
        while day.year == year and calendar.covers(day):
            try:
                theirs = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            compared += 1
            ours = calendar.is_working_day(day)
            if ours != theirs:
                differing.append(f"{day} ours={ours} chinesecalendar={theirs}")
            day += dt.timedelta(days=1)
    assert compared, f"chinesecalendar {chinese_calendar.__version__} knows none of the years {calendar.years}"
    assert differing == []


# --- a malformed next-year file fails validation, in the validator's words ---------------------


def validate_errors(data: Path) -> tuple[int, dict, list[tuple[str, str]]]:
    """Exit code, the `--format json` document, and (file name, code) of each error of `clusters
    validate` on `data`."""
    code, document = validate_document(data, "--today", VALIDATE_DAY.isoformat())
    errors = [(Path(p["path"]).name, p["code"]) for p in document["problems"] if p["severity"] == "error"]
    return code, document, errors


def test_a_makeup_day_inside_a_holiday_of_next_years_file_is_refused(tmp_path):
    national_day = dt.date(NEXT_YEAR, 10, 1)
    weekend = next(national_day + dt.timedelta(days=i) for i in range(7) if (national_day.weekday() + i) % 7 >= 5)
    text = synthetic_calendar(NEXT_YEAR) + f"  - date: {weekend}\n"
    code, output, errors = validate_errors(copy_of_data(tmp_path, text))
    assert code == 1, output
    assert errors == [(f"{NEXT_YEAR}.yaml", "makeup-day-in-holiday")], output
    (values,) = [p["params"] for p in problems_of(output, "makeup-day-in-holiday")]
    assert (values["date"], values["name"], values["start"]) == (str(weekend), "国庆节", str(national_day)), values


def test_last_years_file_copied_with_only_its_year_changed_is_refused(tmp_path):
    """The mistake the file's header warns of: every date and the title still last year's."""
    last = SHIPPED_YEARS[-1]
    text = (REAL_DATA / "calendar" / f"{last}.yaml").read_text(encoding="utf-8")
    assert f"\nyear: {last}\n" in text
    code, output, errors = validate_errors(
        copy_of_data(tmp_path, text.replace(f"\nyear: {last}\n", f"\nyear: {NEXT_YEAR}\n"))
    )
    assert code == 1, output
    assert {name for name, _ in errors} == {f"{NEXT_YEAR}.yaml"}, output
    assert {"calendar-title-year", "calendar-date-outside-year"} <= {code for _, code in errors}, output
    assert {code for _, code in errors} <= {
        "calendar-title-year",
        "calendar-date-outside-year",
        "holiday-spans-overlap",
    }
    assert [p["params"]["year"] for p in problems_of(output, "calendar-title-year")] == [str(NEXT_YEAR)], output
