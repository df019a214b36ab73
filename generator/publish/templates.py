"""The one Jinja environment every template is rendered with (generator/templates/).

Escaping follows what a template writes:
- pages (*.html.j2: an HTML body; *.md.j2: Markdown with HTML blocks; both after a YAML front
  matter, see generator.publish.pages) and scripts are autoescaped as HTML;
- record skeletons (*.yaml.j2) are not escaped: each value is quoted by the `yaml` filter;
- the web server configuration (*.conf.j2) is not escaped: its values are checked by the caller
  (generator.deploy.nginx) to hold no character nginx would interpret;
- the pull-request summary (diff.md.j2) is plain Markdown shown by GitHub: every value it prints
  passes through `markdown_text`, which escapes what Markdown would interpret.
Markdown uses {#id} for heading anchors, so Jinja comments are {## … ##} (in every template).
"""

from __future__ import annotations

import functools
import html
import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from generator.domain.calls import CALL_STATE_LABELS
from generator.domain.criteria import rule_text
from generator.domain.lifecycle import (
    EXPIRING_DAYS,
    NOTICE_STATE_LABELS,
    REPORT_STATE_LABELS,
    REVIEW_GRACE_DAYS,
    STATUS_LABELS,
)
from generator.domain.model import (
    CHANGE_SUBJECTS,
    COMPARISON_OPERATORS,
    EVENT_TYPE_NAMES,
    LEVEL_NAMES,
)
from generator.domain.schedule import days_left_phrase

MARKDOWN_TEMPLATES = frozenset({"diff.md.j2"})  # plain Markdown: values escaped by markdown_text
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~"})


def markdown_text(value: Any) -> str:
    """Record text as literal Markdown: every character Markdown could interpret is escaped."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).replace("\n", " ").translate(_MARKDOWN_SPECIAL)


def clause_anchor(clause: Any) -> str:
    """The anchor of a clause on the guideline page: 3.2.1 -> clause-3-2-1."""
    return "clause-" + str(clause).replace(".", "-")


def title_meta(text: str) -> Markup:
    """A page title for the Markdown front matter. MkDocs themes print `page.meta.title` as HTML
    (unescaped, in <title> and the header), so the text is HTML-escaped, then quoted as YAML."""
    return Markup(json.dumps(html.escape(text, quote=False), ensure_ascii=False))


def human_size(size: int) -> str:
    """A file size in the site's words: "812 字节", "356.0 KB", "1.2 MB" (1 KB = 1024 字节)."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def path_breaks(text: Any) -> Markup:
    """A file path or field name, escaped, with a line-break opportunity (<wbr>) after each "/" and
    "_": a narrow screen wraps it between its parts, never inside one (site.css: code.cl-path)."""
    escaped = str(Markup.escape(text))
    return Markup(escaped.replace("/", "/<wbr>").replace("_", "_<wbr>"))


def _autoescape(name: str | None) -> bool:
    return name is None or not (name.endswith((".yaml.j2", ".conf.j2")) or name in MARKDOWN_TEMPLATES)


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    return markdown_text(value) if context.name in MARKDOWN_TEMPLATES else value


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("generator", "templates"),
        autoescape=_autoescape,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.globals.update(
        LEVEL_NAMES=LEVEL_NAMES,
        EVENT_TYPE_NAMES=EVENT_TYPE_NAMES,
        STATUS_LABELS=STATUS_LABELS,
        NOTICE_STATE_LABELS=NOTICE_STATE_LABELS,
        CALL_STATE_LABELS=CALL_STATE_LABELS,
        REPORT_STATE_LABELS=REPORT_STATE_LABELS,
        CHANGE_SUBJECTS=CHANGE_SUBJECTS,
        COMPARISON_OPERATORS=COMPARISON_OPERATORS,
        EXPIRING_DAYS=EXPIRING_DAYS,
        REVIEW_GRACE_DAYS=REVIEW_GRACE_DAYS,
    )
    env.filters["clause_anchor"] = clause_anchor
    env.filters["rule_text"] = rule_text
    env.filters["title_meta"] = title_meta
    env.filters["size"] = human_size
    env.filters["path_breaks"] = path_breaks
    env.filters["days_left_phrase"] = days_left_phrase
    env.filters["iso"] = lambda value: value.isoformat() if value is not None else ""
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=False)  # a YAML (JSON) string
    env.filters["number"] = lambda value: format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return env


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
