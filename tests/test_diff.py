"""`clusters diff` between two git revisions of a temporary repository, as a reviewer reads it."""

import shutil
import subprocess

from conftest import CALLS_FIXTURE, make_data_dir, run_cli


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


def test_diff_names_calls_and_attachments(tmp_path):
    repo = fixture_repo(tmp_path)
    shutil.copytree(CALLS_FIXTURE / "files", repo / "data", dirs_exist_ok=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "call")
    call = repo / "data" / "calls" / "test-municipal-2025-call.yaml"
    call.write_text(
        call.read_text(encoding="utf-8").replace("deadline_on: 2024-12-20", "deadline_on: 2024-12-27"),
        encoding="utf-8",
    )
    form = repo / "data" / "attachments" / "test-2025-final-list.pdf"
    form.write_bytes(form.read_bytes().replace(b"final list", b"final-list"))
    git(repo, "commit", "-qam", "head")
    out = run_diff(repo, "HEAD~1", "HEAD").stdout
    assert "### 申报通知" in out
    assert "- 修改申报通知：**【测试数据】关于开展 2025 年广州市市级中小企业特色产业集群认定工作的通知**" in out
    assert "  - 申报截止日（通知载明）：2024\\-12\\-20 → 2024\\-12\\-27" in out
    assert "- 替换附件内容：test\\-2025\\-final\\-list\\.pdf" in out
    added = run_diff(repo, "HEAD~2", "HEAD~1").stdout
    assert "- 新增申报通知：**【测试数据】关于开展 2025 年广州市市级中小企业特色产业集群认定工作的通知**" in added
    assert "- 新增附件：test\\-2025\\-application\\-form\\.docx" in added


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
