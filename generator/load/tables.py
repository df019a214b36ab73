"""Validate the flattened tables with Frictionless and map each error back to its YAML file and line.

Frictionless does the schema-level work (types, enums, patterns, required, unique and primary
keys); this module reads the schemas, hands it the rows inline and turns its errors (resource, row
number, field) into problems that name the record file, line and column. The schemas' foreign
keys are checked here, against a set of each referenced table's keys built once: Frictionless
re-reads and re-casts the whole referenced table for every foreign key (the clusters table three
times), which was a third of its time to validate 10,000 records (benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, TypedDict

from frictionless import Package, Schema

from generator.load.records import Row, Tables
from generator.problems import Problem, problem
from generator.schema.fields import EMAIL_EXPECTATION, pattern_expectation
from generator.schema.package import SchemaSet


class _AllKeys(frozenset[str]):
    """Stands for every key: a single file such as districts.yaml could not be read at all."""

    def __contains__(self, item: object) -> bool:
        return True


ALL_KEYS = _AllKeys()


class _InlineRows(list[list[Any]]):
    """The rows of one resource, handed to Frictionless inline and never changed by it.

    Frictionless deep-copies a resource's descriptor, inline data included, whenever it exports
    or copies the resource: several times per resource while validating, and again for every
    foreign-key lookup. Copying rows nobody writes to took a sixth of the time to validate 10,000
    records (benchmarks/README.md), so a copy of these rows is the rows themselves.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _InlineRows:
        return self


_CONSTRAINT_NOTE = re.compile(r'constraint "(\w+)" is "(.*)"', re.S)
_ROW_POSITION = re.compile(r"row at position (\d+)")


def validate_tables(
    schema_set: SchemaSet, tables: Tables, unloaded: Mapping[str, AbstractSet[str]] | None = None
) -> tuple[list[Problem], set[str]]:
    """Run Frictionless over all rows; return problems and the paths of the files they concern.

    `unloaded` maps a resource to the keys of records whose files could not be read: references
    to them are not reported again as unknown (their file's own error says what is wrong).
    """
    unloaded = unloaded or {}
    problems: list[Problem] = []
    resources = []
    sent: dict[str, list[Row]] = {}  # resource -> the rows handed to Frictionless, in its row order
    for name, schema in schema_set.schemas.items():
        header = [f["name"] for f in schema["fields"]]
        numeric = [(index, spec) for index, spec in enumerate(schema["fields"]) if spec.get("type") in _DECIMAL]
        rows, all_cells = tables[name], []
        for row in rows:
            cells = [row.values.get(column) for column in header]
            for index, spec in numeric:
                found = _strict_number(schema_set, name, row, spec, cells[index])
                if found is not None:  # reported here; Frictionless sees no value (or a blank row)
                    problems.append(found)
                    cells[index] = None
            all_cells.append(cells)
        without_foreign_keys = {key: value for key, value in schema.items() if key != "foreignKeys"}
        screen = _Screen(without_foreign_keys)
        if screen.keys_distinct(all_cells):
            picked = [(row, cells) for row, cells in zip(rows, all_cells, strict=True) if not screen.valid(cells)]
        else:  # Frictionless names the first of two rows with one key by its position: hand it every row
            picked = list(zip(rows, all_cells, strict=True))
        sent[name] = [row for row, _ in picked]
        if picked:  # a table of rows it has nothing to say about is not handed over at all
            data = _InlineRows([header, *(cells for _, cells in picked)])
            resources.append({"name": name, "data": data, "schema": without_foreign_keys})
    reported = {(p.path, p.line, p.col) for p in problems}
    tasks = Package({"name": "records", "resources": resources}).validate(limit_errors=10**9).tasks if resources else []
    for task in tasks:
        rows = sent[task.name]
        for error in task.errors:
            for found in _map_error(schema_set, task.name, rows, error):
                if (found.path, found.line, found.col) not in reported or found.code != "required":
                    problems.append(found)
    problems += foreign_key_problems(schema_set, tables, unloaded)
    return problems, {p.path for p in problems}


