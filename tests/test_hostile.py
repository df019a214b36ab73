"""Hostile input: record text never becomes markup, script or template code; bad values are refused.

tests/hostile/accepted/ (see hostile_corpus.py) puts script tags, event handlers, javascript:
links, Markdown and raw-HTML tricks, HTML entities, Jinja2/MkDocs-macros syntax, attribute and
YAML front-matter breakers into every free-text field of every record type. Those records must
validate, and the built site must show each value as inert, literal text: checked on the parsed
HTML of every page, on the search index, and on the open-data exports, the Atom feed and the
iCalendar file (which must stay parseable and hold the value as data).

tests/hostile/refused/<case>/ holds files/ (overlaid on the base fixture, as in tests/cases) and
expect.yaml (the exact errors {path, line, col, code}, the format of tests/cases/negative): hostile
values in pattern-constrained fields (ids, URLs, dates, codes, phones, e-mails), control
characters, bidirectional overrides and noncharacters, written raw or as double-quoted escapes,
tags and extra YAML documents.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import (
    PROBLEM_LINE,
    REPO_ROOT,
    TODAY,
    Node,
    Page,
    build_in_subprocess,
    make_data_dir,
    mkdocs_config,
    relative_to_data,
    run_validate,
    shared_site,
    validate_document,
)
from hostile_corpus import ACCEPTED, HOSTILE_DIR, MARKER, REFUSED
from icalendar import Calendar
from pagefind_support import fragments, text
from test_cases import (  # the expect.yaml format of tests/cases/negative
    as_keys,
    load_expectation,
)
from test_problems import sarif_errors, sarif_results_as_problems

from generator import SCHEMAS_DIR
from generator.cli import cli
from generator.domain.calendar import start_of_day
from generator.load.records import flatten
from generator.load.yamlread import read_yaml
from generator.publish.serialize import neutralised
from generator.schema.kinds import RECORD_TYPES
from generator.schema.package import load_schemas
from generator.site.build import SiteBuildFailed, build_site

CONFIG = REPO_ROOT / "mkdocs.yml"
DAY = dt.date.fromisoformat(TODAY)  # 2026-11-28: test-hostile-closed is over, test-hostile-open is open
ATOM = "{http://www.w3.org/2005/Atom}"

# Elements record text must never create inside the generated content (the record containers
# `div.cl-*` and the site footer), and elements no page of this site has at all.
FORBIDDEN_IN_RECORDS = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "img",
    "image",
    "video",
    "audio",
    "source",
    "base",
    "meta",
    "link",
    "textarea",
    "button",
    "input",
    "b",
    "i",
    "em",
    "mglyph",
    "mtext",
    "noscript",
    "template",
    "title",
    "entry",
}
FORBIDDEN_ANYWHERE = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "poster",
    "background",
    "srcset",
    "cite",
    "ping",
}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def dangerous_url(value: str) -> bool:
    """javascript:, vbscript: or an HTML data: URL, as a browser reads it (case, spaces, controls)."""
    squeezed = re.sub(r"[\x00-\x20]+", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html"))


def in_record(node: Node, fragment: bool = False) -> bool:
    """Whether an element lies inside record content: a `div.cl-*` record container or the site
    footer (`div.md-copyright`), or anywhere in a fragment that is record text as a whole."""
    return fragment or any(
        ancestor.tag == "div" and any(c.startswith("cl-") or c == "md-copyright" for c in ancestor.classes)
        for ancestor in node.ancestors()
    )


# The pictures the generator draws (generator/templates/_*.svg.j2) are inline SVG inside a
# `figure.cl-figure`: there, and only there, these elements are the templates' own. Record text in
# them (a district's or cluster's name) must still be text: anything else, a handler or a script URL
# on them, is caught as everywhere.
PICTURE_ELEMENTS = {"svg", "title"}


def generated_picture(node: Node) -> bool:
    return node.tag in PICTURE_ELEMENTS and any(
        ancestor.tag == "figure" and "cl-figure" in ancestor.classes for ancestor in node.ancestors()
    )


def payload_problems(page: Page, fragment: bool = False) -> list[str]:
    """Every way in which a payload could have become live markup in this document (`fragment`:
    the whole document is record text, as a search-index entry of a generated page is)."""
    found = []
    for script in page.root.find_all("script"):
        body = script.raw_text()
        if MARKER in body or MARKER in script.attrs.get("src", ""):
            found.append(f"<script> running the payload: {script.attrs} {body[:80]!r}")
    for node in page.elements:
        tag, attributes, inside = node.tag, node.attrs, in_record(node, fragment)
        for name, value in attributes.items():
            if name.startswith("on") and (MARKER in value or inside):
                found.append(f"event handler {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and dangerous_url(value):
                found.append(f"script URL {name}={value!r} on <{tag}>")
        if tag in FORBIDDEN_ANYWHERE:
            found.append(f"<{tag} {attributes}>")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            found.append(f"<meta refresh {attributes}>")
        if inside and tag in FORBIDDEN_IN_RECORDS and (fragment or not generated_picture(node)):
            found.append(f"<{tag} {attributes}> inside record content")
        if inside and tag == "form" and "action" in attributes:
            found.append(f"<form action={attributes['action']!r}> inside record content")
    return found


# ---------------------------------------------------------------------------------------------
# The corpus as data


def accepted_documents() -> dict[str, dict[str, Any]]:
    """Each accepted file's mapping as the generator reads it, by path relative to the overlay."""
    documents = {}
    for path in sorted(ACCEPTED.rglob("*.yaml")):
        doc, problems = read_yaml(path, path.name)
        assert doc is not None, problems
        documents[path.relative_to(ACCEPTED).as_posix()] = doc.data
    return documents


