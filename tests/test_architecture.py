"""The pipeline's direction, checked: load -> validate -> snapshot -> render/export -> plugin/site -> CLI.

`lint-imports` (import-linter) reads the layers contract in pyproject.toml. A control run on a
copy of the package with one import planted back up the pipeline shows the check can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_pipeline_runs_one_way():
    done = lint_imports(REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_import_back_up_the_pipeline_is_caught(tmp_path):
    shutil.copytree(REPO_ROOT / "generator", tmp_path / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    snapshot = tmp_path / "generator" / "snapshot.py"
    snapshot.write_text(snapshot.read_text(encoding="utf-8") + "\nfrom generator import plugin  # noqa\n",
                        encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "generator.snapshot -> generator.plugin" in done.stdout
