"""Yearly archive for records retention: the site and the data package as of 31 December.

`archive_year` builds the site as of 00:00 of YEAR-12-31 (as a build with `--today YEAR-12-31`) from the records as they were at the end
of that year (the last git commit before 1 January of the next year, Asia/Shanghai, when the data
folder is in a git checkout) and writes one zip with fixed timestamps, so the same inputs always
give the same archive bytes.

With the published site's chain of releases (`Releases.live`), the archive carries the chain up to
31 December: the manifests of the releases as of before 1 January of the next year, its own
manifest linked to the last of them (generator.site.chain.up_to). Its manifest's build instant is
the archive's instant and its commit the year-end revision, so the bytes stay reproducible, and
`clusters verify` checks the zip as it checks a site.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from pathlib import Path

from generator.domain.calendar import start_of_day
from generator.load.repository import GitError, extract, is_work_tree, last_commit_before
from generator.site.build import Releases, build_site
from generator.site.chain import ChainProblem, up_to

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: entries carry no build-time information


class ArchiveFailed(Exception):
    pass


def revision_at_year_end(repo_dir: Path, year: int) -> str:
    """The last commit before 1 January of year+1, 00:00 Asia/Shanghai."""
    if not is_work_tree(repo_dir):
        raise ArchiveFailed(f"{repo_dir} 不在 git 仓库中；如要用当前数据生成存档，请加 --no-git")
    revision = last_commit_before(f"{year + 1}-01-01T00:00:00+08:00", repo_dir)
    if revision is None:
        raise ArchiveFailed(f"仓库中没有 {year} 年底之前的提交，无法还原当时的记录")
    return revision


def _records_at(revision: str, repo_dir: Path, data_path: str, scratch: Path) -> Path:
    try:
        return extract(revision, data_path, scratch, cwd=repo_dir)
    except GitError as failure:
        raise ArchiveFailed(str(failure)) from failure


def archive_year(
    year: int,
    config_file: Path,
    data_dir: Path,
    output: Path,
    use_git: bool = True,
    releases: Releases | None = None,
) -> str:
    """Write the archive zip; return a Chinese sentence saying which records it holds."""
    year_end = dt.date(year, 12, 31)
    releases = releases or Releases()
    try:
        chain = releases.read()
    except ChainProblem as exc:
        raise ArchiveFailed(exc.format()) from None
    cut = up_to(chain, start_of_day(dt.date(year + 1, 1, 1))) if chain is not None else None
    carried = Releases(
        chain=cut,
        correction=releases.correction,
        signing_key=releases.signing_key,
        allowed_signers=releases.allowed_signers,
        lock_file=releases.lock_file,
    )
    with tempfile.TemporaryDirectory(prefix="clusters-archive-") as scratch_name:
        scratch = Path(scratch_name)
        records, origin = data_dir, "当前工作区的记录"
        repo = data_dir.resolve().parent
        revision = ""
        if use_git:
            revision = revision_at_year_end(repo, year)
            records = _records_at(revision, repo, data_dir.resolve().name, scratch / "records")
            origin = f"{year} 年底的记录（git 提交 {revision[:12]}）"
        site = scratch / "site"
        build_site(config_file, records, site, start_of_day(year_end), commit=revision, releases=carried)
        output.parent.mkdir(parents=True, exist_ok=True)
        note = f"{year} 年存档：网站与开放数据包（site/）及原始记录（records/），{origin}，状态按 {year_end} 计算。\n"
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            info = zipfile.ZipInfo("README.txt", ZIP_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, note.encode("utf-8"))
            for folder, prefix in ((site, "site"), (records, "records")):
                for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                    info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(folder).as_posix()}", ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, path.read_bytes())
    chained = f"，带上截至 {year_end.isoformat()} 的 {len(cut.releases)} 个版本的发布记录" if cut is not None else ""
    return f"{origin}，状态按 {year_end.isoformat()} 计算{chained}"
