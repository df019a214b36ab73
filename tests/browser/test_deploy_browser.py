"""`clusters deploy` and `rollback` end to end: three real web servers on this machine.

Each "host" is a real OpenSSH server (Debian's /usr/sbin/sshd, a throwaway host key, a free port on
127.0.0.1) and a real nginx serving that host's folder with the configuration `clusters nginx-conf`
writes. The deploy logs in with a throwaway key and checks every host key against a pinned
known_hosts. Both servers run under `timeout`, so they stop by themselves even if the test dies.

One test walks the life of the site in order (deploy, redeploy under load, a host down, rsync killed,
rollback), because each step starts from the state the previous one left on the three hosts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from browser_support import CHROMIUM
from conftest import REPO_ROOT, make_data_dir
from nginx_support import LIFETIME, find_nginx, free_port, nginx_command

from generator.deploy.nginx import NginxSite, nginx_conf
from generator.domain.calendar import start_of_day
from generator.publish import csp
from generator.site.build import Releases, build_site
from generator.site.chain import Source, read_chain
from generator.site.release import MANIFEST_FILE, read_manifest, write_manifest

CONFIG = REPO_ROOT / "mkdocs.yml"
SSHD = Path("/usr/sbin/sshd")
HOSTS = ("web1", "web2", "web3")
DAY = dt.date(2025, 2, 24)
POLL_LIMIT = 240  # seconds
PATHS = ("/", "/clusters/", "/notices/", "/clusters/test-municipal-alpha/")  # polled during a switch

pytestmark = pytest.mark.skipif(
    not all(p.is_file() for p in (SSHD, Path("/usr/bin/rsync"), CHROMIUM)) or find_nginx() is None,
    reason="needs openssh-server, nginx, rsync and chromium (tests/run installs them)",
)


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):  # 60 s: a loaded machine starts servers slowly
        if process.poll() is not None:
            raise RuntimeError(
                f"server on port {port} exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class WebHost:
    name: str
    base: Path  # the deploy folder: releases/ and current
    ssh_port: int
    http_port: int
    sshd_config: Path
    sshd: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start_sshd(self) -> None:
        self.sshd = subprocess.Popen(
            ["timeout", str(LIFETIME), str(SSHD), "-D", "-e", "-f", str(self.sshd_config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for_port(self.ssh_port, self.sshd)

    def stop_sshd(self) -> None:
        assert self.sshd is not None
        self.sshd.terminate()
        self.sshd.wait(timeout=10)
        self.sshd = None

    def live(self) -> str:
        return os.readlink(self.base / "current")


@dataclass
class Fleet:
    hosts: list[WebHost]
    config: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    def deploy(self, site: Path) -> subprocess.CompletedProcess[str]:
        return self.run("deploy", "--site-dir", str(site))


def _sshd_config(folder: Path, port: int, host_key: Path, authorized: Path) -> Path:
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "MaxStartups 50\nLogLevel ERROR\n",
        encoding="utf-8",
    )
    return config


def _nginx(folder: Path, host: WebHost) -> list[str]:
    site_conf = folder / "site.conf"
    site_conf.write_text(
        nginx_conf(NginxSite(root=PurePosixPath(host.base), listen_address="127.0.0.1", http_port=host.http_port)),
        encoding="utf-8",
    )
    return nginx_command(folder, site_conf)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Iterator[Fleet]:
    root = tmp_path_factory.mktemp("fleet")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    client_key = root / "deploy_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(client_key)], check=True)
    authorized = root / "authorized_keys"
    shutil.copy(client_key.with_suffix(".pub"), authorized)
    known_hosts = root / "known_hosts"
    hosts: list[WebHost] = []
    lines = []
    for name in HOSTS:
        folder = root / name
        folder.mkdir()
        host_key = folder / "ssh_host_ed25519_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
        port = free_port()
        host = WebHost(name, folder / "srv", port, free_port(), _sshd_config(folder, port, host_key, authorized))
        host.base.mkdir()
        public = host_key.with_suffix(".pub").read_text(encoding="utf-8").split()[:2]
        lines.append(f"[127.0.0.1]:{port} {' '.join(public)}\n")
        host.start_sshd()
        host.nginx = subprocess.Popen(_nginx(folder, host), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(host.http_port, host.nginx)
        hosts.append(host)
    known_hosts.write_text("".join(lines), encoding="utf-8")
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    config = root / "servers.yaml"
    config.write_text(
        f"user: {user}\nkeep: 3\nhosts:\n"
        + "".join(
            f"  - name: {h.name}\n    address: 127.0.0.1\n    port: {h.ssh_port}\n    path: {h.base}\n" for h in hosts
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "CLUSTERS_DEPLOY_SSH_KEY": str(client_key), "CLUSTERS_DEPLOY_KNOWN_HOSTS": str(known_hosts)}
    try:
        yield Fleet(hosts, config, env)
    finally:
        for host in hosts:
            for process in (host.sshd, host.nginx):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=10)


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Path]:
    """Two builds of the test records, a day apart (their pages differ), made as CI would make them:
    the second extends the first's chain of releases."""
    data = make_data_dir(tmp_path_factory.mktemp("deploy-data"))
    out = tmp_path_factory.mktemp("releases")
    built: dict[str, Path] = {}
    for label, day in (("r1", DAY), ("r2", DAY + dt.timedelta(days=1))):
        site = out / label
        at = dt.datetime.combine(day, dt.time(0, 5), tzinfo=dt.timezone(dt.timedelta(hours=8)))
        build_site(
            CONFIG,
            data,
            site,
            start_of_day(day),
            built_at=at,
            commit=f"{label}0000000000000000000000000000000000000"[:40],
            releases=Releases(live=str(built["r1"]) if built else None),
        )
        built[label] = site
    return built


