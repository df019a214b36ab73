"""The one place that talks to a web server: ssh for short shell scripts, rsync for the upload.

Host keys are always checked against the pinned known_hosts (StrictHostKeyChecking=yes, never
trust-on-first-use) and ssh never asks a question (BatchMode). Scripts run by the server's POSIX
shell with coreutils and find; nothing else has to be installed there but rsync.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.deploy.config import Host, Secrets

COMMAND_TIMEOUT = 300  # seconds for one remote script (hashing a large release takes a while)
IO_TIMEOUT = 60  # rsync gives up when no data moves for this long
UPLOAD_TIMEOUT = 3600


@dataclass(frozen=True)
class Done:
    """How a remote step ended: ssh's or rsync's exit status and output (255 from ssh: no connection)."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def reason(self) -> str:
        """The last lines of the error output, for the operator (or the exit status)."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        detail = "；".join(lines[-2:]) if lines else ""
        if self.returncode == 255 and not detail:
            detail = "无法建立 SSH 连接"
        return f"{detail}（退出码 {self.returncode}）" if detail else f"退出码 {self.returncode}"


@dataclass(frozen=True)
class UploadStats:
    files: int  # regular files in the release
    sent: int  # of which transferred (the rest were hard-linked from the live release)


class Remote:
    def __init__(self, host: Host, secrets: Secrets, rsync_options: tuple[str, ...] = ()):
        self.host = host
        self.secrets = secrets
        self.rsync_options = rsync_options

    def ssh_command(self) -> list[str]:
        command = [
            "ssh",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "ConnectTimeout=15",
            "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=3",
            "-o", "LogLevel=ERROR",
            "-p", str(self.host.port),
        ]  # fmt: skip
        if self.secrets.known_hosts is not None:
            command += ["-o", f"UserKnownHostsFile={self.secrets.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null"]
        if self.secrets.key_file is not None:
            command += ["-i", str(self.secrets.key_file), "-o", "IdentitiesOnly=yes"]
        return command

    def run(self, script: str, stdin: str = "", timeout: int = COMMAND_TIMEOUT) -> Done:
        """Run a POSIX shell script on the host."""
        command = [*self.ssh_command(), self.host.destination, "sh -c " + shlex.quote(script)]
        return _run(command, stdin, timeout)

    def upload(self, source: Path, target: PurePosixPath, link_dest: PurePosixPath | None) -> tuple[Done, UploadStats]:
        """Copy the folder `source` to `target` on the host; files equal (by checksum) to those of
        `link_dest` become hard links to them instead of new copies."""
        address = f"[{self.host.address}]" if ":" in self.host.address else self.host.address
        command = [
            "rsync",
            "--recursive", "--links", "--perms", "--chmod=D755,F644",
            "--checksum",  # rebuilt files have new times: compare by content, link what is equal
            "--delete",  # a retried upload leaves nothing of an earlier attempt
            "--stats", f"--timeout={IO_TIMEOUT}",
            "-e", shlex.join(self.ssh_command()),
        ]  # fmt: skip
        if link_dest is not None:
            command.append(f"--link-dest={link_dest}")
        command += [*self.rsync_options, f"{source}/", f"{self.host.user}@{address}:{target}/"]
        done = _run(command, "", UPLOAD_TIMEOUT)
        return done, _stats(done.stdout)


def _run(command: list[str], stdin: str, timeout: int) -> Done:
    try:
        finished = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False, env=_c_locale()
        )
    except subprocess.TimeoutExpired:
        return Done(124, "", f"{timeout} 秒内没有完成")
    except OSError as exc:
        return Done(127, "", f"无法运行 {command[0]}：{exc.strerror or exc}")
    return Done(finished.returncode, finished.stdout, finished.stderr)


def _c_locale() -> dict[str, str]:
    """The caller's environment with LC_ALL=C: rsync's statistics then have one format."""
    return {**os.environ, "LC_ALL": "C"}


def _stats(output: str) -> UploadStats:
    def number(pattern: str) -> int:
        found = re.search(pattern, output)
        return int(found[1].replace(",", "")) if found else 0

    return UploadStats(number(r"reg: ([\d,]+)"), number(r"Number of regular files transferred: ([\d,]+)"))
