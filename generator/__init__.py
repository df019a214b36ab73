"""Transparency publisher for Guangzhou's municipal SME characteristic industrial clusters.

The library (generator.library, documented in docs/ARCHITECTURE.md) is importable from here:
`generator.validate`, `generator.snapshot`, `generator.build`, `generator.diff`, `generator.archive`,
`generator.write_sources` and their results. They are loaded on first use (PEP 562), so that importing one stage
(generator.domain …) does not import the whole pipeline, the site engine included.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
DATA_DIR = PROJECT_ROOT / "data"

LIBRARY = frozenset(
    {
        "validate",
        "snapshot",
        "build",
        "diff",
        "archive",
        "write_sources",
        "WrittenSources",
        "Validation",
        "Snapshotted",
        "Built",
        "Diffed",
        "Archived",
        "RecordsNotFound",
    }
)


def __getattr__(name: str) -> Any:
    if name in LIBRARY:
        return getattr(importlib.import_module("generator.library"), name)
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
