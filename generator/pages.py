"""Render the generated pages as Markdown (HTML blocks inside) from the dataset and "today".

A pure function of its inputs: no clock, no file writes, nothing about MkDocs. Every piece of
markup lives in generator/templates/; record text reaches it only through autoescaped Jinja2
expressions inside raw HTML blocks, so Markdown never interprets a record's text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from generator.calendar import CalendarNotCovered, PublicityWindow, publicity_state
from generator.lifecycle import (
    GUIDELINE_IN_FORCE,
    MUNICIPAL_TARGET,
    NOTICE_STATE_LABELS,
    STATUS_LABELS,
    ClusterStatus,
    Recognition,
    ReportObligation,
    annual_reports,
    cluster_status,
    guideline_lapsed,
    notice_window,
    recognitions,
)
from generator.problems import CODES, ProblemType
from generator.tables import PATTERN_EXPECTATIONS, TYPE_NAMES, SchemaSet
from generator.model import EVENT_TYPE_NAMES, LEVEL_NAMES, Cluster, Dataset, District, Notice

REVOCATION_REASONS = {
    "4.3.1": "有效期满未申请复核或经复核未通过",
    "4.3.2": "发现虚假申报",
    "4.3.3": "未及时报送集群年度培育情况信息表，不接受、不配合监测监督工作",
    "4.3.4": "集群发生主导产业、空间范围、运营管理机构变更等重大变动未及时更新报备",
    "4.3.5": "集群企业发生较大及以上安全、质量和环境污染等事故等违法违规或严重失信行为",
}
CHANGE_SUBJECTS = {"leading_industry": "主导产业", "area": "空间范围", "operator": "运营管理机构", "other": "其他"}


@dataclass(frozen=True)
class Page:
    src_uri: str  # path under the docs dir, e.g. "clusters/foo.md"
    content: str
    in_nav: bool  # record pages stay out of the nav (DESIGN: a nav listing every record is quadratic)


@dataclass(frozen=True)
class NoticeView:
    notice: Notice
    window: PublicityWindow | None  # None when the calendar does not cover it
    state: str
    missing_years: tuple[int, ...]

    @property
    def state_label(self) -> str:
        return NOTICE_STATE_LABELS[self.state]

    def days_left(self, today: dt.date) -> int | None:
        """Working days left in the window, today included."""
        if self.window is None or self.state != "open":
            return None
        return sum(1 for day in self.window.days if day >= today)


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    district: District | None
    status: ClusterStatus
    recognitions: tuple[Recognition, ...]
    reports: tuple[ReportObligation, ...]
    notices: tuple[NoticeView, ...]

    @property
    def level(self) -> str | None:
        """The highest level of recognition, for the list."""
        levels = [r.level for r in self.recognitions]
        return next((level for level in ("national", "provincial", "municipal") if level in levels), None)


def notice_view(notice: Notice, dataset: Dataset, today: dt.date) -> NoticeView:
    try:
        window = notice_window(notice, dataset.calendar)
    except CalendarNotCovered as exc:
        return NoticeView(notice, None, "unknown", exc.years)
    return NoticeView(notice, window, publicity_state(window, today), ())


def build_views(dataset: Dataset, today: dt.date) -> tuple[list[ClusterView], list[NoticeView]]:
    notices = sorted((notice_view(n, dataset, today) for n in dataset.notices.values()),
                     key=lambda v: (v.notice.published_on, v.notice.id), reverse=True)
    by_cluster: dict[str, list[NoticeView]] = {}
    for view in notices:
        for entry in view.notice.entries:
            if entry.cluster:
                by_cluster.setdefault(entry.cluster, []).append(view)
    clusters = []
    for cluster in sorted(dataset.clusters.values(), key=lambda c: (c.district, c.id)):
        listed_in = by_cluster.get(cluster.id, [])
        status = cluster_status(cluster, today, in_open_publicity=any(v.state == "open" for v in listed_in))
        clusters.append(ClusterView(cluster, dataset.districts.get(cluster.district), status,
                                    recognitions(cluster), annual_reports(cluster, today), tuple(listed_in)))
    return clusters, notices


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    name: str
    page: str  # src_uri of the page it concerns
    what: str


def upcoming_deadlines(clusters: list[ClusterView], notices: list[NoticeView], today: dt.date,
                       limit: int = 10) -> list[Deadline]:
    """Dated obligations from today on: objection windows closing, reports due, validity ends."""
    found = []
    for view in notices:
        if view.window is not None and view.window.last_day >= today:
            found.append(Deadline(view.window.last_day, view.notice.title, f"notices/{view.notice.id}.md",
                                  "公示期最后一天（24:00 截止）"))
    for view in clusters:
        page = f"clusters/{view.cluster.id}.md"
        for report in view.reports:
            if report.state != "submitted" and report.due_on >= today:
                found.append(Deadline(report.due_on, view.cluster.name, page,
                                      f"{report.covered_year} 年度报告报送截止（指引 4.2）"))
        for recognition in view.recognitions:
            end = recognition.valid_until
            if end is not None and end.is_exact and end.earliest >= today:
                found.append(Deadline(end.earliest, view.cluster.name, page, f"{recognition.level_name}认定有效期届满"))
    return sorted(found, key=lambda d: (d.due, d.page))[:limit]


def recent_changes(clusters: list[ClusterView], limit: int = 10) -> list[tuple[ClusterView, Any]]:
    """The latest dated events across all clusters, newest first."""
    dated = [(view, event) for view in clusters for event in view.cluster.events if event.date is not None]
    return sorted(dated, key=lambda pair: (pair[1].date.latest, pair[0].cluster.id), reverse=True)[:limit]


@dataclass(frozen=True)
class FieldDoc:
    name: str
    title: str
    type_name: str
    requirement: str
    description: str


def field_docs(schema: dict[str, Any]) -> list[FieldDoc]:
    """A schema's fields explained in Chinese, for the open-data page (generated, never copied)."""
    docs = []
    for spec in schema["fields"]:
        cons = spec.get("constraints", {})
        parts = ["必填" if cons.get("required") else "可空"]
        if cons.get("unique"):
            parts.append("唯一")
        if "enum" in cons:
            parts.append("可选值：" + "、".join(map(str, cons["enum"])))
        if "minimum" in cons:
            parts.append(f"不小于 {cons['minimum']}")
        if "maximum" in cons:
            parts.append(f"不大于 {cons['maximum']}")
        if "maxLength" in cons:
            parts.append(f"不超过 {cons['maxLength']} 个字符")
        if "pattern" in cons:
            parts.append(PATTERN_EXPECTATIONS.get(cons["pattern"], cons["pattern"]))
        kind = spec.get("type", "string")
        docs.append(FieldDoc(spec["name"], spec.get("title", spec["name"]), TYPE_NAMES.get(kind, kind),
                             "；".join(parts), spec.get("description", "")))
    return docs


