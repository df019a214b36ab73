"""The deployment file (generator/deploy/config.py) and the release manifest (generator/site/release.py):
each mistake an operator can make is refused with its file, line, column and code, before any server
is contacted; `clusters nginx-conf` refuses values nginx would misread."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from generator.deploy.config import load_deploy_config
from generator.deploy.nginx import NginxConfigError, NginxSite, nginx_conf
from generator.deploy.rollout import STALE_AFTER, Operator, lock_is_stale
from generator.problems import CODES
from generator.site.release import (
    MANIFEST_FILE,
    ManifestError,
    check_folder,
    parse_manifest,
    read_manifest,
    release_name,
    write_manifest,
)

GOOD = """user: deploy
path: /srv/gz-clusters
keep: 4
hosts:
  - name: web1
    address: 10.0.0.11
  - name: web2
    address: "2001:db8::2"
    port: 2222
    path: /data/gz
"""

CASES = [
    # (file text, [(line, col, code)])
    (
        "user: deploy\npath: /srv/x\nhosts:\n  - name: a\n    adress: 10.0.0.1\n",
        [(5, 5, "deploy-config-key"), (4, 5, "deploy-config-missing")],
    ),
    ("user: deploy\npath: /srv/x\nhosts: []\n", [(3, 1, "deploy-config-no-hosts")]),
    ("user: deploy\npath: /srv/x\n", [(1, 1, "deploy-config-no-hosts")]),
    ("user: deploy\npath: srv/x\nhosts:\n  - name: a\n    address: h\n", [(2, 7, "deploy-config-value")]),
    ("user: deploy\npath: /srv/../etc\nhosts:\n  - name: a\n    address: h\n", [(2, 7, "deploy-config-value")]),
    ("user: deploy\npath: /srv/x\nkeep: 1\nhosts:\n  - name: a\n    address: h\n", [(3, 7, "deploy-config-value")]),
    ("user: deploy\npath: /srv/x\nhosts:\n  - name: a\n    address: h;rm\n", [(5, 14, "deploy-config-value")]),
    (
        "user: deploy\npath: /srv/x\nhosts:\n  - name: a\n    address: h\n    port: 70000\n",
        [(6, 11, "deploy-config-value")],
    ),
    (
        'user: deploy\npath: /srv/x\nrsync_options: ["-e sh"]\nhosts:\n  - name: a\n    address: h\n',
        [(3, 17, "deploy-config-value")],
    ),
    (
        "user: deploy\npath: /srv/x\nhosts:\n  - name: a\n    address: h\n  - name: a\n    address: i\n",
        [(6, 11, "deploy-config-duplicate-host")],
    ),
    ("path: /srv/x\nhosts:\n  - name: a\n    address: h\n", [(1, 1, "deploy-config-missing")]),
]


def load(tmp_path: Path, text: str):
    file = tmp_path / "servers.yaml"
    file.write_text(text, encoding="utf-8")
    return load_deploy_config(file, "servers.yaml")


def test_a_good_file_gives_every_host_its_own_values(tmp_path):
    config, problems = load(tmp_path, GOOD)
    assert problems == [] and config is not None
    assert config.keep == 4
    web1, web2 = config.hosts
    assert (web1.address, web1.port, web1.user, web1.path) == (
        "10.0.0.11",
        22,
        "deploy",
        PurePosixPath("/srv/gz-clusters"),
    )
    assert (web2.port, web2.path) == (2222, PurePosixPath("/data/gz"))


@pytest.mark.parametrize("text,expected", CASES)
def test_each_mistake_is_named_where_it_is(tmp_path, text, expected):
    config, problems = load(tmp_path, text)
    assert config is None
    assert [(p.line, p.col, p.code) for p in problems] == expected
    assert all(p.path == "servers.yaml" and p.message for p in problems)


def test_options_that_change_the_remote_shell_are_refused(tmp_path):
    for option in ("--rsh=evil", "--rsync-path=evil", "--remove-source-files", "--delete-excluded"):
        config, problems = load(
            tmp_path, f'user: d\npath: /srv/x\nrsync_options: ["{option}"]\nhosts:\n  - name: a\n    address: h\n'
        )
        assert config is None and [p.code for p in problems] == ["deploy-config-value"], option


def test_every_deploy_code_has_a_case(tmp_path):
    exercised = {code for _, expected in CASES for *_, code in expected}
    exercised |= {p.code for p in load_deploy_config(tmp_path / "absent.yaml", "absent.yaml")[1]}
    assert exercised == {code for code in CODES if code.startswith("deploy-config-")}


def test_the_cli_prints_problems_and_exits_2_before_contacting_anyone(tmp_path):
    (tmp_path / "servers.yaml").write_text(
        "user: d\npath: /srv/x\nhosts:\n  - name: a\n    adress: h\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "generator", "deploy", "--config", str(tmp_path / "servers.yaml"), "--site-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"{tmp_path / 'servers.yaml'}:5:5: error:" in done.stderr and "[deploy-config-key]" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_manifest_lists_every_file_but_itself_and_notices_changes(tmp_path):
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "index.html").write_text("<p>一</p>", encoding="utf-8")
    (site / "a" / "b.css").write_bytes(b"x" * 10)
    at = dt.datetime(2026, 12, 7, 0, 5, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    manifest = write_manifest(site, at, at, "5b164c8a1b2c3d4e5f60718293a4b5c6d7e8f901")
    assert manifest.name == "20261207T000512-5b164c8a1b2c" == release_name(at, manifest.commit)
    assert [f.path for f in manifest.files] == ["a/b.css", "index.html"]
    assert read_manifest(site) == manifest and check_folder(site, manifest) == []
    (site / "index.html").write_text("<p>二</p>", encoding="utf-8")
    (site / "extra.txt").write_text("", encoding="utf-8")
    assert check_folder(site, manifest) == ["多出文件 extra.txt", "index.html 与清单不符"]
    text = (site / MANIFEST_FILE).read_text(encoding="utf-8")
    with pytest.raises(ManifestError):
        parse_manifest(text.replace('"a/b.css"', '"../b.css"'))
    with pytest.raises(ManifestError):
        parse_manifest(text.replace('"format": 2', '"format": 9'))


def test_nginx_conf_refuses_values_nginx_would_misread():
    for site in (
        NginxSite(server_name="a.gov.cn; include /etc/passwd"),
        NginxSite(root=PurePosixPath("/srv/a b")),
        NginxSite(listen_address="localhost"),
        NginxSite(certificate=PurePosixPath("/etc/ssl/a.pem")),  # without its key
    ):
        with pytest.raises(NginxConfigError):
            nginx_conf(site)
    plain = nginx_conf(NginxSite(listen_address="::1", http_port=8080))
    assert "listen [::1]:8080;" in plain and "ssl" not in plain and "Strict-Transport-Security" not in plain


def test_a_lock_is_taken_over_only_when_its_run_is_gone_or_old():
    now = dt.datetime(2026, 12, 7, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    me = Operator("build-host", 100, now)
    epoch = int(now.timestamp())
    alive = {200}.__contains__
    assert not lock_is_stale(f"build-host 200 {epoch - 60}", me, alive)  # running here
    assert lock_is_stale(f"build-host 300 {epoch - 60}", me, alive)  # died here
    assert not lock_is_stale(f"ci-runner 300 {epoch - 60}", me, alive)  # elsewhere: cannot tell yet
    assert not lock_is_stale(f"ci-runner 300 {epoch - int(STALE_AFTER.total_seconds())}", me, alive)
    assert lock_is_stale(f"ci-runner 300 {epoch - int(STALE_AFTER.total_seconds()) - 1}", me, alive)
    assert lock_is_stale("", me, alive)  # a run died between taking the lock and signing it
