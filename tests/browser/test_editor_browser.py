"""The record editor end to end, as staff use it without a forge: `clusters edit` (decap-server, the
version pinned in tools/decap-server/package-lock.json, and the site preview, both on 127.0.0.1) over
a copy of the test data, driven in Chromium through the Decap CMS form.

A new cluster typed into the form lands in data/clusters/ in the standard layout, validates, and the
rebuilt preview shows it with its status; editing an existing record changes that one value and
nothing else; an invalid value is refused by the form, in Chinese, before anything is saved.
Screenshots of each step go to tests/browser/screenshots/editor/ (the pull-request workflow keeps
them as an artifact; the staff guide shows copies from site_src/assets/editor/).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import REPO_ROOT, SCREENSHOTS, chromium
from playwright.sync_api import Page, expect

from generator.load.yamlread import read_yaml

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "base"
TODAY = "2025-06-01"
ARTIFACTS = SCREENSHOTS / "editor"
START_SECONDS = 300  # the first run installs decap-server with npm ci
SAVE_SECONDS = 60  # a save, its normalisation and the preview's rebuild


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Session:
    """A running `clusters edit` and what it printed, line by line."""

    process: subprocess.Popen[str]
    data: Path
    admin: str = ""
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def wait_for(self, text: str, seconds: float) -> str:
        """The next printed line containing `text` (lines before it are kept in `seen`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "clusters edit ended:\n" + "\n".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"clusters edit did not print “{text}” in {seconds} s:\n" + "\n".join(self.seen))


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("editor")
    data = root / "data"
    shutil.copytree(FIXTURE, data)
    port, backend_port = free_port(), free_port()
    command = [sys.executable, "-m", "generator", "edit", "--data", str(data), "--port", str(port)]
    command += [
        "--backend-port",
        str(backend_port),
        "--no-browser",
        "--today",
        TODAY,
        "-f",
        str(REPO_ROOT / "mkdocs.yml"),
    ]
    process = subprocess.Popen(
        command,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    running = Session(process, data)
    reader = threading.Thread(
        target=lambda: [running.lines.put(line.rstrip("\n")) for line in process.stdout], daemon=True
    )
    reader.start()
    try:
        running.admin = running.wait_for("记录编辑后台：", START_SECONDS).split("：", 1)[1]
        yield running
    finally:
        process.send_signal(signal.SIGTERM)  # clusters edit stops decap-server and the preview
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, "\n".join(running.seen)


@pytest.fixture(scope="module")
def page(session) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 820}, locale="zh-CN")
        opened = context.new_page()
        opened.set_default_timeout(30_000)
        yield opened
        context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def record(path: Path) -> dict:
    document, problems = read_yaml(path, path.name)
    assert document is not None, problems
    return document.data


def open_form(page: Page, session: Session, route: str) -> None:
    """The editor at `route` (#/collections/…), logged in first: with the local backend, the login
    button asks for nothing. Each test logs in itself (xdist may run it in a worker of its own)."""
    page.goto(session.admin)
    login = page.get_by_role("button", name="登录")
    collection = page.get_by_text("＋ 集群记录")
    expect(login.or_(collection)).to_be_visible()
    if login.is_visible():
        login.click()
    expect(collection).to_be_visible()
    page.goto(f"{session.admin}{route}")


def publish(page: Page) -> None:
    page.get_by_role("button", name="发布").click()
    page.get_by_role("menuitem", name="立即发布").click()


