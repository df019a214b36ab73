"""The build environment is locked (issue 27): requirements.lock pins every package `clusters build`
needs, requirements-test.lock every package the tests need (the same versions for the packages both
hold), each with its hashes, so that `pip install --require-hashes` installs exactly these files. The
release manifest records the build lock's SHA-256 (generator.site.release.LOCK_FILE).

Regenerate both after changing pyproject.toml's dependencies (README.md, "锁定的构建环境").
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from conftest import REPO_ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from generator.site.release import LOCK_FILE

BUILD_LOCK = REPO_ROOT / "requirements.lock"
TEST_LOCK = REPO_ROOT / "requirements-test.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*\\?$", re.M)


def pins(text: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def entries(text: str) -> list[str]:
    """Each requirement with its continuation lines, comments left out."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        (BUILD_LOCK, PROJECT["dependencies"]),
        (TEST_LOCK, PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ],
    ids=["build", "test"],
)
def test_every_requirement_is_pinned_within_its_range_with_hashes(lock, requirements):
    text = lock.read_text(encoding="utf-8")
    pinned = pins(text)
    for line in entries(text):
        assert re.fullmatch(r"\S+==\S+(\s+--hash=sha256:[0-9a-f]{64})+\s*", line), line
    for spec in map(Requirement, requirements):
        version = pinned.get(canonicalize_name(spec.name))
        assert version is not None, f"{spec.name} is not in {lock.name}"
        assert spec.specifier.contains(version, prereleases=True), (spec, version)


def test_the_test_lock_holds_the_build_lock_as_it_is():
    build, test = pins(BUILD_LOCK.read_text(encoding="utf-8")), pins(TEST_LOCK.read_text(encoding="utf-8"))
    assert {name: test.get(name) for name in build} == build


def test_the_build_records_this_lock():
    assert LOCK_FILE == BUILD_LOCK


def test_this_environment_is_the_locked_one():
    """tests/run installs from the test lock: what runs the tests is what the lock says."""
    for name, version in pins(TEST_LOCK.read_text(encoding="utf-8")).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} {version} (requirements-test.lock) is not installed: run tests/run")
        assert installed == version, f"{name}: installed {installed}, locked {version}: run tests/run"
