"""The site search's index (generator/site/search.py), made by Pagefind after MkDocs: what it reads of
a page, what it leaves out (on a small site and on each kind of record page of a built site), that
nothing but the pages decides its bytes, how a failure is reported, how nginx serves its pieces, and
that the live preview makes it too. tests/test_site.py checks the index of the site it builds,
tests/browser/test_search_browser.py searches it in a browser.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path, PurePosixPath

import pytest
from conftest import REPO_ROOT, Page, make_data_dir, shared_site
from nginx_support import find_nginx, free_port, nginx_command
from pagefind_support import decompress, fragments, text

from generator.deploy.nginx import NginxSite, nginx_conf
from generator.domain.calendar import start_of_day
from generator.site import search
from generator.site.build import SiteBuildFailed, build_site
from generator.site.release import precompress
from generator.site.search import (
    SearchIndexFailed,
    index_site,
    indexed_copy,
    page_kind,
    result_order,
    separate_han,
    without_ids,
)

RESULT_DAY = dt.date(2025, 3, 10)  # the fixture notice's final list is out: its clusters have a document number

PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title} - 网站</title></head>
<body><header><nav>首页 集群名单</nav></header>
<p class="cl-asof">状态按 2025-02-24（北京时间）计算</p>
{body}
<footer>主办单位：测试主办单位</footer></body></html>
"""


def write_page(site: Path, path: str, title: str, body: str) -> Path:
    page = site / path
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(PAGE.format(title=title, body=body), encoding="utf-8")
    return page


@pytest.fixture
def small_site(tmp_path) -> Path:
    """Three pages: two with a part to index, one without (as the editor guide)."""
    site = tmp_path / "site"
    write_page(
        site,
        "clusters/polymer/index.html",
        "高分子材料",
        '<div data-pagefind-body><h1 id="name">测试有机高分子材料产业集群<a class="headerlink" href="#name">¶</a></h1>'
        '<p>所在区南沙区<span class="cl-muted">指引 4.1：集群有效期为三年。</span></p>'
        '<svg><text>图中文字</text></svg><div class="cl-sources">来源页面标题</div></div>',
    )
    write_page(
        site, "guideline/index.html", "工作指引", "<div data-pagefind-body><h1>工作指引全文</h1><p>认定条件</p></div>"
    )
    write_page(site, "guide/index.html", "编辑指南", "<h1>编辑指南</h1><p>编辑专用说明</p>")
    return site


# --- what Pagefind reads -----------------------------------------------------------------------------


def test_adjacent_han_characters_are_set_apart_in_text_only():
    html = '<p title="高分子">高分子材料 ab 2025年</p><!-- 注释里的字 --><a href="/分子/">区</a>'
    assert separate_han(html) == (
        '<p title="高分子">高\u200b分\u200b子\u200b材\u200b料 ab 2025年</p><!-- 注释里的字 --><a href="/分子/">区</a>'
    )
    assert separate_han("𠀀𠀁字") == "𠀀\u200b𠀁\u200b字"  # beyond the Basic Multilingual Plane too


def test_ids_stay_on_headings_only_and_there_only_if_asked():
    html = '<div id="a"><h2 id="b">标题</h2><p id="c" class="x">正文 id="d"</p><H3 id="e">小节</H3></div>'
    assert (
        without_ids(html, headings=True)
        == '<div><h2 id="b">标题</h2><p class="x">正文 id="d"</p><H3 id="e">小节</H3></div>'
    )
    assert without_ids(html, headings=False) == '<div><h2>标题</h2><p class="x">正文 id="d"</p><H3>小节</H3></div>'


@pytest.mark.parametrize(
    "page,kind,order",
    [
        ("clusters/huangpu-x/index.html", "cluster", 1),
        ("notices/miit-2023/index.html", "notice", 2),
        ("calls/gz-2025/index.html", "call", 3),
        ("clusters/index.html", "list", 4),
        ("districts/huangpu/index.html", "list", 4),
        ("notices/index.html", "list", 4),
        ("guideline/index.html", "rules", 5),
        ("cultivation/2-1-1/index.html", "rules", 5),
        ("index.html", "home", 6),
    ],
)
def test_records_come_before_the_lists_and_the_lists_before_the_rules(page, kind, order):
    assert page_kind(page) == (kind, order)
    assert result_order(page) == order


