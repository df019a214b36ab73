"""Read the deployment file (deploy/servers.yaml): which web servers, as whom, where, how many releases.

Secrets never live in the file: the SSH key and the pinned host keys come from the environment
(CLUSTERS_DEPLOY_SSH_KEY, CLUSTERS_DEPLOY_KNOWN_HOSTS), read by the CLI and passed in here. The file
is read strictly (generator.load.yamlread: every value a string, positions kept) and every mistake
is a Problem with its file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from generator.load.yamlread import Document, Path_, read_yaml
from generator.problems import Problem, problem

KEY_ENV = "CLUSTERS_DEPLOY_SSH_KEY"  # path of the private key file
KNOWN_HOSTS_ENV = "CLUSTERS_DEPLOY_KNOWN_HOSTS"  # path of the known_hosts file that pins every host's key
DEFAULT_KEEP = 5
DEFAULT_PORT = 22

_TOP_KEYS = ("user", "path", "keep", "rsync_options", "hosts")
_HOST_KEYS = ("name", "address", "port", "user", "path")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_USER = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
_ADDRESS = re.compile(r"[A-Za-z0-9.:-]{1,253}")  # a host name, an IPv4 or an IPv6 address
# The rsync options a bureau may add: how fast and how the bytes travel, never where or what (an
# option such as --rsh, --rsync-path or --delete-excluded would change what the deploy does).
_RSYNC_OPTIONS = ("bwlimit", "compress", "compress-level", "ipv4", "ipv6", "whole-file", "no-whole-file")
_RSYNC_OPTION = re.compile(rf"--({'|'.join(_RSYNC_OPTIONS)})(=[A-Za-z0-9.]+)?")


@dataclass(frozen=True)
class Host:
    name: str  # the label the output uses
    address: str
    port: int
    user: str
    path: PurePosixPath  # the base folder: releases/ and the `current` link live in it

    @property
    def destination(self) -> str:
        """user@address for ssh (IPv6 addresses in brackets for rsync's host:path)."""
        return f"{self.user}@{self.address}"


@dataclass(frozen=True)
class DeployConfig:
    hosts: tuple[Host, ...]
    keep: int
    rsync_options: tuple[str, ...]


@dataclass(frozen=True)
class Secrets:
    """Where ssh finds the key and the pinned host keys (None: ssh's own defaults)."""

    key_file: Path | None
    known_hosts: Path | None


class _Reader:
    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, code: str, where: Path_, *, key: bool = False, **params: object) -> None:
        line, col = self.doc.key_position(where) if key else self.doc.position(where)
        self.problems.append(problem(code, self.doc.path, line, col, **params))

    def keys(self, mapping: dict[str, Any], where: Path_, allowed: tuple[str, ...]) -> None:
        for key in mapping:
            if key not in allowed:
                self.fail("deploy-config-key", (*where, key), key=True, key_name=key, allowed="、".join(allowed))

    def text(self, value: Any, where: Path_, field: str, pattern: re.Pattern[str], hint: str) -> str | None:
        if value is None:
            self.fail("deploy-config-missing", where, field=field)
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail("deploy-config-value", where, field=field, value=value, hint=hint)
            return None
        return value

    def number(self, value: Any, where: Path_, field: str, low: int, high: int) -> int | None:
        if isinstance(value, str) and value.isdigit() and low <= int(value) <= high:
            return int(value)
        self.fail("deploy-config-value", where, field=field, value=value, hint=f"{low} 到 {high} 之间的整数")
        return None

    def base_path(self, value: Any, where: Path_) -> PurePosixPath | None:
        text = self.text(
            value, where, "path", re.compile(r"/[A-Za-z0-9._/-]*"), "以 / 开头的绝对路径，只含字母、数字和 ._-/"
        )
        if text is None:
            return None
        path = PurePosixPath(text)
        if ".." in path.parts or path == PurePosixPath("/"):
            self.fail("deploy-config-value", where, field="path", value=text, hint="不含 ..、不是根目录的绝对路径")
            return None
        return path


def load_deploy_config(file: Path, display: str) -> tuple[DeployConfig | None, list[Problem]]:
    """The deployment file read and checked; (None, problems) when anything is wrong."""
    if not file.is_file():
        return None, [problem("deploy-config-absent", display, 1, 1)]
    doc, problems = read_yaml(file, display)
    if doc is None:
        return None, problems
    reader = _Reader(doc)
    data: dict[str, Any] = doc.data
    reader.keys(data, (), _TOP_KEYS)
    keep = DEFAULT_KEEP if data.get("keep") is None else reader.number(data["keep"], ("keep",), "keep", 2, 100)
    options: list[str] = []
    raw_options = data.get("rsync_options") or []
    if not isinstance(raw_options, list):
        reader.fail(
            "deploy-config-value",
            ("rsync_options",),
            field="rsync_options",
            value=raw_options,
            hint='列表，如 ["--bwlimit=2000"]',
        )
    else:
        for index, option in enumerate(raw_options):
            checked = reader.text(
                option, ("rsync_options", index), "rsync_options", _RSYNC_OPTION, "rsync 的长选项，如 --bwlimit=2000"
            )
            if checked is not None:
                options.append(checked)
    hosts = _hosts(reader, data)
    if reader.problems or keep is None:
        return None, reader.problems
    return DeployConfig(tuple(hosts), keep, tuple(options)), []


def _hosts(reader: _Reader, data: dict[str, Any]) -> list[Host]:
    raw_hosts = data.get("hosts")
    if not isinstance(raw_hosts, list) or not raw_hosts:
        reader.fail("deploy-config-no-hosts", ("hosts",), key="hosts" in data)
        return []
    hosts: list[Host] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw_hosts):
        where: Path_ = ("hosts", index)
        if not isinstance(entry, dict):
            reader.fail(
                "deploy-config-value", where, field="hosts", value=entry, hint="每台服务器写成含 name、address 的映射"
            )
            continue
        reader.keys(entry, where, _HOST_KEYS)
        name = reader.text(entry.get("name"), (*where, "name"), "name", _NAME, "字母、数字、点、连字符")
        address = reader.text(entry.get("address"), (*where, "address"), "address", _ADDRESS, "主机名或 IP 地址")
        port = DEFAULT_PORT
        if entry.get("port") is not None:
            port = reader.number(entry["port"], (*where, "port"), "port", 1, 65535) or DEFAULT_PORT
        user_where: Path_ = (*where, "user") if entry.get("user") is not None else ("user",)
        user = reader.text(entry.get("user", data.get("user")), user_where, "user", _USER, "Linux 用户名")
        path_where: Path_ = (*where, "path") if entry.get("path") is not None else ("path",)
        path = reader.base_path(entry.get("path", data.get("path")), path_where)
        if name is not None and name in seen:
            reader.fail("deploy-config-duplicate-host", (*where, "name"), name=name, first=seen[name] + 1)
        elif name is not None:
            seen[name] = index
        if name and address and user and path:
            hosts.append(Host(name, address, port, user, path))
    return hosts
