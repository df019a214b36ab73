"""Render the generated pages from the as-of snapshot: front matter, then an HTML or Markdown body.

A pure function of its inputs: no clock, no file writes, nothing about MkDocs. Every piece of
markup lives in generator/templates/; record text reaches it only through autoescaped Jinja2
expressions, in HTML, so Markdown never interprets a record's text.

Two kinds of page, by their template's name:
- `*.html.j2` (the record pages, their lists, the home page, the change log, the criteria page): the
  body is HTML, headings and their permalinks included (the `heading` macro). The clusters plugin hands it to
  MkDocs as it is, past Python-Markdown, and builds the page's table of contents from its headings
  (`toc_headings`) and its anchors from its ids (`anchor_ids`): a thousand cluster pages are not
  parsed as Markdown holding HTML blocks (benchmarks/README.md, "Same visible content").
- `*.md.j2` (the rules and explanations: practice, procedure, the editor guide, open data):
  Markdown, with raw HTML blocks where record or policy text appears; MkDocs renders them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from generator.domain.criteria import COMPARISON_READINGS, ELISION, READ_AS_INCLUSIVE, criteria_sheet
from generator.domain.history import ReleaseRow
from generator.domain.model import Statement
from generator.domain.practice import statement_values
from generator.domain.snapshot import Snapshot
from generator.problems import CODES, ProblemType
from generator.publish.changelog import PAGE, ChangeLog, CommitView, changelog_view
from generator.publish.charts import cluster_timeline, tile_map, year_bars
from generator.publish.opendata import CALL_DERIVED_FIELDS, CLUSTER_DERIVED_FIELDS, NOTICE_DERIVED_FIELDS
from generator.publish.serialize import ExportFile
from generator.publish.templates import environment
from generator.publish.urls import asset_href, relative_href
from generator.schema.fields import Field
from generator.schema.package import SchemaSet
from generator.schema.stated import LIST_TITLES

HTML_TEMPLATE_SUFFIX = ".html.j2"  # a page template whose body is HTML (the others' is Markdown)

# What the `heading` macro (templates/_macros.j2) writes: a heading with Python-Markdown's permalink.
_TOC_HEADING = re.compile(
    r'<h([1-6]) id="([^"<>]+)">(.*?)<a class="headerlink" href="#\2" title="Permanent link">&para;</a></h\1>', re.S
)
_ID = re.compile(r'(?<=\s)id="([^"]*)"')
_HREF = re.compile(r'(?<=\s)href="([^"]*)"')


@dataclass(frozen=True)
class Page:
    src_uri: str  # path under the docs dir, e.g. "clusters/foo.md"
    content: str  # front matter, then the body: HTML when `html`, else Markdown
    in_nav: bool  # record pages stay out of the nav (DESIGN: a nav listing every record is quadratic)
    html: bool = False  # the body is HTML, for MkDocs as it is (rendered from a *.html.j2 template)


@dataclass(frozen=True)
class Heading:
    """A heading of an HTML body's table of contents."""

    level: int  # 1-6
    id: str  # as written in the HTML (escaped)
    html: str  # its content, without the permalink


def toc_headings(body: str) -> list[Heading]:
    """The headings of an HTML page body that belong in its table of contents, in order: those the
    `heading` macro wrote, with a permalink. A heading written as plain HTML (a page's <h1>, a
    subheading such as a notice's 对照 table) is not in it, as Python-Markdown never put raw HTML there."""
    return [Heading(int(found[1]), found[2], found[3]) for found in _TOC_HEADING.finditer(body)]


def anchor_ids(body: str) -> set[str]:
    """The ids an HTML page body holds (pictures' included): the anchors a link may point to."""
    return {html.unescape(found) for found in _ID.findall(body)}


def link_hrefs(body: str) -> list[str]:
    """The distinct link targets (href) of an HTML page body, unescaped, in order of appearance."""
    return list(dict.fromkeys(html.unescape(found) for found in _HREF.findall(body)))


@dataclass(frozen=True)
class FieldDoc:
    name: str
    title: str
    type_name: str
    requirement: str
    description: str


def field_docs(schema: Mapping[str, Any]) -> list[FieldDoc]:
    """A schema's fields explained in Chinese, for the open-data page (generated, never copied)."""
    return [
        FieldDoc(field.name, field.title, field.type_name, "；".join(field.requirements), field.description)
        for field in (Field(spec) for spec in schema["fields"])
    ]


def problem_groups() -> list[tuple[str, list[ProblemType]]]:
    """The problem code table grouped for the staff guide, in registry order."""
    groups: dict[str, list[ProblemType]] = {}
    for kind in CODES.values():
        groups.setdefault(kind.group, []).append(kind)
    return list(groups.items())


