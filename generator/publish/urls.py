"""Where a generated page is published: MkDocs' own rule, asked once per page, never re-implemented.

Every page the site generates has a source path under the docs folder (the records' `page`
properties in generator/domain: "clusters/x.md", "notices/y.md" …). Its URL is what MkDocs makes
of that path with `use_directory_urls: true` (the plugin refuses a configuration without it):
"clusters/x.md" -> "clusters/x/", "index.md" -> "". Pages link to each other relatively, so the
site works wherever it is hosted (a bureau's own servers, a sub-path behind a CDN); feeds and the
calendar, read outside the site, link absolutely under the site's address.
"""

from __future__ import annotations

from functools import lru_cache

from mkdocs.structure.files import File

USE_DIRECTORY_URLS = True  # the URL style every link here assumes; the plugin checks mkdocs.yml agrees


@lru_cache(maxsize=8192)
def page_url(src_uri: str) -> str:
    """The URL path of the page built from `src_uri`, relative to the site's root ("" for the home page)."""
    url = File(src_uri, None, "", use_directory_urls=USE_DIRECTORY_URLS).url
    return "" if url == "./" else url


def relative_href(from_src: str, to_src: str) -> str:
    """A link from one page to another that works wherever the site is hosted.

    The same as posixpath.relpath between the two page URLs, on the folder names alone: page
    URLs never hold "." or "..", and relpath asks the operating system for the working directory
    on every call (a sixth of the time to render 5,000 cluster pages, benchmarks/README.md).
    """
    start, target = page_url(from_src).split("/")[:-1], page_url(to_src).split("/")[:-1]  # "a/b/" -> [a, b]
    common = 0
    while common < min(len(start), len(target)) and start[common] == target[common]:
        common += 1
    parts = [".."] * (len(start) - common) + target[common:]
    return "/".join(parts) + "/" if parts else "./"


def asset_href(from_src: str, path: str) -> str:
    """A link from a page to a file of the site that is not a page (a download, a script)."""
    return "../" * page_url(from_src).count("/") + path


def absolute_url(src_uri: str, base: str | None) -> str | None:
    """The page's address under the site's `base` URL (ending in "/"); None without one."""
    return base + page_url(src_uri) if base else None