def variant(
    source: Path,
    target: Path,
    built_at: dt.datetime,
    extra: bytes = b"",
    *,
    after: Path | None = None,
    correction: str | None = None,
) -> Path:
    """Another release made from a build: the same pages (plus an extra file), a new manifest, linked
    to the release `after` (None: the first of a chain of its own)."""
    shutil.copytree(source, target)
    manifest = read_manifest(source)
    if extra:
        (target / "extra.bin").write_bytes(extra)
    previous = read_chain(Source(str(after))).head.link if after is not None else None
    write_manifest(target, manifest.as_of, built_at, manifest.commit, previous=previous, correction=correction)
    return target


def page_file(site: Path, path: str) -> Path:
    return site / path.lstrip("/") / "index.html" if path.endswith("/") else site / path.lstrip("/")


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read()
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, headers, body


class Poller:
    """Fetches PATHS from every host in a loop (bounded: stops when told, or after POLL_LIMIT seconds)
    and records every response that is not a whole page of one of the expected releases."""

    def __init__(self, hosts: list[WebHost], sites: list[Path]):
        self.hosts, self.sites = hosts, sites
        self.stop = threading.Event()
        self.bad: list[str] = []
        self.errors: list[str] = []
        self.seen: dict[str, set[int]] = {host.name: set() for host in hosts}
        self.count = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        expected = {path: [page_file(site, path).read_bytes() for site in self.sites] for path in PATHS}
        deadline = time.monotonic() + POLL_LIMIT
        while not self.stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.005)
            for host in self.hosts:
                for path in PATHS:
                    try:
                        status, _, body = fetch(host.url + path)
                    except OSError as error:  # a slow machine: no answer in time is not a half page
                        self.errors.append(f"{host.name}{path}: {error}")
                        continue
                    self.count += 1
                    if status != 200 or body not in expected[path]:
                        self.bad.append(f"{host.name}{path}: {status}, {len(body)} bytes")
                    else:
                        self.seen[host.name].add(expected[path].index(body))

    def __enter__(self) -> Poller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def assert_serves(fleet: Fleet, site: Path) -> None:
    name = read_manifest(site).name
    for host in fleet.hosts:
        assert host.live() == f"releases/{name}", host.name
        for path in PATHS:
            status, _, body = fetch(host.url + path)
            assert (status, body) == (200, page_file(site, path).read_bytes()), (host.name, path)


def check_in_chromium(browser, fleet: Fleet, site: Path) -> None:
    """What a reader's browser (the worker's one Chromium, conftest's `browser`) gets from each host:
    gzip, cache and security headers, the 404 page."""
    asset = next(site.glob("assets/stylesheets/main.*.min.css")).relative_to(site).as_posix()
    not_found = (site / "404.html").read_bytes()
    for host in fleet.hosts:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(120_000)
        response = page.goto(host.url + "/")
        assert response is not None and response.status == 200
        headers = response.headers
        assert headers["content-encoding"] == "gzip", host.name
        assert headers["cache-control"] == "no-cache"
        assert "accept-encoding" in headers["vary"].lower()
        assert headers["content-security-policy"] == csp.header_policy("/")
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert response.body() == (site / "index.html").read_bytes()
        assert "广州市" in page.title()
        response = page.goto(f"{host.url}/{asset}")
        assert response is not None and response.status == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["content-security-policy"] == csp.header_policy("/" + asset)
        response = page.goto(host.url + "/no-such-page/")
        assert response is not None and response.status == 404
        assert response.body() == not_found
        assert "404" in page.locator("body").inner_text()
        context.close()
    status, headers, _ = fetch(host.url + "/data/clusters.csv")  # a download, not a page
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"


