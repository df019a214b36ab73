"""The as-of oracle's reading of the open data (tests/oracle_support.py): CSV with the csv module,
JSON with json, each table by record id."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV without UTF-8 byte order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def csv_by_id(files: Mapping[str, bytes], path: str) -> dict[str, dict[str, str]]:
    """A CSV table of the open data (data/clusters.csv …) by its rows' `id`."""
    return {row["id"]: row for row in read_csv(files[path])}


def json_by_id(files: Mapping[str, bytes], path: str) -> dict[str, dict[str, Any]]:
    """A JSON copy of a table (data/clusters.json …) by its rows' `id`."""
    return {row["id"]: row for row in json.loads(files[path])}
