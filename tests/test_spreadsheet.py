"""Open data opened in a spreadsheet runs no formula (OWASP CSV injection), read by a real engine.

Every free-text value of the hostile corpus is given a formula start (=, +, -, @, and a real
=HYPERLINK(...)); the exports are written, every CSV is opened by LibreOffice (Debian's
libreoffice-calc, headless) and saved as XLSX, and openpyxl reads the cells back: no cell is a
formula, the neutralised cells carry the leading apostrophe, and the JSON copies keep the exact
values. A control writes the same rows without neutralising and sees LibreOffice make formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import io
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import yaml
from frictionless import validate
from hostile_corpus import ACCEPTED, make_hostile_data_dir

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.exports import build_exports
from generator.publish.serialize import FORMULA_PREFIXES
from generator.schema.kinds import RECORD_TYPES
from generator.schema.package import load_schemas

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DAY = dt.date(2026, 11, 28)
HYPERLINK = '=HYPERLINK("http://evil.example/","点击")'
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is installed by tests/run")


SCHEMA_SET = load_schemas(SCHEMAS_DIR)


def free_text(resource: str) -> dict[str, int]:
    """The resource's string fields without pattern, enum or format (where anything may be typed),
    with their maximum length."""
    found = {}
    for spec in SCHEMA_SET.schemas[resource]["fields"]:
        constraints = spec.get("constraints", {})
        if (
            spec.get("type", "string") == "string"
            and "format" not in spec
            and not {"pattern", "enum"} & set(constraints)
            and spec["name"] not in ("cluster_id", "notice_id", "policy_id")
        ):
            found[spec["name"]] = constraints.get("maxLength", 10_000)
    return found


def prefixed(text: str, limit: int, starts) -> str:
    for start in (next(starts), "=1 "):  # the short one where the field's maxLength leaves no room
        if len(start) + len(text) <= limit:
            return start + text
    return text


def with_formula_starts(record: dict, record_type, starts) -> dict:
    """Every free-text value of a record file gets a formula start; everything else is kept."""
    top = free_text(record_type.resource)
    out = {}
    for key, value in record.items():
        if key in record_type.children and isinstance(value, list):
            fields = free_text(record_type.children[key])
            out[key] = [
                {
                    k: prefixed(v, fields[k], starts) if k in fields and isinstance(v, str) else v
                    for k, v in item.items()
                }
                if isinstance(item, dict)
                else item
                for item in value
            ]
        elif key in record_type.groups and isinstance(value, dict):
            out[key] = {
                k: prefixed(v, top[f"{key}_{k}"], starts) if f"{key}_{k}" in top and isinstance(v, str) else v
                for k, v in value.items()
            }
        elif key in top and isinstance(value, str):
            out[key] = prefixed(value, top[key], starts)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, bytes]:
    data = make_hostile_data_dir(tmp_path_factory.mktemp("formulas"))
    starts = itertools.cycle([HYPERLINK, "=1+1 ", "+1 ", "-1 ", "@SUM(1) "])
    for path in sorted(ACCEPTED.rglob("*.yaml")):
        relative = path.relative_to(ACCEPTED).as_posix()
        record_type = next(t for t in RECORD_TYPES if fnmatch.fnmatch(relative, t.location))
        if record_type.kind == "policy":
            continue  # its words must stay the clauses' own, and no policy text goes into a CSV
        target = data / relative
        record = yaml.load(target.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        target.write_text(
            yaml.safe_dump(with_formula_starts(record, record_type, starts), allow_unicode=True), encoding="utf-8"
        )
    loaded = load_dataset(data, SCHEMAS_DIR, today=DAY)
    assert loaded.ok, [p.format() for p in loaded.problems if p.severity.value == "error"]
    built = build_exports(take_snapshot(loaded.dataset, start_of_day(DAY)), SCHEMA_SET)
    return {f.path: f.content for f in built}


def spreadsheet_cells(csv_files: dict[str, bytes], folder: Path) -> dict[str, list[openpyxl.cell.Cell]]:
    """Each CSV opened by LibreOffice (UTF-8, comma, double quote) and saved as XLSX, read by openpyxl."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in csv_files.items():
        (folder / name).write_bytes(content)
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{folder}/profile",
            "--convert-to",
            "xlsx",
            "--infilter=CSV:44,34,76,1",
            "--outdir",
            str(folder),
            *(str(folder / name) for name in csv_files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    cells = {}
    for name in csv_files:
        sheet = openpyxl.load_workbook(folder / name.replace(".csv", ".xlsx")).active
        cells[name] = [cell for row in sheet.iter_rows() for cell in row]
    return cells


def test_no_csv_cell_becomes_a_formula_in_a_spreadsheet(exports, tmp_path):
    csv_files = {path.replace("/", "__"): content for path, content in exports.items() if path.endswith(".csv")}
    assert len(csv_files) >= 4
    cells = spreadsheet_cells(csv_files, tmp_path / "sheets")
    formulas = [
        (name, cell.coordinate, cell.value) for name, found in cells.items() for cell in found if cell.data_type == "f"
    ]
    assert not formulas, formulas
    texts = [cell.value for found in cells.values() for cell in found if isinstance(cell.value, str)]
    assert any(text.startswith("'" + HYPERLINK) for text in texts)
    for start in ("=", "+", "-", "@"):
        assert any(text.startswith("'" + start) for text in texts), start


def test_csv_cells_are_the_json_values_behind_an_apostrophe(exports):
    rows = list(csv.DictReader(io.StringIO(exports["data/clusters.csv"].decode("utf-8-sig"))))
    values = json.loads(exports["data/clusters.json"])
    checked = 0
    for row, value in zip(rows, values, strict=True):
        for name, text in row.items():
            exact = value[name]
            if isinstance(exact, str) and exact.startswith(FORMULA_PREFIXES):
                assert text == "'" + exact, (name, text, exact)  # the JSON keeps the exact value
                checked += 1
    assert checked >= 5


def test_published_packages_still_validate(exports, tmp_path):
    for path, content in exports.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    report = validate(str(tmp_path / "data" / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "message"])


def test_control_unneutralised_csv_does_become_formulas(exports, tmp_path):
    """The same values written as they are: LibreOffice turns them into formulas (the check can fail)."""
    values = json.loads(exports["data/clusters.json"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(values[0]))
    writer.writerows([[row[name] if isinstance(row[name], str) else "" for name in row] for row in values])
    cells = spreadsheet_cells({"raw.csv": ("\ufeff" + buffer.getvalue()).encode("utf-8")}, tmp_path / "raw")
    assert [cell for cell in cells["raw.csv"] if cell.data_type == "f"]
