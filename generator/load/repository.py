"""What git tracks: the files of a folder that the repository does not (yet) hold.

The site is built from what is committed; a file that git does not track (a stray copy, a file
someone forgot to add, something dropped in by a tool) is listed as a warning by `clusters
validate`, so the pull-request check shows it. Outside a git work tree there is nothing to say.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def untracked_files(folder: Path) -> list[Path] | None:
    """Files under `folder` that git does not track (ignored files excluded); None outside git."""
    try:
        done = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z", "--", "."],
                              cwd=folder, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return [folder / name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