DOCS = accepted_documents()
CLUSTERS = {p.removeprefix("clusters/").removesuffix(".yaml"): d for p, d in DOCS.items() if p.startswith("clusters/")}
NOTICES = {p.removeprefix("notices/").removesuffix(".yaml"): d for p, d in DOCS.items() if p.startswith("notices/")}
SITE = DOCS["site.yaml"]
DISTRICTS = DOCS["districts.yaml"]
HOSTILE_DISTRICTS = {d["code"]: d for d in DISTRICTS["districts"] if "【测试数据】" in d["name"]}

CLUSTER_TEXT = ("name", "leading_industry", "operator", "summary", "note", "website")
EVENT_TEXT = ("doc_no", "description", "note")
SOURCE_TEXT = ("title", "publisher", "states")
NOTICE_TEXT = ("title", "issuer", "window_stated", "source_note", "basis", "url")
OBJECTION_TEXT = ("channels", "contact_person", "address", "office_hours", "email")
OUTCOME_TEXT = ("final_doc_no", "note")  # shown once the notice has closed
ENTRY_TEXT = ("name", "note")
FOOTER_TEXT = (
    "publisher",
    "contact_phone",
    "contact_email",
    "contact_address",
    "icp_number",
    "site_code",
    "police_record",
    "note",
)


def values(mapping: dict[str, Any] | None, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, mapping[name]) for name in names if mapping and mapping.get(name)]


def cluster_texts(cluster: dict[str, Any]) -> list[tuple[str, str]]:
    found = values(cluster, CLUSTER_TEXT)
    for index, event in enumerate(cluster.get("events") or []):
        found += [(f"events[{index}].{name}", value) for name, value in values(event, EVENT_TEXT)]
    for index, source in enumerate(cluster.get("sources") or []):
        found += [(f"sources[{index}].{name}", value) for name, value in values(source, SOURCE_TEXT)]
    if cluster["district"] in HOSTILE_DISTRICTS:
        found.append(("district name", HOSTILE_DISTRICTS[cluster["district"]]["name"]))
    return found


def notice_texts(notice: dict[str, Any], closed: bool) -> list[tuple[str, str]]:
    found = values(notice, NOTICE_TEXT)
    found += [(f"objection.{name}", value) for name, value in values(notice.get("objection"), OBJECTION_TEXT)]
    if closed:
        found += [(f"outcome.{name}", value) for name, value in values(notice.get("outcome"), OUTCOME_TEXT)]
    for index, entry in enumerate(notice.get("entries") or []):
        found += [(f"entries[{index}].{name}", value) for name, value in values(entry, ENTRY_TEXT)]
    return found


