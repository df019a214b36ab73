"""The built site, asserted on its real output: parsed HTML, the search index, bytes on disk."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Page, build_in_subprocess, mkdocs_config, shared_site
from pagefind_support import fragments, text

from generator.domain.calendar import start_of_day
from generator.site.build import build_site

CONFIG = REPO_ROOT / "mkdocs.yml"
OPEN_DAY = dt.date(2025, 2, 24)  # the fixture notice's window is 2025-02-20 .. 2025-02-28 17:30


@pytest.fixture(scope="module")
def fixture_data(shared) -> Path:
    return shared_site(shared, "base", OPEN_DAY).data  # read-only: a test that changes it copies it


@pytest.fixture(scope="module")
def site(shared) -> Path:
    return shared_site(shared, "base", OPEN_DAY).site


def page(site: Path, url: str) -> Page:
    return Page(site / url / "index.html" if not url.endswith(".html") else site / url)


def test_every_page_type_is_built(site):
    for url in [
        "",
        "clusters",
        "districts",
        "districts/huangpu",
        "notices",
        "open-data",
        "guide",
        "guideline",
        "criteria",
        "procedure",
        "cultivation",
        "cultivation/2-1-1",
        "clusters/test-municipal-alpha",
        "notices/test-municipal-2025-list",
    ]:
        assert (site / url / "index.html").is_file(), url


def test_every_page_states_the_status_day_and_the_demo_banner(site):
    for html in site.rglob("*.html"):
        if html.relative_to(site).parts[0] == "admin":  # the Decap CMS page for staff, not a public page
            continue
        text = Page(html).text
        assert "状态按 2025-02-24（北京时间）计算" in text or html.name == "404.html", html
        assert "本站使用示例或测试数据" in text, html


def test_home_lists_the_open_notice_and_counts_municipal_clusters(site):
    home = page(site, "")
    assert "【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示" in home.text
    assert "含今天还剩 5 个工作日" in home.text  # 02-24, 25, 26, 27 and 28
    assert "在全市范围内认定25个左右市级集群" in home.text  # quoted from 1.6, with the site's reading labelled
    assert "本站读作施行至 2027-12-29" in home.text


def test_cluster_list_has_one_row_per_cluster_with_filters(site):
    listing = page(site, "clusters")
    rows = listing.find("tr")
    statuses = [a["data-status"] for a in rows if "data-status" in a]
    # on 2025-02-24 alpha and delta are on the open list, not yet certified; gamma is revoked only later
    assert sorted(statuses) == ["in_publicity", "in_publicity", "valid", "valid"]
    assert listing.find("select", **{"data-filter": "district"})
    assert listing.find("table", **{"data-cluster-list": ""})


def test_district_page_lists_only_its_clusters(site):
    huangpu = page(site, "districts/huangpu")
    districts = {a["data-district"] for a in huangpu.find("tr") if "data-district" in a}
    assert districts == {"440112"}


@pytest.fixture(scope="module")
def certified_site(fixture_data, tmp_path_factory) -> Path:
    """The fixture site on the day the fixture's provincial cluster was revoked (2025-06-18)."""
    out = tmp_path_factory.mktemp("certified") / "site"
    build_site(CONFIG, fixture_data, out, start_of_day(dt.date(2025, 6, 18)))
    return out


def test_cluster_page_computes_validity_and_links_clauses(site, certified_site):
    assert "2028-03-09" not in page(site, "clusters/test-municipal-alpha").text  # certified after that day
    alpha = page(certified_site, "clusters/test-municipal-alpha")
    assert "2025-03-10 至 2028-03-09" in alpha.text
    assert "指引4.1：集群有效期为三年。末日按“认定日+有效期年数−1天”计算。（本站读法）" in alpha.text.replace(" ", "")
    revoked = page(certified_site, "clusters/test-provincial-gamma")
    assert "撤销认定，依据指引 4.3.3：未及时报送集群年度培育情况信息表" in revoked.text
    links = [a["href"] for a in revoked.find("a") if "clause-4-3-3" in a.get("href", "")]
    assert links and all(href.startswith("../../guideline/") for href in links)