def test_the_indexed_copy_carries_the_kind_and_sort_key_on_the_indexed_part():
    page = (
        '<p id="x">data-pagefind-body</p><div class="a" data-pagefind-body><h1 id="t">集群</h1><p id="y">区</p></div>'
    )
    assert indexed_copy(page, "clusters/x/index.html") == (
        '<p>data-pagefind-body</p><div class="a" data-pagefind-body data-search-kind="cluster" '
        'data-pagefind-sort="order:1"><h1>集\u200b群</h1><p>区</p></div>'
    )
    assert indexed_copy(page, "guideline/index.html") == (  # headings keep their ids: sub-results
        '<p>data-pagefind-body</p><div class="a" data-pagefind-body data-search-kind="rules" '
        'data-pagefind-sort="order:5"><h1 id="t">集\u200b群</h1><p>区</p></div>'
    )


# --- the index of a small site ---------------------------------------------------------------------


def test_only_the_marked_part_of_a_page_is_indexed(small_site):
    before = {p: p.read_bytes() for p in small_site.rglob("*.html")}
    assert index_site(small_site) == 2
    indexed = fragments(small_site)
    assert sorted(indexed) == ["/clusters/polymer/", "/guideline/"]  # not the page without a marked part
    polymer = indexed["/clusters/polymer/"]
    assert text(polymer["meta"]["title"]) == "测试有机高分子材料产业集群"
    assert "测\u200b试\u200b有\u200b机\u200b高\u200b分\u200b子" in polymer["content"]  # one character per word
    content = text(polymer["content"])
    assert "所在区南沙区" in content
    for left_out in ("首页", "状态按", "主办单位", "¶", "指引 4.1", "图中文字", "来源页面标题"):
        assert left_out not in content, left_out
    assert {p: p.read_bytes() for p in small_site.rglob("*.html")} == before  # the pages stay as written
    files = {p.name for p in (small_site / "pagefind").iterdir()}
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"} <= files
    assert not [name for name in files if "component-ui" in name or "modular-ui" in name or "highlight" in name]


def test_a_second_index_replaces_the_first(small_site):
    index_site(small_site)
    first = set((small_site / "pagefind" / "fragment").iterdir())
    write_page(
        small_site,
        "guideline/index.html",
        "工作指引",
        "<div data-pagefind-body><h1>工作指引</h1><p>改过的内容</p></div>",
    )
    index_site(small_site)
    second = set((small_site / "pagefind" / "fragment").iterdir())
    assert len(second) == 2 and first != second  # no fragment of the old page is left behind
    assert "改过的内容" in text(fragments(small_site)["/guideline/"]["content"])


def test_the_same_pages_give_the_same_bytes_whatever_the_environment(small_site, tmp_path, monkeypatch):
    """Pagefind would read a pagefind.yml in its working folder and PAGEFIND_* variables: neither
    reaches it (here both would keep "index.html" in the result URLs)."""
    index_site(small_site)
    first = {p.relative_to(small_site): p.read_bytes() for p in (small_site / "pagefind").rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pagefind.yml").write_text("keep_index_url: true\nexclude_selectors: ['p']\n", encoding="utf-8")
    monkeypatch.setenv("PAGEFIND_KEEP_INDEX_URL", "true")
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "p")
    index_site(small_site)
    again = {p.relative_to(small_site): p.read_bytes() for p in (small_site / "pagefind").rglob("*") if p.is_file()}
    assert again == first
    assert sorted(fragments(small_site)) == ["/clusters/polymer/", "/guideline/"]


def test_pagefind_failing_or_missing_is_a_sentence_not_a_traceback(small_site, monkeypatch):
    monkeypatch.setattr(search, "pagefind_executable", lambda: Path("/bin/false"))
    with pytest.raises(SearchIndexFailed, match="Pagefind 未能生成站内搜索索引（退出码 1）"):
        index_site(small_site)
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "pagefind_bin_extended", None)  # as if not installed
    with pytest.raises(SearchIndexFailed, match=r"没有安装 Pagefind.*pip install -e \."):
        index_site(small_site)


def test_a_build_whose_index_fails_leaves_the_previous_site(tmp_path, monkeypatch):
    data, out = make_data_dir(tmp_path), tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")
    monkeypatch.setattr(search, "pagefind_executable", lambda: Path("/bin/false"))
    with pytest.raises(SiteBuildFailed, match="Pagefind"):
        build_site(REPO_ROOT / "mkdocs.yml", data, out, start_of_day(dt.date(2025, 2, 24)))
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site"]  # no staging folder left