def validate(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--data", str(data), "--today", TODAY],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_first_record_through_the_form(session, page):
    page.goto(session.admin)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    shot(page, "01-login")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("【测试数据】广州市黄埔区测试装备产业集群（test-municipal-alpha）")).to_be_visible()
    shot(page, "02-collection")

    page.get_by_text("＋ 集群记录").click()
    page.get_by_label("集群标识").fill("test-form-new")
    page.get_by_label("集群名称").fill("【测试数据】广州市黄埔区表单测试产业集群")
    page.get_by_label("所在区").click()
    page.get_by_text("黄埔区（440112）", exact=True).click()
    page.get_by_label("主导产业").fill("智能装备")
    page.get_by_label("网址", exact=True).fill("https://example.org/form-test")
    page.get_by_role("button", name="新增集群事件").click()
    page.get_by_label("事件类型").click()
    page.get_by_text("certified 认定", exact=True).click()
    page.get_by_label("日期 (可选)", exact=True).fill("2025-03-10")
    page.get_by_label("认定级别 (可选)", exact=True).click()
    page.get_by_text("municipal 市级", exact=True).click()
    page.get_by_label("认定批次（年度） (可选)", exact=True).fill("2025")
    page.get_by_label("文号 (可选)", exact=True).fill("穗工信函〔2025〕99号")
    page.get_by_label("来源网址 (可选)", exact=True).fill("https://example.org/form-test")
    page.get_by_label("事件类型").scroll_into_view_if_needed()
    shot(page, "04-new-event")
    page.get_by_label("集群名称").scroll_into_view_if_needed()
    shot(page, "03-new-cluster")
    publish(page)
    session.wait_for("test-form-new.yaml", SAVE_SECONDS)
    session.wait_for("网站预览已更新", SAVE_SECONDS)
    shot(page, "05-saved")

    saved = session.data / "clusters" / "test-form-new.yaml"
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/json/cluster.schema.json\n")
    assert 'district: "440112"\n' in text  # a string stays a string for every YAML reader
    assert "    date: 2025-03-10\n" in text and "    batch: 2025\n" in text
    assert record(saved) == {
        "id": "test-form-new",
        "name": "【测试数据】广州市黄埔区表单测试产业集群",
        "verified": "false",
        "district": "440112",
        "leading_industry": "智能装备",
        "sources": [{"url": "https://example.org/form-test", "official": "false", "repost": "false"}],
        "events": [
            {
                "type": "certified",
                "date": "2025-03-10",
                "level": "municipal",
                "batch": "2025",
                "doc_no": "穗工信函〔2025〕99号",
                "source": "https://example.org/form-test",
            }
        ],
    }
    checked = validate(session.data)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 个错误" in checked.stdout

    # The rebuilt preview publishes the cluster with its status as of TODAY.
    base = session.admin.removesuffix("admin/")
    with urllib.request.urlopen(f"{base}clusters/test-form-new/", timeout=30) as response:
        html = response.read().decode("utf-8")
    assert "【测试数据】广州市黄埔区表单测试产业集群" in html
    assert (
        'data-live="cluster:test-form-new" data-live-class="cl-status-" data-live-fragment="status-" data-state="valid">有效<'
        in html
    )
    page.goto(f"{base}clusters/test-form-new/")
    shot(page, "06-published")


def test_editing_a_record_changes_only_that_value(session, page):
    path = session.data / "clusters" / "test-municipal-delta.yaml"
    before = record(path)
    open_form(page, session, "#/collections/clusters/entries/test-municipal-delta")
    field_ = page.get_by_label("主导产业")
    expect(field_).to_have_value(before["leading_industry"])
    field_.fill("软件和信息服务（表单修改）")
    shot(page, "07-edit")
    publish(page)
    session.wait_for("test-municipal-delta.yaml", SAVE_SECONDS)
    session.wait_for("网站预览已更新", SAVE_SECONDS)
    after = record(path)
    assert after == {**before, "leading_industry": "软件和信息服务（表单修改）"}
    checked = validate(session.data)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_form_refuses_an_invalid_value_before_saving(session, page):
    before = sorted(p.name for p in (session.data / "clusters").iterdir())
    open_form(page, session, "#/collections/clusters/new")
    page.get_by_label("集群标识").fill("Bad ID")
    page.get_by_label("集群名称").fill("【测试数据】无效标识")
    page.get_by_role("button", name="发布").click()
    page.get_by_role("menuitem", name="立即发布").click()
    message = page.get_by_text("只能使用小写英文字母、数字和连字符", exact=False).first
    expect(message).to_be_visible()
    page.get_by_label("集群标识").scroll_into_view_if_needed()
    shot(page, "08-refused")
    time.sleep(2)  # nothing is written, however long one waits
    assert sorted(p.name for p in (session.data / "clusters").iterdir()) == before
