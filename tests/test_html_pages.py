"""Generated pages whose bodies are HTML (templates *.html.j2) reach MkDocs past Python-Markdown:
the plugin gives MkDocs what Python-Markdown would have found in them (generator/site/plugin.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Page, shared_site

from generator.domain.calendar import start_of_day
from generator.publish import pages
from generator.publish.pages import Heading, anchor_ids, link_hrefs, toc_headings
from generator.publish.templates import environment
from generator.site import plugin, sources
from generator.site.build import SiteBuildFailed, build_site

OPEN_DAY = dt.date(2025, 2, 24)


@pytest.fixture(scope="module")
def site(shared) -> Path:
    return shared_site(shared, "base", OPEN_DAY).site


@pytest.fixture(scope="module")
def fixture_data(shared) -> Path:
    return shared_site(shared, "base", OPEN_DAY).data


def sidebar(built: Path) -> list[str]:
    """The anchors the page's table of contents (the theme's secondary navigation) links to, in order."""
    nav = Page(built).root.find("nav", cls="md-nav--secondary")
    return [a.attrs["href"] for a in nav.find_all("a", cls="md-nav__link")] if nav else []


def permalinked(built: Path) -> list[str]:
    """The ids of the article's headings that carry a permalink (¶), in order."""
    article = Page(built).root.find("article")
    return [
        "#" + h.attrs["id"]
        for h in article.iter()
        if re.fullmatch(r"h[1-6]", h.tag) and h.find("a", cls="headerlink", href="#" + h.attrs.get("id", ""))
    ]


def test_the_heading_macro_writes_what_the_toc_extension_writes():
    """The permalink, character for character, as Python-Markdown's toc extension (permalink: true)
    renders `## 时间线 {#timeline}`: a page looks the same whichever of the two wrote its headings."""
    import markdown

    expected = markdown.markdown(
        "## 时间线 {#timeline}", extensions=["attr_list", "toc"], extension_configs={"toc": {"permalink": True}}
    )
    macro = environment().from_string('{% import "_macros.j2" as m %}{{ m.heading(2, "timeline", "时间线") }}')
    assert macro.render() == expected


def test_toc_holds_the_permalinked_headings_only():
    body = (
        '<div><h1>名称</h1></div>\n<h2 id="a">甲<a class="headerlink" href="#a" title="Permanent link">&para;</a></h2>\n'
        '<h3 id="sub">不在目录中</h3>\n<h3 id="b">乙 &amp; <code>丙</code><a class="headerlink" href="#b" '
        'title="Permanent link">&para;</a></h3>\n<svg><title id="pic-title">图</title></svg>\n'
        '<a href="../x/#y">x</a> <a href="#a">a</a> <a href="../x/#y">again</a>'
    )
    assert toc_headings(body) == [Heading(2, "a", "甲"), Heading(3, "b", "乙 &amp; <code>丙</code>")]
    toc = plugin.table_of_contents(toc_headings(body))
    assert [(item.title, item.id, [child.title for child in item.children]) for item in toc] == [
        ("甲", "a", ["乙 &amp; 丙"])
    ]
    assert anchor_ids(body) == {"a", "sub", "b", "pic-title"}
    assert link_hrefs(body) == ["#a", "#b", "../x/#y"]  # the permalinks too


def test_record_pages_and_the_criteria_are_html_and_rule_pages_markdown(fixture_data):
    from generator import SCHEMAS_DIR
    from generator.domain.snapshot import take_snapshot
    from generator.load.dataset import load_dataset
    from generator.schema.package import load_schemas

    loaded = load_dataset(fixture_data, SCHEMAS_DIR, today=OPEN_DAY)
    rendered = {
        p.src_uri: p
        for p in pages.render_pages(take_snapshot(loaded.dataset, start_of_day(OPEN_DAY)), load_schemas(SCHEMAS_DIR))
    }
    html = {uri for uri, p in rendered.items() if p.html}
    assert {
        "index.md",
        "clusters/index.md",
        "districts/index.md",
        "notices/index.md",
        "calls/index.md",
        "changes.md",
        "criteria.md",  # policy text in its headings (a clause's title): never Markdown
    } <= html
    assert {uri for uri in rendered if uri.startswith(("clusters/", "notices/", "calls/", "districts/"))} <= html
    assert not html & {"procedure.md", "guide.md", "open-data.md"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("clusters/test-municipal-alpha", ["#timeline", "#recognitions", "#history", "#notices", "#sources"]),
        ("notices/test-municipal-2025-list", ["#objections", "#list", "#outcome", "#record"]),
        ("", None),
        ("districts", ["#district-table", "#by-year"]),
    ],
)
def test_table_of_contents_lists_the_headings_of_an_html_body(site, url, expected):
    """The sidebar lists the page's permalinked headings, as it did when Python-Markdown read them; the
    page's <h1> and a heading written as plain HTML (no permalink) are not in it."""
    built = site / url / "index.html"
    assert sidebar(built) == permalinked(built)
    if expected is not None:
        assert sidebar(built) == expected
    assert sidebar(built), url


def test_a_broken_link_in_an_html_body_stops_the_strict_build(fixture_data, tmp_path, monkeypatch, capsys):
    """A generated page's link to a page or file the site lacks, or to an anchor its target lacks, is a
    warning (MkDocs' validation levels), so the strict build stops, as for a Markdown page's links."""
    original = sources.render_pages  # what the plugin hands over (generator.site.sources)

    def with_broken_links(*args, **kwargs):
        return [
            *original(*args, **kwargs),
            pages.Page(
                "broken.md",
                '---\ntitle: 坏链接\n---\n<p><a href="../no-such-page/">甲</a> <a href="../practice/#no-such-entry">乙</a> '
                '<a href="../practice/#validity">丙</a> <a href="https://example.org/x">丁</a></p>\n',
                False,
                html=True,
            ),
        ]

    monkeypatch.setattr(sources, "render_pages", with_broken_links)
    with pytest.raises(SiteBuildFailed):
        build_site(REPO_ROOT / "mkdocs.yml", fixture_data, tmp_path / "site", start_of_day(OPEN_DAY))
    said = capsys.readouterr().err
    assert "生成的页面 broken.md 链接到 “../no-such-page/”，网站中没有这个页面或文件" in said
    assert "'../practice/#no-such-entry'" in said and "#no-such-entry" in said
    assert "#validity" not in said and "example.org" not in said
    assert not (tmp_path / "site").exists()