# --- the index of a built site: what each kind of page gives ------------------------------------------


@pytest.fixture(scope="module")
def built(shared) -> Path:
    """The test fixtures with the call (tests/fixtures/calls) as of RESULT_DAY, built once per run."""
    return shared_site(shared, "calls", RESULT_DAY).site


# (page, what its index holds, what the page says but its index leaves out): what people look for,
# not the dates, labels, small print and repeated sentences around it (search.EXCLUDED_SELECTORS).
WHAT_IS_INDEXED = [
    (
        "clusters/test-municipal-alpha/",
        [
            "【测试数据】广州市黄埔区测试装备产业集群",  # name
            "黄埔区 【测试数据】测试装备 【测试数据】测试园区管理委员会",  # district, industry, operator
            "【测试数据】用于自动化测试的虚构集群，不是真实记录。",  # summary
            "说明：【测试数据】请勿发布。",  # note
            "2025. 穗工信函〔2025〕1号（测试）",  # the recognition's batch and document number
            "认定（市级），穗工信函〔2025〕1号（测试）",  # the event's words
        ],
        [
            "有效期至",  # the status sentence
            "所在区",  # the facts' labels
            "主导产业",
            "12.5 平方公里",  # area, website
            "example.org",
            "时间线",  # headings
            "认定与有效期",
            "大事记",
            "横轴为年份",  # the picture and its caption
            "市级认定的有效期",
            "2025-03-10",  # dates
            "2028-03-09",
            "指引 4.1",  # small print
            "年度报告",  # due dates computed from the rules
            "2026-02-28",
            "拟认定名单公示",  # the notices listing it, its sources
            "测试发布单位",
            "来源",
        ],
    ),
    (
        "clusters/test-national-beta/",
        [
            "【测试数据】广州市番禺区测试纺织产业集群",
            "番禺区 【测试数据】测试纺织",
            "2023.",
            "年度报告：2024 年度。【测试数据】2024 年度情况报告",  # an event's own words
        ],
        [
            "名称未核实",  # the badge
            "名称照录所引来源的写法",  # the unverified name's note: the same on every such page
            "未载明",
            "自动认定为市级集群",  # small print
            "2025-02",  # the event's date
        ],
    ),
    (
        "notices/test-municipal-2025-list/",
        [
            "【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示",  # title
            "如何提出异议",  # a heading over left-out text: a sub-result
            "附件：【测试数据】拟认定名单",
            "【测试数据】广州市黄埔区测试装备产业集群. 黄埔区.",  # the list: names, districts, notes
            "【测试数据】广州市南沙区测试候选产业集群. 南沙区. 【测试数据】候选集群，尚未建档.",
            "正式名单穗工信函〔2025〕1号（测试）",  # the outcome's document number
            "发布机构【测试数据】测试发布单位",  # the publication record
        ],
        [
            "已结束",  # state and deadline
            "公示期已于",
            "截止时间",
            "向谁提出",  # how to object
            "objection@example.org",
            "纪检监督电话",
            "序号",  # the list's column headings
            "未列入正式名单",  # the final list against the proposed one (its table)
            "公示原文的表述",  # the window's record
            "02-20、02-21",
            "SHA-256",  # small print
            "本站读法",
            "未载明",
        ],
    ),
    (
        "calls/test-municipal-2025-call/",
        [
            "【测试数据】关于开展 2025 年广州市市级中小企业特色产业集群认定工作的通知",
            "区级初审截止2024-12-10",
            "【测试数据】市级中小企业特色产业集群申报表",
            "【测试数据】测试处室",
            "文号【测试数据】测工信函〔2024〕99号",
        ],
        ["已截止", "申报已于", "事项单位或处室"],
    ),
    ("districts/", ["各区集群数量", "黄埔区"], ["方格示意图", "国家级省级市级"]),
]


@pytest.mark.parametrize("url,kept,left_out", WHAT_IS_INDEXED, ids=[row[0] for row in WHAT_IS_INDEXED])
def test_a_record_page_gives_the_index_what_people_look_for(built, url, kept, left_out):
    fragment = fragments(built)["/" + url]
    content = text(fragment["content"])
    for words in kept:
        assert words in content, (words, content)
    said = Page(built / url / "index.html").root.find(data_pagefind_body=True).text()
    for words in left_out:
        assert words in said, words  # the page says it ...
        assert words not in content, (words, content)  # ... its index does not


