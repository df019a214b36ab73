"""Transparency publisher for Guangzhou's municipal SME characteristic industrial clusters.

Stages (one module each): yamlread (strict YAML -> data + positions), records (record
structure -> table rows), tables (Frictionless schema validation mapped back to YAML),
model (typed domain objects), rules (business rules), dataset (orchestration), cli.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
DATA_DIR = PROJECT_ROOT / "data"