def statement(snapshot: Snapshot, key: str) -> Statement:
    """A statement a template names; a data folder without it cannot be published."""
    found = snapshot.practice.statements.get(key) if snapshot.practice else None
    if found is None:
        raise ValueError(f"data/practice.yaml 中没有页面所用的说法 {key}")
    return found


def correction_titles(schema_set: SchemaSet, resource: str) -> dict[str, str]:
    """What a correction log calls each field it may name: the schema's titles, and each list's name."""
    return {
        **{spec["name"]: spec.get("title", spec["name"]) for spec in schema_set.schemas[resource]["fields"]},
        **LIST_TITLES,
    }


@dataclass(frozen=True)
class ReleaseEntry:
    """A release as the 发布记录 page shows it: what it brought, in the change log's terms."""

    row: ReleaseRow
    previous: ReleaseRow | None  # None: the first release of the chain
    commits: tuple[CommitView, ...]  # the change log's commits after the previous release's, up to its own
    known: bool  # the change log covers both releases (else the page says it cannot tell)


def _history_position(row: ReleaseRow, commits: Sequence[CommitView]) -> int | None:
    """Where the release stands in the change log (newest first): at its own commit when that changed
    data/, else before the newest commit made before it was built; None when the log does not reach it."""
    for index, commit in enumerate(commits):
        if commit.sha == row.commit:
            return index
    for index, commit in enumerate(commits):
        if commit.committed_at <= row.built_at:
            return index
    return None


def release_log(releases: Sequence[ReleaseRow], changelog: ChangeLog | None) -> list[ReleaseEntry]:
    """The releases newest first, each with the change log's commits it brought (those after the
    previous release's position in the log, up to its own): the view changelog.changelog_view made
    for the 更新记录 page, not a second reading of the history."""
    available = changelog is not None and changelog.available
    commits = changelog.commits if changelog is not None and available else ()
    entries = []
    for index, row in enumerate(releases):
        previous = releases[index - 1] if index else None
        if previous is None or not available:
            entries.append(ReleaseEntry(row, previous, (), False))
            continue
        here = _history_position(row, commits)
        before = _history_position(previous, commits)
        if before is None and changelog is not None and changelog.since is None:
            before = len(commits)  # the previous release came before the first change of the whole history
        known = here is not None and before is not None
        brought = tuple(commits[here:before]) if here is not None and before is not None else ()
        entries.append(ReleaseEntry(row, previous, brought, known))
    return list(reversed(entries))


def render_pages(
    snapshot: Snapshot,
    schema_set: SchemaSet,
    downloads: Sequence[ExportFile] = (),
    *,
    changelog: ChangeLog | None = None,
    releases: Sequence[ReleaseRow] = (),
) -> list[Page]:
    """Every generated page, as the site stood on the snapshot's day (Asia/Shanghai): the pages of
    the nav, then one page per district, cluster, call and notice."""
    render = _renderer(snapshot)
    changelog = changelog or changelog_view(None, snapshot)
    return [
        *_section_pages(render, snapshot, schema_set, downloads, changelog, releases),
        *_record_pages(render, snapshot, schema_set),
    ]


_Render = Callable[..., Page]  # (template, src_uri, in_nav, **context) -> Page


def _renderer(snapshot: Snapshot) -> _Render:
    """A function rendering one page from its template: the context every page shares, plus the page's
    own links (href, asset: relative to its URL) and statements (say)."""
    env = environment()
    macros = env.get_template("_macros.j2").module
    values = statement_values(snapshot.districts, snapshot.rules)  # what {value:…} in a statement shows
    common: dict[str, Any] = {
        "values": values,
        "today": snapshot.day,
        "districts": snapshot.districts,
        "site": snapshot.site.values if snapshot.site else {},
        "policy": snapshot.rules,
        "policies": snapshot.policies,
        "guideline_started": snapshot.guideline_started,
        "guideline_lapsed": snapshot.guideline_lapsed,
        "attachment_files": snapshot.attachment_files,
    }

    def page(template: str, src_uri: str, in_nav: bool, **context: Any) -> Page:
        def href(target: str) -> str:
            return relative_href(src_uri, target)

        def say(key: str) -> Markup:
            """The site's statement `key` (data/practice.yaml), labelled and linked."""
            return Markup(macros.said(statement(snapshot, key), snapshot.rules, href, values))  # type: ignore[attr-defined]

        def asset(path: str) -> str:
            return asset_href(src_uri, path)

        content = env.get_template(template).render(**common, **context, href=href, asset=asset, say=say)
        return Page(src_uri, content, in_nav, html=template.endswith(HTML_TEMPLATE_SUFFIX))

    return page


