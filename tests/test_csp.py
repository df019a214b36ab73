"""The Content-Security-Policy (generator/publish/csp.py): every built page carries it in a <meta> before its
first script, it allows exactly the hashes of the inline scripts the pages hold and nothing else
inline, and the web server configuration the project ships (deploy/nginx.conf) sends a header that
never contradicts it: for pages, the directives a <meta> cannot carry; for anything else, the
policy without any hash. The hashes are computed here independently of generator/publish/csp.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import http.client
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import pytest
from conftest import CALLS_FIXTURE, REPO_ROOT, Page, make_data_dir
from nginx_support import find_nginx, free_port, nginx_command

from generator.deploy.nginx import NginxSite, nginx_conf
from generator.domain.calendar import start_of_day
from generator.publish import csp
from generator.site.build import build_site

CONFIG = REPO_ROOT / "mkdocs.yml"
DEPLOY = REPO_ROOT / "deploy"
OPEN_DAY = dt.date(2025, 2, 24)
# The directives the public pages' policy must have, with exactly these values (script-src: plus hashes).
REQUIRED = {
    "default-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# script-src before the hashes: the site's own files, and compiling WebAssembly for the site search
# (Pagefind's index reader; generator/publish/csp.py says why) — never eval, never inline.
SCRIPT_SOURCES = ["'self'", "'wasm-unsafe-eval'"]
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="(?P<content>[^"]*)">')


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("csp")
    out = root / "site"
    # with a call and its attachments
    build_site(CONFIG, make_data_dir(root, CALLS_FIXTURE), out, start_of_day(OPEN_DAY))
    return out


def pages(site: Path) -> list[Path]:
    found = sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "admin")
    assert len(found) > 30 and site / "404.html" in found
    return found


def parse(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"directive {words[0]} twice in {policy}"
            parsed[words[0]] = words[1:]
    return parsed


def expected_hashes(text: str) -> set[str]:
    """The hashes of the inline scripts a browser runs: no src, and no type or a JavaScript type."""
    found = set()
    for match in SCRIPT.finditer(text):
        attrs = match["attrs"]
        kind = re.search(r"\btype\s*=\s*[\"']?([^\"'\s>]+)", attrs)
        if re.search(r"\bsrc\s*=", attrs) or (kind and kind[1].lower() not in ("text/javascript", "module")):
            continue
        digest = hashlib.sha256(match["body"].encode("utf-8")).digest()
        found.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return found


def hashes_in(sources: list[str]) -> set[str]:
    return {s for s in sources if s.startswith("'sha256-")}


def site_policy(site: Path) -> str:
    return (site / csp.POLICY_FILE).read_text(encoding="utf-8").strip()


# --- generator/publish/csp.py, function by function ----------------------------------------------------


def test_script_hash_is_the_browsers():
    assert csp.script_hash("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    assert csp.script_hash("a\r\nb\rc") == csp.script_hash("a\nb\nc")  # the HTML parser's line ends
    digest = base64.b64encode(hashlib.sha256("公示".encode()).digest()).decode()
    assert csp.script_hash("公示") == f"'sha256-{digest}'"


def test_inline_scripts_are_the_ones_that_run():
    text = (
        '<script>one()</script><script src="x.js"></script><script type="application/json">{"a": 1}</script>'
        '<script type="module">two()</script><script type="text/javascript">three(1 &amp; 2)</script>'
        '<script type="text/template"><b>no</b></script><SCRIPT>four("</div>")</SCRIPT>'
    )
    assert csp.inline_scripts(text) == ["one()", "two()", "three(1 &amp; 2)", 'four("</div>")']
    assert csp.script_hashes(text) == sorted({csp.script_hash(b) for b in csp.inline_scripts(text)})


def test_a_page_is_scanned_for_scripts_without_a_content_that_holds_none():
    """The plugin looks for a built page's inline scripts in the theme around its content
    (plugin.without_content); a content holding a script tag, or found only inside a script, is read."""
    from generator.site.plugin import without_content

    theme = '<head><script>a()</script></head><body><article>{}</article><script>b("{}")</script></body>'
    content = '<h1>名称</h1><p class="x">正文 &lt;script&gt;</p>'
    page = theme.format(content, "")
    assert without_content(page, content) == theme.format("", "")
    assert csp.script_hashes(without_content(page, content)) == csp.script_hashes(page)
    scripted = "<p>正文</p><SCRIPT>c()</SCRIPT>"
    assert without_content(theme.format(scripted, ""), scripted) == theme.format(scripted, "")
    closing = "<p>正文</p></script>"
    assert without_content(theme.format(closing, ""), closing) == theme.format(closing, "")
    inside = "正文"  # the first place it stands is a script's text: the page is read whole
    assert without_content(theme.format("", inside), inside) == theme.format("", inside)
    assert without_content(page, "") == page and without_content(page, None) == page
    assert without_content(page, "<p>不在页面中</p>") == page


def test_event_handler_attributes_are_found():
    text = '<p onclick="x()">a</p><img src=x onerror=y()><svg><a onmouseover="z"/></svg><a href="#once">b</a>'
    assert [(tag, name) for tag, name, _ in csp.event_handler_attributes(text)] == [
        ("p", "onclick"),
        ("img", "onerror"),
        ("a", "onmouseover"),
    ]


def test_policy_allows_exactly_the_given_hashes_and_never_inline():
    one, two = csp.script_hash("a()"), csp.script_hash("b()")
    header = parse(csp.policy([two, one, one]))
    assert header["script-src"] == [*SCRIPT_SOURCES, *sorted([one, two])]
    for name, value in REQUIRED.items():
        assert header[name] == value.split(), name
    assert header["script-src-attr"] == ["'none'"]
    assert not [s for values in header.values() for s in values if s in ("'unsafe-inline'", "'unsafe-eval'", "*")]
    meta = parse(csp.policy([one], meta=True))
    assert "frame-ancestors" not in meta and meta["script-src"] == [*SCRIPT_SOURCES, one]
    assert csp.meta_policy(csp.policy([one])) == csp.policy([one], meta=True)
    with pytest.raises(ValueError):
        csp.policy(["'unsafe-inline'"])


def test_meta_goes_right_after_the_charset_before_any_script():
    page = '<!doctype html><html><head>\n<meta charset="utf-8">\n<script>x()</script></head><body></body></html>'
    placed = csp.with_policy_meta(page, "default-src 'self'")
    assert placed is not None
    assert placed.index('<meta charset="utf-8"><meta http-equiv="Content-Security-Policy"') < placed.index("<script")
    assert "content=\"default-src 'self'\"" in placed
    no_charset = csp.with_policy_meta("<html><head><title>t</title></head></html>", "x")
    assert no_charset is not None and no_charset.startswith("<html><head><meta http-equiv")
    assert csp.with_policy_meta("<p>a fragment</p>", "x") is None
    assert csp.with_policy_meta("<script>x()</script><html><head></head></html>", "x") is None
    assert csp.has_policy_meta(placed) and not csp.has_policy_meta(page)


def test_live_preview_is_recognised_by_its_address():
    assert csp.is_live_preview("http://127.0.0.1:8000/", ("127.0.0.1", 8000))
    assert csp.is_live_preview("http://127.0.0.1:8000/sub/", ("127.0.0.1", 8000))
    assert not csp.is_live_preview("https://example.org/", ("127.0.0.1", 8000))
    assert not csp.is_live_preview(None, ("127.0.0.1", 8000))


def test_the_header_policies_hold_no_hash_and_leave_scripts_to_the_page():
    page_header = parse(csp.header_policy("/clusters/"))
    # Nothing that a page's <meta> decides (scripts, styles): a header script-src or default-src
    # without the page's hashes would refuse the theme's inline scripts.
    assert not {"default-src", "script-src", "style-src"} & page_header.keys()
    assert page_header["frame-ancestors"] == ["'none'"] and page_header["object-src"] == ["'none'"]
    assert page_header["script-src-attr"] == ["'none'"] and page_header["base-uri"] == ["'self'"]
    assert csp.header_policy("/data/clusters.csv") == csp.policy([]) and "sha256-" not in csp.header_policy(
        "/data/clusters.csv"
    )
    assert parse(csp.header_policy("/assets/logo.svg"))["script-src"] == SCRIPT_SOURCES  # the search's worker too
    assert csp.parse_nginx_map(csp.nginx_map()) == {
        "default": csp.header_policy("/data/clusters.csv"),
        "~(/|\\.html)$": csp.header_policy("/"),
    }


# --- the built site -----------------------------------------------------------------------------


def test_every_page_has_its_policy_in_a_meta_before_its_first_script(site):
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        metas = list(META_CSP.finditer(text))
        assert len(metas) == 1, path
        meta = metas[0]
        assert text[: meta.start()].rstrip().endswith('<meta charset="utf-8">'), path
        first_script = text.find("<script")
        assert first_script > meta.end(), path
        assert meta.start() < text.find("</head>"), path
        policy = parse(html.unescape(meta["content"]))
        assert "frame-ancestors" not in policy, path  # a <meta> policy cannot carry it
        for name, value in REQUIRED.items():
            if name != "frame-ancestors":
                assert policy[name] == value.split(), (path, name)
        assert policy["script-src"][0] == "'self'"
        assert hashes_in(policy["script-src"]) == expected_hashes(text), path  # exactly the page's own
        assert html.unescape(meta["content"]) == csp.policy(expected_hashes(text), meta=True)


def test_every_inline_script_is_allowed_by_the_site_policy_and_nothing_more(site):
    policy = parse(site_policy(site))
    union = set()
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        assert expected_hashes(text), path  # the theme's __md_scope script is on every page
        union |= expected_hashes(text)
    assert hashes_in(policy["script-src"]) == union
    assert policy["script-src"] == [*SCRIPT_SOURCES, *sorted(union)]
    for name, value in REQUIRED.items():
        assert policy[name] == value.split(), name
    assert not [
        s
        for values in policy.values()
        for s in values
        if s in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:")
    ]


def test_the_theme_config_block_is_data_not_script(site):
    """<script id="__config" type="application/json"> is never run: CSP does not apply to it."""
    text = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script id="__config" type="application/json">', text)
    assert all("__config" not in body for body in csp.inline_scripts(text))


def test_no_inline_event_handler_or_script_url_anywhere(site):
    for path in sorted(site.rglob("*.html")):
        for tag, attrs in Page(path).tags:
            handlers = [name for name in attrs if name.startswith("on")]
            assert not handlers, (path, tag, handlers)
            for name in ("href", "src", "action", "formaction"):
                assert not attrs.get(name, "").strip().lower().startswith("javascript:"), (path, tag, attrs)
        assert not csp.event_handler_attributes(path.read_text(encoding="utf-8")), path


def test_scripts_come_only_from_the_site(site):
    for path in sorted(site.rglob("*.html")):
        for tag, attrs in Page(path).tags:
            if tag == "script" and "src" in attrs:
                assert not re.match(r"^([a-z]+:)?//", attrs["src"], re.I), (path, attrs)
                assert (
                    "/assets/" in "/" + attrs["src"]
                    or "/javascripts/" in "/" + attrs["src"]
                    or path.parent.name == "admin"
                ), (path, attrs)


def test_admin_page_has_its_own_policy(site):
    text = (site / "admin" / "index.html").read_text(encoding="utf-8")
    metas = list(META_CSP.finditer(text))
    assert len(metas) == 1 and metas[0].end() < text.index("<script")
    assert html.unescape(metas[0]["content"]) == csp.meta_policy(csp.ADMIN_POLICY)
    assert not csp.inline_scripts(text)
    admin = parse(csp.ADMIN_POLICY)
    assert admin["script-src"] == ["'self'", "'unsafe-eval'"]  # Decap's ajv compiles its schemas
    assert admin["script-src-attr"] == ["'none'"] and admin["frame-ancestors"] == ["'none'"]
    assert admin["object-src"] == ["'none'"] and admin["base-uri"] == ["'self'"]


def test_deploy_nginx_conf_sends_the_static_policy_and_only_it():
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    live = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())  # without comments
    assert csp.parse_nginx_map(live) == csp.parse_nginx_map(csp.nginx_map())
    assert "include" not in live  # nothing read from the release: a switch needs no reload
    assert re.search(r"^\s*root\s+/srv/gz-clusters/current;", live, re.M)
    for server in re.split(r"^server\s*\{", live, flags=re.M)[1:]:
        if "return 301" in server:
            continue
        headers = dict(re.findall(r"^\s*add_header\s+(\S+)\s+(.+?)\s+always;", server, re.M))
        assert headers["Content-Security-Policy"] == "$clusters_csp"
        assert headers["X-Content-Type-Options"] == '"nosniff"'
        assert headers["Referrer-Policy"] == '"strict-origin-when-cross-origin"'
        assert "X-Frame-Options" in headers and "Cache-Control" in headers
        assert server.count("add_header") == len(headers)
    for block in re.findall(r"^\s*location\b[^{]*\{[^}]*\}", live, re.M):  # a location's add_header drops the server's
        assert "add_header" not in block, block
    assert "sha256-" not in conf


# --- deploy/nginx.conf in a real nginx, where one is installed ---------------------------------------


def get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10, context=https_context()) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def https_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


@pytest.mark.skipif(find_nginx() is None, reason="nginx not installed (apt-get install nginx, or set NGINX_PATH)")
def test_nginx_serves_the_site_with_the_static_policy_over_https(site, tmp_path):
    """The configuration `clusters nginx-conf` writes (deploy/nginx.conf with other parameters), HTTPS
    included, in a real nginx serving <root>/current."""
    port, http_port = free_port(), free_port()
    (tmp_path / "current").symlink_to(site)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    conf = nginx_conf(
        NginxSite(
            root=PurePosixPath(tmp_path),
            listen_address="127.0.0.1",
            http_port=http_port,
            https_port=port,
            certificate=PurePosixPath(cert),
            certificate_key=PurePosixPath(key),
        )
    )
    (tmp_path / "site.conf").write_text(conf, encoding="utf-8")
    command = nginx_command(tmp_path, tmp_path / "site.conf")
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"https://127.0.0.1:{port}"
        for _ in range(100):
            try:
                get(base + "/")
                break
            except OSError:
                time.sleep(0.05)
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/clusters/?a=1")
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.getheader("Location") == "https://127.0.0.1/clusters/?a=1"
        plain.close()
        page_policy, other_policy = csp.header_policy("/"), csp.header_policy("")
        for path, status, expected in [
            ("/", 200, page_policy),
            ("/clusters/test-municipal-alpha/", 200, page_policy),
            ("/javascripts/search.js", 200, other_policy),
            ("/no-such-page/", 404, page_policy),
            ("/admin/", 200, page_policy),
            ("/admin/config.yml", 200, other_policy),
        ]:
            got_status, headers = get(base + path)
            assert got_status == status, path
            assert headers["Content-Security-Policy"] == expected, path
            assert headers["X-Content-Type-Options"] == "nosniff", path
            assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
            assert headers["Strict-Transport-Security"] == "max-age=31536000", path
        # A revalidation (304, no Content-Type) keeps the page's policy: the browser stores the 304's
        # headers for the cached page, so another policy here would strip its hashes on reload.
        for path in ("/", "/clusters/test-municipal-alpha/"):
            _, headers = get(base + path)
            request = urllib.request.Request(base + path, headers={"If-None-Match": headers["ETag"]})
            try:
                urllib.request.urlopen(request, timeout=10, context=https_context())
                raise AssertionError("expected 304")
            except urllib.error.HTTPError as error:
                assert error.code == 304 and error.headers["Content-Security-Policy"] == page_policy, path
        _, headers = get(base + "/data/clusters.csv")
        assert headers["Content-Type"].startswith("text/csv")
        # Attachments: their exact types (nosniff), and the security headers as on every response.
        for name, media_type in [
            (
                "test-2025-application-form.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("test-2025-indicators.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("test-2025-proposed-list.pdf", "application/pdf"),
        ]:
            got_status, headers = get(f"{base}/attachments/{name}")
            assert (got_status, headers["Content-Type"]) == (200, media_type), name
            assert headers["Content-Security-Policy"] == other_policy and headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.terminate()
        server.wait(timeout=10)
