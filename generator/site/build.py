"""Run MkDocs for a given data folder and instant, and replace the site folder only on success.

The instant and the data folder reach the clusters plugin as its options, overriding those of
mkdocs.yml; the plugin loads, validates and snapshots the records once per build. The build goes
to a fresh folder beside the target; the target is swapped in only after MkDocs finished without
error or warning (strict), the search index is made (generator.site.search) and the release
manifest is written (generator.site.release), so a failed build never leaves a half-written site.
SOURCE_DATE_EPOCH is set from the instant's day so that two builds of the same data at the same
instant give the same bytes.

The release is one link of a chain (generator.site.chain): given the published site (a folder or a
URL: `Chain.releases`), the build reads its chain, links its own manifest to the live head, carries
every earlier manifest into releases/ and lists them on the 发布记录 page; given the signing key,
it signs the manifest (generator.site.signing), which the published allowed_signers must list.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.utils.yaml import yaml_load

from generator.domain.calendar import SHANGHAI, day_of, start_of_day
from generator.domain.history import ReleaseRow
from generator.load.dataset import LoadResult
from generator.site.chain import (
    ALLOWED_SIGNERS,
    Chain,
    ChainProblem,
    Source,
    carried_files,
    check_signatures,
    read_chain,
    release_rows,
    sign_manifest,
    signing_fingerprint,
)
from generator.site.plugin import PROBLEM_RECORD, ClustersPlugin
from generator.site.release import (
    ALLOWED_SIGNERS_FILE,
    LOCK_FILE,
    MANIFEST_FILE,
    ManifestError,
    data_fingerprint,
    precompress,
    release_name,
    write_manifest,
)
from generator.site.search import SearchIndexFailed, index_site
from generator.site.signing import allowed_keys, fingerprint

PLUGIN_NAME = "clusters"


@dataclass(frozen=True)
class Releases:
    """How a build joins the chain of releases: the published site it extends (a folder or URL; None:
    the first release of a chain, or a local build), or the chain read from it already (`chain`:
    the yearly archive cuts it at 31 December); the stated reason when it is a correction; the
    OpenSSH private key to sign with (None: unsigned, and the manifest says so); the allowed_signers
    file published beside the manifests; the lock file whose SHA-256 the manifest records."""

    live: str | None = None
    chain: Chain | None = None
    correction: str | None = None
    signing_key: Path | None = None
    sign_later: bool = False  # the manifest says signed; a later step with the private key signs it (CI)
    allowed_signers: Path = ALLOWED_SIGNERS_FILE
    lock_file: Path = LOCK_FILE

    def read(self) -> Chain | None:
        if self.chain is not None or self.live is None:
            return self.chain
        return read_chain(Source(self.live))

    def signers_text(self) -> str:
        try:
            return self.allowed_signers.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ChainProblem("release-signers-missing", f"无法读取公钥文件 {self.allowed_signers}：{exc}") from None

    def signer(self, signers: str) -> tuple[str | None, bool]:
        """The signing key's fingerprint (None when not known here) and whether the manifest is signed."""
        if self.signing_key is not None:
            return signing_fingerprint(self.signing_key, signers), True
        if not self.sign_later:
            return None, False
        keys = allowed_keys(signers)
        if not keys:
            raise ChainProblem(
                "release-signers-missing",
                f"要求由后续步骤签名，但公钥文件 {self.allowed_signers} 没有列出签名公钥：请先填写 deploy/allowed_signers",
            )
        return (fingerprint(keys[0]) if len(keys) == 1 else None), True

    def lock_sha256(self) -> str:
        return hashlib.sha256(self.lock_file.read_bytes()).hexdigest() if self.lock_file.is_file() else ""


class SiteBuildFailed(Exception):
    def __init__(self, message: str, loaded: LoadResult | None = None):
        super().__init__(message)
        self.loaded = loaded  # the records as the plugin loaded them, when it got that far


def plugin_options(config_file: Path, data_dir: Path, at: dt.datetime) -> dict[str, Any]:
    """The `plugins` setting of `config_file` with the clusters plugin's data_dir and instant (`at`)
    set, `today` removed: the one way the instant and the data folder reach the plugin."""
    with open(config_file, encoding="utf-8") as stream:
        raw = yaml_load(stream) or {}
    plugins: list[Any] = []
    found = False
    for name, given in _plugin_entries(raw.get("plugins") or []):
        options = given
        if name == PLUGIN_NAME:
            found = True
            options = {
                **{k: v for k, v in (copy.deepcopy(given) or {}).items() if k != "today"},
                "data_dir": str(data_dir.resolve()),
                "at": at.isoformat(),
            }
        plugins.append({name: options} if options is not None else name)
    if not found:
        raise SiteBuildFailed(f"{config_file} 没有启用 {PLUGIN_NAME} 插件")
    return {"plugins": plugins}


