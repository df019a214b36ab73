"""`clusters diff` between two git revisions of a temporary repository, as a reviewer reads it."""

import subprocess

from conftest import make_data_dir, run_cli


def git(repo, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True
    )


def run_diff(repo, *args):
    """`clusters diff ARGS` run in the repository (in this process: its git commands run there)."""
    return run_cli("diff", *args, "--today", "2026-11-28", cwd=repo)


def fixture_repo(tmp_path):
    """A git repository whose first commit holds the fixture data under data/."""
    repo = tmp_path / "repo"
    repo.mkdir()
    make_data_dir(repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def test_diff_between_two_revisions(tmp_path):
    repo = fixture_repo(tmp_path)
    alpha = repo / "data" / "clusters" / "test-municipal-alpha.yaml"
    text = alpha.read_text(encoding="utf-8")
    alpha.write_text(
        text.replace("leading_industry: 【测试数据】测试装备", "leading_industry: 【测试数据】测试*装备*")
        + '  - type: revoked\n    date: 2026-05-01\n    reason: "4.3.3"\n',
        encoding="utf-8",
    )
    assert "测试*装备*" in alpha.read_text(encoding="utf-8")
    (repo / "data" / "clusters" / "test-provincial-gamma.yaml").unlink()
    extra = (
        text.replace("id: test-municipal-alpha", "id: test-extra-new")
        .replace("广州市黄埔区测试装备产业集群", "广州市增城区新增测试产业集群")
        .replace("    notice: test-municipal-2025-list\n", "")
    )
    (repo / "data" / "clusters" / "test-extra-new.yaml").write_text(extra, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    result = run_diff(repo, "HEAD~1", "HEAD")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "## 公开记录变化：HEAD\\~1 → HEAD" in out
    assert "- 删除集群：**【测试数据】广州市白云区测试美妆产业集群**（test\\-provincial\\-gamma）" in out
    assert "- 新增集群：**【测试数据】广州市增城区新增测试产业集群**（test\\-extra\\-new）" in out
    assert "- 修改集群：**【测试数据】广州市黄埔区测试装备产业集群**（test\\-municipal\\-alpha）" in out
    assert "  - 主导产业：【测试数据】测试装备 → 【测试数据】测试\\*装备\\*" in out  # record text stays literal
    assert "  - 新增：2026\\-05\\-01 撤销 指引 4\\.3\\.3" in out
    assert "| 【测试数据】广州市黄埔区测试装备产业集群（test\\-municipal\\-alpha） | 有效 | 已撤销 |" in out


def test_diff_of_identical_revisions_says_nothing_changes(tmp_path):
    repo = fixture_repo(tmp_path)
    result = run_diff(repo, "HEAD")
    assert result.returncode == 0 and "本次修改不改变公开记录。" in result.stdout


def test_diff_refuses_invalid_input(tmp_path):
    repo = fixture_repo(tmp_path)
    (repo / "data" / "clusters" / "bad.yaml").write_text("id: bad\nid: x\n", encoding="utf-8")
    result = run_diff(repo, "HEAD")
    assert result.returncode == 1 and "yaml-duplicate-key" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_diff(repo, "no-such-revision")
    assert result.returncode == 2 and "git 修订" in result.stderr