class _Screen:
    """Which rows Frictionless needs to see: those a cell of which its own cell reader refuses (type,
    pattern, enum, bounds, length, required), blank rows, rows with an empty key, and, when two rows
    of a table share a primary key or a unique value, the whole table.

    Frictionless builds a row object and checks every cell of every row, which was most of its time
    to validate 10,000 records (benchmarks/README.md); a row every cell of which its cell reader
    accepts, in a table without a repeated key, gets no error from it. Each cell is read by the very
    function Frictionless would read it with (Field.create_cell_reader), so what it reports is what it
    reported when it saw every row: only the rows it has nothing to say about are left out.
    """

    def __init__(self, descriptor: dict[str, Any]):
        schema = Schema.from_descriptor(descriptor)
        self.readers: list[Callable[[Any], tuple[Any, Any]] | None] = []  # None: text, checked by `accepts`
        self.accepts: list[Callable[[Any], bool]] = []
        self.required: list[bool] = []
        # A field whose cells Frictionless alone reads: an array whose items it types rewrites the cell.
        self.always: list[bool] = []
        primary = set(schema.primary_key)
        for field in schema.fields:
            text = field.type == "string" and field.format == "default" and set(field.constraints) <= _TEXT_CHECKS
            reader = None if text else field.create_cell_reader()
            self.readers.append(reader)
            self.accepts.append(_text_accepts(field.constraints) if reader is None else _reader_accepts(reader))
            self.required.append(bool(field.constraints.get("required")) or field.name in primary)
            self.always.append(field.type == "array" and bool(getattr(field, "array_item", None)))
        names = [field.name for field in schema.fields]
        self.key_sets = [[names.index(n) for n in schema.primary_key]] if schema.primary_key else []
        self.key_sets += [[i] for i, field in enumerate(schema.fields) if field.constraints.get("unique")]

    def valid(self, cells: list[Any]) -> bool:
        """Whether Frictionless would find nothing in this row (besides keys shared with another)."""
        blank = True
        for cell, accepts, required, always in zip(cells, self.accepts, self.required, self.always, strict=True):
            if cell is None or cell == "":  # a missing value, as Frictionless reads "" and None
                if required:
                    return False
                continue
            blank = False
            if always or not accepts(cell):
                return False
        return not blank

    def keys_distinct(self, rows: list[list[Any]]) -> bool:
        """No two rows share a primary key or a unique field's value, compared as Frictionless types them."""
        for indexes in self.key_sets:
            seen = set()
            for cells in rows:
                key = tuple(self._typed(index, cells[index]) for index in indexes)
                if None in key:
                    continue  # an empty key is never a repetition; the row itself is refused (required)
                if key in seen:
                    return False
                seen.add(key)
        return True

    def _typed(self, index: int, cell: Any) -> Any:
        if cell is None or cell == "":
            return None
        reader = self.readers[index]
        if reader is None:
            return cell if self.accepts[index](cell) else ("untyped", cell)
        value, notes = reader(cell)
        return ("untyped", cell) if notes else value


# A text field's constraints checked as Frictionless checks them (frictionless.schema.field: check_*,
# the pattern compiled as "^{pattern}$"); any other field is read by Frictionless's own cell reader.
_TEXT_CHECKS = frozenset({"required", "maxLength", "minLength", "pattern", "enum"})


def _text_accepts(constraints: Mapping[str, Any]) -> Callable[[Any], bool]:
    longest, shortest, choices = constraints.get("maxLength"), constraints.get("minLength"), constraints.get("enum")
    pattern = re.compile("^{0}$".format(constraints["pattern"])) if "pattern" in constraints else None  # noqa: UP030

    def accepts(cell: Any) -> bool:
        return (
            isinstance(cell, str)
            and (longest is None or len(cell) <= longest)
            and (shortest is None or len(cell) >= shortest)
            and (pattern is None or pattern.match(cell) is not None)
            and (choices is None or cell in choices)
        )

    return accepts


def _reader_accepts(reader: Callable[[Any], tuple[Any, Any]]) -> Callable[[Any], bool]:
    return lambda cell: not reader(cell)[1]


def foreign_key_problems(
    schema_set: SchemaSet, tables: Tables, unloaded: Mapping[str, AbstractSet[str]]
) -> Iterator[Problem]:
    """Each row's references against the keys of the table they name, as Frictionless compares
    them: typed values, an empty value referring to nothing, every referenced row counting (its
    own errors are reported on it). A reference to a record whose file could not be read is left
    to that file's error."""
    keys: dict[tuple[str, str], set[Any]] = {}
    types = schema_set.field_types()
    for resource, schema in schema_set.schemas.items():
        for foreign_key in schema.get("foreignKeys", []):
            (name,), reference = foreign_key["fields"], foreign_key["reference"]
            target, (target_field,) = reference["resource"], reference["fields"]
            known = keys.get((target, target_field))
            if known is None:
                target_type = types[target][target_field]
                known = keys[target, target_field] = {
                    _key_value(target_type, row.values.get(target_field)) for row in tables[target]
                }
            missing_targets = unloaded.get(target, set())
            field_type = types[resource][name]
            for row in tables[resource]:
                value = row.values.get(name)
                typed = _key_value(field_type, value)
                if typed is None or typed in known or value in missing_targets:
                    continue
                yield problem(
                    "unknown-reference",
                    *row.located(name),
                    value=value,
                    target=schema_set.titles[target],
                    **_field_info(schema_set, resource, name),
                )


def _key_value(field_type: str, value: Any) -> Any:
    """A key cell as Frictionless types it: None when empty (or, for an integer, not one)."""
    if value is None or value == "":
        return None
    if field_type == "integer":
        text = str(value).strip()
        return int(text) if _DECIMAL["integer"].fullmatch(text) else None
    return value


