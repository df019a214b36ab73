"""The hostile-input corpus as a data folder, for the site tests and the browser tests.

tests/hostile/accepted/ is an overlay of record files (same layout as data/) in which every text
field of every record type tries to inject markup, script, Markdown or template syntax. They must
all validate, and every built page and export must show them as inert text. Every script-like
payload names MARKER, so a browser test can assert that no dialog opens and no console message
contains it. tests/hostile/refused/<case>/ holds records that must be refused (see test_hostile.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import TESTS_DIR, make_data_dir

MARKER = "XSS-MARKER"
HOSTILE_DIR = TESTS_DIR / "hostile"
ACCEPTED = HOSTILE_DIR / "accepted"
REFUSED = HOSTILE_DIR / "refused"


def make_hostile_data_dir(tmp_path: Path) -> Path:
    """tmp_path/data: make_data_dir(tmp_path) (the base fixture: gazetteer, calendar, policies and
    records) plus the accepted hostile records overlaid (its districts.yaml and site.yaml replace the
    fixture's)."""
    data = make_data_dir(tmp_path)
    shutil.copytree(ACCEPTED, data, dirs_exist_ok=True)
    return data
