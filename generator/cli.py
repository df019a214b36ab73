"""The `clusters` command line: thin click commands over the library's load/validate functions.

Exit codes: 0 success, 1 invalid data, 2 usage error, 3 internal error (a bug, never the data).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from generator import SCHEMAS_DIR
from generator.dataset import load_dataset
from generator.diff import compare, render_markdown
from generator.tables import load_schemas
from generator.calendar import DEFAULT_WORKING_DAYS, CalendarNotCovered, WorkingCalendar
from generator.problems import Severity, summary
from generator.sitebuild import SiteBuildFailed, build_site, serve_site

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_in_shanghai(now: dt.datetime | None = None) -> dt.date:
    """The calendar day in Guangzhou at `now` (default: the clock; the only place that reads it)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(SHANGHAI).date()


class _Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"“{value}” 不是有效日期，应写成 YYYY-MM-DD", param, ctx)


DAY = _Day()
data_option = click.option(
    "--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("data"),
    show_default=True, help="数据目录")
today_option = click.option(
    "--today", type=DAY, default=None, help="按哪一天（北京时间）计算状态，默认为今天")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """广州市市级中小企业特色产业集群公开发布工具。"""


@cli.command()
@data_option
@click.option("--schemas", "schemas_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=SCHEMAS_DIR, help="数据模式目录")
@today_option
def validate(data_dir: Path, schemas_dir: Path, today: dt.date | None) -> None:
    """校验 data/ 中的全部记录，逐条列出问题（文件:行:列）。"""
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    result = load_dataset(data_dir, schemas_dir, today or today_in_shanghai())
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for found in result.problems:
        click.echo(found.format())
        if annotate:
            click.echo(found.github_annotation())
    click.echo(summary(result.problems, result.files))
    sys.exit(0 if result.ok else 1)


WEEKDAYS = "一二三四五六日"


def _day(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"


@cli.command()
@click.argument("start", type=DAY)
@click.option("--working-days", "-n", type=click.IntRange(1, 60), default=DEFAULT_WORKING_DAYS, show_default=True,
              help="公示期的工作日数（指引 3.3.2：市级名单为 7 个）")
@data_option
def deadline(start: dt.date, working_days: int, data_dir: Path) -> None:
    """计算从 START（发布日期）起的公示期：第一天、最后一天与截止时刻。最后一行只输出最后一天。"""
    calendar = _calendar_or_exit(data_dir)
    try:
        window = calendar.publicity_window(start, working_days)
    except CalendarNotCovered as exc:
        click.echo(f"错误：{exc}。请先在 data/calendar/ 中补充该年度的节假日安排。", err=True)
        sys.exit(2)
    closes = window.closes_at
    click.echo(f"公示期：{working_days} 个工作日（从发布日起算，非工作日顺延至下一个工作日）")
    click.echo(f"发布日期：{_day(start)}")
    click.echo(f"第一天：{_day(window.first_day)}")
    click.echo(f"最后一天：{_day(window.last_day)}")
    click.echo(f"截止时刻：{closes.strftime('%Y-%m-%d %H:%M')}（北京时间 {closes.tzinfo}，即最后一天 24:00）")
    click.echo("工作日：" + "、".join(day.strftime("%m-%d") for day in window.days))
    click.echo(window.last_day.isoformat())


def _calendar_or_exit(data_dir: Path) -> WorkingCalendar:
    """The working calendar from data/calendar; refuses (exit 1) when its files are invalid."""
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    result = load_dataset(data_dir, SCHEMAS_DIR)
    calendar_problems = [p for p in result.problems if "/calendar/" in f"/{p.path}" and p.severity is Severity.ERROR]
    if calendar_problems:
        for found in calendar_problems:
            click.echo(found.format(), err=True)
        click.echo("工作日历数据有错误，无法计算。", err=True)
        sys.exit(1)
    return result.dataset.calendar


@cli.command()
@data_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True, help="网站输出目录")
@click.option("--config-file", "-f", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=Path("mkdocs.yml"), show_default=True, help="MkDocs 配置文件")
@today_option
def build(data_dir: Path, site_dir: Path, config_file: Path, today: dt.date | None) -> None:
    """校验数据并生成网站；只有完整生成成功后才替换输出目录。"""
    today = today or today_in_shanghai()
    _validate_or_exit(data_dir, today)
    try:
        build_site(config_file, data_dir, site_dir, today)
    except SiteBuildFailed as exc:
        click.echo(f"错误：网站生成失败，原有的 {site_dir} 保持不变。{exc}", err=True)
        sys.exit(1)
    click.echo(f"网站已生成：{site_dir}（状态按 {today.isoformat()} 计算）")


@cli.command()
@data_option
@click.option("--config-file", "-f", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=Path("mkdocs.yml"), show_default=True, help="MkDocs 配置文件")
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="预览地址")
@today_option
def serve(data_dir: Path, config_file: Path, dev_addr: str, today: dt.date | None) -> None:
    """校验数据并启动本地预览；修改 data/ 或 schemas/ 后自动刷新。"""
    today = today or today_in_shanghai()
    _validate_or_exit(data_dir, today)
    serve_site(config_file, data_dir, dev_addr, today)