def _map_error(schema_set: SchemaSet, resource: str, rows: list[Row], error: Any) -> Iterator[Problem]:
    row_number = getattr(error, "row_number", None)
    if row_number is None:
        raise RuntimeError(f"Frictionless error without a row in {resource}: {error.message}")
    row = rows[row_number - 2]  # row 1 is the header
    kind = error.type
    if kind == "blank-row":  # every cell empty: each required field is missing
        for spec in schema_set.schemas[resource]["fields"]:
            if spec.get("constraints", {}).get("required"):
                yield problem("required", *row.located(spec["name"]), **_field_info(schema_set, resource, spec["name"]))
        return
    if kind == "primary-key":
        key_values = [row.values.get(n) for n in schema_set.schemas[resource]["primaryKey"]]
        if (
            row.record_type.resource == resource and None not in key_values
        ):  # child rows only repeat a duplicated parent key
            field_names = schema_set.schemas[resource]["primaryKey"]
            yield _duplicate(schema_set, resource, row, field_names[0], rows, _ROW_POSITION.search(error.note))
        return
    name = error.field_name
    if name == row.record_type.parent_field and row.base:
        return  # a child's link to its record: the record's own missing or invalid key is reported
    yield _map_field_error(schema_set, resource, row, rows, error, name)


def _map_field_error(schema_set: SchemaSet, resource: str, row: Row, rows: list[Row], error: Any, name: str) -> Problem:
    kind = error.type
    info = _field_info(schema_set, resource, name)
    value = row.values.get(name)
    where = row.located(name)
    if kind == "unique-error":  # (empty values are never duplicates of each other: Frictionless skips them)
        return _duplicate(schema_set, resource, row, name, rows, _ROW_POSITION.search(error.note))
    if kind == "type-error":
        field_format = schema_set.field(resource, name).get("format")
        if field_format == "email":
            return problem("invalid-format", *where, value=value, expectation=EMAIL_EXPECTATION, **info)
        return problem(
            "invalid-type", *where, value=value, type_name=schema_set.field_of(resource, name).type_name, **info
        )
    if kind == "constraint-error":
        match = _CONSTRAINT_NOTE.search(error.note)
        constraint, bound = (match.group(1), match.group(2)) if match else ("", error.note)
        if constraint == "required":
            return problem("required", *where, **info)
        if constraint == "pattern":
            expectation = pattern_expectation(bound)
            return problem("invalid-format", *where, value=value, expectation=expectation, **info)
        if constraint == "enum":
            choices = "、".join(str(c) for c in schema_set.field(resource, name)["constraints"]["enum"])
            return problem("invalid-choice", *where, value=value, choices=choices, **info)
        words = schema_set.field_of(resource, name).bound(constraint, bound)
        return problem("out-of-range", *where, value=_shorten(value), bound=words, **info)
    raise RuntimeError(f"unmapped Frictionless error {kind} in {resource}: {error.message}")


def _duplicate(
    schema_set: SchemaSet, resource: str, row: Row, name: str, rows: list[Row], other: re.Match[str] | None
) -> Problem:
    if other is None:
        return problem(
            "duplicate-id",
            *row.located(name),
            value=row.values.get(name),
            other="另一条记录",
            **_field_info(schema_set, resource, name),
        )
    first = rows[int(other.group(1)) - 2]
    if _is_copy(first, name) and not _is_copy(row, name):  # blame the copy, not the original
        row, first = first, row
    line, col = first.position(name)
    return problem(
        "duplicate-id",
        *row.located(name),
        value=row.values.get(name),
        other=f"{first.doc.path}:{line}:{col}",
        **_field_info(schema_set, resource, name),
    )


def _is_copy(row: Row, name: str) -> bool:
    """A record whose key differs from its file name (typically a copied file not yet renamed)."""
    stem = row.doc.path.rsplit("/", 1)[-1].removesuffix(".yaml")
    return row.record_type.key == name and row.record_type.one_per_file and row.values.get(name) != stem


_DECIMAL = {"integer": re.compile(r"-?[0-9]+"), "number": re.compile(r"-?[0-9]+(\.[0-9]+)?")}


def _strict_number(schema_set: SchemaSet, resource: str, row: Row, spec: dict[str, Any], value: Any) -> Problem | None:
    """Plain decimals only: Python (and so Frictionless) would also read nan, inf, 1e3 and 1_2.

    An empty string is a missing value, as Frictionless reads it (a form editor such as Decap CMS
    writes `area_km2: ""` for a number left empty); `required` reports it where it is needed.
    """
    pattern = _DECIMAL.get(spec.get("type", "string"))
    if pattern is None or not isinstance(value, str) or value == "" or pattern.fullmatch(value.strip()):
        return None
    info = _field_info(schema_set, resource, spec["name"])
    return problem(
        "invalid-type",
        *row.located(spec["name"]),
        value=_shorten(value),
        type_name=schema_set.field_of(resource, spec["name"]).type_name,
        **info,
    )


class _FieldInfo(TypedDict):
    """The template parameters that name a field in a problem message."""

    field: str
    title: str


def _field_info(schema_set: SchemaSet, resource: str, name: str) -> _FieldInfo:
    spec = schema_set.field(resource, name)
    return {"field": name, "title": spec.get("title", name)}


def _shorten(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"
