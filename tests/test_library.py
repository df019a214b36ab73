"""The library under the CLI (generator.library), called directly as a script would: typed results,
problems as values, no printing and no exit."""

import datetime as dt

import pytest
from conftest import REPO_ROOT, make_data_dir

import generator
from generator.domain.calendar import start_of_day
from generator.domain.snapshot import Snapshot
from generator.library import Archived, Built, Diffed, RecordsNotFound, Snapshotted, Validation

DAY = dt.date(2026, 11, 28)
AT = start_of_day(DAY)


def test_validate_returns_the_problems_as_values(tmp_path):
    data = make_data_dir(tmp_path)
    checked = generator.validate(data, at=AT)
    assert isinstance(checked, Validation) and checked.ok and checked.files > 0
    alpha = data / "clusters" / "test-municipal-alpha.yaml"
    alpha.write_text(alpha.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    broken = generator.validate(data, at=AT)
    assert not broken.ok
    (found,) = [p for p in broken.problems if p.path.endswith("test-municipal-alpha.yaml")]
    assert found.code == "unknown-key" and found.line > 1


def test_snapshot_holds_the_derived_facts_or_none(tmp_path):
    data = make_data_dir(tmp_path)
    taken = generator.snapshot(data, at=AT)
    assert isinstance(taken, Snapshotted) and isinstance(taken.snapshot, Snapshot)
    assert taken.snapshot.day == DAY
    assert "test-municipal-alpha" in {facts.cluster.id for facts in taken.snapshot.clusters}
    (data / "clusters" / "test-municipal-alpha.yaml").write_text("id: [", encoding="utf-8")
    invalid = generator.snapshot(data, at=AT)
    assert not invalid.ok and invalid.snapshot is None and invalid.problems


def test_diff_of_two_folders(tmp_path):
    base = make_data_dir(tmp_path / "base")
    head = make_data_dir(tmp_path / "head")
    (head / "clusters" / "test-provincial-gamma.yaml").unlink()
    compared = generator.diff(base, head, today=DAY)
    assert isinstance(compared, Diffed) and compared.changes is not None
    assert [cid for cid, _ in compared.changes.clusters_removed] == ["test-provincial-gamma"]
    assert "删除集群" in compared.markdown("base", "head")
    same = generator.diff(base, base, today=DAY)
    assert same.changes is not None and same.changes.empty


def test_build_with_invalid_records_builds_nothing(tmp_path):
    data = make_data_dir(tmp_path / "data")
    (data / "clusters" / "test-municipal-alpha.yaml").write_text("id: x\nid: y\n", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "kept.html").write_text("old", encoding="utf-8")
    built = generator.build(data, site, at=AT, config_file=REPO_ROOT / "mkdocs.yml")
    assert isinstance(built, Built) and not built.ok and built.records_invalid
    assert "yaml-duplicate-key" in {p.code for p in built.problems}
    assert (site / "kept.html").read_text(encoding="utf-8") == "old"


def test_archive_outside_git_fails_as_a_value(tmp_path):
    data = make_data_dir(tmp_path / "plain")
    archived = generator.archive(2025, data, tmp_path / "a.zip", config_file=REPO_ROOT / "mkdocs.yml")
    assert isinstance(archived, Archived) and not archived.ok and "git" in (archived.failure or "")
    assert not (tmp_path / "a.zip").exists()


def test_a_missing_folder_or_revision_raises_records_not_found(tmp_path):
    for call in (
        lambda: generator.validate(tmp_path / "nowhere", at=AT),
        lambda: generator.snapshot(tmp_path / "nowhere", at=AT),
        lambda: generator.diff("no-such-revision", tmp_path, today=DAY, cwd=tmp_path),
    ):
        with pytest.raises(RecordsNotFound):
            call()
    with pytest.raises(AttributeError):
        _ = generator.no_such_function


def test_written_sources_build_with_any_engine_reading_mkdocs_yml(tmp_path):
    """The generated pages as ordinary files beside site_src/, and mkdocs.yml without the plugin:
    plain MkDocs (no clusters plugin loaded) builds the same record pages from them."""
    import subprocess
    import sys

    import yaml

    data = make_data_dir(tmp_path / "data")
    written = generator.write_sources(data, tmp_path / "out", at=AT)
    assert written.ok and written.config_file == tmp_path / "out" / "mkdocs.yml" and written.files > 40
    config = yaml.safe_load(written.config_file.read_text(encoding="utf-8"))
    assert all("clusters" not in (entry if isinstance(entry, dict) else {entry: None}) for entry in config["plugins"])
    assert config["extra"]["clusters"]["today"] == DAY.isoformat()
    docs = tmp_path / "out" / "docs"
    assert (docs / "clusters" / "test-municipal-alpha.md").is_file() and (docs / "data" / "clusters.csv").is_file()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(written.config_file)],
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out" / "site" / "clusters" / "test-municipal-alpha" / "index.html").read_text(encoding="utf-8")
    assert "广州市黄埔区测试装备产业集群" in page and "状态按" in page


def test_no_sources_are_written_for_invalid_records(tmp_path):
    data = make_data_dir(tmp_path / "data")
    (data / "clusters" / "test-municipal-alpha.yaml").write_text("id: [", encoding="utf-8")
    written = generator.write_sources(data, tmp_path / "out", at=AT)
    assert not written.ok and written.config_file is None and "yaml-syntax" in {p.code for p in written.problems}
    assert not (tmp_path / "out").exists()
