"""The `clusters` command line: thin click commands over the library's load/validate functions.

Exit codes: 0 success, 1 invalid data, 2 usage error, 3 internal error (a bug, never the data).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from generator import SCHEMAS_DIR
from generator.dataset import load_dataset
from generator.problems import summary

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_in_shanghai() -> dt.date:
    """The calendar day in Guangzhou now; the only place that reads the clock."""
    return dt.datetime.now(SHANGHAI).date()


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
    annotate = bool(os.environ.get("GITHUB_ACTIONS"))
    for found in result.problems:
        click.echo(found.format())
        if annotate:
            click.echo(found.github_annotation())
    click.echo(summary(result.problems, result.files))
    sys.exit(0 if result.ok else 1)


def main() -> None:
    try:
        cli.main(prog_name="clusters", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in this program, never a data problem: no traceback for staff
        click.echo(f"内部错误（程序缺陷，不是数据问题），请报告给维护者：{type(exc).__name__}: {exc}", err=True)
        sys.exit(3)
