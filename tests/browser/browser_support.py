"""Shared pieces of the browser tests: build a site from test data, serve it on 127.0.0.1, and
drive Debian's Chromium with Playwright, recording every request, console message and page error.

The test server sends the headers deploy/nginx.conf sends: the Content-Security-Policy from the
csp-nginx.conf the build wrote into the site (chosen by path, as nginx's map does) and the other
security headers, so every browser test runs under the policy the site is deployed with.

Chromium is the distribution's (/usr/bin/chromium, or $CHROMIUM_PATH), never a browser that
Playwright downloads: `playwright install` needs a network this project's CI does not have.
"""

from __future__ import annotations

import atexit
import datetime as dt
import http.server
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

from generator.domain.calendar import start_of_day
from generator.publish import csp
from generator.site.build import build_site
from generator.site.edit import serve_folder

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / "mkdocs.yml"
SCREENSHOTS = REPO_ROOT / "tests" / "browser" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# The flags a root, headless, offline CI machine needs: no sandbox (root), and none of Chromium's
# own background traffic (updates, sync, safe browsing), which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time since 1991
# URLs that stay inside the page: they make no request that leaves the site.
LOCAL_SCHEMES = ("data:", "blob:", "about:")
# The headers deploy/nginx.conf adds to every response besides the Content-Security-Policy.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def build(data_dir: Path, site_dir: Path, today: dt.date) -> Path:
    build_site(CONFIG, data_dir, site_dir, start_of_day(today))
    return site_dir


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, and the site's own 404.html for a missing page, as GitHub Pages serves them;
    with `headers`, the security headers nginx adds (deploy/nginx.conf)."""

    def __init__(self, *args, headers: bool = True, **kwargs):
        self.security_headers = headers
        self.uri: str | None = None  # nginx's $uri: the path, or /404.html after error_page
        super().__init__(*args, **kwargs)

    def end_headers(self):
        if self.security_headers:
            uri = self.uri or unquote(urlsplit(self.path).path)
            self.send_header("Content-Security-Policy", csp.header_policy(uri))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
        super().end_headers()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        self.uri = "/404.html"
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextmanager
def serve(site_dir: Path, headers: bool = True) -> Iterator[str]:
    """Serve `site_dir` on 127.0.0.1 (a free port) in a thread; yields the base URL ending in '/'.
    `headers`: send the Content-Security-Policy and security headers as deploy/nginx.conf does
    (without: as GitHub Pages serves the site, where only the pages' <meta> policy applies)."""
    with serve_folder(site_dir, 0, _SiteHandler, headers=headers) as url:
        yield url


_PLAYWRIGHT: list[Playwright] = []  # the process's one driver: Playwright's sync API cannot run two at once


def _playwright() -> Playwright:
    if not _PLAYWRIGHT:
        _PLAYWRIGHT.append(sync_playwright().start())
        atexit.register(_PLAYWRIGHT[0].stop)
    return _PLAYWRIGHT[0]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A Chromium of its own, from the process's one Playwright driver: the session's browser
    (tests/conftest.py) and a test's own can be open at once."""
    if not CHROMIUM.is_file():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    browser = _playwright().chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Visit:
    """One browser context and page, with everything the page asked for and said."""

    origin: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        return [
            url for url in self.requests if not url.startswith(LOCAL_SCHEMES) and _origin(url) != _origin(self.origin)
        ]

    def console_errors(self, missing_page: str | None = None) -> list[str]:
        """Console errors, except the 404 of `missing_page` itself (a test of the not-found page)."""
        return [
            message.text
            for message in self.console
            if message.type == "error" and not (missing_page and message.location.get("url") == missing_page)
        ]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@contextmanager
def visit(browser: Browser, origin: str, **context_options) -> Iterator[Visit]:
    """A fresh context (time zone, viewport … as given) whose page records its traffic."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    found = Visit(origin, context, page)
    context.on("request", lambda request: found.requests.append(request.url))
    page.on("console", lambda message: found.console.append(message))  # noqa: PLW0108 - Playwright needs a Python function
    page.on("pageerror", lambda error: found.errors.append(str(error)))

    def on_dialog(dialog):
        found.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield found
    finally:
        context.close()


class Tab:
    """One context and its page, kept for a run of tests with the same context options: a page load
    in a fresh context (a new renderer, every script and style fetched and compiled again) costs
    about twice one in a page already open. `visit()` gives each test a Visit whose records start
    empty, on the page taken back to about:blank with the site's cookies and storage cleared; a test
    that changes more of the page's state (its clock, emulated media, init scripts) uses `visit` instead.
    `init_script`: run in every document before the page's own scripts, as add_init_script does."""

    def __init__(self, browser: Browser, origin: str, init_script: str | None = None, **context_options):
        self.origin = origin
        self.context = browser.new_context(**context_options)
        if init_script is not None:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self._cdp = self.context.new_cdp_session(self.page)
        self._current: Visit | None = None  # the test's records; between tests, nothing is recorded
        self.context.on("request", lambda request: self._record("requests", request.url))
        self.page.on("console", lambda message: self._record("console", message))
        self.page.on("pageerror", lambda error: self._record("errors", str(error)))
        self.page.on("dialog", self._on_dialog)

    def _record(self, kind: str, item: object) -> None:
        if self._current is not None:
            getattr(self._current, kind).append(item)

    def _on_dialog(self, dialog) -> None:
        self._record("dialogs", dialog.message)
        dialog.dismiss()

    @contextmanager
    def visit(self) -> Iterator[Visit]:
        if self.page.url.startswith(self.origin):
            self.page.evaluate("() => sessionStorage.clear()")  # the tab's own: about:blank keeps it
        self.page.goto("about:blank")
        self.context.clear_cookies()
        site = "{}://{}".format(*_origin(self.origin))
        self._cdp.send("Storage.clearDataForOrigin", {"origin": site, "storageTypes": "all"})
        self._current = found = Visit(self.origin, self.context, self.page)
        try:
            yield found
        finally:
            self._current = None

    def close(self) -> None:
        self.context.close()


_AXE = Axe()


def serious_violations(page: Page) -> list[tuple[str, str, list[str]]]:
    """axe-core's serious and critical violations on the page as a reader sees it: after its
    transitions have ended (a button fading in is judged at full colour, not half-way)."""
    page.evaluate(
        "() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))"
    )  # a cancelled one rejects
    results = _AXE.run(page)
    return [
        (v["id"], v["help"], [n["html"][:120] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def clean(found: Visit) -> None:
    """Nothing left the site, no script failed, nothing was refused by the Content-Security-Policy."""
    assert not found.foreign_requests(), found.foreign_requests()
    assert not found.errors, found.errors
    assert not found.console_errors(), found.console_errors()


def no_serious_violation(page: Page) -> None:
    """axe finds no serious or critical violation on the page as it stands."""
    serious = serious_violations(page)
    assert not serious, serious


def screenshot(page: Page, name: str) -> Path | None:
    """A full-page screenshot for people to look at (the pull-request workflow keeps them as an
    artifact), taken when CLUSTERS_SCREENSHOTS=1: a full page costs a second on the long pages, and
    no test reads them."""
    if os.environ.get("CLUSTERS_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