def test_notice_page_states_window_closing_instant_and_contacts(site):
    notice = page(site, "notices/test-municipal-2025-list")
    badge = [a for a in notice.find("span") if "data-closes" in a][0]
    assert badge["data-opens"] == "2025-02-20T00:00:00+08:00"
    assert badge["data-closes"] == "2025-02-28T17:30:00+08:00"
    assert "公示中" in notice.text
    assert "2025-02-20 至 2025-02-28" in notice.text
    assert "【测试数据】测试联系人" in notice.text and "objection@example.org" in notice.text
    assert "公示结束后在此公布结果" in notice.text  # the outcome is not shown while open


def test_search_index_holds_the_records_and_rules_not_the_furniture(site):
    """The site search (generator/site/search.py) indexes record pages, notices and the rules, one
    Chinese character per word, and neither the pages that repeat others or are for staff nor any
    page's header, navigation, as-of line or footer."""
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["zh"]
    indexed = fragments(site)
    assert {
        "/clusters/test-municipal-alpha/",
        "/clusters/test-national-beta/",
        "/notices/test-municipal-2025-list/",
        "/notices/",
        "/districts/",
        "/guideline/",
        "/criteria/",
        "/cultivation/2-1-1/",
    } <= set(indexed), sorted(indexed)
    for url in ["/", "/clusters/", "/districts/huangpu/", "/guide/", "/open-data/", "/changes/", "/admin/"]:
        assert url not in indexed, url  # home, lists repeating the cluster pages, staff pages, the editor
    alpha = indexed["/clusters/test-municipal-alpha/"]
    assert text(alpha["meta"]["title"]) == "【测试数据】广州市黄埔区测试装备产业集群"
    assert "测\u200b试\u200b装\u200b备\u200b产\u200b业" in alpha["content"]  # a word per character
    # district, industry, operator (what each kind of page gives: tests/test_search.py)
    assert "黄埔区 【测试数据】测试装备 【测试数据】测试园区管理委员会" in text(alpha["content"])
    assert text(indexed["/notices/test-municipal-2025-list/"]["meta"]["title"]) == (
        "【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示"
    )
    assert "培育更多国家级和省级中小企业特色产业集群" in text(indexed["/guideline/"]["content"])  # its full text
    for url, fragment in indexed.items():
        content = text(fragment["content"])
        for furniture in ("数据最后更新", "主办单位", "网站标识码", "本站使用示例或测试数据", "跳转至", "¶"):
            assert furniture not in content, (url, furniture)
    # The pages served keep their text as written: the separators are in the index only.
    assert "\u200b" not in (site / "clusters" / "test-municipal-alpha" / "index.html").read_text(encoding="utf-8")