def test_corpus_attacks_every_free_text_field_of_every_record_type():
    """Every string field without a pattern, enum or format (and every list of strings) in every
    schema has a hostile value somewhere in the accepted corpus; a new text field needs one too."""
    schema_set = load_schemas(SCHEMAS_DIR)
    fields = schema_set.field_types()
    tables = {name: [] for name in schema_set.schemas}
    for relative, path in ((p.relative_to(ACCEPTED).as_posix(), p) for p in sorted(ACCEPTED.rglob("*.yaml"))):
        record_type = next(t for t in RECORD_TYPES if fnmatch.fnmatch(relative, t.location))
        doc, _ = read_yaml(path, relative)
        assert not flatten(doc, record_type, fields, tables), relative
    missing = []
    for resource, schema in schema_set.schemas.items():
        for spec in schema["fields"]:
            constraints = spec.get("constraints", {})
            free_text = (
                spec.get("type", "string") in ("string", "array")
                and "format" not in spec
                and not {"pattern", "enum"} & set(constraints)
            )
            if not free_text or spec["name"] in ("cluster_id", "notice_id", "policy_id", "call_id"):
                continue
            cells = [row.values.get(spec["name"]) for row in tables[resource]]
            texts = [t for cell in cells for t in (cell if isinstance(cell, list) else [cell]) if isinstance(t, str)]
            if not any(re.search(r"[<>\"'&{}\[\]]", text) for text in texts):
                missing.append(f"{resource}.{spec['name']}")
    assert not missing, f"free-text fields without a hostile value in tests/hostile/accepted: {missing}"


def test_every_corpus_file_is_marked_as_test_data():
    for path in sorted(HOSTILE_DIR.rglob("*.yaml")):
        if path.name == "expect.yaml":
            continue
        head = path.read_bytes().decode("utf-8", "replace").splitlines()[:5]
        assert any(line.startswith("# 测试数据") for line in head), path
    for cluster in CLUSTERS.values():
        assert cluster["name"].startswith("【测试数据】")
    for notice in NOTICES.values():
        assert notice["title"].startswith("【测试数据】")
    assert SITE["title"].startswith("【测试数据】") and SITE["demo"] == "true"
    assert HOSTILE_DISTRICTS, "districts.yaml should carry hostile district names"


def test_script_payloads_name_the_marker():
    """The browser test looks for MARKER in dialogs and console messages: every script-like payload names it."""
    for relative, path in ((p.relative_to(HOSTILE_DIR), p) for p in sorted(HOSTILE_DIR.rglob("*.yaml"))):
        text = path.read_bytes().decode("utf-8", "replace")
        for call in re.findall(r"(?:alert|console\.error)\(([^)]*)\)", text):
            assert MARKER in call, (relative, call)


# ---------------------------------------------------------------------------------------------
# Accepted: validates, builds, and every output holds the text as inert data


@pytest.fixture(scope="module")
def hostile_data(shared) -> Path:
    return shared_site(shared, "hostile", DAY).data


@pytest.fixture(scope="module")
def site(shared) -> Path:
    """The accepted corpus built as of DAY (tests/browser/test_hostile_browser.py opens the same site)."""
    return shared_site(shared, "hostile", DAY).site


def scan(site: Path, url: str) -> Page:
    return Page(site / url / "index.html")


def test_accepted_corpus_validates(hostile_data):
    run = run_validate(hostile_data)
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    assert run.returncode == 0, output
    assert run.problems == [], output
    assert "校验通过" in run.stdout