def rsync_pids(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"rsync") and any(marker.encode() in arg for arg in argv):
            pids.append(int(entry.name))
    return pids


def test_deploy_switch_failures_and_rollback(browser, fleet: Fleet, releases: dict[str, Path], tmp_path: Path) -> None:
    r1, r2 = releases["r1"], releases["r2"]
    assert (r1 / "index.html").read_bytes() != (r2 / "index.html").read_bytes()
    name1, name2 = read_manifest(r1).name, read_manifest(r2).name

    # 1. First deploy: every host serves release 1, as a browser sees it.
    done = fleet.deploy(r1)
    assert done.returncode == 0, done.stdout + done.stderr
    for host in fleet.hosts:
        assert f"{host.name}: 校验通过" in done.stdout and f"{host.name}: 已切换：现在提供 {name1}" in done.stdout
    assert_serves(fleet, r1)
    check_in_chromium(browser, fleet, r1)

    # 2. Second deploy while readers keep asking: each answer is a whole page of 1 or of 2; unchanged
    # files are hard links to release 1's (a daily rebuild moves only what changed).
    with Poller(fleet.hosts, [r1, r2]) as poller:
        done = fleet.deploy(r2)
        for _ in range(600):  # until every host has been seen serving release 2 (bounded: 60 s)
            if all(1 in seen for seen in poller.seen.values()):
                break
            time.sleep(0.1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not poller.bad, poller.bad[:10]
    assert poller.count > 3 * len(PATHS) and all(1 in seen for seen in poller.seen.values())
    assert "沿用" in done.stdout
    assert_serves(fleet, r2)
    base = fleet.hosts[0].base / "releases"
    asset = next(r1.glob("assets/stylesheets/main.*.min.css")).relative_to(r1)
    assert (base / name1 / asset).stat().st_ino == (base / name2 / asset).stat().st_ino

    # 3. One host's sshd down before a deploy: nobody switches, the command names the host.
    r3 = variant(
        r1, tmp_path / "r3", dt.datetime(2025, 2, 26, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))), after=r2
    )
    down = fleet.hosts[1]
    down.stop_sshd()
    try:
        done = fleet.deploy(r3)
    finally:
        down.start_sshd()
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{down.name}: 失败" in done.stdout and f"部署失败：{down.name}" in done.stdout
    assert "已切换" not in done.stdout
    assert_serves(fleet, r2)

    # 3b. Another run holds one host's lock: nobody switches, the others' locks are given back.
    lock = fleet.hosts[2].base / ".deploy-lock"
    lock.mkdir()
    (lock / "owner").write_text(f"ci-runner 4242 {int(time.time())}\n", encoding="utf-8")
    done = fleet.deploy(r3)
    assert done.returncode == 1, done.stdout
    assert f"{fleet.hosts[2].name}: 失败：另一次部署或回滚正在进行（ci-runner" in done.stdout
    assert "已切换" not in done.stdout
    assert [h.name for h in fleet.hosts if (h.base / ".deploy-lock").exists()] == [fleet.hosts[2].name]
    shutil.rmtree(lock)
    assert_serves(fleet, r2)

    # 3c. A release that does not extend the live chain (its manifest names no previous release, or
    # another one): refused on every host before anything is uploaded, the live site untouched.
    stray = variant(r1, tmp_path / "stray", dt.datetime(2025, 2, 26, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    done = fleet.deploy(stray)
    assert done.returncode == 1, done.stdout
    for host in fleet.hosts:
        assert f"{host.name}: 失败：" in done.stdout
        line = next(line for line in done.stdout.splitlines() if line.startswith(f"{host.name}: 失败："))
        assert line.endswith("[release-not-extending]") and name2 in line
        assert not (host.base / "releases" / read_manifest(stray).name).exists()
    assert "已切换" not in done.stdout
    assert_serves(fleet, r2)
    assert read_manifest(r3).previous == read_chain(Source(str(r2))).head.link  # r3 extends release 2

    # 4. rsync killed in the middle of an upload: the live site stays whole on every host.
    big = os.urandom(3 * 1024 * 1024)
    r4 = variant(
        r1, tmp_path / "r4", dt.datetime(2025, 2, 27, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))), big, after=r2
    )
    name4 = read_manifest(r4).name
    slow = fleet.config.with_name("servers-slow.yaml")
    slow.write_text(fleet.config.read_text(encoding="utf-8") + 'rsync_options: ["--bwlimit=300"]\n', encoding="utf-8")
    with Poller(fleet.hosts, [r2]) as poller:
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "deploy", "--config", str(slow), "--site-dir", str(r4)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=fleet.env,
        )
        # Every upload of this deploy is killed mid-transfer (each host's rsync starts when that host
        # is ready: keep watching until the command has ended, bounded by the loop).
        killed: set[int] = set()
        for _ in range(2400):
            if process.poll() is not None:
                break
            running = [pid for pid in rsync_pids(f".staging-{name4}") if pid not in killed]
            if running and any((h.base / "releases" / f".staging-{name4}").exists() for h in fleet.hosts):
                time.sleep(0.3)  # let it write part of the release
                for pid in running:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                killed.update(running)
            time.sleep(0.05)
        assert killed, "rsync never started"
        out, err = process.communicate(timeout=600)
    assert process.returncode == 1, out + err
    assert "所有服务器都没有切换" in out
    assert not poller.bad, poller.bad[:10]
    assert_serves(fleet, r2)
    for host in fleet.hosts:
        assert not (host.base / "releases" / name4).exists()

    # 5. A switch that fails on the last host: the hosts already switched are switched back.
    last = fleet.hosts[2]
    (last.base / "current").unlink()
    shutil.copytree(r2, last.base / "current")  # a folder, not a link: the rename over it fails
    done = fleet.deploy(r3)
    assert done.returncode == 1, done.stdout
    assert f"{last.name}: 切换失败" in done.stdout
    for host in fleet.hosts[:2]:
        assert f"{host.name}: 已切回 {name2}" in done.stdout
        assert host.live() == f"releases/{name2}"
    shutil.rmtree(last.base / "current")
    (last.base / "current").symlink_to(f"releases/{name2}")
    assert_serves(fleet, r2)

    # 6. Rollback: the release before the live one, on every host, verified first.
    listed = fleet.run("releases")
    assert listed.returncode == 0 and f"{name2}  ← 当前" in listed.stdout
    refused = fleet.run("rollback")  # a rollback makes live a release the chain has passed: say why
    assert refused.returncode == 2 and "--reason" in refused.stderr, refused.stdout + refused.stderr
    assert all(h.live() == f"releases/{name2}" for h in fleet.hosts)
    done = fleet.run("rollback", "--reason", "测试：第二版有误\t回到上一版")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"回滚完成：3 台服务器都在提供 {name1}" in done.stdout
    for host in fleet.hosts:  # logged on every host: when, who, from, to, why
        assert f"{host.name}: 回滚已记入 rollbacks.log" in done.stdout
        (line,) = (host.base / "rollbacks.log").read_text(encoding="utf-8").splitlines()
        when, _machine, before, after, reason = line.split("\t")
        assert (before, after, reason) == (name2, name1, "测试：第二版有误 回到上一版")
        assert dt.datetime.fromisoformat(when).utcoffset() == dt.timedelta(hours=8)
    assert_serves(fleet, r1)
    assert (fleet.hosts[0].base / "current" / MANIFEST_FILE).read_bytes() == (r1 / MANIFEST_FILE).read_bytes()
    assert not any((h.base / ".deploy-lock").exists() for h in fleet.hosts)

    # 7. A stated correction release may replace a live release it does not extend; every host reports it.
    fixed = variant(
        r2,
        tmp_path / "fixed",
        dt.datetime(2025, 2, 28, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        correction="测试：更正上一版本",
    )
    done = fleet.deploy(fixed)
    assert done.returncode == 0, done.stdout + done.stderr
    for host in fleet.hosts:
        assert (
            f"{host.name}: 更正发布：{read_manifest(fixed).name} 不接续正在提供的版本 {name1}，理由：测试：更正上一版本"
            in done.stdout
        )
    assert_serves(fleet, fixed)
