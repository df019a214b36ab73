"""`clusters archive YEAR`: the site and records as of 31 December, from git history, reproducibly."""

import hashlib
import os
import subprocess
import zipfile

from conftest import REPO_ROOT, make_data_dir, run_cli


def commit(repo, message, when):
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
        )


def archive(repo, year, out):
    """`clusters archive YEAR` run in the repository (in this process: --data is relative to it)."""
    return run_cli("archive", year, "--data", "data", "-o", out, "--config-file", REPO_ROOT / "mkdocs.yml", cwd=repo)


def test_archive_holds_the_records_of_the_year_end(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    data = make_data_dir(repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit(repo, "2025 records", "2025-06-01T10:00:00+08:00")
    alpha = (data / "clusters" / "test-municipal-alpha.yaml").read_text(encoding="utf-8")
    (data / "clusters" / "test-later.yaml").write_text(
        alpha.replace("test-municipal-alpha", "test-later")
        .replace("测试装备", "后来新增")
        .replace("    notice: test-municipal-2025-list\n", ""),
        encoding="utf-8",
    )
    commit(repo, "2026 addition", "2026-01-05T10:00:00+08:00")

    out = tmp_path / "a.zip"
    result = archive(repo, 2025, out)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as zipped:
        names = set(zipped.namelist())
        assert "records/clusters/test-municipal-alpha.yaml" in names
        assert "records/clusters/test-later.yaml" not in names  # added after 2025 ended
        assert "site/data/datapackage.json" in names and "site/index.html" in names
        home = zipped.read("site/index.html").decode("utf-8")
        assert '状态按 <time datetime="2025-12-31">2025-12-31</time>' in home
        assert "2025 年存档" in zipped.read("README.txt").decode("utf-8")
    first = hashlib.sha256(out.read_bytes()).hexdigest()
    assert archive(repo, 2025, out).returncode == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == first  # reproducible bytes


def test_archive_refuses_a_year_before_the_history(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    make_data_dir(repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit(repo, "records", "2025-06-01T10:00:00+08:00")
    result = archive(repo, 2024, tmp_path / "a.zip")
    assert result.returncode == 1 and "2024 年底之前" in result.stderr and "Traceback" not in result.stderr