def _plugin_entries(entries: list[Any] | dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, options) of each plugin, whether mkdocs.yml lists them or maps them."""
    if isinstance(entries, dict):
        return list(entries.items())
    found: list[tuple[str, Any]] = []
    for entry in entries:
        found.extend(entry.items() if isinstance(entry, dict) else [(entry, None)])
    return found


@contextmanager
def _reproducible(day: dt.date) -> Iterator[None]:
    """Pin the build date MkDocs writes (sitemap) to the day, then restore."""
    keys = {"SOURCE_DATE_EPOCH": str(int(start_of_day(day).timestamp())), "NO_MKDOCS_2_WARNING": "1"}
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _NotProblems(logging.Filter):
    """Data problems are printed by the CLI in the file:line:col format; not again by MkDocs' log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, PROBLEM_RECORD, False)


def _log_to_stderr() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    handler.addFilter(_NotProblems())
    logging.getLogger("mkdocs").addHandler(handler)
    return handler


def build_site(
    config_file: Path,
    data_dir: Path,
    site_dir: Path,
    at: dt.datetime,
    *,
    built_at: dt.datetime | None = None,
    commit: str = "",
    releases: Releases | None = None,
) -> LoadResult:
    """Build into a temporary folder as of the instant `at` (aware), then swap it in for `site_dir`;
    return the loaded records (with their warnings). Raises SiteBuildFailed, carrying the records' problems when invalid.

    The finished pages get their search index, then the folder its precompressed copies and, last,
    its release manifest (the build instant `built_at` and `commit` are recorded there, nowhere
    else: generator.site.release), which so lists the index's files too; `releases` says which chain
    it extends and whether it is signed (default: a release of its own, unsigned)."""
    releases = releases or Releases()
    instant = (built_at or at).astimezone(SHANGHAI).replace(microsecond=0)
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
    handler = _log_to_stderr()
    plugin = None
    day = day_of(at)
    try:
        chain = releases.read()
        signers = releases.signers_text()
        if chain is not None:  # a chain whose signatures do not hold is not extended
            check_signatures(chain, signers)
        signer, signed = releases.signer(signers)
        with _reproducible(day):
            config = load_config(
                str(config_file), site_dir=str(staging), strict=True, **plugin_options(config_file, data_dir, at)
            )
            plugin = config.plugins.get(PLUGIN_NAME)
            if isinstance(plugin, ClustersPlugin):
                this = release_name(instant, commit)
                plugin.releases = [*release_rows(chain), _own_row(this, at, instant, commit, signed, releases)]
                plugin.later_files = {
                    ALLOWED_SIGNERS,
                    *(f"{row.manifest}{suffix}" for row in plugin.releases for suffix in ("", ".sig")),
                }
            mkdocs_build(config)
        index_site(staging)
        for path, raw in {**carried_files(chain), ALLOWED_SIGNERS: signers.encode("utf-8")}.items():
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).write_bytes(raw)
        precompress(staging)
        write_manifest(
            staging,
            at,
            instant,
            commit,
            data_sha256=data_fingerprint(data_dir),
            previous=chain.head.link if chain is not None else None,
            correction=releases.correction,
            signing_key=signer,
            signed=signed,
            lock_sha256=releases.lock_sha256(),
        )
        if releases.signing_key is not None:
            sign_manifest(staging, releases.signing_key)
    except ChainProblem as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SiteBuildFailed(exc.format()) from None
    except (MkDocsException, SystemExit, SiteBuildFailed, ManifestError, SearchIndexFailed) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        loaded = plugin.loaded if isinstance(plugin, ClustersPlugin) else None
        raise SiteBuildFailed(str(exc) or type(exc).__name__, loaded) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        site_dir.rename(old / "site")
    staging.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    assert isinstance(plugin, ClustersPlugin) and plugin.loaded is not None
    return plugin.loaded


def _own_row(
    name: str, at: dt.datetime, instant: dt.datetime, commit: str, signed: bool, releases: Releases
) -> ReleaseRow:
    return ReleaseRow(name, at.astimezone(SHANGHAI), instant, commit, signed, releases.correction, MANIFEST_FILE)


def serve_site(config_file: Path, data_dir: Path, dev_addr: str, at: dt.datetime) -> None:
    from mkdocs.commands.serve import serve

    _log_to_stderr()
    with _reproducible(day_of(at)):
        serve(str(config_file), dev_addr=dev_addr, livereload=True, **plugin_options(config_file, data_dir, at))
