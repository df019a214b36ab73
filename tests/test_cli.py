"""The command line as staff and CI use it: output, exit codes, and `--today`.

Every command here reads a data folder built from the test fixtures (tests/fixtures/base/, whose
holiday arrangements are copies of 2022–2026); the shipped data/ is checked in test_shipped_data.py.
"""

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_data_dir

from generator.cli import cli
from generator.site.clock import today_in_shanghai


def run(*args):
    """The CLI in this process; an exception inside it fails the test (it is not an exit code)."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module", name="data")
def data_fixture(tmp_path_factory) -> Path:
    """A data folder whose calendar covers 2022–2026 and, whatever the fixtures hold, not 2027."""
    data = make_data_dir(tmp_path_factory.mktemp("cli"))
    (data / "calendar" / "2027.yaml").unlink(missing_ok=True)
    assert sorted(p.stem for p in (data / "calendar").glob("*.yaml")) == ["2022", "2023", "2024", "2025", "2026"]
    return data


@pytest.mark.parametrize(
    ("start", "n", "first", "last"),
    [
        ("2022-12-29", 5, "2022-12-29", "2023-01-05"),  # MIIT 2022: skips 元旦 2022-12-31..2023-01-02
        ("2023-09-28", 5, "2023-09-28", "2023-10-10"),  # MIIT 2023: 10-07 and 10-08 were make-up days
        ("2024-10-01", 7, "2024-10-08", "2024-10-15"),  # published on a holiday; 10-12 is a make-up Saturday
        ("2025-01-24", 7, "2025-01-24", "2025-02-08"),  # across 春节 2025 with the 01-26 and 02-08 make-up days
    ],
)
def test_deadline_prints_the_window_and_ends_with_the_last_day(data, start, n, first, last):
    result = run("deadline", start, "--working-days", n, "--data", data)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == last
    assert f"第一天：{first}" in result.output
    closes = dt.date.fromisoformat(last) + dt.timedelta(days=1)
    assert f"截止时刻：{closes.isoformat()} 00:00" in result.output


def test_deadline_defaults_to_seven_working_days(data):
    result = run("deadline", "2025-03-03", "--data", data)
    assert result.output.strip().splitlines()[-1] == "2025-03-11"


@pytest.mark.parametrize("start", ["2026-12-20", "2027-01-04"])
def test_deadline_refuses_an_uncovered_year_naming_it(data, start):
    result = run("deadline", start, "--data", data)
    assert result.exit_code == 2
    assert "2027" in result.output and "data/calendar" in result.output


def test_deadline_refuses_a_bad_date_as_usage_error(data):
    result = run("deadline", "2025-02-30", "--data", data)
    assert result.exit_code == 2 and "不是有效日期" in result.output


def test_validate_passes_on_the_fixture_data(data):
    result = run("validate", "--data", data, "--today", "2026-11-28")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("校验通过")
    assert " error: " not in result.output


def test_validate_missing_data_dir_is_a_usage_error(tmp_path):
    result = run("validate", "--data", tmp_path / "nope")
    assert result.exit_code == 2 and "找不到数据目录" in result.output


@pytest.mark.parametrize(
    ("utc", "day"),
    [("2026-12-31T16:30:00+00:00", "2027-01-01"), ("2026-12-31T15:59:59+00:00", "2026-12-31")],
)
def test_today_is_the_day_in_shanghai(utc, day):
    # a build at 16:30 UTC on 31 Dec is already 1 Jan in Guangzhou
    assert today_in_shanghai(dt.datetime.fromisoformat(utc)) == dt.date.fromisoformat(day)


def test_validate_lists_files_git_does_not_track(tmp_path):
    """The pull-request check names a record file that is not committed (a warning, not an error)."""
    data = make_data_dir(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "add", "data"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "data"], check=True)
    committed = run("validate", "--data", data, "--today", "2026-11-28")
    assert committed.exit_code == 0 and "file-untracked" not in committed.output, committed.output
    source = data / "clusters" / "test-municipal-alpha.yaml"
    (data / "clusters" / "test-copy.yaml").write_text(
        source.read_text(encoding="utf-8")
        .replace("id: test-municipal-alpha", "id: test-copy")
        .replace("name: 【测试数据】广州市黄埔区测试装备产业集群", "name: 【测试数据】复制的集群"),
        encoding="utf-8",
    )
    result = run("validate", "--data", data, "--today", "2026-11-28")
    lines = [line for line in result.output.splitlines() if "[file-untracked]" in line]
    assert len(lines) == 1 and "clusters/test-copy.yaml:1:1: warning:" in lines[0], result.output
    assert result.exit_code == 0