def test_no_page_runs_or_embeds_the_payload(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30
    failures = {}
    for html_file in pages:
        found = payload_problems(Page(html_file))
        if found:
            failures[html_file.relative_to(site).as_posix()] = found
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


def test_titles_and_descriptions_hold_no_raw_markup(site):
    for html_file in sorted(site.rglob("*.html")):
        raw = html_file.read_text(encoding="utf-8")
        head, _, body = raw.partition("</head>")
        titles = re.findall(r"<title>(.*?)</title>", head, re.S)
        assert len(titles) == 1 and head.count("</title>") == 1 and "<" not in titles[0], (html_file, titles)
        # The pictures' own <title> elements (inline SVG) hold text only, too.
        pictures = re.findall(r"<title[^>]*>(.*?)</title>", body, re.S)
        assert all("<" not in title for title in pictures), (html_file, pictures)
        descriptions = re.findall(r'<meta\s+name="description"\s+content="([^"]*)"', raw)
        assert html_file.parent.name == "admin" or descriptions, html_file
        assert all("<" not in description for description in descriptions), (html_file, descriptions)
    for cluster_id, cluster in CLUSTERS.items():
        assert scan(site, f"clusters/{cluster_id}").title.startswith(norm(cluster["name"]) + " - ")
    for notice_id, notice in NOTICES.items():
        assert scan(site, f"notices/{notice_id}").title.startswith(norm(notice["title"]) + " - ")
    for district in HOSTILE_DISTRICTS.values():
        assert scan(site, f"districts/{district['slug']}").title.startswith(norm(district["name"]) + "的集群 - ")


def assert_visible(page: Page, texts: list[tuple[str, str]], where: str) -> None:
    missing = [f"{name}: {value!r}" for name, value in texts if norm(value) not in page.text]
    assert not missing, f"{where}: not shown literally:\n" + "\n".join(missing)


def test_cluster_pages_show_every_text_literally(site):
    for cluster_id, cluster in CLUSTERS.items():
        assert_visible(scan(site, f"clusters/{cluster_id}"), cluster_texts(cluster), cluster_id)


def test_notice_pages_show_every_text_literally(site):
    assert NOTICES["test-hostile-closed"]["outcome"], "the closed notice should show an outcome"
    for notice_id, notice in NOTICES.items():
        page = scan(site, f"notices/{notice_id}")
        closed = "已结束" in page.text
        assert closed == (notice_id == "test-hostile-closed")
        assert_visible(page, notice_texts(notice, closed), notice_id)


def test_list_pages_show_names_literally(site):
    listing = scan(site, "clusters")
    for cluster in CLUSTERS.values():
        texts = values(cluster, ("name", "leading_industry"))
        assert_visible(listing, texts, "clusters/")
        district = next(d for d in DISTRICTS["districts"] if d["code"] == cluster["district"])
        assert_visible(
            scan(site, f"districts/{district['slug']}"),
            texts + [("district", district["name"])],
            f"districts/{district['slug']}",
        )
    notices = scan(site, "notices")
    for notice in NOTICES.values():
        assert_visible(notices, values(notice, ("title", "issuer")), "notices/")
    assert_visible(scan(site, "districts"), [(code, d["name"]) for code, d in HOSTILE_DISTRICTS.items()], "districts/")
    home = scan(site, "")
    assert_visible(
        home,
        [("open notice", NOTICES["test-hostile-open"]["title"])]
        + [(cluster_id, c["name"]) for cluster_id, c in CLUSTERS.items()],
        "home (notices, recent changes)",
    )


def test_footer_shows_the_site_fields_literally_on_every_page(site):
    texts = values(SITE, FOOTER_TEXT)
    assert len(texts) == len(FOOTER_TEXT)
    for html_file in sorted(site.rglob("*.html")):
        if html_file.relative_to(site).parts[0] == "admin":  # the Decap CMS page for staff has no footer
            continue
        assert_visible(Page(html_file), texts, html_file.relative_to(site).as_posix())


def test_template_syntax_and_entities_stay_literal(site):
    alpha = scan(site, "clusters/test-hostile-alpha")
    for literal in [
        "模板{{ 7*7 }}模板",
        "{% if true %}模板为真{% endif %}",
        "{# Jinja 注释 #}",
        "{{ config.site_name }}",
        "{{ macros_info() }}",
        "{% raw %}",
        "&lt;script&gt;alert('XSS-MARKER')&lt;/script&gt;",
        "&amp;amp;",
        "&#60;b&#62;",
        "<!-- 未闭合的注释",
        "**粗体**",
        "[hostile]: javascript:",
        "title: 【测试数据】伪造的页面标题",
    ]:
        assert literal in alpha.text, literal
    beta = scan(site, "clusters/test-hostile-beta")
    assert "{{ ''.__class__.__mro__[1].__subclasses__() }}" in beta.text
    assert "{% for x in range(3) %}循环{% endfor %}" in beta.text and "循环循环" not in beta.text
    footer = scan(site, "")
    assert "{{ config }}" in footer.text and "{{ 7*7 }}" in footer.text
    for html_file in sorted(site.rglob("*.html")):
        page = Page(html_file)
        assert "模板49模板" not in page.text and "模板 49 模板" not in page.text, html_file
        assert "伪造的页面标题 -" not in page.title, html_file


def test_search_index_holds_record_text_as_text(site):
    """The site search's index (Pagefind, generator/site/search.py) keeps what a page shows as text,
    not its markup. Pagefind's search script escapes < and > in that text before it inserts an
    excerpt as HTML, and shows titles as text: what it would insert holds no live markup."""
    indexed = fragments(site)
    assert [url for url in indexed if "test-hostile" in url]
    for url, fragment in indexed.items():
        excerpt = text(fragment["content"]).replace("<", "&lt;").replace(">", "&gt;")
        found = payload_problems(Page(excerpt), fragment=True)
        assert not found, (url, found)
    alpha = indexed["/clusters/test-hostile-alpha/"]
    name = norm(CLUSTERS["test-hostile-alpha"]["name"])
    assert norm(text(alpha["meta"]["title"])) == name and name in norm(text(alpha["content"]))


def read_csv(path: Path) -> list[dict[str, str]]:
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_tables_hold_the_payload_as_data(site):
    rows = {row["id"]: row for row in read_csv(site / "data" / "clusters.csv")}
    records = {row["id"]: row for row in json.loads((site / "data" / "clusters.json").read_text(encoding="utf-8"))}
    for cluster_id, cluster in CLUSTERS.items():
        for name, value in values(cluster, CLUSTER_TEXT):
            assert rows[cluster_id][name] == neutralised(value), (cluster_id, name)  # CSV: no formula start
            assert records[cluster_id][name] == value, (cluster_id, name)
        if cluster["district"] in HOSTILE_DISTRICTS:
            district_name = HOSTILE_DISTRICTS[cluster["district"]]["name"]
            assert rows[cluster_id]["district_name"] == records[cluster_id]["district_name"] == district_name
    events = {(row["cluster_id"], int(row["seq"])): row for row in read_csv(site / "data" / "events.csv")}
    for cluster_id, cluster in CLUSTERS.items():
        for index, event in enumerate(cluster["events"]):
            for name, value in values(event, EVENT_TEXT):
                assert events[(cluster_id, index + 1)][name] == neutralised(value), (cluster_id, index, name)
    rows = {row["id"]: row for row in read_csv(site / "data" / "notices.csv")}
    records = {row["id"]: row for row in json.loads((site / "data" / "notices.json").read_text(encoding="utf-8"))}
    for notice_id, notice in NOTICES.items():
        flat = dict(values(notice, NOTICE_TEXT))
        for group in ("objection", "outcome"):
            flat |= {
                f"{group}_{name}": value
                for name, value in (notice.get(group) or {}).items()
                if isinstance(value, str) and not re.fullmatch(r"[0-9: -]+", value)
            }
        assert len(flat) > 5
        for name, value in flat.items():
            assert rows[notice_id][name] == neutralised(value), (notice_id, name)
            assert records[notice_id][name] == value, (notice_id, name)
    package = json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    titles = {source["title"] for source in package["sources"]}
    assert NOTICES["test-hostile-closed"]["title"] in titles


def test_notice_packages_hold_the_payload_as_data(site):
    for notice_id, notice in NOTICES.items():
        folder = site / "data" / "notices" / notice_id
        entries = read_csv(folder / "entries.csv")
        assert len(entries) == len(notice["entries"])
        for row, entry in zip(entries, notice["entries"], strict=True):
            for name, value in values(entry, ENTRY_TEXT):
                assert row[name] == value, (notice_id, name)
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        assert package["title"] == notice["title"]
    diff = json.loads(
        (site / "data" / "notices" / "test-hostile-closed" / "final-diff.json").read_text(encoding="utf-8")
    )
    changed = {item["cluster"]: item for item in diff["changed"]}
    assert changed["test-hostile-alpha"]["proposed"]["name"] == NOTICES["test-hostile-closed"]["entries"][0]["name"]
    assert changed["test-hostile-alpha"]["final"]["name"] == CLUSTERS["test-hostile-alpha"]["name"]


def test_atom_feed_is_well_formed_and_holds_the_payload_as_text(site):
    root = ET.parse(site / "feeds" / "notices.atom").getroot()
    assert root.tag == ATOM + "feed"
    assert all(element.tag.startswith(ATOM) for element in root.iter()), "an element came from record text"
    for element in (e for e in root.iter() if e.tag in (ATOM + "title", ATOM + "summary", ATOM + "content")):
        assert element.get("type", "text") == "text", element.attrib  # never interpreted as HTML by a reader
        assert len(element) == 0
    assert root.findtext(f"{ATOM}author/{ATOM}name") == SITE["publisher"]
    entries = {
        norm(entry.findtext(ATOM + "title")): norm(entry.findtext(ATOM + "summary") or "")
        for entry in root.iter(ATOM + "entry")
    }
    assert len(entries) == len(root.findall(ATOM + "entry"))
    for notice in NOTICES.values():
        assert norm("公示：" + notice["title"]) in entries
    alpha = CLUSTERS["test-hostile-alpha"]
    report = entries[norm(f"{alpha['name']}：报送 2026 年度报告")]
    assert norm(alpha["events"][2]["description"]) in report
    beta = CLUSTERS["test-hostile-beta"]
    revoked = entries[norm(f"{beta['name']}：撤销省级认定（指引 4.3.3）")]
    assert norm(beta["events"][1]["doc_no"]) in revoked and norm(beta["events"][1]["description"]) in revoked
    ET.parse(site / "sitemap.xml")  # the other XML output stays well-formed too


def test_calendar_file_parses_and_no_event_is_injected(site):
    raw = (site / "calendar" / "deadlines.ics").read_bytes()
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    summaries = [norm(str(event.get("summary"))) for event in events]
    lines = raw.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    assert lines[-1] == ""
    assert all(re.match(r"^[A-Z][A-Z0-9-]*[;:]", line) for line in lines[:-1]), "a content line came from record text"
    assert lines.count("BEGIN:VEVENT") == len(events) == len(summaries)
    assert not [s for s in summaries if s.startswith("伪造事件")]
    for notice in NOTICES.values():
        assert [s for s in summaries if s.startswith("公示异议截止（") and s.endswith("）：" + norm(notice["title"]))]
    assert norm("市级认定有效期届满：" + CLUSTERS["test-hostile-alpha"]["name"]) in summaries


# ---------------------------------------------------------------------------------------------
# Refused: the exact file, line, column and code


REFUSED_CASES = sorted(p for p in REFUSED.iterdir() if p.is_dir())


def test_there_are_refused_cases_for_each_kind_of_file():
    touched = {
        path.relative_to(case / "files").parts[0] for case in REFUSED_CASES for path in (case / "files").rglob("*.yaml")
    }
    assert touched == {"clusters", "notices", "site.yaml", "districts.yaml", "calendar"}
    codes = set().union(*({key[3] for key in as_keys(load_expectation(case).get("errors"))} for case in REFUSED_CASES))
    assert {"invalid-format", "yaml-control-character", "yaml-tag", "yaml-multiple-documents"} <= codes


@pytest.mark.parametrize("case", REFUSED_CASES, ids=[case.name for case in REFUSED_CASES])
def test_refused_case(case: Path, tmp_path):
    """In-process `clusters validate` (the same output as the CLI; a subprocess per case is slow), as
    text and as SARIF: the SARIF passes the SARIF 2.1.0 schema (tests/test_problems.py) with one result
    per problem, at its file, line and column."""
    expectation = load_expectation(case)
    assert set(expectation) == {"errors"}, "a refused case lists exactly its errors"
    data = make_data_dir(tmp_path, case)
    result = CliRunner().invoke(cli, ["validate", "--data", str(data), "--today", TODAY])
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    lines = output.splitlines()
    assert lines and lines[-1].startswith("校验未通过"), output
    found = set()
    for line in lines[:-1]:  # every problem is one well-formed line
        match = PROBLEM_LINE.match(line)
        assert match, f"malformed problem line {line!r}"
        if match["severity"] == "error":
            found.add((relative_to_data(match["path"], data), int(match["line"]), int(match["col"]), match["code"]))
    assert found == as_keys(expectation["errors"]), output
    assert result.exit_code == 1, output
    # The same run as SARIF for code scanning: valid SARIF 2.1.0, one result per problem listed above.
    code, log = validate_document(data, output="sarif")
    assert code == 1 and sarif_errors(log) == [], sarif_errors(log)
    listed = [PROBLEM_LINE.match(line) for line in lines[:-1]]
    assert sarif_results_as_problems(log) == [
        (m["path"], int(m["line"]), int(m["col"]), m["code"], m["severity"]) for m in listed
    ]


# ---------------------------------------------------------------------------------------------
# Links and special files: nothing from outside the repository reaches the site


SECRET = "OUTSIDE-SECRET-MARKER"


def _outside_repository(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "notices").mkdir(parents=True)
    (outside / "secret.yaml").write_text(f"id: {SECRET}\nname: {SECRET}\n", encoding="utf-8")
    (outside / "notices" / "secret-notice.yaml").write_text(f"id: secret-notice\ntitle: {SECRET}\n", encoding="utf-8")
    return outside


def test_links_and_special_files_in_data_are_refused_unread(tmp_path):
    """A link to a file, a link to a folder and a FIFO in data/: each refused at its own path with a
    stable code; nothing of a target is read or named, and the FIFO never blocks the reader."""
    outside = _outside_repository(tmp_path)
    (tmp_path / "repo").mkdir()
    data = make_data_dir(tmp_path / "repo")
    (data / "clusters" / "linked.yaml").symlink_to(outside / "secret.yaml")
    for path in (data / "notices").iterdir():
        path.unlink()
    (data / "notices").rmdir()
    (data / "notices").symlink_to(outside / "notices", target_is_directory=True)
    os.mkfifo(data / "clusters" / "pipe.yaml")
    run = run_validate(data)  # with a time limit (conftest.run_cli): a FIFO opened for reading would hang it
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert {
        ("clusters/linked.yaml", 1, 1, "file-symlink"),
        ("notices", 1, 1, "file-symlink"),
        ("clusters/pipe.yaml", 1, 1, "file-not-regular"),
    } <= run.keys("error"), output
    assert SECRET not in output and str(outside) not in output and "secret-notice" not in output


def test_a_linked_record_never_reaches_the_site(tmp_path):
    outside = _outside_repository(tmp_path)
    (tmp_path / "repo").mkdir()
    data = make_data_dir(tmp_path / "repo")
    site = tmp_path / "site"
    build_site(CONFIG, data, site, start_of_day(DAY))
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (data / "clusters" / "linked.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(SiteBuildFailed) as failed:
        build_site(CONFIG, data, site, start_of_day(DAY))
    assert {p.code for p in failed.value.loaded.problems} >= {"file-symlink"}
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before and not any(SECRET.encode() in content for content in after.values())


def test_a_hostile_base_url_is_refused_or_rebuilt_not_pasted(tmp_path):
    """base_url with markup is refused; with a quote, an IDN host and a query it is parsed and rebuilt
    (scheme, host, path), so the quote is percent-encoded wherever the address is written and the
    query is dropped."""
    data = make_data_dir(tmp_path)
    site_file = data / "site.yaml"
    text = re.sub(r"^base_url:.*$", "", site_file.read_text(encoding="utf-8"), flags=re.M)
    site_file.write_text(text + 'base_url: "https://例子.中国/gz\'x/?q=<1>"\n', encoding="utf-8")
    assert {p.code for p in run_validate(data).problems} == {"invalid-format"}
    site_file.write_text(text + 'base_url: "https://例子.中国/gz\'x/?q=1"\n', encoding="utf-8")
    out = tmp_path / "site"
    build_site(CONFIG, data, out, start_of_day(DAY))
    rebuilt = "https://xn--fsqu00a.xn--fiqs8s/gz%27x/"
    for path in [out / "404.html", out / "index.html", out / "feeds" / "notices.atom", out / "sitemap.xml"]:
        content = path.read_text(encoding="utf-8")
        assert "gz'x" not in content and "gz&#39;x" not in content and "q=1" not in content, path
    assert rebuilt in (out / "feeds" / "notices.atom").read_text(encoding="utf-8")
    assert rebuilt in (out / "404.html").read_text(encoding="utf-8")


def test_a_link_in_site_src_is_refused_before_mkdocs_reads_it(tmp_path):
    """site_src/ is read by MkDocs, which follows links: a linked page is refused at its path first."""
    outside = _outside_repository(tmp_path)
    docs = tmp_path / "site_src"
    shutil.copytree(REPO_ROOT / "site_src", docs, symlinks=True)
    (docs / "leak.md").symlink_to(outside / "secret.yaml")
    config = mkdocs_config(tmp_path, docs, docs / "overrides")
    result = build_in_subprocess(make_data_dir(tmp_path), tmp_path / "site", TODAY, config)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"site_src/leak\.md:1:1: error: .*\[file-symlink\]", output), output
    assert SECRET not in output and not (tmp_path / "site").exists()
