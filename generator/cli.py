"""The `clusters` command line: it parses options, calls the library (generator.library) and prints.

Exit codes: 0 success, 1 invalid data, 2 usage error, 3 internal error (a bug, never the data);
`next-change --within` answers with 0 (a change is due) or 1 (none), and says 4 for invalid data.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click
from click.decorators import FC

from generator import PROJECT_ROOT, SCHEMAS_DIR, library
from generator.deploy.config import KEY_ENV, KNOWN_HOSTS_ENV, DeployConfig, Secrets, load_deploy_config
from generator.deploy.nginx import NginxConfigError, NginxSite, example_site, nginx_conf
from generator.deploy.rollout import Operator, list_releases
from generator.deploy.rollout import deploy as deploy_release
from generator.deploy.rollout import rollback as rollback_release
from generator.domain.calendar import SHANGHAI, CalendarNotCovered, day_of
from generator.domain.lifecycle import governing
from generator.domain.model import Dataset
from generator.domain.snapshot import StateChange, take_snapshot
from generator.editor.decap import CONFIG_PATH as DECAP_CONFIG_PATH
from generator.editor.decap import decap_config, editor_settings, read_districts, render_decap_config
from generator.editor.jsonschema import record_json_schema
from generator.load.dataset import LoadResult, load_dataset
from generator.load.repository import commit_of
from generator.problems import Problem, Severity, problem, problems_document, sarif_log, summary
from generator.publish.templates import render
from generator.schema.kinds import RECORD_ID, RECORD_TYPES, SCHEMA_KINDS
from generator.schema.package import SchemaSet, load_schemas
from generator.site.clock import now_in_shanghai, parse_day, parse_instant, resolve_day, resolve_instant
from generator.site.release import (
    ALLOWED_SIGNERS_FILE,
    ManifestError,
    compare_manifests,
    is_release_name,
    read_manifest,
)

if TYPE_CHECKING:
    from generator.site.build import Releases


class _Day(click.ParamType[dt.date, str | dt.date]):
    name = "YYYY-MM-DD"

    def convert(self, value: str | dt.date, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_day(value)
        except ValueError:
            self.fail(f"“{value}” 不是有效日期，应写成 YYYY-MM-DD", param, ctx)


DAY = _Day()


class _Instant(click.ParamType[dt.datetime, str | dt.datetime]):
    name = "YYYY-MM-DDTHH:MM"

    def convert(
        self, value: str | dt.datetime, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            return parse_instant(value)
        except ValueError:
            self.fail(f"“{value}” 不是有效时刻，应写成 YYYY-MM-DDTHH:MM（北京时间），如 2025-02-28T17:31", param, ctx)


INSTANT = _Instant()
NGINX_CONF_PATH = PROJECT_ROOT / "deploy" / "nginx.conf"
data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="数据目录",
)
# Every command whose output depends on the day takes --today and resolves it once (generator.site.clock).
config_option = click.option(
    "--config-file",
    "-f",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="MkDocs 配置文件",
)


def site_dir_option(help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--site-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("site"),
        show_default=True,
        help=help_text,
    )


today_option = click.option(
    "--today",
    type=DAY,
    default=None,
    callback=lambda ctx, param, value: resolve_day(value),
    help="按哪一天（北京时间）计算状态与发布内容，默认为今天",
)


def instant_options(command: Callable[..., None]) -> Callable[..., None]:
    """`--today` and `--at` for a command that works at an instant: the command gets `at`, resolved
    once (generator.site.clock): the instant given, else 00:00 of the day given, else the clock."""

    @click.option(
        "--today",
        type=DAY,
        default=None,
        help="按这一天（北京时间）00:00 的时刻计算状态与发布内容；与 --at 二选一，都不给出时为现在",
    )
    @click.option(
        "--at",
        "at_given",
        type=INSTANT,
        default=None,
        help="按这一时刻（北京时间，YYYY-MM-DDTHH:MM）计算状态与发布内容；与 --today 二选一，都不给出时为现在",
    )
    @functools.wraps(command)
    def with_instant(*args: object, today: dt.date | None, at_given: dt.datetime | None, **kwargs: object) -> None:
        if today is not None and at_given is not None:
            raise click.UsageError("--today 与 --at 只能给出一个")
        command(*args, at=resolve_instant(today, at_given), **kwargs)

    return with_instant


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """广州市市级中小企业特色产业集群公开发布工具。"""


@cli.command()
@data_option
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=SCHEMAS_DIR,
    help="数据模式目录",
)
@click.option(
    "--against",
    "against",
    metavar="REV",
    default=None,
    help="与这个 git 修订（或数据目录）比较：已发布的公示只能通过勘误记录更正（拉取请求检查使用）",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="输出格式：text 逐行列出（供人阅读），json 供工具和表单编辑器读取，sarif 为 SARIF 2.1.0（供代码扫描）",
)
@instant_options
def validate(data_dir: Path, schemas_dir: Path, against: str | None, output_format: str, at: dt.datetime) -> None:
    """校验 data/ 中的全部记录，逐条列出问题（文件:行:列）。"""
    try:
        checked = library.validate(data_dir, at=at, schemas_dir=schemas_dir, against=against)
    except library.RecordsNotFound as missing:
        raise click.UsageError(str(missing)) from None
    if output_format == "text":
        _print_problems(checked.problems)
        click.echo(summary(checked.problems, checked.files))
    else:  # one JSON document on stdout, nothing else (no annotations): tools read it whole
        document = (
            problems_document(checked.problems, checked.files)
            if output_format == "json"
            else sarif_log(checked.problems)
        )
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    sys.exit(0 if checked.ok else 1)


def _print_problems(problems: list[Problem], err: bool = False) -> None:
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for found in problems:
        click.echo(found.format(), err=err)
        if annotate:
            click.echo(found.github_annotation(), err=err)


WEEKDAYS = "一二三四五六日"


def _day(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"


@cli.command()
@click.argument("start", type=DAY)
@click.option(
    "--working-days",
    "-n",
    type=click.IntRange(1, 60),
    default=None,
    help="公示期的工作日数；不写则按 START 当日施行的市级工作指引（data/policy/）",
)
@data_option
def deadline(start: dt.date, working_days: int | None, data_dir: Path) -> None:
    """计算从 START（发布日期）起的公示期：第一天、最后一天与截止时刻。最后一行只输出最后一天。"""
    dataset = _dataset_or_exit(data_dir)
    basis = "命令行 --working-days"
    if working_days is None:
        policy = governing(dataset.policies, "municipal", start)
        if policy is None or policy.publicity_working_days.value is None:
            click.echo(f"错误：{start} 没有施行中的市级工作指引规定公示期，请用 --working-days 指定。", err=True)
            sys.exit(2)
        working_days = policy.publicity_working_days.value
        basis = f"{policy.short_title} {policy.publicity_working_days.clause}：“{policy.publicity_working_days.words}”"
    try:
        window = dataset.calendar.publicity_window(start, working_days)
    except CalendarNotCovered as exc:
        click.echo(f"错误：{exc}。请先在 data/calendar/ 中补充该年度的节假日安排。", err=True)
        sys.exit(2)
    closes = window.closes_at
    click.echo(f"公示期：{working_days} 个工作日（{basis}；从发布日起算，非工作日顺延至下一个工作日，本站做法）")
    click.echo(f"发布日期：{_day(start)}")
    click.echo(f"第一天：{_day(window.first_day)}")
    click.echo(f"最后一天：{_day(window.last_day)}")
    click.echo(f"截止时刻：{closes.strftime('%Y-%m-%d %H:%M')}（北京时间 {closes.tzinfo}，即最后一天 24:00，本站做法）")
    click.echo("工作日：" + "、".join(day.strftime("%m-%d") for day in window.days))
    click.echo(window.last_day.isoformat())


def _dataset_or_exit(data_dir: Path) -> Dataset:
    """The working calendar and policies from data/; refuses (exit 1) when their files are invalid."""
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    # Only the calendar's and the policies' problems matter here; the day (the clock's, read here in the
    # CLI) only decides which records would count as scheduled, which this command does not look at.
    result = load_dataset(data_dir, SCHEMAS_DIR, today=resolve_day(None))
    needed = [
        p
        for p in result.problems
        if p.severity is Severity.ERROR and ("/calendar/" in f"/{p.path}" or "/policy/" in f"/{p.path}")
    ]
    if needed:
        for found in needed:
            click.echo(found.format(), err=True)
        click.echo("工作日历或政策数据有错误，无法计算。", err=True)
        sys.exit(1)
    return result.dataset


SIGNING_KEY_ENV = "CLUSTERS_RELEASE_SIGNING_KEY"


def release_options(command: Callable[..., None]) -> Callable[..., None]:
    """How a build joins the chain of releases (generator.site.build.Releases): the command gets `releases`."""

    @click.option(
        "--releases",
        "live",
        metavar="FOLDER_OR_URL",
        default=None,
        help="线上网站的地址（或其保存的目录）：新版本接续它的发布记录，并带上此前各版本的发布清单；不给出时是一条新记录的第一个版本",
    )
    @click.option(
        "--correction",
        metavar="REASON",
        default=None,
        help="作为更正发布：写明理由（记入发布清单）；部署时允许它不接续服务器上正在提供的版本",
    )
    @click.option(
        "--signing-key",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        envvar=SIGNING_KEY_ENV,
        default=None,
        help=f"签名用的 OpenSSH 私钥文件（也可用环境变量 {SIGNING_KEY_ENV}）；不给出时发布清单注明未签名",
    )
    @click.option(
        "--sign-later",
        is_flag=True,
        help="发布清单注明已签名，但不在这里签名：由持有私钥的后续步骤用 ssh-keygen -Y sign 签名（CI 的签名作业）",
    )
    @click.option(
        "--allowed-signers",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=ALLOWED_SIGNERS_FILE,
        show_default=True,
        help="签名公钥文件，随网站发布为 releases/allowed_signers；签名私钥的公钥必须列在其中",
    )
    @functools.wraps(command)
    def with_releases(
        *args: object,
        live: str | None,
        correction: str | None,
        signing_key: Path | None,
        sign_later: bool,
        allowed_signers: Path,
        **kwargs: object,
    ) -> None:
        if correction is not None and not correction.strip():
            raise click.UsageError("--correction 需要写明更正的理由")
        if signing_key is not None and sign_later:
            raise click.UsageError("--signing-key 与 --sign-later 只能给出一个")
        from generator.site.build import Releases  # MkDocs: imported for a build only, not for a validate

        releases = Releases(
            live=live,
            correction=correction,
            signing_key=signing_key,
            sign_later=sign_later,
            allowed_signers=allowed_signers,
        )
        command(*args, releases=releases, **kwargs)

    return with_releases


@cli.command()
@data_option
@site_dir_option("网站输出目录")
@config_option
@instant_options
@release_options
def build(data_dir: Path, site_dir: Path, config_file: Path, at: dt.datetime, releases: Releases) -> None:
    """校验数据并生成网站；只有完整生成成功后才替换输出目录。页面按这一时刻所在的日期说明“截至哪一天”，
    开放数据写明这一时刻及每项状态保持到的时刻。最后写入发布清单 release.json（给出签名私钥时附签名）。"""
    try:
        built = library.build(
            data_dir,
            site_dir,
            at=at,
            config_file=config_file,
            built_at=now_in_shanghai(),
            commit=_head_commit(data_dir),
            releases=releases,
        )
    except library.RecordsNotFound as missing:
        raise click.UsageError(str(missing)) from None
    except Exception as exc:  # a template or program defect: still say that the published site is intact
        click.echo(
            f"内部错误（程序缺陷，不是数据问题），网站生成失败，原有的 {site_dir} 保持不变；"
            f"请报告给维护者：{type(exc).__name__}: {exc}",
            err=True,
        )
        sys.exit(3)
    if built.records_invalid:
        _print_problems(built.problems, err=True)
        click.echo(summary(built.problems, built.files), err=True)
        click.echo(f"数据校验未通过，网站未生成，原有的 {site_dir} 保持不变。", err=True)
        sys.exit(1)
    if built.failure is not None:
        click.echo(f"错误：网站生成失败，原有的 {site_dir} 保持不变。{built.failure}", err=True)
        sys.exit(1)
    _print_problems(built.problems, err=True)
    signed = (
        "已签名"
        if releases.signing_key
        else "注明已签名，待签名步骤写入 release.json.sig"
        if releases.sign_later
        else "未签名（没有给出签名私钥）"
    )
    click.echo(f"网站已生成：{site_dir}（状态按 {at.isoformat()} 计算；发布清单{signed}）")


_LISTED = 100  # paths listed per kind of change in compare-sites


@cli.command("compare-sites")
@click.argument("old", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("new", type=click.Path(file_okay=False, exists=True, path_type=Path))
def compare_sites(old: Path, new: Path) -> None:
    """比较两次生成的网站（按各自的发布清单）：列出新增、删除和内容有变化的文件（Markdown，供拉取请求的摘要）。

    \b
    用于依赖更新：同一时刻、同样的记录，分别用更新前后的构建环境生成，看更新改变了网站的哪些文件。
    退出码：0 比较完成（有无变化都是 0），1 发布清单无法读取，2 用法错误。
    """
    try:
        before, after = read_manifest(old), read_manifest(new)
    except ManifestError as exc:
        click.echo(f"错误：{exc} [release-manifest]", err=True)
        sys.exit(1)
    changes = compare_manifests(before, after)
    click.echo("## 网站文件的变化\n")
    click.echo(
        f"比较 `{before.name}`（{old}）与 `{after.name}`（{new}），各自的发布清单和发布记录（`releases/`：版本名每次不同）不计。\n"
    )
    if not changes:
        click.echo("两次生成的网站文件逐字节相同。")
        return
    for title, paths in (("新增", changes.added), ("删除", changes.removed), ("内容有变化", changes.changed)):
        if not paths:
            continue
        click.echo(f"### {title}（{len(paths)} 个文件）\n")
        for path in paths[:_LISTED]:
            click.echo(f"- `{path}`")
        if len(paths) > _LISTED:
            click.echo(f"- ……另有 {len(paths) - _LISTED} 个")
        click.echo("")


@cli.command()
@click.argument("where", metavar="PATH_OR_URL")
@click.option(
    "--release",
    "name",
    metavar="NAME",
    default=None,
    help="被核对的网站应是这个版本（与 --chain 合用核对保存的旧版本）",
)
@click.option(
    "--chain",
    "chain_from",
    metavar="PATH_OR_URL",
    default=None,
    help="从这里（如线上网站）读取发布记录；被核对的网站的清单必须与其中同名版本的清单逐字节相同（核对保存的旧版本）",
)
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="验签用的公钥文件（如代码仓库的 deploy/allowed_signers）；默认取被核对网站上的 releases/allowed_signers",
)
@click.option("--require-signature", is_flag=True, help="每个版本都必须有签名（未签名的版本视为问题）")
def verify(
    where: str, name: str | None, chain_from: str | None, allowed_signers: Path | None, require_signature: bool
) -> None:
    """核对一个网站（保存的目录、年度存档 zip 或线上网址）：各版本的签名、从第一个版本起的发布记录链，
    以及最新（或 --release 指定的）版本的每个文件与其发布清单是否一致。

    \b
    不需要联网即可核对保存在本机的目录。
    退出码：0 全部相符，1 发现问题（指出第一处断开的链接或不符的文件及其代码），2 用法错误。
    """
    for given in (where, chain_from):
        if given is not None and not given.startswith(("http://", "https://")) and not Path(given).exists():
            raise click.UsageError(f"找不到 {given}：应为网站目录、年度存档（.zip）或 http(s) 网址")
    if name is not None and not is_release_name(name):
        raise click.UsageError(f"“{name}” 不是版本名：应形如 20261207T000512-1a2b3c4d5e6f")
    signers = None
    if allowed_signers is not None:
        try:
            signers = allowed_signers.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"无法读取公钥文件 {allowed_signers}：{exc}") from None
    from generator.site.chain import ChainProblem, opened, verify_site  # the chain reads the release log

    try:
        with opened(where) as site:
            done = verify_site(
                site, release=name, allowed_signers=signers, required=require_signature, chain_from=chain_from
            )
    except ChainProblem as problem_found:
        click.echo(f"核对未通过：{problem_found.format()}", err=True)
        sys.exit(1)
    chain = done.chain
    first, head = chain.releases[0].manifest.name, chain.head.manifest.name
    click.echo(
        f"发布记录完好：{len(chain.releases)} 个版本，从 {first} 到 {head}，每一环都与下一版本记下的 SHA-256 一致。"
    )
    click.echo(f"{where} 是版本 {done.release.manifest.name}：{done.files} 个文件与其发布清单一致。")
    signed = sum(1 for r in chain.releases if r.manifest.signature == "signed")
    if signed:
        source = allowed_signers if allowed_signers is not None else "被核对网站上的 releases/allowed_signers"
        click.echo(f"{signed} 个已签名的版本签名有效（公钥取自 {source}）。")
        if allowed_signers is None:
            click.echo(
                "注意：公钥取自被核对的网站本身；要独立核对，请用 --allowed-signers 指定从代码仓库取得的 deploy/allowed_signers。"
            )
    for note in chain.notes:
        click.echo(f"注意：{note}（只核对了文件与链接，没有签名可验）。")


def _head_commit(data_dir: Path) -> str:
    """The commit the records come from, for the release manifest; empty outside git."""
    try:
        return commit_of("HEAD", cwd=data_dir) or ""
    except OSError:
        return ""


@cli.command()
@data_option
@config_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="预览地址")
@instant_options
def serve(data_dir: Path, config_file: Path, dev_addr: str, at: dt.datetime) -> None:
    """校验数据并启动本地预览；修改 data/ 或 schemas/ 后自动刷新（状态按启动时确定的时刻计算）。"""
    from generator.site.build import serve_site  # the site engine: imported by the commands that run it

    _validate_or_exit(data_dir, day_of(at))
    serve_site(config_file, data_dir, dev_addr, at)


@cli.command()
@data_option
@config_option
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="网站预览与编辑后台的端口")
@click.option(
    "--backend-port",
    type=click.IntRange(1, 65535),
    default=8081,
    show_default=True,
    help="本地编辑服务 decap-server 的端口",
)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器，只输出编辑后台的地址")
@instant_options
def edit(data_dir: Path, config_file: Path, port: int, backend_port: int, no_browser: bool, at: dt.datetime) -> None:
    """在本机用表单编辑记录（不需要 GitHub 或 Gitea 账号）：启动网站预览和本地编辑服务，直接读写数据目录中的文件。

    \b
    编辑后台地址为 http://127.0.0.1:8000/admin/（只在本机可用）。每次保存后自动整理格式
    （clusters normalise）、校验并重新生成预览。编辑完成后运行 clusters validate、
    clusters diff main 检查修改，再提交并发起拉取请求。按 Ctrl+C 结束。
    """
    from generator.site.edit import EditFailed, run_edit  # the site engine and decap-server

    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    if port == backend_port:
        raise click.UsageError("--port 与 --backend-port 不能相同")

    def ready(url: str) -> None:
        if not no_browser:
            import webbrowser  # only for this command

            webbrowser.open(url)

    try:
        run_edit(config_file, data_dir, at, port=port, backend_port=backend_port, say=click.echo, ready=ready)
    except EditFailed as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("已结束编辑。请运行 clusters validate 和 clusters diff main 检查修改，再提交。")
    except OSError as exc:  # the preview's port taken
        click.echo(
            f"错误：无法在 127.0.0.1:{port} 上启动网站预览（{exc.strerror or exc}）：请用 --port 换一个端口", err=True
        )
        sys.exit(2)


NOT_DUE = 1  # next-change --within: no change in the window
DATA_INVALID = 4  # next-change: the records do not validate, nothing is computed


@cli.command("next-change")
@data_option
@click.option(
    "--at",
    "at_given",
    type=INSTANT,
    default=None,
    help="从这一时刻（北京时间，YYYY-MM-DDTHH:MM）算起，默认为现在",
)
@click.option(
    "--within",
    type=click.IntRange(1, 24 * 60),
    default=None,
    metavar="MINUTES",
    help="改为回答：--at 之前的 MINUTES 分钟内（不含起点，含 --at）有没有状态变化；有则退出码 0，没有则 1",
)
def next_change(data_dir: Path, at_given: dt.datetime | None, within: int | None) -> None:
    """输出下一次公开的状态发生变化的时刻（ISO 8601，+08:00）及变化内容，每项一行。

    \b
    第一行是时刻，如 2025-02-28T17:30:00+08:00，其后每行一项变化（公示、申报通知、集群的状态，
    剩余工作日，当天生效的记录与截止事项）；按现有记录今后不再变化时只输出一行说明。
    加 --within MINUTES 时改为回答 --at 之前 MINUTES 分钟内有没有变化，并输出其间的变化：
    发布工作流每 15 分钟运行一次 clusters next-change --within 15，有变化才重新生成并发布网站。

    \b
    退出码：
      0  完成；加 --within 时：这段时间内有状态变化，需要重新生成网站
      1  加 --within 时：这段时间内没有状态变化
      2  用法错误
      3  程序内部错误
      4  数据校验未通过，没有计算
    """
    at = resolve_instant(None, at_given)
    since = at - dt.timedelta(minutes=within) if within is not None else at
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    result = load_dataset(data_dir, SCHEMAS_DIR, today=day_of(at))
    if not result.ok:
        _print_problems(result.problems, err=True)
        click.echo(summary(result.problems, result.files), err=True)
        click.echo("数据校验未通过，无法计算状态变化。", err=True)
        sys.exit(DATA_INVALID)
    snapshot = take_snapshot(result.dataset, since)
    if within is None:
        if not snapshot.ahead:
            click.echo(f"按现有记录，{at.isoformat()} 之后没有已知的状态变化。")
        _print_changes(snapshot.next_changes)
        return
    due = snapshot.changes_until(at)
    if due:
        click.echo(f"{since.isoformat()} 之后、{at.isoformat()} 及以前有状态变化，需要重新生成网站。", err=True)
        _print_changes(due)
        return
    click.echo(f"{since.isoformat()} 之后、{at.isoformat()} 及以前没有状态变化，不需要重新生成网站。", err=True)
    later = take_snapshot(result.dataset, at)
    if later.ahead:
        click.echo("下一次变化：", err=True)
    _print_changes(later.next_changes)
    sys.exit(NOT_DUE)


def _print_changes(changes: tuple[StateChange, ...]) -> None:
    """Each instant (ISO 8601, +08:00) on a line of its own, then what changes then, a line each."""
    for instant in sorted({change.at for change in changes}):
        click.echo(instant.astimezone(SHANGHAI).isoformat())
        for change in changes:
            if change.at == instant:
                click.echo(f"  {change.line}")


@cli.command()
@click.argument("base")
@click.argument("head", required=False)
@click.option("--data-path", default="data", show_default=True, help="数据目录在仓库中的位置")
@today_option
def diff(base: str, head: str | None, data_path: str, today: dt.date) -> None:
    """比较 BASE 与 HEAD（git 修订或数据目录；HEAD 默认为当前工作区）的记录，以 Markdown 输出对公开记录的影响。"""
    try:
        compared = library.diff(base, head, today=today, data_path=data_path)
    except library.RecordsNotFound as missing:
        raise click.UsageError(str(missing)) from None
    for label, ref, loaded in (("BASE", base, compared.base), ("HEAD", head, compared.head)):
        if not loaded.ok:
            for found in loaded.problems:
                click.echo(found.format(), err=True)
            click.echo(f"{label}（{ref or '工作区'}）的数据校验未通过，无法比较。", err=True)
            sys.exit(1)
    click.echo(compared.markdown(base, head or "工作区"), nl=False)


@cli.command()
@click.argument("year", type=click.IntRange(2022, 2100))
@data_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="输出文件，默认为 clusters-archive-YEAR.zip",
)
@config_option
@click.option("--no-git", is_flag=True, help="不从 git 历史取年底的记录，直接使用当前数据目录")
@release_options
def archive(
    year: int, data_dir: Path, output: Path | None, config_file: Path, no_git: bool, releases: Releases
) -> None:
    """生成 YEAR 年底的网站与数据包存档（zip），用于档案留存。

    给出 --releases 时，存档带上截至 YEAR 年 12 月 31 日的发布记录（各版本的发布清单），存档自己的清单接续其中最后一个版本；
    存档可以用 clusters verify 存档.zip 核对。"""
    output = output or Path(f"clusters-archive-{year}.zip")
    try:
        archived = library.archive(
            year, data_dir, output, config_file=config_file, use_git=not no_git, releases=releases
        )
    except library.RecordsNotFound as missing:
        raise click.UsageError(str(missing)) from None
    if not archived.ok:
        click.echo(f"错误：无法生成 {year} 年存档：{archived.failure}", err=True)
        sys.exit(1)
    click.echo(f"已生成 {output}：{archived.origin}。")


@cli.command()
@click.option("--check", is_flag=True, help="只检查仓库中的生成文件是否最新，不写入（用于 CI）")
def generate(check: bool) -> None:
    """重新生成仓库中的派生文件（schemas/json/*.schema.json、site_src/admin/config.yml、deploy/nginx.conf）。

    记录编辑后台的配置（config.yml）还取决于 data/site.yaml 的 editor（代码托管平台与仓库）和 data/districts.yaml。"""
    stale = []
    for path, content in derived_files(load_schemas(SCHEMAS_DIR)).items():
        if path.is_file() and path.read_bytes() == content:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    for path in stale:
        click.echo(f"{'过期' if check else '已更新'}：{path.relative_to(PROJECT_ROOT)}")
    if check and stale:
        click.echo("请运行 clusters generate 并提交结果。", err=True)
        sys.exit(1)


def derived_files(schema_set: SchemaSet) -> dict[Path, bytes]:
    """Files kept in the repository but derived from the code: JSON Schemas for editors, the Decap
    CMS form configuration, and the example web server configuration."""
    files = {
        DECAP_CONFIG_PATH: render_decap_config(
            decap_config(schema_set, RECORD_TYPES, editor_settings(), read_districts())
        ).encode("utf-8"),
        NGINX_CONF_PATH: nginx_conf(example_site()).encode("utf-8"),
    }
    for record_type in RECORD_TYPES:
        schema = record_json_schema(record_type, schema_set)
        name = SCHEMA_KINDS[record_type.kind]
        files[SCHEMAS_DIR / "json" / f"{name}.schema.json"] = (
            json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        ).encode("utf-8")
    return files


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="只检查，不写入：列出需要整理的文件，有则退出码 1（用于拉取请求检查）")
@data_option
def normalise(files: tuple[Path, ...], check: bool, data_dir: Path) -> None:
    """把记录文件整理为标准格式，不改变任何值：第一行的数据模式说明、字段顺序、缩进和引号；注释保留。

    \b
    不给 FILES 时整理数据目录中的全部记录。表单编辑器（clusters edit）每次保存后自动运行；
    提交前的 pre-commit 与拉取请求检查运行 clusters normalise --check。
    退出码：0 完成（或 --check 时全部已是标准格式），1 有文件需要整理或无法整理，2 用法错误。
    """
    if not files and not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    schema_set = load_schemas(SCHEMAS_DIR)
    from generator.editor.normalise import normalise_file, record_files  # ruamel.yaml: only for this command

    targets = list(files) if files else list(record_files(data_dir))
    failed = needed = 0
    for path in targets:
        result = normalise_file(path, schema_set, _shown(path))
        if result.problems:
            failed += 1
            _print_problems(result.problems)
        elif result.changed and result.text is not None:
            needed += 1
            if check:
                _print_problems([problem("normalise-needed", result.display, result.first_difference(), 1)])
            else:
                path.write_text(result.text, encoding="utf-8", newline="\n")
                click.echo(f"已整理：{result.display}")
    if check and needed:
        click.echo(f"{needed} 个文件需要整理：运行 clusters normalise 后提交。", err=True)
    elif not check:
        click.echo(f"检查了 {len(targets)} 个文件，整理了 {needed} 个。")
    sys.exit(1 if failed or (check and needed) else 0)


def _shown(path: Path) -> str:
    """A path as staff see it: relative to the working directory when under it, else as given."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --- publishing to the bureau's own web servers (generator.deploy) -------------------------------------

deploy_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("deploy/servers.yaml"),
    show_default=True,
    help="部署配置文件（服务器、用户、目录、保留版本数）",
)


def _deploy_setup(config_path: Path) -> tuple[DeployConfig, Secrets]:
    """The deployment file and the secrets from the environment; exit 2 with file:line:col problems."""
    config, problems = load_deploy_config(config_path, str(config_path))
    if config is None:
        _print_problems(problems, err=True)
        click.echo(f"部署配置有误，未连接任何服务器：{config_path}", err=True)
        sys.exit(2)
    secrets = Secrets(_env_file(KEY_ENV, "SSH 私钥"), _env_file(KNOWN_HOSTS_ENV, "known_hosts"))
    return config, secrets


def _env_file(variable: str, what: str) -> Path | None:
    value = os.environ.get(variable, "")
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise click.UsageError(f"环境变量 {variable} 指向的{what}文件 {value} 不存在")
    return path


def _operator() -> Operator:
    """This run, as the hosts' deploy lock records it: machine, process, start (the clock, read once)."""
    return Operator(socket.gethostname(), os.getpid(), now_in_shanghai())


def _say(host: str, sentence: str) -> None:
    click.echo(f"{host}: {sentence}" if host else sentence)


@cli.command()
@deploy_config_option
@site_dir_option("已生成的网站目录（clusters build 的输出）")
def deploy(config_path: Path, site_dir: Path) -> None:
    """把生成好的网站发布到自有服务器：全部上传并校验后，所有服务器一起切换。

    密钥通过环境变量提供：CLUSTERS_DEPLOY_SSH_KEY（SSH 私钥文件），CLUSTERS_DEPLOY_KNOWN_HOSTS
    （记录各服务器主机密钥的 known_hosts 文件）。退出码：0 完成，1 部署失败（网站保持原样或已切回），2 用法或配置错误。
    """
    config, secrets = _deploy_setup(config_path)
    if not deploy_release(config, secrets, site_dir, _operator(), _say):
        sys.exit(1)


@cli.command()
@deploy_config_option
@click.argument("release", required=False)
@click.option(
    "--reason",
    required=True,
    help="回滚的理由：与切换时刻、操作的机器、原版本和回滚到的版本一起追加到每台服务器的 rollbacks.log",
)
def rollback(config_path: Path, release: str | None, reason: str) -> None:
    """让所有服务器回到上一个版本（或指定的版本 RELEASE），先校验再一起切换，并在每台服务器上记下回滚。

    \b
    回滚让服务器提供发布记录中已被后来版本接续的旧版本，所以和更正发布一样须写明理由（--reason）；
    之后的发布接续回滚到的版本。"""
    if not reason.strip():
        raise click.UsageError("--reason 需要写明回滚的理由")
    config, secrets = _deploy_setup(config_path)
    if not rollback_release(config, secrets, release, _operator(), _say, reason=reason):
        sys.exit(1)


@cli.command()
@deploy_config_option
def releases(config_path: Path) -> None:
    """列出每台服务器上保存的版本，并标出正在提供的版本。"""
    config, secrets = _deploy_setup(config_path)
    if not list_releases(config, secrets, _say):
        sys.exit(1)


@cli.command("nginx-conf")
@click.option("--root", default=str(example_site().root), show_default=True, help="部署目录（网站为其中的 current）")
@click.option("--server-name", default=example_site().server_name, show_default=True, help="网站域名（多个用空格分隔）")
@click.option("--certificate", default=None, help="HTTPS 证书文件（PEM，含中间证书）；不给出时只生成 HTTP 配置")
@click.option("--certificate-key", default=None, help="HTTPS 私钥文件")
@click.option("--listen-address", default=None, help="只在这个 IP 地址上监听（默认 IPv4 与 IPv6 的全部地址）")
@click.option("--http-port", type=click.IntRange(1, 65535), default=80, show_default=True)
@click.option("--https-port", type=click.IntRange(1, 65535), default=443, show_default=True)
def nginx_conf_command(
    root: str,
    server_name: str,
    certificate: str | None,
    certificate_key: str | None,
    listen_address: str | None,
    http_port: int,
    https_port: int,
) -> None:
    """输出网站服务器 nginx 的配置（放到 /etc/nginx/conf.d/gz-clusters.conf）。"""
    site = NginxSite(
        root=PurePosixPath(root),
        server_name=server_name,
        listen_address=listen_address,
        http_port=http_port,
        https_port=https_port,
        certificate=PurePosixPath(certificate) if certificate else None,
        certificate_key=PurePosixPath(certificate_key) if certificate_key else None,
    )
    try:
        click.echo(nginx_conf(site), nl=False)
    except NginxConfigError as exc:
        raise click.UsageError(str(exc)) from None


@cli.group()
def new() -> None:
    """新建记录文件（带中文注释的骨架），不会覆盖已有文件。"""


@new.command("cluster")
@click.argument("record_id", metavar="ID")
@click.option("--name", prompt="集群名称（照录来源原文）", help="集群名称")
@click.option("--district", prompt="所在区的 6 位区划代码", help="所在区区划代码，如 440112")
@click.option("--industry", prompt="主导产业", help="主导产业")
@click.option(
    "--level",
    type=click.Choice(["national", "provincial", "municipal"]),
    default="municipal",
    show_default=True,
    help="认定级别",
)
@click.option("--source", prompt="来源网址", help="认定来源网址")
@click.option("--date", "certified_on", type=DAY, default=None, help="认定日期（来源载明时填写）")
@click.option("--doc-no", default=None, help="认定文件文号")
@click.option("--verified", is_flag=True, help="来源网址是发文机关自己的网页或文件，且已核对名称")
@data_option
@today_option
def new_cluster(
    record_id: str,
    name: str,
    district: str,
    industry: str,
    level: str,
    source: str,
    certified_on: dt.date | None,
    doc_no: str | None,
    verified: bool,
    data_dir: Path,
    today: dt.date,
) -> None:
    """新建 data/clusters/ID.yaml。"""
    _write_skeleton(
        data_dir,
        "clusters",
        record_id,
        "new_cluster.yaml.j2",
        today,
        name=name,
        district=district,
        industry=industry,
        level=level,
        source=source,
        date=certified_on,
        doc_no=doc_no,
        verified=verified,
    )


@new.command("notice")
@click.argument("record_id", metavar="ID")
@click.option("--title", prompt="公示标题", help="公示标题")
@click.option("--issuer", prompt="发布单位", help="发布单位")
@click.option(
    "--level",
    type=click.Choice(["national", "provincial", "municipal"]),
    default="municipal",
    show_default=True,
    help="公示级别",
)
@click.option("--published-on", type=DAY, default=None, help="发布日期，默认今天（北京时间）")
@click.option(
    "--working-days",
    type=click.IntRange(1, 30),
    default=None,
    help="公示原文写明的工作日数；市级公示不写则按工作指引计算",
)
@click.option("--url", default="", help="公示原文网址（市级公示必填）")
@click.option("--phone", default="", help="公示原文写明的异议受理电话")
@click.option("--email", default="", help="公示原文写明的异议受理电子邮箱")
@data_option
@today_option
def new_notice(
    record_id: str,
    title: str,
    issuer: str,
    level: str,
    published_on: dt.date | None,
    working_days: int | None,
    url: str,
    phone: str,
    email: str,
    data_dir: Path,
    today: dt.date,
) -> None:
    """新建 data/notices/ID.yaml。"""
    _write_skeleton(
        data_dir,
        "notices",
        record_id,
        "new_notice.yaml.j2",
        today,
        title=title,
        issuer=issuer,
        level=level,
        published_on=(published_on or today).isoformat(),
        working_days=working_days,
        url=url,
        phone=phone,
        email=email,
    )


@new.command("call")
@click.argument("record_id", metavar="ID")
@click.option("--title", prompt="通知标题", help="申报通知标题（照录原文）")
@click.option("--issuer", prompt="发布单位", help="发布单位")
@click.option("--year", type=click.IntRange(2000, 2100), prompt="申报年度", help="通知组织申报的年度")
@click.option(
    "--level",
    type=click.Choice(["national", "provincial", "municipal"]),
    default="municipal",
    show_default=True,
    help="通知级别",
)
@click.option("--published-on", type=DAY, default=None, help="发布日期，默认今天（北京时间）")
@click.option("--deadline-on", type=DAY, default=None, help="通知载明的申报截止日")
@click.option("--url", default="", help="通知原文网址（市级通知必填）")
@data_option
@today_option
def new_call(
    record_id: str,
    title: str,
    issuer: str,
    year: int,
    level: str,
    published_on: dt.date | None,
    deadline_on: dt.date | None,
    url: str,
    data_dir: Path,
    today: dt.date,
) -> None:
    """新建 data/calls/ID.yaml（年度认定工作通知）。"""
    _write_skeleton(
        data_dir,
        "calls",
        record_id,
        "new_call.yaml.j2",
        today,
        title=title,
        issuer=issuer,
        year=year,
        level=level,
        published_on=(published_on or today).isoformat(),
        deadline_on=deadline_on.isoformat() if deadline_on else "",
        url=url,
    )


def _write_skeleton(
    data_dir: Path, folder: str, record_id: str, template: str, today: dt.date, **values: object
) -> None:
    if not RECORD_ID.fullmatch(record_id):
        raise click.UsageError(f"“{record_id}” 不能作为 id：只能使用小写英文字母、数字和连字符")
    target = data_dir / folder / f"{record_id}.yaml"
    if target.exists():
        click.echo(f"错误：{target} 已存在，不会覆盖。", err=True)
        sys.exit(1)
    text = render(template, id=record_id, today=today.isoformat(), **values)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    result = load_dataset(data_dir, SCHEMAS_DIR, today=today)
    mine = [p for p in result.problems if p.path.endswith(f"{folder}/{record_id}.yaml")]
    for found in mine:
        click.echo(found.format())
    click.echo(f"已创建 {target}。请补全来源载明的信息后运行 clusters validate。")
    sys.exit(1 if any(p.severity is Severity.ERROR for p in mine) else 0)


def _validate_or_exit(data_dir: Path, today: dt.date) -> LoadResult:
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据目录 {data_dir}")
    result = load_dataset(data_dir, SCHEMAS_DIR, today=today)
    for found in result.problems:
        click.echo(found.format(), err=True)
    if not result.ok:
        click.echo(summary(result.problems, result.files), err=True)
        click.echo("数据校验未通过，网站未生成。", err=True)
        sys.exit(1)
    return result


def main() -> None:
    try:
        cli.main(prog_name="clusters", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in this program, never a data problem: no traceback for staff
        click.echo(f"内部错误（程序缺陷，不是数据问题），请报告给维护者：{type(exc).__name__}: {exc}", err=True)
        sys.exit(3)
