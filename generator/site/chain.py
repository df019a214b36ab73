"""The releases as a chain, read from a copy of the site (a folder) or the live site (a URL), and checked.

Every published site holds its own manifest (release.json, release.json.sig when signed) and every
earlier release's manifest as it was published (releases/<name>.json and .sig). Each manifest names
the release before it and the SHA-256 of that manifest's bytes (`previous`); the first names none.
So the chain is read backwards from the site's own manifest, and one changed byte in any earlier
manifest, a release taken out, or two swapped, breaks a link.

The build reads the live chain from the published site (`clusters build --releases FOLDER_OR_URL`),
copies it into the new site and links its manifest to the live head; `clusters deploy` refuses on
every host a release whose `previous` is not the host's live manifest (check_extends) unless it is a
stated correction; `clusters verify` (verify_site) checks the signatures, every link from the first
release, and every file of the site against its release's manifest.

Failures are ChainProblem: a stable code (CODES) and a Chinese sentence naming the first broken link
or file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.domain.history import ReleaseRow
from generator.site.release import (
    MANIFEST_FILE,
    RELEASES_DIR,
    SIGNATURE_FILE,
    SIGNED,
    Link,
    Manifest,
    ManifestError,
    file_entries,
    parse_manifest,
)
from generator.site.signing import SIGNER, SigningFailed, allowed_keys, fingerprint, public_key, sign, verify

ALLOWED_SIGNERS = f"{RELEASES_DIR}/allowed_signers"  # the public keys, as the site publishes them
_TIMEOUT = 30
_MAX_RELEASES = 100_000

# Stable codes of what `clusters verify`, the build and the deploy find wrong with a chain.
CODES = {
    "release-source": "无法读取 {where}",
    "release-manifest": "发布清单无法读取",
    "release-chain-missing": "上一版本的清单缺失",
    "release-chain-broken": "上一版本的清单与记下的 SHA-256 不符",
    "release-signature-missing": "签名文件缺失",
    "release-signature-invalid": "签名未通过验证",
    "release-signers-missing": "没有可用于验签的公钥",
    "release-unsigned": "未签名",
    "release-not-found": "发布记录中没有指定的版本",
    "release-file-missing": "缺少文件",
    "release-file-mismatch": "文件与清单不符",
    "release-file-extra": "多出文件",
    "release-not-extending": "不接续线上的发布记录",
    "release-key-not-allowed": "签名密钥不在公钥文件中",
    "release-signing-failed": "无法签名",
    "release-archive": "存档无法读取",
}


class ChainProblem(Exception):
    """The first thing found wrong: `code` (one of CODES) and a Chinese sentence naming it."""

    def __init__(self, code: str, sentence: str):
        assert code in CODES, code
        super().__init__(sentence)
        self.code = code
        self.sentence = sentence

    def format(self) -> str:
        return f"{self.sentence} [{self.code}]"


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class Source:
    """A site to read from: a folder (a saved copy, a build, a server's release folder) or a URL."""

    def __init__(self, where: str):
        self.where = where
        self.url = where.rstrip("/") + "/" if where.startswith(("http://", "https://")) else None
        self.folder = None if self.url else Path(where)
        if self.folder is not None and not self.folder.is_dir():
            raise ChainProblem("release-source", f"找不到网站目录 {where}")

    def read(self, path: str) -> bytes | None:
        """The file at `path` (relative to the site root), None when the site has no such file."""
        if self.folder is not None:
            target = self.folder / path
            if not target.is_file():
                return None
            try:
                return target.read_bytes()
            except OSError as exc:
                raise ChainProblem("release-source", f"无法读取 {target}：{exc}") from None
        assert self.url is not None
        address = urllib.parse.urljoin(self.url, urllib.parse.quote(path))
        # No Accept-Encoding: the server sends the file's own bytes, as the manifest lists them.
        request = urllib.request.Request(address, headers={"User-Agent": "clusters-verify"})
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as error:
            if error.code in (404, 410):
                return None
            raise ChainProblem("release-source", f"无法读取 {address}：HTTP {error.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ChainProblem("release-source", f"无法读取 {address}：{reason}") from None


@dataclass(frozen=True)
class Release:
    """One release of a chain: its manifest, the manifest's bytes as published and its signature."""

    manifest: Manifest
    raw: bytes
    signature: bytes | None
    path: str  # where the site holds the manifest (release.json or releases/<name>.json)

    @property
    def link(self) -> Link:
        return Link(self.manifest.name, sha256(self.raw))


@dataclass
class Chain:
    releases: list[Release]  # oldest first; the last is the site's own release
    notes: list[str] = field(default_factory=list)  # what holds but a reader should know (unsigned releases)

    @property
    def head(self) -> Release:
        return self.releases[-1]


def _parse(raw: bytes, path: str) -> Manifest:
    try:
        return parse_manifest(raw.decode("utf-8"))
    except (ManifestError, UnicodeDecodeError) as exc:
        raise ChainProblem("release-manifest", f"{path} 无法读取：{exc}") from None


def read_chain(source: Source) -> Chain:
    """Every release from the first to the site's own, each link checked; ChainProblem at the first broken one."""
    raw = source.read(MANIFEST_FILE)
    if raw is None:
        raise ChainProblem("release-manifest", f"{source.where} 中没有发布清单 {MANIFEST_FILE}")
    current = Release(_parse(raw, MANIFEST_FILE), raw, source.read(SIGNATURE_FILE), MANIFEST_FILE)
    found = [current]
    while (link := current.manifest.previous) is not None:
        if len(found) > _MAX_RELEASES:
            raise ChainProblem("release-chain-broken", f"发布记录超过 {_MAX_RELEASES} 个版本，不再继续读取")
        path = f"{RELEASES_DIR}/{link.name}.json"
        raw = source.read(path)
        name = current.manifest.name
        if raw is None:
            raise ChainProblem(
                "release-chain-missing",
                f"发布 {name} 接续的上一版本 {link.name} 的清单 {path} 不在网站上（该版本被删除或未随网站发布）",
            )
        if sha256(raw) != link.sha256:
            raise ChainProblem(
                "release-chain-broken",
                f"发布 {name} 接续的上一版本 {link.name} 的清单 {path} 与 {name} 记下的 SHA-256 不符"
                f"（清单被改动、替换，或版本顺序被调换）",
            )
        manifest = _parse(raw, path)
        if manifest.name != link.name:
            raise ChainProblem("release-chain-broken", f"{path} 中的版本名是 {manifest.name}，不是 {link.name}")
        current = Release(manifest, raw, source.read(path + ".sig"), path)
        found.append(current)
    return Chain(list(reversed(found)))


def check_signatures(chain: Chain, allowed_signers: str | None, *, required: bool = False) -> None:
    """Every signed release's signature is good for a key of `allowed_signers`; an unsigned release is
    refused when `required` or after a signed one (a signature cannot be dropped later), else noted."""
    signed_before = False
    for release in chain.releases:
        name = release.manifest.name
        if release.manifest.signature != SIGNED:
            if required or signed_before:
                why = "要求每个版本都有签名" if required else "此前的版本已经签名"
                raise ChainProblem("release-unsigned", f"发布 {name}（{release.path}）未签名，而{why}")
            chain.notes.append(f"{name} 未签名")
            continue
        signed_before = True
        if release.signature is None:
            raise ChainProblem(
                "release-signature-missing", f"发布 {name} 的清单注明已签名，但网站上没有签名文件 {release.path}.sig"
            )
        if not allowed_signers or not allowed_keys(allowed_signers):
            raise ChainProblem(
                "release-signers-missing",
                f"发布 {name} 已签名，但没有可用于验签的公钥：网站上的 {ALLOWED_SIGNERS}（或 --allowed-signers 指定的文件）"
                f"没有列出 {SIGNER} 的公钥（代码仓库的 deploy/allowed_signers 由局信息化部门填写）",
            )
        try:
            good, words = verify(release.raw, release.signature, allowed_signers)
        except SigningFailed as exc:
            raise ChainProblem("release-signature-invalid", f"无法验证发布 {name} 的签名：{exc}") from None
        if not good:
            raise ChainProblem(
                "release-signature-invalid",
                f"发布 {name} 的签名（{release.path}.sig）未通过验证：不是公钥文件所列密钥的签名，或清单被改动过"
                f"（ssh-keygen：{words or '无输出'}）",
            )


def check_files(source: Source, manifest: Manifest) -> int:
    """Every file the manifest lists, as the source holds it (a folder: and nothing else); return how
    many were checked. ChainProblem at the first file that differs."""
    name = manifest.name
    if source.folder is not None:
        try:
            found = {entry.path: entry for entry in file_entries(source.folder)}
        except ManifestError as exc:
            raise ChainProblem("release-file-extra", str(exc)) from None
        for entry in manifest.files:
            held = found.get(entry.path)
            if held is None:
                raise ChainProblem("release-file-missing", f"缺少文件 {entry.path}（发布 {name} 的清单列有它）")
            if held != entry:
                raise ChainProblem(
                    "release-file-mismatch",
                    f"{entry.path} 与发布 {name} 的清单不符（大小或 SHA-256 不同：文件被改动过）",
                )
        listed = {entry.path for entry in manifest.files}
        for path in sorted(found.keys() - listed):
            raise ChainProblem("release-file-extra", f"多出文件 {path}（发布 {name} 的清单中没有它）")
        return len(manifest.files)
    for entry in manifest.files:
        raw = source.read(entry.path)
        if raw is None:
            raise ChainProblem("release-file-missing", f"缺少文件 {entry.path}（发布 {name} 的清单列有它）")
        if len(raw) != entry.size or sha256(raw) != entry.sha256:
            raise ChainProblem(
                "release-file-mismatch", f"{entry.path} 与发布 {name} 的清单不符（大小或 SHA-256 不同：文件被改动过）"
            )
    return len(manifest.files)


@dataclass
class Verified:
    chain: Chain
    release: Release  # the release whose files were checked
    files: int


def verify_site(
    where: str,
    *,
    release: str | None = None,
    allowed_signers: str | None = None,
    required: bool = False,
    chain_from: str | None = None,
) -> Verified:
    """`clusters verify`: the chain from the first release, every signature (against `allowed_signers`,
    else the chain's site's own releases/allowed_signers), and every file of the site at `where`
    against its release's manifest. The chain is read from the site itself, or from `chain_from`
    (the live site, for a saved copy of an earlier release: the copy's manifest must then be, byte
    for byte, the one the chain holds). `release` names the release the site at `where` must be.
    ChainProblem at the first thing that does not hold."""
    source = Source(where)
    chain_source = Source(chain_from) if chain_from is not None else source
    chain = read_chain(chain_source)
    if allowed_signers is None:
        published = chain_source.read(ALLOWED_SIGNERS)
        allowed_signers = published.decode("utf-8", "replace") if published is not None else None
    check_signatures(chain, allowed_signers, required=required)
    own_raw = source.read(MANIFEST_FILE) if chain_from is not None else chain.head.raw
    if own_raw is None:
        raise ChainProblem("release-manifest", f"{where} 中没有发布清单 {MANIFEST_FILE}")
    own = _parse(own_raw, MANIFEST_FILE)
    if release is not None and own.name != release:
        raise ChainProblem("release-not-found", f"{where} 是版本 {own.name}，不是 {release}")
    named = [r for r in chain.releases if r.manifest.name == own.name]
    if not named:
        raise ChainProblem("release-not-found", f"{chain_source.where} 的发布记录中没有 {own.name}（{where} 的版本）")
    chosen = named[0]
    if chosen.raw != own_raw:
        raise ChainProblem(
            "release-chain-broken",
            f"{where} 的发布清单与 {chain_source.where} 的发布记录中 {own.name} 的清单（{chosen.path}）不同：清单被改动过",
        )
    return Verified(chain, chosen, check_files(source, chosen.manifest))


def check_extends(manifest: Manifest, raw: bytes, live: bytes | None) -> str | None:
    """Why the release (`manifest`, its bytes `raw`) may not replace a host's live release whose
    manifest is `live` (None: the host serves nothing yet); None when it may: it follows the live
    release, it is the live release itself, or it is a stated correction."""
    if live is None or manifest.correction or sha256(live) == sha256(raw):
        return None
    held = sha256(live)
    if manifest.previous is not None and manifest.previous.sha256 == held:
        return None
    try:
        live_name = parse_manifest(live.decode("utf-8")).name
    except (ManifestError, UnicodeDecodeError):
        live_name = f"清单 SHA-256 为 {held[:12]}… 的版本"
    follows = manifest.previous.name if manifest.previous else "无（它是一条新记录的第一个版本）"
    return (
        f"{manifest.name} 不接续服务器正在提供的 {live_name}（它接续的是 {follows}）："
        "请用 clusters build --releases 取线上的发布记录后重新生成；确需更正时用 --correction 写明理由"
    )


def release_row(manifest: Manifest, path: str) -> ReleaseRow:
    return ReleaseRow(
        manifest.name,
        manifest.as_of,
        manifest.built_at,
        manifest.commit,
        manifest.signature == SIGNED,
        manifest.correction,
        path,
    )


def release_rows(chain: Chain | None) -> list[ReleaseRow]:
    """The chain's releases, oldest first, each with the path its manifest has on the next site."""
    if chain is None:
        return []
    return [release_row(r.manifest, earlier_path(r.manifest.name)) for r in chain.releases]


def earlier_path(name: str) -> str:
    return f"{RELEASES_DIR}/{name}.json"


def carried_files(chain: Chain | None) -> dict[str, bytes]:
    """What a new release carries of the chain it extends: every manifest (and signature) as it was
    published, at releases/<name>.json (and .sig), by path."""
    files: dict[str, bytes] = {}
    for release in chain.releases if chain is not None else []:
        path = earlier_path(release.manifest.name)
        files[path] = release.raw
        if release.signature is not None:
            files[path + ".sig"] = release.signature
    return files


def up_to(chain: Chain, end: dt.datetime) -> Chain | None:
    """The chain cut after its last release as of before `end` (the yearly archive: 1 January 00:00 of
    the next year); None when no release is that old."""
    kept = [release for release in chain.releases if release.manifest.as_of < end]
    return Chain(kept) if kept else None


def signing_fingerprint(private_key: Path, allowed_signers: str) -> str:
    """The key's fingerprint, when allowed_signers lists its public half; ChainProblem otherwise."""
    try:
        key = public_key(private_key)
    except SigningFailed as exc:
        raise ChainProblem("release-signing-failed", str(exc)) from None
    if key not in allowed_keys(allowed_signers):
        raise ChainProblem(
            "release-key-not-allowed",
            f"签名私钥 {private_key} 的公钥（{fingerprint(key)}）不在公钥文件中：请先把它加入 deploy/allowed_signers",
        )
    return fingerprint(key)


def sign_manifest(site_dir: Path, private_key: Path) -> None:
    try:
        sign(site_dir / MANIFEST_FILE, private_key)
    except SigningFailed as exc:
        raise ChainProblem("release-signing-failed", str(exc)) from None


@contextmanager
def opened(where: str) -> Iterator[str]:
    """`where` as a site to verify: a folder or URL as it is; a yearly archive (.zip) unpacked, its site/."""
    if where.startswith(("http://", "https://")) or not where.lower().endswith(".zip"):
        yield where
        return
    with tempfile.TemporaryDirectory(prefix="clusters-verify-") as scratch:
        try:
            with zipfile.ZipFile(where) as archive:
                for info in archive.infolist():
                    parts = PurePosixPath(info.filename).parts
                    if info.is_dir() or len(parts) < 2 or parts[0] != "site":
                        continue
                    if ".." in parts or info.filename.startswith("/"):
                        raise ChainProblem("release-archive", f"存档 {where} 中的路径 {info.filename!r} 不安全")
                    target = Path(scratch, *parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(info))
        except (OSError, zipfile.BadZipFile) as exc:
            raise ChainProblem("release-archive", f"无法读取存档 {where}：{exc}") from None
        site = Path(scratch) / "site"
        if not site.is_dir():
            raise ChainProblem("release-archive", f"存档 {where} 中没有 site/ 目录")
        yield str(site)
