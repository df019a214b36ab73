"""The MkDocs plugin `clusters`: loads data/, refuses invalid data, and hands MkDocs the pages.

With it, `mkdocs build` and `mkdocs serve` are the whole pipeline: staff get a live preview that
reloads when a record or schema changes. The instant and the data folder reach the plugin one way
only, as its options (`at`, or `today` for 00:00 of a day, and `data_dir`); `clusters build/serve`
set `at`, and without either the plugin asks generator.site.clock for the time. The pages and
exports come from the as-of snapshot (generator.domain.snapshot), taken at that instant, which
knows nothing of MkDocs; the pages say its day, the open data its instant.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from markdown.extensions.toc import nest_toc_tokens, strip_tags  # type: ignore[import-untyped]
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import TableOfContents, get_toc

from generator import SCHEMAS_DIR
from generator.domain.history import History, ReleaseRow
from generator.domain.snapshot import Snapshot
from generator.editor.decap import EditorSettings
from generator.load.dataset import LoadResult
from generator.publish import csp
from generator.publish.pages import (
    Heading,
    anchor_ids,
    link_hrefs,
    toc_headings,
)
from generator.publish.urls import USE_DIRECTORY_URLS
from generator.site.clock import resolve_instant
from generator.site.search import SearchIndexFailed, index_site
from generator.site.sources import SiteSources, check_sources, generated_files

if TYPE_CHECKING:
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.clusters")
# The theme's script bundle, its search workers and every source map: no page of the site loads them
# (site_src/overrides/main.html leaves the bundle out), so they are not published either.
THEME_SCRIPTS_UNUSED = re.compile(r"assets/javascripts/|assets/.*\.map$")
PROBLEM_RECORD = "clusters_problem"  # set on log records of data problems (the CLI prints those itself)


# mkdocs leaves Config.__init_subclass__ and BasePlugin.__init_subclass__ unannotated.
class ClustersConfig(base.Config):  # type: ignore[no-untyped-call]
    data_dir = c.Type(str, default="data")
    today = c.Optional(c.Type(str))  # YYYY-MM-DD in Asia/Shanghai: as of 00:00 that day
    at = c.Optional(c.Type(str))  # an instant, ISO 8601 (YYYY-MM-DDTHH:MM Beijing time, or with an offset)


class ClustersPlugin(BasePlugin[ClustersConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.loaded: LoadResult | None = None
        self.snapshot: Snapshot | None = None
        self.history: History | None = None  # the data folder's git history, for the change log
        self.page_hashes: dict[str, list[str]] = {}  # dest path -> its inline scripts' hashes, per build
        self.html_pages: set[str] = set()  # src_uri of the generated pages whose bodies are HTML, per build
        self._bodies: dict[str, str] = {}  # src_uri -> HTML body, from on_page_markdown to on_page_content
        self._by_url: dict[str, File] | None = None  # every file of the site by its URL, per build
        self.sources: SiteSources | None = None  # the records and what they make, per build (on_config)
        # The releases the 发布记录 page lists, oldest first, this build's last: set by
        # generator.site.build before MkDocs runs (a preview or a bare `mkdocs build` has none).
        self.releases: list[ReleaseRow] = []
        # Files the build adds after MkDocs (the manifests, their signatures, the public keys): links
        # to them are not reported as missing.
        self.later_files: set[str] = set()

    # Runs first, once per build: decide the instant, load and validate the records, take the
    # snapshot, and stop the build before anything is written if the records are invalid.
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            at = resolve_instant(self.config.today, self.config.at)
        except ValueError:
            raise PluginError(
                f"clusters 插件的 today 选项 “{self.config.today}” 或 at 选项 “{self.config.at}” 无效："
                "today 应写成 YYYY-MM-DD，at 应写成 YYYY-MM-DDTHH:MM（北京时间），两者只能给出一个"
            ) from None
        if config.use_directory_urls is not USE_DIRECTORY_URLS:
            raise PluginError(
                f"mkdocs.yml 的 use_directory_urls 应为 {str(USE_DIRECTORY_URLS).lower()}："
                "生成的页面之间的链接按这种网址写出（generator/publish/urls.py）"
            )
        self.snapshot = None
        self.page_hashes = {}
        self.html_pages, self._bodies, self._by_url = set(), {}, None
        # The records, and the hand-written pages, which MkDocs reads following links: links (and
        # FIFOs) in site_src/ are refused before MkDocs reads a byte, as data/ refuses them.
        self.sources = check_sources(self._data_dir(config), Path(config.docs_dir), at)
        self.loaded, self.history = self.sources.loaded, self.sources.history
        errors = self.sources.errors
        if errors:
            for found in errors:
                log.error(found.format(), extra={PROBLEM_RECORD: True})
            raise PluginError(f"数据校验未通过（{len(errors)} 个错误），网站未生成。请先运行 clusters validate。")
        self.snapshot = self.sources.snapshot
        if self.sources.site_url and not config.site_url:
            # The published address (site.yaml, parsed and rebuilt) makes the 404 page, canonical
            # links and the sitemap correct wherever the site is hosted, e.g. under a project path.
            config.site_url = self.sources.site_url
        config.extra["clusters"] = self.sources.extra
        return config

    # Runs after MkDocs collected site_src/: hand over what the records make (generator.site.sources:
    # exports, the live states' script, attachments, pages); record pages are kept out of the nav so
    # that the nav (repeated on every page) does not grow with the records.
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        for unused in [f for f in files if THEME_SCRIPTS_UNUSED.match(f.src_uri)]:
            files.remove(unused)  # the theme's scripts and source maps that no page loads
        assert self.sources is not None
        for made in generated_files(self.sources, self._data_dir(config), releases=self.releases):
            if made.copy_of is not None:  # an attachment, copied as it is (checked when loaded)
                files.append(File.generated(config, made.path, abs_src_path=str(made.copy_of)))
                continue
            if made.page:
                existing = files.get_file_from_path(made.path)
                if existing is not None:
                    files.remove(existing)
                inclusion = InclusionLevel.INCLUDED if made.in_nav else InclusionLevel.NOT_IN_NAV
                files.append(File.generated(config, made.path, content=made.content or b"", inclusion=inclusion))
                if made.html:
                    self.html_pages.add(made.path)
                continue
            files.append(File.generated(config, made.path, content=made.content or b""))
        return files

    # A generated page whose body is HTML (generator.publish.pages) goes past Python-Markdown: its body
    # is set aside here and MkDocs renders an empty Markdown text in its place ...
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri not in self.html_pages or page.file.generated_by != "clusters":
            return markdown
        self._bodies[page.file.src_uri] = markdown
        return ""

    # ... and comes back as the page's content, with what Python-Markdown and MkDocs would have found
    # in it: the table of contents (the headings with a permalink), the anchors other pages' links are
    # checked against, and its own links to pages and files of the site, checked as MkDocs checks a
    # Markdown page's (a missing target or anchor is a warning, so strict mode stops the build).
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        body = self._bodies.pop(page.file.src_uri, None)
        if body is None:
            return html
        page.toc = table_of_contents(toc_headings(body))
        page.present_anchor_ids = anchor_ids(body)
        page.links_to_anchors = self._checked_links(body, page, config, files)
        return body

    def _checked_links(self, body: str, page: Page, config: MkDocsConfig, files: Files) -> dict[File, dict[str, str]]:
        """The links of an HTML body to anchors, by target file (for MkDocs' anchor check); a link to
        a page or file the site does not have is reported at the `validation.links.not_found` level."""
        if self._by_url is None:
            self._by_url = {unquote(file.url): file for file in files}
        to_anchors: dict[File, dict[str, str]] = {}
        for href in link_hrefs(body):
            target = site_path(page.file.url, href)
            if target is None:
                continue
            path, anchor = target
            found = self._by_url.get(path)
            if found is None:
                if path in self.later_files:
                    continue
                log.log(
                    config.validation.links.not_found,
                    f"生成的页面 {page.file.src_uri} 链接到 “{href}”，网站中没有这个页面或文件",
                )
            elif anchor and found.page is not None:
                to_anchors.setdefault(found, {})[anchor] = href
        return to_anchors

    # Live preview: rebuild when a record or a schema changes.
    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Callable[..., None]
    ) -> LiveReloadServer:
        server.watch(str(self._data_dir(config)))
        server.watch(str(SCHEMAS_DIR))
        return server

    # Every page carries its Content-Security-Policy (generator.publish.csp) as a <meta> right after
    # <meta charset>, before any script: the hashes of its own inline scripts and nothing else
    # inline. Not in the live preview, whose reload script changes with every request.
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if csp.is_live_preview(config.site_url, config.dev_addr):
            return output
        hashes = csp.script_hashes(without_content(output, page.content))
        self.page_hashes[page.file.dest_path] = hashes  # the <meta> added below changes no script
        placed = None if csp.has_policy_meta(output) else csp.with_policy_meta(output, csp.policy(hashes, meta=True))
        if placed is None:
            log.warning(f"{page.file.src_uri}：页面没有 <head>，未能加入内容安全策略（Content-Security-Policy）")
            return output
        return placed

    # After all files are written: the theme's own pages (404.html) get the <meta> too, the admin
    # page its own policy, and the site-wide policy (every page's hashes) is written to csp-policy.txt
    # for reference (the web server's header does not depend on it: generator.publish.csp).
    # In the live preview the search index is made here too, after every rebuild, so that the
    # preview's search box finds what the pages now say (`clusters build` makes it itself, after
    # MkDocs: generator.site.build); a preview without Pagefind says so and goes on.
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        site_dir = Path(config.site_dir)
        preview = csp.is_live_preview(config.site_url, config.dev_addr)
        hashes: set[str] = set()
        for html in sorted(site_dir.rglob("*.html")):
            admin = html.relative_to(site_dir).parts[0] == csp.ADMIN_DIR
            try:
                text = html.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                log.warning(f"{html.relative_to(site_dir).as_posix()}：不是 UTF-8 文本，未能检查其中的脚本")
                continue
            if not admin:
                # A page MkDocs wrote from on_post_page's output was parsed there; theme pages (404) here.
                known = self.page_hashes.get(html.relative_to(site_dir).as_posix())
                hashes.update(known if known is not None else csp.script_hashes(text))
            if preview or csp.has_policy_meta(text):
                continue
            content = csp.meta_policy(self._admin_policy()) if admin else csp.page_policy(text)
            placed = csp.with_policy_meta(text, content)
            if placed is None:
                log.warning(
                    f"{html.relative_to(site_dir).as_posix()}：页面没有 <head>，只能由网站服务器的响应头提供内容安全策略"
                )
                continue
            html.write_bytes(placed.encode("utf-8"))
        site_policy = csp.policy(hashes)
        (site_dir / csp.POLICY_FILE).write_text(site_policy + "\n", encoding="utf-8")
        if preview:
            try:
                index_site(site_dir)
            except SearchIndexFailed as exc:
                log.info(f"本地预览没有站内搜索：{exc}")

    def _admin_policy(self) -> str:
        """The editor page's policy: the forge named in data/site.yaml's editor settings may be reached."""
        site = self.loaded.dataset.site if self.loaded is not None else None
        settings = EditorSettings.from_values(site.values if site is not None else {})
        return csp.admin_policy(settings.origins(), settings.image_origins())

    def _data_dir(self, config: MkDocsConfig) -> Path:
        path = Path(self.config.data_dir)
        return path if path.is_absolute() else Path(config.config_file_path).parent / path


def table_of_contents(headings: list[Heading]) -> TableOfContents:
    """MkDocs' table of contents of an HTML body, from the tokens Python-Markdown's toc extension
    would have made of the same headings (name: the heading's text as HTML, tags removed)."""
    tokens: list[dict[str, Any]] = [
        {"level": h.level, "id": h.id, "name": strip_tags(h.html), "html": h.html, "data-toc-label": ""}
        for h in headings
    ]
    return get_toc(nest_toc_tokens(tokens))


@functools.lru_cache(maxsize=4096)
def site_path(page_url: str, href: str) -> tuple[str, str] | None:
    """Where a link on the page at `page_url` ("clusters/x/") points inside the site: (the target's
    URL relative to the site, unquoted; the anchor), or None when it leaves the site (another host,
    mailto:, tel:). The same links recur on every record page: cached."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    path = urlsplit(urljoin("http://site.invalid/" + page_url, parts.path)).path.lstrip("/")
    return unquote(path), unquote(parts.fragment)


_SCRIPT_TAG = re.compile(r"</?script", re.I)


def without_content(output: str, content: str | None) -> str:
    """A built page as its inline scripts are looked for (csp.script_hashes): without the page's content
    when that holds no script tag, so that the parser reads only the theme around it, which holds the
    scripts (a cluster page's content is about a third of its bytes: benchmarks/README.md). The page
    as it is when the content holds one, or is not found in it outside a script."""
    if not content or _SCRIPT_TAG.search(content):
        return output
    start = output.find(content)
    if start < 0:
        return output
    before = _SCRIPT_TAG.findall(output, 0, start)
    if before and not before[-1].startswith("</"):  # inside a script's text: not the content
        return output
    return output[:start] + output[start + len(content) :]
