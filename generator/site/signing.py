"""Signing a release manifest, and checking a signature, with OpenSSH's own tool (`ssh-keygen -Y`).

A signature is made over the manifest's bytes with `ssh-keygen -Y sign -n NAMESPACE -f <private key>`
and checked with `ssh-keygen -Y verify -n NAMESPACE -I SIGNER -f <allowed_signers>`: anyone with
OpenSSH 8.1 or later can check a release by hand with the same two commands (deploy/README.md).
The allowed_signers file names the principal SIGNER before each public key the bureau signs with
(deploy/allowed_signers; the site publishes it as releases/allowed_signers).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NAMESPACE = "gz-clusters-release"  # the signature's purpose: a signature made for anything else never verifies
SIGNER = "gz-clusters-release"  # the principal allowed_signers names the keys by
_TIMEOUT = 60


class SigningFailed(Exception):
    """The key or ssh-keygen could not make or check a signature (a Chinese sentence)."""


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SigningFailed("找不到 ssh-keygen（OpenSSH 客户端）：签名与验签都需要它")
    return found


def _run(arguments: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            [_ssh_keygen(), *arguments], input=stdin, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SigningFailed(f"无法运行 ssh-keygen：{exc}") from None


def public_key(private_key: Path) -> str:
    """The public half (`ssh-ed25519 AAAA…`) of a private key file without a passphrase."""
    with _private_copy(private_key) as key:
        done = _run(["-y", "-P", "", "-f", str(key)])
    if done.returncode != 0:
        raise SigningFailed(f"无法读取签名私钥 {private_key}：{done.stderr.decode('utf-8', 'replace').strip()}")
    return " ".join(done.stdout.decode("ascii", "replace").split()[:2])


@contextmanager
def _private_copy(private_key: Path) -> Iterator[Path]:
    """The key in a file only this user may read: ssh-keygen refuses a private key others may read,
    and CI (or a checkout) writes the secret to a file of its own with whatever mode."""
    with tempfile.TemporaryDirectory(prefix="clusters-sign-") as scratch:
        key = Path(scratch) / "key"
        try:
            key.write_bytes(private_key.read_bytes())
        except OSError as exc:
            raise SigningFailed(f"无法读取签名私钥 {private_key}：{exc}") from None
        os.chmod(key, 0o600)
        yield key


def fingerprint(key: str) -> str:
    """`SHA256:…` as `ssh-keygen -l` prints it, for a public key line (`type base64 [comment]`)."""
    try:
        blob = base64.b64decode(key.split()[1], validate=True)
    except (IndexError, ValueError):
        raise SigningFailed(f"不是 OpenSSH 公钥：{key[:40]!r}") from None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def allowed_keys(allowed_signers: str) -> list[str]:
    """The public keys (`type base64`) an allowed_signers text lists for SIGNER."""
    keys = []
    for line in allowed_signers.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#") or SIGNER not in fields[0].split(","):
            continue
        rest = [f for f in fields[1:] if "=" not in f]  # options such as namespaces="…"
        if len(rest) >= 2:
            keys.append(f"{rest[0]} {rest[1]}")
    return keys


def sign(manifest: Path, private_key: Path) -> Path:
    """Write `<manifest>.sig`; return its path."""
    signature = manifest.with_name(manifest.name + ".sig")
    signature.unlink(missing_ok=True)
    with _private_copy(private_key) as key:
        done = _run(["-Y", "sign", "-n", NAMESPACE, "-f", str(key), str(manifest)])
    if done.returncode != 0 or not signature.is_file():
        raise SigningFailed(f"签名失败：{done.stderr.decode('utf-8', 'replace').strip()}")
    return signature


def verify(data: bytes, signature: bytes, allowed_signers: str) -> tuple[bool, str]:
    """Whether `signature` is a good signature of `data` by a key allowed_signers lists for SIGNER in
    NAMESPACE; with ssh-keygen's own words."""
    with tempfile.TemporaryDirectory(prefix="clusters-verify-") as scratch:
        signers = Path(scratch) / "allowed_signers"
        signers.write_text(allowed_signers, encoding="utf-8")
        sig = Path(scratch) / "release.json.sig"
        sig.write_bytes(signature)
        done = _run(
            ["-Y", "verify", "-n", NAMESPACE, "-I", SIGNER, "-f", str(signers), "-s", str(sig)],
            stdin=data,
        )
    words = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    return done.returncode == 0, words
