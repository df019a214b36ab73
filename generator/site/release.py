"""The release a build makes of its site folder: precompressed copies and the release manifest.

After MkDocs has written the pages, the build adds
- `<file>.gz` beside every text file that compresses (deterministic gzip: no name, no time), so a web
  server sends the same bytes it would compress on the fly without spending the CPU (nginx
  `gzip_static on`, deploy/nginx.conf); not beside the search index's pieces, which Pagefind has
  compressed itself and its script inflates (generator.site.search.PRECOMPRESSED_SUFFIXES);
- MANIFEST_FILE, last: the as-of day, the build instant, the commit, the release's name on the servers,
  the data folder's fingerprint (`data_sha256`), the link to the release before it (`previous`: the
  SHA-256 of that release's manifest, and its name), a correction's reason when the release is an
  explicit correction, whether it is signed, the build environment's lock file digest (`lock_sha256`)
  and every other file's path, size and SHA-256.
  `clusters deploy` checks each server's copy against it, on the server, before the release may go live
  (generator.deploy.rollout);
- SIGNATURE_FILE beside it when the build was given the signing key: an OpenSSH signature of the
  manifest's bytes (generator.site.signing). The releases form a chain through `previous`
  (generator.site.chain); RELEASES_DIR holds the earlier manifests and their signatures.

The manifest lists every file but itself and its signature. Two builds of the same records for the same
day, after the same release, have the same files (the manifest's build instant and commit aside).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import PROJECT_ROOT
from generator.domain.calendar import SHANGHAI
from generator.site.search import PRECOMPRESSED_SUFFIXES

ALLOWED_SIGNERS_FILE = PROJECT_ROOT / "deploy" / "allowed_signers"  # the public keys the bureau signs with
LOCK_FILE = PROJECT_ROOT / "requirements.lock"  # the build environment, with hashes (README.md)
MANIFEST_FILE = "release.json"
SIGNATURE_FILE = "release.json.sig"  # ssh-keygen -Y sign writes <file>.sig
RELEASES_DIR = "releases"  # releases/<name>.json (+ .sig): every earlier release's manifest, as published
MANIFEST_FORMAT = 2
READABLE_FORMATS = (1, 2)  # format 1 (before the chain): no data fingerprint, no link, never signed
SIGNED, UNSIGNED = "signed", "unsigned"
# Text files worth compressing; images, PDFs, fonts and office files are compressed already.
COMPRESSIBLE = frozenset(
    {".html", ".css", ".js", ".json", ".xml", ".svg", ".csv", ".txt", ".ics", ".atom", ".yaml", ".yml", ".map"}
)
_MIN_GAIN = 0.9  # keep a .gz only when it is at most 90 % of the original
# A path the servers' sha256sum and find can list unambiguously: no control characters, no backslash.
_PLAIN_PATH = re.compile(r"[^\x00-\x1f\x7f\\]+")
_RELEASE_NAME = re.compile(r"\d{8}T\d{6}-[0-9a-z]+")


class ManifestError(Exception):
    """A manifest that cannot be read or written as promised (a Chinese sentence)."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # POSIX, relative to the site folder
    size: int
    sha256: str


@dataclass(frozen=True)
class Link:
    """A release as the next one names it: its name and the SHA-256 of its manifest's bytes."""

    name: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    name: str  # the release folder's name on the servers: build instant and commit
    as_of: dt.datetime  # the instant the snapshot was taken at (Asia/Shanghai): every state is as of it
    built_at: dt.datetime  # Asia/Shanghai
    commit: str  # empty when the build was not made from a git checkout
    files: tuple[FileEntry, ...]
    data_sha256: str = ""  # data_fingerprint() of the records' folder; empty in a format 1 manifest
    previous: Link | None = None  # the release this one follows; None for the first of a chain
    correction: str | None = None  # the stated reason, when published as a correction (not extending the live chain)
    signature: str = UNSIGNED  # SIGNED: SIGNATURE_FILE holds an OpenSSH signature of the manifest's bytes
    signing_key: str | None = None  # the signing key's fingerprint (SHA256:…) when signed
    lock_sha256: str = ""  # SHA-256 of the build environment's lock file (requirements.lock), when there is one
    format: int = MANIFEST_FORMAT

    def as_json(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "name": self.name,
            "as_of": self.as_of.isoformat(),
            "built_at": self.built_at.isoformat(),
            "commit": self.commit,
            "data_sha256": self.data_sha256,
            "previous": None if self.previous is None else {"name": self.previous.name, "sha256": self.previous.sha256},
            "correction": self.correction,
            "signature": self.signature,
            "signing_key": self.signing_key,
            "lock_sha256": self.lock_sha256,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }

    def checksum_lines(self) -> str:
        """The files in `sha256sum --check` format (paths relative to the release folder)."""
        return "".join(f"{f.sha256}  ./{f.path}\n" for f in self.files)


