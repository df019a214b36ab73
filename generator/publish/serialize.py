"""Values and encodings of the open-data files.

Every record row comes from the one schema-driven serializer, `record_row` (generator.schema.stated,
the inverse of typing a row): it reads a typed domain object field by field in the order of its
Table Schema, so a CSV, a JSON copy, a notice package and the diff all print the values the
domain holds (a number stays the Decimal the record states, a date stated to the month stays
"2024-05"). Nothing here reads the YAML text.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generator.domain.model import PartialDate
from generator.schema.stated import plain, record_row

__all__ = ["CSV_TYPE", "JSON_TYPE", "ExportFile", "plain", "record_row"]

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class ExportFile:
    path: str  # relative to the site root, e.g. "data/clusters.csv"
    content: bytes
    media_type: str
    title: str  # Chinese
    description: str  # Chinese


# A text cell starting with one of these is read as a formula by Excel, WPS and LibreOffice (OWASP
# "CSV injection"): the CSV cell gets a leading apostrophe, which spreadsheets show as text and hide.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Text as a spreadsheet must show it, never run it: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralised(",".join(str(item) for item in value))
    return str(value)


def json_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def csv_bytes(header: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM, header row, CRLF line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in header])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def chinese_day(day: dt.date) -> str:
    return PartialDate.of(day).chinese()


def field_descriptor(spec: dict[str, Any]) -> dict[str, Any]:
    """A field as published in a CSV package: the Table Schema descriptor without editing hints; a
    text pattern that admits a formula start (a phone number "+86 …") also admits the apostrophe the
    CSV puts before it (FORMULA_PREFIXES), and a text's maxLength leaves room for that apostrophe, so
    the published files validate against their schema."""
    field = {key: copy.deepcopy(value) for key, value in spec.items() if key != "example"}
    constraints = field.get("constraints", {})
    pattern = constraints.get("pattern")
    if pattern and any(re.fullmatch(pattern, prefix + "0123456789") for prefix in FORMULA_PREFIXES):
        constraints["pattern"] = f"'?(?:{pattern})"
    if field.get("type", "string") == "string" and "maxLength" in constraints and not pattern:
        constraints["maxLength"] += 1
    return field