@cli.command()
@click.argument("base")
@click.argument("head", required=False)
@click.option("--data-path", default="data", show_default=True, help="数据目录在仓库中的位置")
@today_option
def diff(base: str, head: str | None, data_path: str, today: dt.date | None) -> None:
    """比较 BASE 与 HEAD（git 修订或数据目录；HEAD 默认为当前工作区）的记录，以 Markdown 输出对公开记录的影响。"""
    today = today or today_in_shanghai()
    with tempfile.TemporaryDirectory(prefix="clusters-diff-") as scratch:
        datasets = []
        for label, ref in (("BASE", base), ("HEAD", head)):
            data_dir = _materialise(ref, data_path, Path(scratch) / label)
            result = load_dataset(data_dir, SCHEMAS_DIR, today)
            if not result.ok:
                for found in result.problems:
                    click.echo(found.format(), err=True)
                click.echo(f"{label}（{ref or '工作区'}）的数据校验未通过，无法比较。", err=True)
                sys.exit(1)
            datasets.append(result.dataset)
    changes = compare(datasets[0], datasets[1], load_schemas(SCHEMAS_DIR), today)
    click.echo(render_markdown(changes, base, head or "工作区"), nl=False)


def _materialise(ref: str | None, data_path: str, scratch: Path) -> Path:
    """A folder holding the records of `ref`: a data folder as given, or `data_path` at a git revision."""
    if ref is None:
        return Path(data_path)
    if Path(ref).is_dir():
        return Path(ref) / data_path if (Path(ref) / data_path / "districts.yaml").is_file() else Path(ref)
    check = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        raise click.UsageError(f"“{ref}” 既不是目录，也不是 git 修订")
    archive = subprocess.run(["git", "archive", "--format=tar", check.stdout.strip(), "--", data_path],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise click.UsageError(f"无法从 {ref} 取出 {data_path}：{archive.stderr.decode(errors='replace').strip()}")
    scratch.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / data_path


def _validate_or_exit(data_dir: Path, today: dt.date) -> None:
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    result = load_dataset(data_dir, SCHEMAS_DIR, today)
    for found in result.problems:
        click.echo(found.format(), err=True)
    if not result.ok:
        click.echo(summary(result.problems, result.files), err=True)
        click.echo("数据校验未通过，网站未生成。", err=True)
        sys.exit(1)


def main() -> None:
    try:
        cli.main(prog_name="clusters", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in this program, never a data problem: no traceback for staff
        click.echo(f"内部错误（程序缺陷，不是数据问题），请报告给维护者：{type(exc).__name__}: {exc}", err=True)
        sys.exit(3)
