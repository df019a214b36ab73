"""The pipeline's direction, checked: load -> domain -> editor/publish -> site -> CLI, and inside each stage.

`lint-imports` (import-linter) reads the layers contracts in pyproject.toml. Control runs on a
copy of the package with one import planted back up the pipeline (between stages, and inside
one) show the check can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_pipeline_runs_one_way():
    done = lint_imports(REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert f"{len(contracts['contracts'])} kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "planted", "edge"),
    [
        (
            "domain/snapshot.py",
            "from generator.site import plugin",
            "generator.domain.snapshot -> generator.site.plugin",
        ),
        (
            "domain/model.py",
            "from generator.domain import snapshot",
            "generator.domain.model -> generator.domain.snapshot",
        ),
        ("load/records.py", "from generator.load import build", "generator.load.records -> generator.load.build"),
        (  # allowed by the layers, refused by the forbidden contract: the outputs never see the loader
            "publish/opendata.py",
            "from generator.load import records",
            "generator.publish.opendata -> generator.load.records",
        ),
    ],
)
def test_an_import_back_up_the_pipeline_is_caught(tmp_path, module, planted, edge):
    shutil.copytree(REPO_ROOT / "generator", tmp_path / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "generator" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{planted}  # noqa\n", encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and edge in done.stdout
