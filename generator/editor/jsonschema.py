"""JSON Schema (draft 2020-12) of each YAML record file, from the Table Schemas, for editor autocompletion.

JSON Schema type mapping (yaml-language-server reads YAML 1.2, where unquoted 2025-02-20 and
17:30 are strings, 7 an integer, 12.5 a number, true a boolean; the project's loader reads every
scalar as text, so the quoted forms are valid records too):

- string  -> "string" (pattern anchored ^(?:…)$, maxLength, minLength, enum, format email);
  a required string also gets minLength 1, because an empty value counts as missing, and an
  optional one's pattern also accepts "" for the same reason. An unquoted 2023 or 440112 is an
  integer to the editor and is flagged although the loader would read it as text: records quote
  such values (as data/ does), and the schema keeps asking for that.
- integer -> ["integer", "string"]; the string form must be plain digits (^-?[0-9]+$).
- number  -> ["number", "string"]; the string form must be a plain decimal.
- boolean -> enum [true, false, "true", "false"].
- date    -> "string" with format "date" and pattern ^[0-9]{4}-[0-9]{2}-[0-9]{2}$.
- array   -> array of scalars.
- An optional field also accepts null (an empty `key:` in YAML). Patterns carry
  `patternErrorMessage` (a yaml-language-server extension) with the Chinese expectation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from generator.schema.fields import Field
from generator.schema.kinds import GROUP_TITLES, SCHEMA_DOCS, SCHEMA_KINDS, RecordType
from generator.schema.package import SchemaSet


def _json_property(spec: Mapping[str, Any], required: bool) -> dict[str, Any]:
    field = Field(spec)
    kind, constraints = field.type, field.constraints
    prop: dict[str, Any] = {"title": field.title}
    if field.description:
        prop["description"] = field.description
    types: list[str]
    if kind == "integer":
        types = ["integer", "string"]
        prop["pattern"] = "^-?[0-9]+$"
        prop["patternErrorMessage"] = field.type_expectation
    elif kind == "number":
        types = ["number", "string"]
        prop["pattern"] = "^-?[0-9]+(\\.[0-9]+)?$"
        prop["patternErrorMessage"] = field.type_expectation
    elif kind == "boolean":
        true_values = spec.get("trueValues", ["true"])
        false_values = spec.get("falseValues", ["false"])
        types = []
        prop["enum"] = [True, False, *true_values, *false_values]
    elif kind == "date":
        types = ["string"]
        prop["format"] = "date"
        prop["pattern"] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" if required else "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
        prop["patternErrorMessage"] = field.type_expectation
    elif kind == "array":
        types = ["array"]
        prop["items"] = {"type": ["string", "number", "boolean"]}
    else:
        types = ["string"]
        if "pattern" in constraints:
            pattern = constraints["pattern"]
            if any(re.fullmatch(pattern, digits) for digits in ("2023", "440112")):
                # Staff write `district: 440112` or `date: 2023` unquoted; the loader reads every
                # scalar as text, so an editor must not flag the YAML integer it sees there.
                types.append("integer")
            # Frictionless reads "" as missing: an optional field may be an empty string too.
            prop["pattern"] = f"^(?:{pattern})$" if required else f"^(?:{pattern})?$"
            prop["patternErrorMessage"] = field.expectation
        if spec.get("format") == "email":
            prop["format"] = "email"
        for key in ("minLength", "maxLength"):
            if key in constraints:
                prop[key] = constraints[key]
        if required and prop.get("minLength", 0) < 1 and "enum" not in constraints:
            prop["minLength"] = 1
    for key in ("minimum", "maximum"):
        if key in constraints:
            prop[key] = constraints[key]
    if "enum" in constraints:
        prop["enum"] = list(constraints["enum"])
    if "example" in spec:
        prop["examples"] = [spec["example"]]
    if not required:
        if types:
            types.append("null")
        if "enum" in prop:
            prop["enum"].append(None)
    if types:
        prop["type"] = types[0] if len(types) == 1 else types
    return dict(sorted(prop.items(), key=lambda item: _PROPERTY_KEY_ORDER.index(item[0])))


_PROPERTY_KEY_ORDER = [
    "title",
    "description",
    "type",
    "format",
    "enum",
    "pattern",
    "patternErrorMessage",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "items",
    "examples",
]


def _object(specs: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    properties, required = {}, []
    for spec in specs:
        is_required = bool(spec.get("constraints", {}).get("required"))
        properties[spec["name"]] = _json_property(spec, is_required)
        if is_required:
            required.append(spec["name"])
    return properties, required


def _object_schema(properties: dict[str, Any], required: list[str], nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["object", "null"] if nullable else "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def record_json_schema(record_type: RecordType, schema_set: SchemaSet, base_url: str | None = None) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one YAML record file of `record_type`, from the Table Schemas."""
    kind = SCHEMA_KINDS[record_type.kind]
    title, description = SCHEMA_DOCS[kind]
    fields = schema_set.schemas[record_type.resource]["fields"]
    properties: dict[str, Any] = {}
    required: list[str] = []
    for spec in fields:
        group = record_type.group_of(spec["name"])
        if group is None:
            own, own_required = _object([spec])
            properties.update(own)
            required += own_required
        elif group not in properties:
            group_properties, group_required = _object(record_type.members(fields, group))
            properties[group] = {
                "title": GROUP_TITLES.get(group, group),
                **_object_schema(group_properties, group_required, nullable=not group_required),
            }
            if group_required:
                required.append(group)
    for key, resource in record_type.children.items():
        child_specs = record_type.item_fields(schema_set.schemas[resource]["fields"])
        child_properties, child_required = _object(child_specs)
        properties[key] = {
            "title": schema_set.titles[resource],
            "type": ["array", "null"],
            "items": _object_schema(child_properties, child_required),
        }
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if base_url:
        schema["$id"] = f"{base_url}schemas/{kind}.schema.json"
    schema.update(title=title, description=description)
    schema.update(_object_schema(properties, required))
    return schema
