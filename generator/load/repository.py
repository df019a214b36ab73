"""What git holds: earlier versions of data/ (for `clusters diff` and the yearly archive) and the files
of a folder that the repository does not (yet) track.

The site is built from what is committed; a file that git does not track (a stray copy, a file
someone forgot to add, something dropped in by a tool) is listed as a warning by `clusters
validate`, so the pull-request check shows it. Outside a git work tree there is nothing to say.
"""

from __future__ import annotations

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
