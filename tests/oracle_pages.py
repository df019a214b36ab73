"""The as-of oracle's reading of the pages (tests/oracle_support.py): HTML parsed with the tests'
one HTML reader (conftest.Page), links resolved as a browser would, badges and links read back."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from conftest import Node, Page

from generator.domain.calendar import SHANGHAI, start_of_day
from generator.publish.urls import page_url

DATE_RE = r"\d{4}-\d{2}-\d{2}"  # a day as the pages print it
PARTIAL_RE = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"  # a date stated to the year, month or day


@functools.lru_cache(maxsize=512)
def parse_html(text: str) -> Node:
    """The page's tree; each element knows the heading it follows (Node.section). Read-only: a third
    of the pages the oracle reads are the same text on another day, so each text is parsed once."""
    return Page(text).root


def resolve(src_uri: str, href: str, base_url: str | None) -> str | None:
    """The site-root path (e.g. "clusters/x/") a link on page `src_uri` points to; None when it
    leaves the site (another host, mailto:, tel:)."""
    if base_url and href.startswith(base_url):
        href = href[len(base_url) :]
        return urlsplit(href).path
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    joined = urljoin("http://site.invalid/" + page_url(src_uri), parts.path)
    return urlsplit(joined).path.lstrip("/")


def instant_of_label(label: str) -> dt.datetime:
    """ "2025-02-28 17:30" or "2025-02-28 24:00" (Asia/Shanghai) as an instant."""
    day_text, time_text = label.split()
    day = dt.date.fromisoformat(day_text)
    if time_text == "24:00":
        return start_of_day(day + dt.timedelta(days=1))
    return dt.datetime.combine(day, dt.time.fromisoformat(time_text), tzinfo=SHANGHAI)


def status_badge(node: Node | None) -> tuple[str, str] | None:
    if node is None:
        return None
    for span in node.find_all("span", "cl-badge"):
        for cls in span.classes:
            if cls.startswith("cl-status-"):
                return cls[len("cl-status-") :], span.text()
    return None


@dataclass(frozen=True)
class NoticeBadge:
    state: str
    label: str
    opens: dt.datetime | None
    closes: dt.datetime | None


def notice_badge(span: Node) -> NoticeBadge:
    state = next((c[len("cl-notice-") :] for c in span.classes if c.startswith("cl-notice-")), None)
    opens = span.attrs.get("data-opens")
    closes = span.attrs.get("data-closes")
    return NoticeBadge(
        state,
        span.text(),
        dt.datetime.fromisoformat(opens) if opens else None,
        dt.datetime.fromisoformat(closes) if closes else None,
    )


def notice_badges(node: Node) -> list[Node]:
    return [s for s in node.find_all("span", "cl-badge") if any(c.startswith("cl-notice-") for c in s.classes)]


def link_target(src_uri: str, anchor: Node, base_url: str | None) -> str | None:
    href = anchor.attrs.get("href")
    return resolve(src_uri, href, base_url) if href is not None else None


def record_id_in(path: str | None, folder: str) -> str | None:
    if path is None:
        return None
    match = re.fullmatch(rf"{folder}/([a-z0-9-]+)/", path)
    return match.group(1) if match else None


def content_link(node: Node) -> Node | None:
    """The first anchor that leads to content, not a badge's link to the practice page."""
    links = [a for a in node.find_all("a") if "cl-badge-link" not in a.classes]
    return links[0] if links else None
