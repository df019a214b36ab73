"""What git holds: earlier versions of data/ (for `clusters diff` and the yearly archive), the history of
data/ (for the change log, generator.load.history) and the files of a folder that the repository does
not (yet) track.

The site is built from what is committed; a file that git does not track (a stray copy, a file
someone forgot to add, something dropped in by a tool) is listed as a warning by `clusters
validate`, so the pull-request check shows it. Outside a git work tree there is nothing to say.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
from pathlib import Path


def untracked_files(folder: Path) -> list[Path] | None:
    """Files under `folder` that git does not track (ignored files excluded); None outside git."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard", "-z", "--", "."],
            cwd=folder,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return [folder / name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


class GitError(Exception):
    """A git command failed; the message is in Chinese, for the person running the command."""


def _git(args: list[str], cwd: Path | None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def is_work_tree(folder: Path) -> bool:
    return _git(["rev-parse", "--is-inside-work-tree"], folder).returncode == 0


def commit_of(ref: str, cwd: Path | None = None) -> str | None:
    """The commit a revision (branch, tag, SHA, HEAD~1) names, or None when it names none."""
    done = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def last_commit_before(instant: str, cwd: Path) -> str | None:
    """The last commit of HEAD before an ISO 8601 instant (2026-01-01T00:00:00+08:00), or None."""
    done = _git(["rev-list", "-1", f"--before={instant}", "HEAD"], cwd)
    return done.stdout.decode().strip() or None


def extract(revision: str, path: str, scratch: Path, cwd: Path | None = None) -> Path:
    """Write `path` (a folder of the repository) as it was at `revision` under `scratch`; return it there."""
    done = _git(["archive", "--format=tar", revision, "--", path], cwd)
    if done.returncode != 0:
        raise GitError(f"无法从 {revision} 取出 {path}：{done.stderr.decode(errors='replace').strip()}")
    scratch.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / path


def toplevel(folder: Path) -> Path | None:
    """The root of the git work tree holding `folder`, or None outside one."""
    done = _git(["rev-parse", "--show-toplevel"], folder)
    return Path(done.stdout.decode().strip()) if done.returncode == 0 else None


# One commit of `folder_log`: this header, then its raw diff (-z). \x01 starts a commit, \x1f parts it.
LOG_FORMAT = "%x01%H%x1f%ct%x1f%P%x1f"


def repository_state(folder: Path) -> tuple[bool, frozenset[str]] | None:
    """(whether the clone is shallow, the commits whose parents it cut off) for the git work tree
    holding `folder`; None outside one (a tarball) or without git. One git process."""
    try:
        done = _git(["rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--git-path", "shallow"], folder)
    except OSError:
        return None
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if done.returncode != 0 or len(lines) != 3 or lines[0] != "true":
        return None
    shallow = lines[1] == "true"
    grafted: frozenset[str] = frozenset()
    if shallow:
        with contextlib.suppress(OSError, UnicodeDecodeError):  # else known only as a commit without parents
            grafted = frozenset((folder / lines[2]).read_text(encoding="ascii").split())
    return shallow, grafted


def folder_log(folder: Path) -> bytes | None:
    """Every commit on the first-parent line of HEAD that changed something under `folder`, newest
    first, as LOG_FORMAT headers each followed by the raw diff (-z) against its first parent, with
    blob ids and paths relative to `folder`; a merge counts as the change it brought to the line.
    None when git fails (no commit yet). One git process."""
    args = ["log", "-z", "--raw", "--no-abbrev", "--no-renames", "--first-parent", "-m", "--relative"]
    try:
        done = _git([*args, f"--format={LOG_FORMAT}", "--", "."], folder)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def read_blobs(blob_ids: list[str], cwd: Path) -> dict[str, bytes]:
    """The contents of blobs by id, through one `git cat-file --batch`; a missing one is left out."""
    if not blob_ids:
        return {}
    try:
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=cwd,
            input="".join(f"{blob_id}\n" for blob_id in blob_ids).encode("ascii"),
            capture_output=True,
            check=False,
        )
    except OSError:
        return {}
    out, at = done.stdout, 0
    found: dict[str, bytes] = {}
    while at < len(out):
        end = out.find(b"\n", at)
        if end < 0:
            break
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<id> missing" (or ambiguous): no content follows
            continue
        size = int(header[2])
        if header[1] == b"blob":
            found[header[0].decode("ascii")] = out[at : at + size]
        at += size + 1  # the content and its terminating newline
    return found
