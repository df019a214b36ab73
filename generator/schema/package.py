"""The schemas: schemas/datapackage.yaml and the Table Schema of each resource it names (`SchemaSet`).

Read by every stage that speaks of fields: validation (generator.load.tables), the editors and the
outputs. Project files, trusted: read with PyYAML's safe loader, not the strict record reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.schema.fields import Field

# Keys a Table Schema or field descriptor may use here. Frictionless accepts typos such as
# `constraint:` silently, so the schema files are checked against these lists (see tests).
SCHEMA_KEYS = frozenset({"fields", "primaryKey", "foreignKeys", "missingValues", "title", "description"})
FIELD_KEYS = frozenset(
    {"name", "title", "description", "type", "format", "constraints", "trueValues", "falseValues", "example"}
)
CONSTRAINT_KEYS = frozenset({"required", "unique", "pattern", "enum", "minimum", "maximum", "minLength", "maxLength"})
PACKAGE_KEYS = frozenset({"name", "title", "description", "licenses", "resources"})
RESOURCE_KEYS = frozenset({"name", "title", "description", "path", "schema"})


@dataclass(frozen=True)
class SchemaSet:
    """The package descriptor and every resource's Table Schema, read from schemas/."""

    package: dict[str, Any]
    schemas: dict[str, dict[str, Any]]  # resource name -> Table Schema descriptor
    titles: dict[str, str]  # resource name -> Chinese title

    def field_types(self) -> dict[str, dict[str, str]]:
        return {
            name: {f["name"]: f.get("type", "string") for f in schema["fields"]}
            for name, schema in self.schemas.items()
        }

    def field_of(self, resource: str, name: str) -> Field:
        return Field(self.field(resource, name))

    def field(self, resource: str, name: str) -> dict[str, Any]:
        return next(f for f in self.schemas[resource]["fields"] if f["name"] == name)


def load_schemas(schemas_dir: Path) -> SchemaSet:
    """Read schemas/datapackage.yaml and the schema files it names (project files, trusted)."""
    package = _read_trusted(schemas_dir / "datapackage.yaml")
    schemas, titles = {}, {}
    for resource in package["resources"]:
        schemas[resource["name"]] = _read_trusted(schemas_dir / resource["schema"])
        titles[resource["name"]] = resource.get("title", resource["name"])
    return SchemaSet(package, schemas, titles)


# libyaml's safe loader when PyYAML has it: a third of a validate run went to parsing the schemas
# with the pure-Python loader. Records are never read this way (generator.load.yamlread).
_TRUSTED_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_trusted(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TRUSTED_LOADER)


def descriptor_key_errors(schema_set: SchemaSet) -> list[str]:
    """Keys in the schema files that this project does not use (likely typos). Empty when clean."""
    found = [f"datapackage: {k}" for k in set(schema_set.package) - PACKAGE_KEYS]
    for resource in schema_set.package["resources"]:
        found += [f"resource {resource['name']}: {k}" for k in set(resource) - RESOURCE_KEYS]
    for name, schema in schema_set.schemas.items():
        found += [f"{name}: {k}" for k in set(schema) - SCHEMA_KEYS]
        for f in schema["fields"]:
            found += [f"{name}.{f.get('name')}: {k}" for k in set(f) - FIELD_KEYS]
            found += [
                f"{name}.{f.get('name')}.constraints: {k}" for k in set(f.get("constraints", {})) - CONSTRAINT_KEYS
            ]
    return found