def _section_pages(
    page: _Render,
    snapshot: Snapshot,
    schema_set: SchemaSet,
    downloads: Sequence[ExportFile],
    changelog: ChangeLog,
    releases: Sequence[ReleaseRow],
) -> list[Page]:
    """The pages of the nav: home, criteria, practice, procedure, the indexes, change log, guide,
    release log and open data."""
    clusters, notices = snapshot.clusters, snapshot.notices
    tallies, years = snapshot.district_tallies, snapshot.recognition_years
    return [
        page(
            "home.html.j2",
            "index.md",
            True,
            clusters=clusters,
            notices=notices,
            headline=snapshot.headline,
            upcoming=snapshot.upcoming(),
            recent=snapshot.recent(),
            current_calls=snapshot.current_calls,
        ),
        page(
            "criteria.html.j2",
            "criteria.md",
            True,
            sheet=criteria_sheet(snapshot.rules),
            comparisons=COMPARISON_READINGS,
            inclusive_readings=READ_AS_INCLUSIVE,
            elision=ELISION,
        ),
        page("practice.html.j2", "practice.md", True, practice=snapshot.practice),
        page("procedure.md.j2", "procedure.md", True, latest_call=snapshot.latest_municipal_call),
        page("call_index.html.j2", "calls/index.md", True, calls=snapshot.calls),
        page(
            "cluster_list.html.j2",
            "clusters/index.md",
            True,
            clusters=clusters,
            district=None,
            years=years,
            bars=year_bars(years),
        ),
        page(
            "district_index.html.j2",
            "districts/index.md",
            True,
            clusters=clusters,
            tallies=tallies,
            tiles=tile_map(tallies),
            years=years,
            bars=year_bars(years),
        ),
        page("notice_index.html.j2", "notices/index.md", True, notices=notices),
        page("changelog.html.j2", "changes.md", True, changelog=changelog),
        page("staff_guide.md.j2", "guide.md", True, groups=problem_groups()),
        page(
            "release_log.html.j2",
            "releases/index.md",
            True,
            entries=release_log(releases, changelog),
            changelog_page=PAGE,
        ),
        page(
            "open_data.md.j2",
            "open-data.md",
            True,
            package=schema_set.package,
            downloads=[d for d in downloads if not d.path.startswith("data/notices/")],
            per_notice=[d for d in downloads if d.path.startswith("data/notices/")],
            fields={name: field_docs(schema) for name, schema in schema_set.schemas.items()},
            derived={
                "clusters": field_docs({"fields": CLUSTER_DERIVED_FIELDS}),
                "notices": field_docs({"fields": NOTICE_DERIVED_FIELDS}),
                "calls": field_docs({"fields": CALL_DERIVED_FIELDS}),
            },
        ),
    ]


def _record_pages(page: _Render, snapshot: Snapshot, schema_set: SchemaSet) -> list[Page]:
    """One page per district (its clusters), cluster, call (with the notices that followed it) and
    notice (with the clusters it names, its final list and its call)."""
    clusters, notices = snapshot.clusters, snapshot.notices
    pages = []
    for district in snapshot.districts.values():
        own = [facts for facts in clusters if facts.cluster.district == district.code]
        pages.append(page("cluster_list.html.j2", district.page, False, clusters=own, district=district))
    for facts in clusters:
        pages.append(
            page("cluster.html.j2", facts.page, False, view=facts, timeline=cluster_timeline(facts, snapshot.day))
        )
    call_titles = correction_titles(schema_set, "calls")
    by_id = {facts.notice.id: facts for facts in notices}
    for call_facts in snapshot.calls:
        following = [by_id[nid] for nid in call_facts.notices if nid in by_id]
        pages.append(
            page(
                "call.html.j2",
                call_facts.page,
                False,
                view=call_facts,
                following=following,
                correction_titles=call_titles,
            )
        )
    notice_titles = correction_titles(schema_set, "notices")
    shown = {facts.cluster.id: facts for facts in clusters}
    for notice_facts in notices:
        named = {
            entry.cluster: shown[entry.cluster].cluster
            for entry in notice_facts.notice.entries
            if entry.cluster in shown
        }
        pages.append(
            page(
                "notice.html.j2",
                notice_facts.page,
                False,
                view=notice_facts,
                named=named,
                final=snapshot.final_lists.get(notice_facts.notice.id),
                call=snapshot.call_of(notice_facts.notice),
                correction_titles=notice_titles,
            )
        )
    return pages
