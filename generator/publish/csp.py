"""The site's Content-Security-Policy, computed from the built pages: pure functions, no MkDocs.

The policy lets a page run only the site's own script files and the inline <script> blocks the
theme writes (mkdocs-material's `__md_scope`, palette and tab scripts), each allowed by the
SHA-256 hash of its exact text; never 'unsafe-inline', so an inline event handler (onclick=…), an
injected <script> or a script from another origin is refused by the browser. Nothing is loaded
from another origin (the site is used from mainland China: no CDN). 'wasm-unsafe-eval' lets the
site search compile its WebAssembly module (a file of the site), and nothing more.

It reaches the browser two ways:
- in every page, a <meta http-equiv="Content-Security-Policy"> right after <meta charset>, before
  any script, holding the hashes of that page's own inline scripts: the whole policy of that page,
  wherever it is served (also on hosts that set no headers, such as GitHub Pages);
- as a response header that does not depend on the build (header_policy, written into
  deploy/nginx.conf): for pages (by path), the directives that hold for every page of every release and that a
  <meta> cannot carry (frame-ancestors); for every other response (data files, attachments, images),
  the public policy without any hash. Browsers enforce both policies, so a page gets the stricter of
  the two. Because the header never names a hash, a server can switch to a new release (a symlink
  renamed, generator.deploy) without reloading its configuration and without a moment in which a
  page arrives with another release's hashes. POLICY_FILE keeps the site-wide policy (the hashes of
  every page) for reference.

The Decap CMS admin (/admin/, a vendored bundle that compiles its config schema with
`new Function`, injects <style> elements and talks to the configured forge's API) cannot run under the public
pages' policy; it gets ADMIN_POLICY, in its <meta> (added by the build) and in the header: scripts
still only from its own files, no inline script or handler, but 'unsafe-eval' and inline styles.
The public pages allow neither.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re
from collections.abc import Iterable
from html.parser import HTMLParser

POLICY_FILE = "csp-policy.txt"  # the public pages' site-wide policy, every page's hashes (one line)
ADMIN_DIR = "admin"  # the Decap CMS page: its own policy, no theme

# Executable script types (HTML: a JavaScript MIME type, "module"), and the inline types that CSP
# also checks against script-src. Any other type (application/json: the theme's __config) is a
# data block: never run, not subject to CSP, not hashed.
_JAVASCRIPT_TYPES = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
        "module",
        "importmap",
        "speculationrules",
    }
)

# The public pages' directives, in order. script-src gets the hashes appended.
# script-src 'wasm-unsafe-eval': the site search (Pagefind, generator/site/search.py) runs its index
# reader as WebAssembly, which a browser compiles only with this source. It allows compiling
# WebAssembly modules and nothing else: no eval(), no new Function, no inline script; the module is
# a file of the site ('self'), fetched like the index. Without it the search stops at start-up.
# style-src has no 'unsafe-inline': neither the theme's pages nor its scripts write style
# attributes or <style> elements (checked in a browser by tests/browser/test_csp_browser.py).
# img-src data: is for the theme's inline SVG icons in CSS (mask-image: url("data:image/svg+xml…")).
_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("script-src-attr", "'none'"),  # no inline event handler, whatever script-src allows
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self'"),  # the search's worker (Pagefind's pagefind-worker.js), a file of the site
    ("manifest-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
# Directives a <meta> policy may not carry (the browser ignores them there, with a console error).
HEADER_ONLY = frozenset({"frame-ancestors", "report-uri", "sandbox"})
# The header sent with every HTML response: what holds for the public pages and the admin alike,
# whatever their scripts (those are governed by each page's <meta>).
_DOCUMENT_HEADER = ("script-src-attr", "object-src", "base-uri", "form-action", "frame-ancestors")

# The Decap CMS editor (site_src/admin/config.yml). Scripts: its own files only, but 'unsafe-eval':
# Decap validates its config with ajv, which compiles schemas with new Function (without it the
# editor stops at start-up: "Error compiling schema"). It injects its styles as <style> elements
# (emotion): 'unsafe-inline' for styles only. It previews uploads as blob:. The forge it reads and
# writes through (its API; github.com's status page) is no part of this base policy: the
# origins come from data/site.yaml's editor settings (EditorSettings.origins), so an editor not yet
# configured names no other origin at all. Login opens a window at the OAuth provider, a navigation
# CSP does not restrict; the provider answers by postMessage.
_ADMIN_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'unsafe-eval'"),
    ("script-src-attr", "'none'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("media-src", "'self' blob:"),
    ("frame-src", "'self' blob:"),
    ("worker-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)


def admin_policy(origins: tuple[str, ...] = (), images: tuple[str, ...] | None = None) -> str:
    """The editor's policy; `origins` (scheme://host[:port]) are what it may fetch from besides its own
    site: the forge data/site.yaml's editor settings name (GitHub's API, a Gitea or Forgejo server,
    GitHub Enterprise) or the local decap-server of `clusters edit`; `images` (default: the same) those
    it may show pictures (avatars) from."""

    def listed(found: tuple[str, ...]) -> str:
        return "".join(f" {origin}" for origin in found if _ORIGIN.fullmatch(origin))

    extra = {"connect-src": listed(origins), "img-src": listed(origins if images is None else images)}
    return "; ".join(f"{name} {value}{extra.get(name, '')}" for name, value in _ADMIN_DIRECTIVES)


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|http://\[[0-9a-fA-F:]+\](:[0-9]{1,5})?")
ADMIN_POLICY = admin_policy()


class _Scripts(HTMLParser):
    """The <script> elements of one document: (attributes, body), in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # a script's text is raw: no character references
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.handlers: list[tuple[str, str, str]] = []  # (tag, attribute, value) of on*= attributes
        self._body: list[str] | None = None
        self._attributes: dict[str, str] = {}  # of the <script> being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.handlers.extend((tag, name, value) for name, value in attributes.items() if name.startswith("on"))
        if tag == "script":
            self._attributes = attributes
            self._body = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers.extend((tag, name, value or "") for name, value in attrs if name.startswith("on"))

    def handle_data(self, data: str) -> None:
        if self._body is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._body is not None:
            self.scripts.append((self._attributes, "".join(self._body)))
            self._body = None