def release_name(built_at: dt.datetime, commit: str) -> str:
    """`20261207T000512-5b164c8a1b2c`: sorts by build instant (Asia/Shanghai), then names the commit."""
    return f"{built_at.astimezone(SHANGHAI):%Y%m%dT%H%M%S}-{commit[:12].lower() or 'worktree'}"


def is_release_name(text: str) -> bool:
    return _RELEASE_NAME.fullmatch(text) is not None


def precompress(site_dir: Path) -> int:
    """Write `<file>.gz` beside each compressible file where it saves space; return how many.
    Pagefind's index pieces (PRECOMPRESSED_SUFFIXES) are gzip already: never compressed twice."""
    written = 0
    for path in sorted(site_dir.rglob("*")):
        suffix = path.suffix.lower()
        if suffix not in COMPRESSIBLE or suffix in PRECOMPRESSED_SUFFIXES or not path.is_file() or path.is_symlink():
            continue
        raw = path.read_bytes()
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
        if len(packed) <= len(raw) * _MIN_GAIN:
            path.with_name(path.name + ".gz").write_bytes(packed)
            written += 1
    return written


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(site_dir: Path) -> tuple[FileEntry, ...]:
    """Every regular file under `site_dir` except the manifest, sorted by path."""
    entries = []
    for path in sorted(site_dir.rglob("*")):
        relative = path.relative_to(site_dir).as_posix()
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise ManifestError(f"网站目录中的 {relative} 不是普通文件或文件夹，不能发布")
        if not path.is_file() or relative in (MANIFEST_FILE, SIGNATURE_FILE):
            continue
        if not _PLAIN_PATH.fullmatch(relative):
            raise ManifestError(f"网站目录中的文件名 {relative!r} 含控制字符或反斜杠，服务器上无法逐一核对")
        entries.append(FileEntry(relative, path.stat().st_size, _sha256(path)))
    return tuple(entries)


