"""`clusters edit`: the record editor (Decap CMS) on this computer, against the working copy, no forge.

Three things run together, all on 127.0.0.1 and all stopped when the command stops:
- decap-server (npm, the version pinned in tools/decap-server/package-lock.json, installed there by
  `npm ci` the first time), Decap's local backend in file-system mode: the form reads and writes
  the record files of the data folder itself, no git, no login;
- the site, built as `clusters build` builds it, served from a folder of its own; its /admin/
  gets a configuration with `local_backend` pointing at decap-server (the published configuration,
  site_src/admin/config.yml, never has one) and a Content-Security-Policy that lets it reach it;
- a watch on the data folder: after each save every changed record file is normalised
  (generator.editor.normalise: standard layout, no value changed), checked, and the site rebuilt,
  so that a reload shows the record as it will be published.

Staff then review with `clusters validate` and `clusters diff main` and open a pull request.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import PROJECT_ROOT, SCHEMAS_DIR
from generator.domain.calendar import day_of
from generator.editor.decap import decap_config, editor_settings, read_districts, render_decap_config
from generator.editor.normalise import normalise_file, record_files
from generator.load.dataset import DisplayPaths, load_dataset
from generator.problems import Problem, Severity
from generator.publish import csp
from generator.schema.kinds import RECORD_TYPES
from generator.schema.package import load_schemas
from generator.site.build import SiteBuildFailed, build_site

DECAP_SERVER_DIR = PROJECT_ROOT / "tools" / "decap-server"
DECAP_SERVER_SCRIPT = Path("node_modules") / "decap-server" / "dist" / "index.js"
STAMP = Path("node_modules") / ".clusters-lock.sha256"  # the lock file the folder was installed from
STARTUP_SECONDS = 30.0
POLL_SECONDS = 0.5


class EditFailed(Exception):
    """What stopped `clusters edit` from starting, in Chinese."""


def install_decap_server(folder: Path = DECAP_SERVER_DIR, say: Callable[[str], None] = print) -> Path:
    """decap-server's script, installed by `npm ci` from the committed lock file unless the folder
    already holds exactly that install (a stamp of the lock file's SHA-256): a second call installs nothing."""
    script = folder / DECAP_SERVER_SCRIPT
    if installed(folder):
        return script
    with open(folder / ".install.lock", "w") as lock:  # two at once (test workers) install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed(folder):
            return script
        return _npm_ci(folder, script, say)


def _npm_ci(folder: Path, script: Path, say: Callable[[str], None]) -> Path:
    wanted = _lock_hash(folder)
    npm = shutil.which("npm")
    if npm is None:
        raise EditFailed("没有找到 npm：请先安装 Node.js（Debian：apt-get install nodejs npm）")
    say(f"正在安装本地编辑服务 decap-server（npm ci，{folder}）…")
    run = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if run.returncode != 0 or not script.is_file():
        raise EditFailed(f"decap-server 安装失败（npm ci 退出码 {run.returncode}）：{run.stderr.strip()[-500:]}")
    (folder / STAMP).write_text(wanted + "\n", encoding="utf-8")
    return script


def _lock_hash(folder: Path) -> str:
    return hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()


def installed(folder: Path = DECAP_SERVER_DIR) -> bool:
    """Whether the folder holds decap-server as installed from its lock file as it is now."""
    stamp = folder / STAMP
    return (
        (folder / DECAP_SERVER_SCRIPT).is_file()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == _lock_hash(folder)
    )


@dataclass
class DecapServer:
    process: subprocess.Popen[bytes]
    url: str  # its API, http://127.0.0.1:PORT/api/v1

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_decap_server(script: Path, root: Path, port: int) -> DecapServer:
    """decap-server on 127.0.0.1:port in file-system mode over `root`; returns once it answers."""
    node = shutil.which("node")
    if node is None:
        raise EditFailed("没有找到 node：请先安装 Node.js（Debian：apt-get install nodejs npm）")
    env = {
        **os.environ,
        "PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MODE": "fs",
        "GIT_REPO_DIRECTORY": str(root),
        "LOG_LEVEL": "warn",
    }
    # cwd: its own folder, whose .env (decap-server reads one) is none.
    process = subprocess.Popen([node, str(script)], cwd=script.parents[2], env=env, stdin=subprocess.DEVNULL)
    server = DecapServer(process, f"http://127.0.0.1:{port}/api/v1")
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EditFailed(
                f"本地编辑服务 decap-server 未能启动（退出码 {process.returncode}）：端口 {port} 可能已被占用"
            )
        if decap_server_answers(server.url):
            return server
        time.sleep(0.2)
    server.stop()
    raise EditFailed(f"本地编辑服务 decap-server 在 {STARTUP_SECONDS:.0f} 秒内没有响应（端口 {port}）")


def decap_server_answers(url: str) -> bool:
    request = urllib.request.Request(
        url, data=json.dumps({"action": "info"}).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return "repo" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def local_admin(site_dir: Path, data_dir: Path, backend_url: str) -> None:
    """Point the built site's /admin/ at the local decap-server: its configuration and its policy."""
    settings = editor_settings(data_dir)
    config = decap_config(
        load_schemas(SCHEMAS_DIR),
        RECORD_TYPES,
        settings,
        read_districts(data_dir),
        local_backend=backend_url,
        data_folder=data_dir.resolve().name,
    )
    admin = site_dir / csp.ADMIN_DIR
    text = render_decap_config(config)
    for name in ("config.yml", "config.yml.gz"):
        (admin / name).unlink(missing_ok=True)  # the build's precompressed copy would be the published one
    (admin / "config.yml").write_text(text, encoding="utf-8")
    page = admin / "index.html"
    origin = backend_url.split("/api/", 1)[0]
    html = csp.without_policy_meta(page.read_text(encoding="utf-8"))
    policy = csp.meta_policy(csp.admin_policy((*settings.origins(), origin), (*settings.image_origins(), origin)))
    placed = csp.with_policy_meta(html, policy)
    page.write_text(placed if placed is not None else html, encoding="utf-8")
    (admin / "index.html.gz").unlink(missing_ok=True)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload shows the latest build
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass


@contextmanager
def serve_folder(
    folder: Path, port: int = 0, handler_class: type[http.server.SimpleHTTPRequestHandler] = _Handler, **options: Any
) -> Iterator[str]:
    """Serve `folder` (whatever folder is at that path now: a rebuild swaps it) on 127.0.0.1:port (0: a
    free port) in a thread, until the block ends; yields the base URL ending in "/". `handler_class`
    (with `options`) answers the requests: by default files with no caching, no log."""
    handler = functools.partial(handler_class, directory=str(folder), **options)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _state(data_dir: Path) -> dict[Path, tuple[int, int]]:
    return {path: (path.stat().st_mtime_ns, path.stat().st_size) for path in record_files(data_dir)}


@dataclass
class Editing:
    """One `clusters edit` session's folders and addresses."""

    config_file: Path
    data_dir: Path
    site_dir: Path
    at: dt.datetime
    backend_url: str = ""

    def rebuild(self, say: Callable[[str], None]) -> bool:
        try:
            build_site(self.config_file, self.data_dir, self.site_dir, self.at)
        except SiteBuildFailed as exc:
            if exc.loaded is None or exc.loaded.ok:
                say(f"网站预览未能重新生成：{exc}")
            else:
                say("数据校验未通过，网站预览保持上一版（运行 clusters validate 查看全部问题）。")
            return False
        local_admin(self.site_dir, self.data_dir, self.backend_url)
        return True

    def after_saves(self, changed: list[Path], say: Callable[[str], None]) -> None:
        """Normalise each changed record file, show its problems, rebuild the preview."""
        schema_set = load_schemas(SCHEMAS_DIR)
        shown = DisplayPaths(self.data_dir)
        for path in changed:
            if not path.is_file():
                continue
            result = normalise_file(path, schema_set, shown(path))
            for found in result.problems:
                say(found.format())
            if result.changed and result.text is not None:
                path.write_text(result.text, encoding="utf-8", newline="\n")
                say(f"已保存并整理格式：{result.display}")
            elif not result.problems:
                say(f"已保存：{result.display}")
        loaded = load_dataset(self.data_dir, SCHEMAS_DIR, today=day_of(self.at))
        names = {shown(path) for path in changed}
        mine: list[Problem] = [p for p in loaded.problems if p.path in names]
        for found in mine:
            say(found.format())
        errors = sum(p.severity is Severity.ERROR for p in loaded.problems)
        if self.rebuild(say):
            say(f"网站预览已更新（全部记录：{errors} 个错误）。")

    def watch(self, stop: threading.Event, say: Callable[[str], None], alive: Callable[[], bool]) -> None:
        """Until `stop` is set (or decap-server ends): after each save, normalise, check, rebuild."""
        seen = _state(self.data_dir)
        while not stop.wait(POLL_SECONDS):
            if not alive():
                say("本地编辑服务 decap-server 已停止。")
                return
            now = _state(self.data_dir)
            changed = sorted(path for path in now.keys() | seen.keys() if now.get(path) != seen.get(path))
            if not changed:
                continue
            time.sleep(POLL_SECONDS)  # let a save that writes several files finish
            now = _state(self.data_dir)
            changed = sorted(path for path in now.keys() | seen.keys() if now.get(path) != seen.get(path))
            self.after_saves(changed, say)
            seen = _state(self.data_dir)


def run_edit(
    config_file: Path,
    data_dir: Path,
    at: dt.datetime,
    *,
    port: int,
    backend_port: int,
    say: Callable[[str], None],
    ready: Callable[[str], None] = lambda url: None,
    stop: threading.Event | None = None,
) -> None:
    """The whole session: install and start decap-server, build and serve the site, watch the data
    folder until `stop` is set (Ctrl+C in the terminal). `ready` gets the editor's address."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():  # `kill` and a closed terminal end it cleanly too
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, lambda *_: stop.set())
    script = install_decap_server(say=say)
    root = data_dir.resolve().parent
    with tempfile.TemporaryDirectory(prefix="clusters-edit-") as scratch:
        editing = Editing(config_file, data_dir, Path(scratch) / "site", at)
        server = start_decap_server(script, root, backend_port)
        try:
            editing.backend_url = server.url
            if not editing.rebuild(say):
                raise EditFailed("数据校验未通过，无法启动编辑：请先运行 clusters validate 并改正错误")
            with serve_folder(editing.site_dir, port) as base:
                admin = f"{base}admin/"
                say(f"记录编辑后台：{admin}")
                say(f"网站预览：{base}")
                say(f"保存的记录写入 {data_dir}/；按 Ctrl+C 结束。")
                ready(admin)
                editing.watch(stop, say, lambda: server.process.poll() is None)
        finally:
            server.stop()
