"""Validation hands Frictionless only the rows it may have something to say about (generator.load.tables
._Screen): with every row handed over, every negative case gets the same problems."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import CASES_DIR, make_data_dir

from generator import SCHEMAS_DIR
from generator.load import tables
from generator.load.dataset import load_dataset

NEGATIVE = sorted(p for p in (CASES_DIR / "negative").iterdir() if p.is_dir())
DAY = dt.date(2026, 11, 28)


def problems_both_ways(data_dir, monkeypatch):
    screened = load_dataset(data_dir, SCHEMAS_DIR, today=DAY).problems
    with monkeypatch.context() as patched:
        patched.setattr(tables._Screen, "valid", lambda self, cells: False)
        everything = load_dataset(data_dir, SCHEMAS_DIR, today=DAY).problems
    return screened, everything


def test_the_screen_leaves_out_rows_of_a_valid_folder(tmp_path, monkeypatch):
    handed: list[int] = []
    validate = tables.Package.validate

    def counting(package, *args, **kwargs):
        handed.append(sum(len(resource.data) - 1 for resource in package.resources))
        return validate(package, *args, **kwargs)

    monkeypatch.setattr(tables.Package, "validate", counting)
    result = load_dataset(make_data_dir(tmp_path), SCHEMAS_DIR, today=DAY)
    assert result.ok and handed == []  # a valid folder: Frictionless has nothing to read


@pytest.mark.parametrize("case", NEGATIVE, ids=[p.name for p in NEGATIVE])
def test_screened_and_unscreened_validation_agree(case, tmp_path, monkeypatch):
    screened, everything = problems_both_ways(make_data_dir(tmp_path, case), monkeypatch)
    assert screened == everything