def problem_groups() -> list[tuple[str, list[ProblemType]]]:
    """The problem code table grouped for the staff guide, in registry order."""
    groups: dict[str, list[ProblemType]] = {}
    for kind in CODES.values():
        groups.setdefault(kind.group, []).append(kind)
    return list(groups.items())


def page_url(src_uri: str) -> str:
    """The URL path MkDocs gives a page with use_directory_urls (index.md -> "", a/b.md -> a/b/)."""
    if src_uri == "index.md":
        return ""
    if src_uri.endswith("/index.md"):
        return src_uri[: -len("index.md")]
    return src_uri[: -len(".md")] + "/"


def relative_href(from_src: str, to_src: str) -> str:
    """A link from one page to another that works wherever the site is hosted."""
    start, target = page_url(from_src), page_url(to_src)
    rel = posixpath.relpath(target or ".", start or ".")
    return "./" if rel == "." else rel + "/"


def title_meta(text: str) -> Markup:
    """A page title for the Markdown front matter. MkDocs themes print `page.meta.title` as HTML
    (unescaped, in <title> and the header), so the text is HTML-escaped, then quoted as YAML."""
    return Markup(json.dumps(html.escape(text, quote=False), ensure_ascii=False))


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("generator", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Markdown uses {#id} for heading anchors, so Jinja comments are {## … ##} here.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.globals.update(LEVEL_NAMES=LEVEL_NAMES, EVENT_TYPE_NAMES=EVENT_TYPE_NAMES, STATUS_LABELS=STATUS_LABELS,
                       REVOCATION_REASONS=REVOCATION_REASONS, CHANGE_SUBJECTS=CHANGE_SUBJECTS)
    env.filters["clause"] = lambda number: f"guideline.md#clause-{str(number).replace('.', '-')}"
    env.filters["iso"] = lambda value: value.isoformat() if value is not None else ""
    env.filters["title_meta"] = title_meta
    return env


def render_pages(dataset: Dataset, schema_set: SchemaSet, today: dt.date, data_changed: str | None) -> list[Page]:
    """Every generated page for `today` (a day in Asia/Shanghai)."""
    env = environment()
    clusters, notices = build_views(dataset, today)
    common: dict[str, Any] = {
        "today": today,
        "data_changed": data_changed,
        "districts": dataset.districts,
        "site": dataset.site.values if dataset.site else {},
        "guideline_in_force": GUIDELINE_IN_FORCE,
        "guideline_lapsed": guideline_lapsed(today),
    }

    def page(template: str, src_uri: str, in_nav: bool, **context: Any) -> Page:
        def href(target: str) -> str:
            return relative_href(src_uri, target)

        return Page(src_uri, env.get_template(template).render(**common, **context, href=href), in_nav)

    municipal = [view for view in clusters if view.status.counts_as_municipal]
    pages = [
        page("home.md.j2", "index.md", True, clusters=clusters, notices=notices, municipal=municipal,
             target=MUNICIPAL_TARGET, upcoming=upcoming_deadlines(clusters, notices, today),
             recent=recent_changes(clusters)),
        page("cluster_list.md.j2", "clusters/index.md", True, clusters=clusters, district=None),
        page("district_index.md.j2", "districts/index.md", True, clusters=clusters),
        page("notice_index.md.j2", "notices/index.md", True, notices=notices),
        page("staff_guide.md.j2", "guide.md", True, groups=problem_groups()),
        page("open_data.md.j2", "open-data.md", True, package=schema_set.package,
             fields={name: field_docs(schema) for name, schema in schema_set.schemas.items()}),
    ]
    for district in dataset.districts.values():
        own = [view for view in clusters if view.cluster.district == district.code]
        pages.append(page("cluster_list.md.j2", f"districts/{district.slug}.md", False, clusters=own,
                          district=district))
    for view in clusters:
        pages.append(page("cluster.md.j2", f"clusters/{view.cluster.id}.md", False, view=view))
    for view in notices:
        named = {entry.cluster: dataset.clusters.get(entry.cluster) for entry in view.notice.entries if entry.cluster}
        pages.append(page("notice.md.j2", f"notices/{view.notice.id}.md", False, view=view, named=named))
    return pages