def _parse(html: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return parser


def is_executable(attributes: dict[str, str]) -> bool:
    """Whether a <script> with these attributes runs (and so is checked against script-src)."""
    kind = attributes.get("type")
    if kind is None or not kind.strip():
        language = attributes.get("language", "").strip()
        return not language or f"text/{language}".lower() in _JAVASCRIPT_TYPES
    return kind.strip().lower() in _JAVASCRIPT_TYPES


def inline_scripts(html: str) -> list[str]:
    """The bodies of the inline scripts the browser would run, in document order (data blocks
    such as <script type="application/json"> and scripts with src= left out)."""
    return [body for attributes, body in _parse(html).scripts if "src" not in attributes and is_executable(attributes)]


def script_hash(body: str) -> str:
    """The CSP source allowing this inline script: 'sha256-<base64>' of its UTF-8 text, with line
    ends as the browser's HTML parser leaves them (CR LF and lone CR become LF)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def script_hashes(html: str) -> list[str]:
    """The distinct hashes of a document's inline scripts, sorted (reproducible output)."""
    return sorted({script_hash(body) for body in inline_scripts(html)})


def event_handler_attributes(html: str) -> list[tuple[str, str, str]]:
    """Every inline event handler attribute: (tag, attribute, value). The policy refuses them."""
    return _parse(html).handlers


def policy(hashes: Iterable[str], *, meta: bool = False) -> str:
    """The public pages' policy allowing exactly these inline-script hashes. `meta`: the form a
    <meta> element may carry (without frame-ancestors)."""
    allowed = sorted(set(hashes))
    for source in allowed:
        if not re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", source):
            raise ValueError(f"not a script hash: {source!r}")
    parts = []
    for name, value in _DIRECTIVES:
        if meta and name in HEADER_ONLY:
            continue
        sources = [value, *allowed] if name == "script-src" else [value]
        parts.append(f"{name} {' '.join(sources)}")
    return "; ".join(parts)


def meta_policy(header_policy: str) -> str:
    """A header policy without the directives a <meta> element cannot carry."""
    return "; ".join(part for part in directives(header_policy) if part.split()[0].lower() not in HEADER_ONLY)


def directives(text: str) -> list[str]:
    """The directives of a policy, each as `name value…`, whitespace normalised."""
    return [" ".join(part.split()) for part in text.split(";") if part.strip()]


def page_policy(html: str) -> str:
    """The <meta> policy of one page: its own inline scripts' hashes."""
    return policy(script_hashes(html), meta=True)


_META_CSP = re.compile(r"<meta\b[^>]*\bhttp-equiv\s*=\s*[\"']?content-security-policy\b", re.I)
_META_CHARSET = re.compile(r"<meta\s[^>]*\bcharset\s*=[^>]*>", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<script\b", re.I)


def has_policy_meta(html: str) -> bool:
    """Whether the document's head already carries a <meta> policy."""
    end = html.lower().find("</head>")
    return _META_CSP.search(html, 0, end if end >= 0 else len(html)) is not None


def without_policy_meta(html: str) -> str:
    """`html` without its <meta> policies (to give a page another one, as `clusters edit` does)."""
    return _META_CSP_TAG.sub("", html)


_META_CSP_TAG = re.compile(r"<meta\b[^>]*\bhttp-equiv\s*=\s*[\"']?content-security-policy\b[^>]*>", re.I)


def policy_meta(content: str) -> str:
    escaped = html_lib.escape(content, quote=False).replace('"', "&quot;")
    return f'<meta http-equiv="Content-Security-Policy" content="{escaped}">'


def with_policy_meta(html: str, content: str) -> str | None:
    """`html` with <meta http-equiv="Content-Security-Policy" content=…> right after its
    <meta charset> (else right after <head>), before any script; None where there is no such place
    (a fragment, or a script before <head>)."""
    first_script = _SCRIPT.search(html)
    limit = first_script.start() if first_script else len(html)
    head = _HEAD.search(html, 0, limit)
    if head is None:
        return None
    charset = _META_CHARSET.search(html, head.end(), limit)
    at = charset.end() if charset else head.end()
    return html[:at] + policy_meta(content) + html[at:]


# The site's pages by their path, as nginx's $uri holds it: a folder (served by its index.html) or an
# .html file, the 404 page included (error_page makes $uri /404.html). Chosen by the path, not by the
# response's type: a 304 revalidation carries no Content-Type, and a browser keeps the policy of the
# 304 for the cached page, so a type-keyed policy would strip the page's hashes on every reload.
PAGE_URI = re.compile(r"(/|\.html)$")


def header_policy(uri: str) -> str:
    """The Content-Security-Policy header for a request path, the same for every release: pages get
    the directives no <meta> can carry (their <meta> holds the rest, with the hashes); anything else
    gets the public policy with no hash (no inline script may run in it)."""
    if PAGE_URI.search(uri):
        return "; ".join(f"{name} {value}" for name, value in _DIRECTIVES if name in _DOCUMENT_HEADER)
    return policy([])


def nginx_map() -> str:
    """An nginx `map` from the request path to header_policy, for `add_header
    Content-Security-Policy $clusters_csp always;` (deploy/nginx.conf, http context)."""
    return (
        "map $uri $clusters_csp {\n"
        f'    default "{header_policy("")}";\n'
        f'    "~{PAGE_URI.pattern}" "{header_policy("/")}";\n'
        "}\n"
    )


def parse_nginx_map(text: str) -> dict[str, str]:
    """The values of the map by key ('default', the page pattern): what nginx will send."""
    block = re.search(r"map \$uri \$clusters_csp \{(.*?)\}", text, re.S)
    return dict(re.findall(r'^\s*"?([^"\s]+)"?\s+"([^"]*)";\s*$', block[1] if block else "", re.M))


def is_live_preview(site_url: str | None, dev_addr: tuple[str, int] | None) -> bool:
    """Whether this build is `mkdocs serve`'s (which sets site_url to its own address): its live
    reload injects an inline script that changes with every request and no hash can allow."""
    if not site_url or dev_addr is None:
        return False
    host, port = dev_addr
    return site_url.startswith((f"http://{host}:{port}/", f"http://[{host}]:{port}/"))
