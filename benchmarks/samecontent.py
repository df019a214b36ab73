"""Plain Markdown with the same visible content as a built page: the benchmark's yardstick.

bench.py's step "plain same-content MkDocs" builds, for every page the clusters plugin generates,
an ordinary Markdown page that shows what the built page shows, written the way a person would
write it by hand, and lets MkDocs (same theme, same extensions, no plugin) build them. What a
built page's article becomes (`article_markdown`):

- the page's own front matter (title, hide, gov, search), so the theme renders the same chrome;
- every heading `<hN id=…>` a Markdown heading `#…` with its id as `{#id}` (the toc extension adds
  the permalink ¶ again); the ¶ of the built page is left out;
- every table a Markdown pipe table, its first row the header, each cell its text;
- every list item `- …` or `1. …`, nested lists indented;
- every definition list a Markdown definition list (the def_list extension: `term` then `:   description`);
- every other block (p, figcaption, summary, the text directly in a div, section or dd) a paragraph;
- inside those, links as Markdown links to the page's or file's Markdown source (`[text](../x.md#id)`;
  text only where the target is not a file of the site), strong/em/code as `**`/`*`/backticks,
  a quotation (`<q>`) as “…”, a line break as a space; every other element as its text;
- left out: pictures (inline `<svg>`: a hand-written page would link an image file; the text
  equivalent of each picture is on the page anyway), scripts and styles, and the as-of line
  (`p.cl-asof`) that site_src/overrides/main.html adds to every page in both builds.

Nothing here is imported by the publisher: it only reads built HTML.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
SKIPPED = frozenset({"svg", "script", "style", "template"})
HEADINGS = {f"h{n}": n for n in range(1, 7)}
LISTS = frozenset({"ul", "ol"})
# Elements whose content is blocks; anything else holding text is inline.
BLOCKS = frozenset(
    {
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "main",
        "nav",
        "p",
        "section",
        "summary",
        "table",
        *HEADINGS,
        *LISTS,
        "li",
    }
)
_SPACE = re.compile(r"\s+")
# Markdown's own escapes, and "<" as an entity (Python-Markdown has no escape for it).
_ESCAPED = str.maketrans({**{c: "\\" + c for c in "\\`*_{}[]>|"}, "<": "&lt;"})
_LINE_START = re.compile(r"^([#+\->]|\d+\.)")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def find(node: Node, tag: str, cls: str) -> Node | None:
    if node.tag == tag and cls in node.attrs.get("class", "").split():
        return node
    for child in node.children:
        if isinstance(child, Node) and (found := find(child, tag, cls)):
            return found
    return None


def escape(text: str) -> str:
    return text.translate(_ESCAPED)


class Converter:
    """One built page's article to Markdown. `link(href)` gives a link's Markdown target or None."""

    def __init__(self, link: object) -> None:
        self.link = link

    def inline(self, node: Node | str) -> str:
        if isinstance(node, str):
            return escape(_SPACE.sub(" ", node))
        if node.tag in SKIPPED or "headerlink" in node.attrs.get("class", "").split():
            return ""
        if node.tag == "br":
            return " "
        text = "".join(self.inline(child) for child in node.children)
        if node.tag == "a" and text.strip():
            target = self.link(node.attrs.get("href", ""))  # type: ignore[operator]
            return f"[{text.strip()}]({target})" if target else text
        if node.tag in ("strong", "b") and text.strip():
            return f"**{text.strip()}**"
        if node.tag in ("em", "i") and text.strip():
            return f"*{text.strip()}*"
        if node.tag == "code" and text.strip():
            return "`" + "".join(_text(child) for child in node.children).strip().replace("`", "'") + "`"
        if node.tag == "q":
            return f"“{text}”"
        return text

    def blocks(self, node: Node, out: list[str]) -> None:
        """Append the Markdown blocks of `node`'s content to `out`."""
        run: list[str] = []

        def flush() -> None:
            text = _SPACE.sub(" ", "".join(run)).strip()
            run.clear()
            if text:
                out.append(_LINE_START.sub(r"\\\1", text))

        for child in node.children:
            if isinstance(child, Node) and (child.tag in SKIPPED or "cl-asof" in child.attrs.get("class", "").split()):
                continue
            if isinstance(child, str) or child.tag not in BLOCKS:
                run.append(self.inline(child))
                continue
            flush()
            if child.tag in HEADINGS:
                text = _SPACE.sub(" ", self.inline(child)).strip()
                anchor = f" {{#{child.attrs['id']}}}" if child.attrs.get("id") else ""
                out.append("#" * HEADINGS[child.tag] + " " + text + anchor)
            elif child.tag == "table":
                out.append(self.table(child))
            elif child.tag in LISTS:
                out.append("\n".join(self.list_items(child, 0)))
            elif child.tag == "dl":
                self.definitions(child, out)
            else:
                self.blocks(child, out)
        flush()

    def table(self, node: Node) -> str:
        rows = [
            ["".join(self.inline(c) for c in cell.children).strip() for cell in _all(row, ("th", "td"))]
            for row in _all(node, ("tr",))
        ]
        rows = [[_SPACE.sub(" ", cell) for cell in row] for row in rows if row]
        if not rows:
            return ""
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(lines)

    def list_items(self, node: Node, depth: int) -> list[str]:
        """`- …`/`1. …` lines; a nested list indented, text after it an indented paragraph of the item."""
        lines: list[str] = []
        items = [item for item in node.children if isinstance(item, Node) and item.tag == "li"]
        for number, item in enumerate(items, start=1):
            marker = f"{number}." if node.tag == "ol" else "-"
            runs: list[list[str]] = [[]]  # the item's text before, between and after nested lists
            nested: list[list[str]] = []
            for child in item.children:
                if isinstance(child, Node) and child.tag in LISTS:
                    nested.append(self.list_items(child, depth + 1))
                    runs.append([])
                else:
                    runs[-1].append(self.inline(child))
            texts = [_SPACE.sub(" ", "".join(run)).strip() for run in runs]
            lines.append("    " * depth + f"{marker} {texts[0]}")
            for sub, after in zip(nested, texts[1:], strict=True):
                lines.extend(sub)
                if after:
                    lines.extend(["", "    " * (depth + 1) + after, ""])
        return lines

    def definitions(self, node: Node, out: list[str]) -> None:
        """A definition list as Markdown's (def_list): the term, then `:   description`."""
        lines: list[str] = []
        for child in node.children:
            if not isinstance(child, Node) or child.tag not in ("dt", "dd"):
                continue
            text = _SPACE.sub(" ", self.inline(child)).strip()
            if child.tag == "dt":
                if lines and lines[-1].startswith(":"):
                    lines.append("")
                lines.append(_LINE_START.sub(r"\\\1", text) or "\u00a0")
            else:
                lines.append(":   " + text)
        if lines:
            out.append("\n".join(lines))


def _text(node: Node | str) -> str:
    return node if isinstance(node, str) else "".join(_text(child) for child in node.children)


def _all(node: Node, tags: tuple[str, ...]) -> list[Node]:
    found = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag in tags:
                found.append(child)
            else:
                found += _all(child, tags)
    return found


def article_markdown(html: str, page_src: str, page_url: str, sources: dict[str, str]) -> str:
    """The Markdown of a built page's article. `page_src` is the page's Markdown source path,
    `page_url` its URL relative to the site ("clusters/x/"), `sources` every file's URL (without
    a trailing slash) -> its source path, for the links."""

    def link(href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return href
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if not parts.path:
            return fragment or None
        target = posixpath.normpath(posixpath.join(page_url or ".", parts.path)).strip("/")
        source = sources.get("" if target == "." else target)
        if source is None:
            return None
        return posixpath.relpath(source, posixpath.dirname(page_src) or ".") + fragment

    article = find(parse(html), "article", "md-content__inner")
    if article is None:
        raise ValueError(f"{page_url}: no <article class='md-content__inner'> in the built page")
    blocks: list[str] = []
    Converter(link).blocks(article, blocks)
    return "\n\n".join(block for block in blocks if block) + "\n"
