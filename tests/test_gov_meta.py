"""Government site conventions: the meta tags inspection crawlers read, and the footer's registrations.

Every value comes from data/site.yaml or the page's own record; a tag whose value is not recorded is
left out (never guessed), and the footer says 未填写 for an empty field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Page, make_data_dir

from generator.domain.calendar import start_of_day
from generator.site.build import build_site

CONFIG = REPO_ROOT / "mkdocs.yml"
DAY = dt.date(2025, 2, 24)
NOTICE_META = {
    "index_no": '"TEST00/2025-00001"',
    "topic": "【测试数据】工业、交通",
    "written_on": "2025-02-19",
    "doc_no": "【测试数据】测工信函〔2025〕1号",
    "validity": "有效",
}
BUREAU = (
    "    bureau: 【测试数据】黄埔区测试主管部门\n"
    "    bureau_phone: 020-00000000\n"
    "    bureau_source: https://example.org/huangpu/contact\n"
)
GOV_TAGS = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource")


def meta(page: Page) -> dict[str, str]:
    return {
        tag.attrs["name"]: tag.attrs.get("content", "")
        for tag in page.root.find_all("meta")
        if tag.attrs.get("name") in GOV_TAGS
    }


@pytest.fixture(scope="module")
def full_site(tmp_path_factory) -> Path:
    data = make_data_dir(tmp_path_factory.mktemp("full"))
    site_yaml = data / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8") + "conac_url: https://bszs.conac.cn/sitename?method=show&id=TEST\n",
        encoding="utf-8",
    )
    districts = data / "districts.yaml"
    districts.write_text(
        districts.read_text(encoding="utf-8").replace("    slug: huangpu\n", "    slug: huangpu\n" + BUREAU, 1),
        encoding="utf-8",
    )
    notice = data / "notices" / "test-municipal-2025-list.yaml"
    notice.write_text(
        notice.read_text(encoding="utf-8") + "".join(f"{key}: {value}\n" for key, value in NOTICE_META.items()),
        encoding="utf-8",
    )
    out = tmp_path_factory.mktemp("full-out") / "site"
    build_site(CONFIG, data, out, start_of_day(DAY))
    return out


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory) -> Path:
    data = make_data_dir(tmp_path_factory.mktemp("bare"))
    (data / "site.yaml").write_text("title: 【测试数据】只有名称的网站\ndemo: true\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("bare-out") / "site"
    build_site(CONFIG, data, out, start_of_day(DAY))
    return out


def test_every_page_names_the_site_its_domain_code_and_column(full_site):
    pages = [
        p for p in sorted(full_site.rglob("index.html")) if "admin" not in p.parts
    ]  # Decap admin: not a theme page
    assert len(pages) > 10
    for path in pages:
        tags = meta(Page(path))
        assert tags["SiteName"] == "【测试数据】广州市市级中小企业特色产业集群公开信息", path
        assert tags["SiteDomain"] == "example.org", path
        assert tags["SiteIDCode"] == "TEST000000", path
        assert tags["ColumnName"], path


def test_a_notice_page_states_its_title_date_and_source(full_site):
    tags = meta(Page(full_site / "notices" / "test-municipal-2025-list" / "index.html"))
    assert tags["ColumnName"] == "公示"
    assert tags["ArticleTitle"] == "【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", tags["PubDate"])
    assert tags["PubDate"] == "2025-02-20"
    assert tags["ContentSource"] == "【测试数据】测试发布单位"


def test_a_cluster_page_has_an_article_title_but_no_invented_date(full_site):
    tags = meta(Page(full_site / "clusters" / "test-municipal-alpha" / "index.html"))
    assert tags["ColumnName"] == "集群名单"
    assert tags["ArticleTitle"] == "【测试数据】广州市黄埔区测试装备产业集群"
    assert "PubDate" not in tags and "ContentSource" not in tags


def test_unrecorded_values_leave_their_tags_out(bare_site):
    for path in (p for p in sorted(bare_site.rglob("index.html")) if "admin" not in p.parts):
        tags = meta(Page(path))
        assert tags.get("SiteName") == "【测试数据】只有名称的网站", path
        assert "SiteDomain" not in tags and "SiteIDCode" not in tags, path


def test_footer_links_each_registration_and_says_what_is_missing(full_site, bare_site):
    footer = Page(full_site / "index.html").root.find("div", cls="cl-footer")
    assert footer is not None
    links = {a.text(): a.attrs["href"] for a in footer.find_all("a")}
    assert links["【测试数据】测试ICP备00000000号"] == "https://beian.miit.gov.cn/"
    assert links["【测试数据】测试公网安备00000000000000号"] == (
        "https://www.beian.gov.cn/portal/registerSystemInfo?recordcode=00000000000000"
    )
    assert links["查看登记信息"] == "https://bszs.conac.cn/sitename?method=show&id=TEST"
    bare = Page(bare_site / "index.html").root.find("div", cls="cl-footer")
    assert bare is not None
    assert not bare.find_all("a")
    assert bare.text().count("未填写") >= 5


def govinfo(site: Path) -> dict[str, str]:
    box = Page(site / "notices" / "test-municipal-2025-list" / "index.html").root.find("section", cls="cl-govinfo")
    assert box is not None, "no 政府信息公开 box on the notice page"
    terms = [node.text() for node in box.find_all("dt")]
    values = [node.text() for node in box.find_all("dd")]
    return dict(zip(terms, values, strict=True))


def test_the_notice_page_shows_the_open_government_metadata_from_the_record(full_site, bare_site):
    shown = govinfo(full_site)
    assert shown == {
        "索引号": "TEST00/2025-00001",
        "主题分类": "【测试数据】工业、交通",
        "发布机构": "【测试数据】测试发布单位",
        "成文日期": "2025-02-19",
        "文号": "【测试数据】测工信函〔2025〕1号",
        "发布日期": "2025-02-20",
        "有效性": "有效",
    }
    bare = govinfo(bare_site)  # the fixture notice states none of them
    assert [bare[k] for k in ("索引号", "主题分类", "成文日期", "文号", "有效性")] == ["未载明"] * 5
    assert bare["发布机构"] == "【测试数据】测试发布单位" and bare["发布日期"] == "2025-02-20"


def bureau(site: Path) -> dict[str, str]:
    box = Page(site / "districts" / "huangpu" / "index.html").root.find("section", cls="cl-bureau")
    assert box is not None, "no 区中小企业主管部门 box on the district page"
    return dict(zip([n.text() for n in box.find_all("dt")], [n.text() for n in box.find_all("dd")], strict=True))


def test_a_district_page_shows_its_bureau_as_recorded_or_not_stated(full_site, bare_site):
    shown = bureau(full_site)
    assert shown["部门"] == "【测试数据】黄埔区测试主管部门" and shown["电话"] == "020-00000000"
    assert shown["来源"] == "https://example.org/huangpu/contact"
    assert shown["地址"] == shown["办公时间"] == shown["网站"] == "未载明"
    assert set(bureau(bare_site).values()) == {"未载明"}