def data_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the data folder: one `sha256sum` line (`<hex>  <path>`) per regular file, sorted by
    path (POSIX, relative to the folder), hidden files and folders left out; the SHA-256 of those lines.
    `cd data && find . -type f ! -path '*/.*' | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum | sha256sum`
    gives the same value (for paths without spaces)."""
    lines = []
    for path in sorted(data_dir.rglob("*"), key=lambda p: p.relative_to(data_dir).as_posix().encode("utf-8")):
        relative = path.relative_to(data_dir)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        lines.append(f"{_sha256(path)}  {relative.as_posix()}\n")
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def manifest_bytes(manifest: Manifest) -> bytes:
    return (json.dumps(manifest.as_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_manifest(
    site_dir: Path,
    as_of: dt.datetime,
    built_at: dt.datetime | None,
    commit: str,
    *,
    data_sha256: str = "",
    previous: Link | None = None,
    correction: str | None = None,
    signing_key: str | None = None,
    signed: bool | None = None,
    lock_sha256: str = "",
) -> Manifest:
    """Write MANIFEST_FILE for the finished site folder, as of the snapshot's instant `as_of`;
    `built_at` defaults to it. With `signing_key` (the key's fingerprint), or `signed`, the manifest
    says it is signed: the caller then signs it (generator.site.signing.sign), or a later step does
    (the publish workflow's sign job, which holds the private key)."""
    as_of = as_of.astimezone(SHANGHAI)
    instant = (built_at or as_of).astimezone(SHANGHAI).replace(microsecond=0)
    manifest = Manifest(
        release_name(instant, commit),
        as_of,
        instant,
        commit,
        file_entries(site_dir),
        data_sha256=data_sha256,
        previous=previous,
        correction=correction,
        signature=SIGNED if (signed if signed is not None else signing_key) else UNSIGNED,
        signing_key=signing_key,
        lock_sha256=lock_sha256,
    )
    (site_dir / MANIFEST_FILE).write_bytes(manifest_bytes(manifest))
    return manifest


def _instant(text: str) -> dt.datetime:
    """An as-of instant; a manifest written before instants (a day, YYYY-MM-DD) reads as its 00:00."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def parse_manifest(text: str) -> Manifest:
    """A manifest read back (from a build folder or a server); ManifestError when malformed."""
    try:
        raw = json.loads(text)
        version = raw.get("format")
        if version not in READABLE_FORMATS:
            raise ManifestError(f"发布清单的格式版本 {version!r} 不是本程序支持的 {MANIFEST_FORMAT}")
        files = tuple(FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in raw["files"])
        previous = raw.get("previous") if version >= 2 else None
        manifest = Manifest(
            str(raw["name"]),
            _instant(raw["as_of"]),
            dt.datetime.fromisoformat(raw["built_at"]),
            str(raw["commit"]),
            files,
            data_sha256=str(raw["data_sha256"]) if version >= 2 else "",
            previous=None if previous is None else Link(str(previous["name"]), str(previous["sha256"])),
            correction=None if version < 2 or raw["correction"] is None else str(raw["correction"]),
            signature=str(raw["signature"]) if version >= 2 else UNSIGNED,
            signing_key=None if version < 2 or raw["signing_key"] is None else str(raw["signing_key"]),
            lock_sha256=str(raw.get("lock_sha256") or "") if version >= 2 else "",
            format=int(version),
        )
    except ManifestError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ManifestError(f"发布清单无法读取：{type(exc).__name__}: {exc}") from None
    if not is_release_name(manifest.name):
        raise ManifestError(f"发布清单中的版本名 {manifest.name!r} 不符合“构建时刻-提交”的格式")
    if manifest.signature not in (SIGNED, UNSIGNED):
        raise ManifestError(f"发布清单的签名状态 {manifest.signature!r} 应为 {SIGNED} 或 {UNSIGNED}")
    if manifest.previous is not None and (
        not is_release_name(manifest.previous.name) or not re.fullmatch(r"[0-9a-f]{64}", manifest.previous.sha256)
    ):
        raise ManifestError(f"发布清单中的上一版本 {manifest.previous!r} 格式不对")
    for entry in files:
        if not _PLAIN_PATH.fullmatch(entry.path) or entry.path.startswith("/") or ".." in entry.path.split("/"):
            raise ManifestError(f"发布清单中的路径 {entry.path!r} 不是网站目录内的普通路径")
        if not re.fullmatch(r"[0-9a-f]{64}", entry.sha256):
            raise ManifestError(f"发布清单中 {entry.path} 的 SHA-256 {entry.sha256!r} 格式不对")
    return manifest


def read_manifest(site_dir: Path) -> Manifest:
    path = site_dir / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{site_dir} 中没有发布清单 {MANIFEST_FILE}：请先用 clusters build 生成网站") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"无法读取 {path}：{exc}") from None
    return parse_manifest(text)


@dataclass(frozen=True)
class FileChanges:
    """What changed between two releases' files, by their manifests (paths sorted)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]  # size or SHA-256 differ

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def compare_manifests(old: Manifest, new: Manifest) -> FileChanges:
    """The files `new` adds, removes and changes against `old`; the release log (RELEASES_DIR: the earlier
    manifests and the 发布记录 page, which name each release) is left out, as the manifests themselves are."""
    before = {entry.path: entry for entry in old.files if not entry.path.startswith(f"{RELEASES_DIR}/")}
    after = {entry.path: entry for entry in new.files if not entry.path.startswith(f"{RELEASES_DIR}/")}
    return FileChanges(
        tuple(sorted(after.keys() - before.keys())),
        tuple(sorted(before.keys() - after.keys())),
        tuple(sorted(path for path in before.keys() & after.keys() if before[path] != after[path])),
    )


def check_folder(site_dir: Path, manifest: Manifest) -> list[str]:
    """Differences between a folder and its manifest, in Chinese; empty when they match."""
    try:
        found = {entry.path: entry for entry in file_entries(site_dir)}
    except ManifestError as exc:
        return [str(exc)]
    expected = {entry.path: entry for entry in manifest.files}
    differences = [f"多出文件 {path}" for path in sorted(found.keys() - expected.keys())]
    differences += [f"缺少文件 {path}" for path in sorted(expected.keys() - found.keys())]
    differences += [
        f"{path} 与清单不符" for path in sorted(found.keys() & expected.keys()) if found[path] != expected[path]
    ]
    return differences