def test_sub_results_come_from_the_headings_of_notices_and_rules_only(built):
    """A cluster's page leaves its headings out, and with them their anchors; elsewhere a heading
    makes a sub-result, and no other element leaves an anchor behind."""
    indexed = fragments(built)
    for url, fragment in indexed.items():
        assert all(anchor["element"] in ("h1", "h2", "h3", "h4", "h5", "h6") for anchor in fragment["anchors"]), url
        if url.startswith("/clusters/") and url != "/clusters/":
            assert fragment["anchors"] == [], url
    notice = {a["id"]: text(a["text"]) for a in indexed["/notices/test-municipal-2025-list/"]["anchors"]}
    assert notice["list"] == "公示名单" and notice["outcome"] == "公示结果"
    assert {"chapter-1", "chapter-2"} <= {a["id"] for a in indexed["/guideline/"]["anchors"] if a["text"]}


# --- served by nginx: the pieces as they are -------------------------------------------------------


@pytest.mark.skipif(find_nginx() is None, reason="nginx not installed (apt-get install nginx, or set NGINX_PATH)")
def test_nginx_sends_the_index_pieces_as_pagefind_wrote_them(small_site, tmp_path):
    index_site(small_site)
    precompress(small_site)
    (tmp_path / "current").symlink_to(small_site)
    port = free_port()
    (tmp_path / "site.conf").write_text(
        nginx_conf(NginxSite(root=PurePosixPath(tmp_path), listen_address="127.0.0.1", http_port=port)),
        encoding="utf-8",
    )
    server = subprocess.Popen(
        nginx_command(tmp_path, tmp_path / "site.conf"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/guideline/", timeout=5).close()
                break
            except OSError:
                time.sleep(0.05)

        def get(path: str) -> tuple[http.client.HTTPResponse, bytes]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            body = response.read()
            connection.close()
            return response, body

        pieces = sorted((small_site / "pagefind").rglob("*.pf_*")) + [small_site / "pagefind" / "wasm.unknown.pagefind"]
        assert any(p.suffix == ".pf_fragment" for p in pieces) and any(p.suffix == ".pf_index" for p in pieces)
        for piece in pieces:
            path = "/" + piece.relative_to(small_site).as_posix()
            response, body = get(path)
            assert response.status == 200, path
            assert response.getheader("Content-Encoding") is None, path  # not compressed a second time
            assert body == piece.read_bytes() and decompress(body), path  # gzip, as Pagefind wrote it
            assert response.getheader("Content-Type") == "application/octet-stream", path
            hashed = piece.suffix.startswith(".pf_")
            assert (response.getheader("Cache-Control") == "public, max-age=31536000, immutable") == hashed, path
        response, body = get("/pagefind/pagefind.js")  # the script: its .gz, as any text file
        assert response.getheader("Content-Encoding") == "gzip" and response.getheader("Cache-Control") == "no-cache"
        response, body = get("/pagefind/pagefind-entry.json")  # names the day's index: never cached blindly
        assert response.status == 200 and response.getheader("Cache-Control") == "no-cache"
        assert json.loads(body)["languages"]["zh"]["page_count"] == 2
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the live preview ------------------------------------------------------------------------------------


def test_the_live_preview_offers_search(tmp_path):
    """`clusters serve` makes the index after each build of the preview (the plugin, in on_post_build)."""
    data, port = make_data_dir(tmp_path), free_port()
    command = [sys.executable, "-m", "generator", "serve", "--data", str(data), "--today", "2025-02-24"]
    server = subprocess.Popen(
        [*command, "--dev-addr", f"127.0.0.1:{port}"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        entry = None
        for _ in range(600):  # the first build takes a few seconds
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/pagefind/pagefind-entry.json", timeout=5) as got:
                    entry = json.load(got)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        assert entry is not None, server.stdout.read().decode() if server.poll() is not None else "no index served"
        assert entry["languages"]["zh"]["page_count"] > 10
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/clusters/test-municipal-alpha/", timeout=5) as got:
            assert b"data-site-search-open" in got.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