def test_the_release_manifest_states_the_instant_it_is_as_of(site, tmp_path, fixture_data):
    """Issue 23: release.json says as of which instant its states hold (the shared site: 00:00 of its day),
    and a build at 17:31 says 17:31."""
    manifest = json.loads((site / "release.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == "2025-02-24T00:00:00+08:00"
    at = dt.datetime(2025, 2, 28, 17, 31, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    build_site(REPO_ROOT / "mkdocs.yml", fixture_data, tmp_path / "site", at)
    later = json.loads((tmp_path / "site" / "release.json").read_text(encoding="utf-8"))
    assert later["as_of"] == "2025-02-28T17:31:00+08:00" and later["built_at"] == later["as_of"]


def test_the_release_lists_the_search_index_and_compresses_only_its_script(site):
    listed = {entry["path"] for entry in json.loads((site / "release.json").read_text(encoding="utf-8"))["files"]}
    search = sorted(p.relative_to(site).as_posix() for p in (site / "pagefind").rglob("*") if p.is_file())
    assert {"pagefind/pagefind-entry.json", "pagefind/pagefind.js", "pagefind/pagefind-ui.js"} <= set(search)
    assert set(search) <= listed
    pieces = [p for p in search if p.endswith((".pf_fragment", ".pf_index", ".pf_meta", ".pagefind"))]
    assert pieces and not [p for p in search if p.endswith(".gz") and p.removesuffix(".gz") in pieces]
    for piece in pieces:  # gzip already, made so by Pagefind: sent as they are
        assert (site / piece).read_bytes()[:2] == b"\x1f\x8b", piece
    assert "pagefind/pagefind.js.gz" in search and "pagefind/pagefind-ui.js.gz" in search
    # Small word chunks (generator.site.search.INDEX_CHUNK_SIZE; Pagefind's default makes 2 here).
    assert len([p for p in search if p.endswith(".pf_index")]) >= 10
    assert not [p for p in search if "component-ui" in p or "modular-ui" in p or "highlight" in p]


def test_nothing_is_loaded_from_outside(site):
    for html in site.rglob("*.html"):
        parsed = Page(html)
        for tag, attrs in parsed.tags:
            for name in ("src", "data-src"):
                assert not re.match(r"^(https?:)?//", attrs.get(name, "")), (html, tag, attrs)
            if tag == "link" and attrs.get("rel") in ("stylesheet", "preload", "preconnect", "icon"):
                assert not re.match(r"^(https?:)?//", attrs.get("href", "")), (html, attrs)
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css
        assert "@import" not in text, css  # no stylesheet pulls in another (a web font's, say)


def test_pages_do_without_the_themes_script_bundle(site):
    """The theme's bundle (with its fall-back URLs on a public CDN) is neither loaded nor published; a
    page loads only the site's own scripts, and the theme's source maps and search workers are gone."""
    pages = [html for html in site.rglob("*.html") if html.relative_to(site).parts[0] != "admin"]
    assert len(pages) > 20
    for html in pages:
        sources = [attrs["src"] for tag, attrs in Page(html).tags if tag == "script" and "src" in attrs]
        assert sources and all(re.search(r"(^|/)javascripts/[a-z-]+\.js$", src) for src in sources), (html, sources)
    assert not (site / "assets" / "javascripts").exists()
    assert not list(site.rglob("*.map"))
    assert list((site / "assets" / "stylesheets").glob("main.*.min.css"))


def test_footer_shows_the_site_fields(site):
    home = page(site, "")
    assert "主办单位：【测试数据】测试主办单位" in home.text
    assert "网站标识码：TEST000000" in home.text


def test_two_builds_are_byte_identical(fixture_data, site, tmp_path):
    again = tmp_path / "site"
    build_site(CONFIG, fixture_data, again, start_of_day(OPEN_DAY))
    digest = {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in site.rglob("*")
        if p.is_file()
    }
    digest_again = {
        p.relative_to(again).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in again.rglob("*")
        if p.is_file()
    }
    assert digest == digest_again


def test_statuses_follow_the_day(fixture_data, tmp_path):
    out = tmp_path / "site"
    build_site(CONFIG, fixture_data, out, start_of_day(dt.date(2025, 3, 3)))
    notice = page(out, "notices/test-municipal-2025-list")
    # closed, but the final list (dated 2025-03-10) had not come out yet
    assert "已结束" in notice.text and "穗工信函〔2025〕1号（测试）" not in notice.text
    build_site(CONFIG, fixture_data, out, start_of_day(dt.date(2025, 3, 10)))
    assert "穗工信函〔2025〕1号（测试）" in page(out, "notices/test-municipal-2025-list").text
    assert "已撤销" not in page(out, "clusters/test-provincial-gamma").text
    build_site(CONFIG, fixture_data, out, start_of_day(dt.date(2028, 1, 2)))
    assert "已撤销" in page(out, "clusters/test-provincial-gamma").text
    for url in ["", "criteria", "clusters/test-municipal-alpha"]:
        assert "《工作指引》有效期已于 2027-12-29 届满" in page(out, url).text


def test_failed_build_leaves_the_previous_site_untouched(fixture_data, site, tmp_path):
    out = tmp_path / "out" / "site"
    shutil.copytree(site, out)  # the previous site: as built from fixture_data on OPEN_DAY
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "broken"
    subprocess.run(["cp", "-r", str(fixture_data), str(broken)], check=True)
    (broken / "clusters" / "test-municipal-alpha.yaml").write_text("id: x\nid: y\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--data",
            str(broken),
            "--site-dir",
            str(out),
            "--today",
            "2025-02-24",
            "--config-file",
            str(CONFIG),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "yaml-duplicate-key" in result.stderr and "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]  # no staging folder left behind


HOSTILE = """id: test-hostile
name: "【测试数据】</title><script>alert(1)</script>&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
verified: false
district: "440112"
leading_industry: "{{ 7*7 }}{% raw %}"
summary: "[点我](javascript:alert(3)) <img src=x onerror=alert(4)> **粗体** <!-- c -->"
note: "\\" onmouseover=\\"alert(5)"
events:
  - type: certified
    date: 2025-03-10
    level: municipal
    source: https://example.org/sources/hostile
    note: "<iframe src=//evil.example></iframe>"
"""


def test_record_text_renders_as_inert_text(fixture_data, tmp_path):
    data = tmp_path / "data"
    subprocess.run(["cp", "-r", str(fixture_data), str(data)], check=True)
    (data / "clusters" / "test-hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "site"
    build_site(CONFIG, data, out, start_of_day(dt.date(2025, 3, 10)))
    for html in [
        out / "clusters" / "test-hostile" / "index.html",
        out / "clusters" / "index.html",
        out / "districts" / "huangpu" / "index.html",
    ]:
        raw = html.read_text(encoding="utf-8")
        parsed = Page(html)
        assert "alert(" not in "".join(
            attrs.get("onerror", "") + attrs.get("onmouseover", "") for _, attrs in parsed.tags
        )
        assert not [body for body in parsed.scripts if "alert" in body], html
        assert "<script>alert" not in raw and "<img src=x" not in raw and "<iframe" not in raw
        assert not [a for t, a in parsed.tags if t == "a" and a.get("href", "").startswith("javascript:")]
    page_text = Page(out / "clusters" / "test-hostile" / "index.html").text
    assert "{{ 7*7 }}{% raw %}" in page_text  # template syntax stays text
    assert "</title><script>alert(1)</script>" in page_text  # shown, not executed
    assert "**粗体**" in page_text  # Markdown is not interpreted inside record text
    title = re.search(
        r"<title>(.*?)</title>", (out / "clusters" / "test-hostile" / "index.html").read_text(encoding="utf-8"), re.S
    ).group(1)
    assert "<" not in title and "&lt;/title&gt;&lt;script&gt;" in title


def test_staff_guide_lists_every_problem_code(site):
    from generator.problems import CODES

    guide = page(site, "guide")
    listed = {a["id"].removeprefix("code-") for a in guide.find("tr") if a.get("id", "").startswith("code-")}
    assert listed == set(CODES)
    assert "记录撤销" in guide.text and "撤销情形的条款编号" in guide.text and "后续指引" in guide.text


def test_template_error_leaves_the_previous_site_untouched(fixture_data, site, tmp_path):
    """A broken theme template fails the build with a message, not a traceback, and no change."""
    out = tmp_path / "site"
    shutil.copytree(site, out)  # the previous site: as built from fixture_data on OPEN_DAY
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    overrides = tmp_path / "overrides"
    shutil.copytree(REPO_ROOT / "site_src" / "overrides", overrides)
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ page.meta.missing.attribute }}{% endblock %}', encoding="utf-8"
    )
    config = mkdocs_config(tmp_path, REPO_ROOT / "site_src", overrides)
    result = build_in_subprocess(fixture_data, out, "2025-02-24", config)
    assert result.returncode == 3, result.stdout + result.stderr  # a program defect, not a data problem
    assert "Traceback" not in result.stderr and "保持不变" in result.stderr, result.stderr
    assert "guideline.md" in result.stderr and "missing" in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml", "overrides", "site"]


def test_the_list_of_all_clusters_shows_the_programme_by_year(site):
    """Issue 22: the list page carries the recognitions-by-year picture with its table, the same as the
    district index's; a district's own list does not."""

    def years(url: str) -> list[tuple[str, str]]:
        root = page(site, url).root
        assert root.find("svg", cls="cl-by-year") is not None, url
        (table,) = root.find_all("table", cls="cl-year-table")
        return [
            (row.attrs["data-year"], row.find("td", data_count="total").visible_text())
            for row in table.find_all("tr", data_year=True)
        ]

    shown = years("clusters")
    assert shown and shown == years("districts")
    assert sum(int(total) for _, total in shown) >= 1
    district = next((site / "districts").glob("*/index.html"))
    assert Page(district).root.find("svg", cls="cl-by-year") is None
