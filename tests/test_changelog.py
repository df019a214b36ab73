"""The change log (更新记录): the history of data/ from git, in record terms, on a page and in a feed.

One temporary repository is built per module (and worker): commits that add a record, change its
fields and lists, remove one, add and remove an attachment and another file, break a record and
mend it, add a notice dated after the build's day, touch only a file outside data/, and merge a
branch. The history is read from it directly, and sites are built from it (as of the tests' day
and as of an earlier one), from a shallow clone of it, and from a data folder outside git.
"""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, Page, git, make_data_dir

from generator import SCHEMAS_DIR
from generator.domain.calendar import SHANGHAI, start_of_day
from generator.domain.history import ADDED, ATTACHMENT, CHANGED, CHANGED_SOMEHOW, LAYOUT_ONLY, REMOVED, ListChange
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.load.history import compare_versions, read_history
from generator.publish.changelog import changelog_view
from generator.publish.feed import TAG_PREFIX
from generator.schema.package import load_schemas
from generator.site.build import build_site

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = dt.date.fromisoformat(TODAY)  # 2026-11-28
SCHEMAS = load_schemas(SCHEMAS_DIR)


def title(resource: str, name: str) -> str:
    return next(spec["title"] for spec in SCHEMAS.schemas[resource]["fields"] if spec["name"] == name)


def commit(repo: Path, message: str, when: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, when=when)
    return git(repo, "rev-parse", "HEAD")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@dataclass(frozen=True)
class Repo:
    root: Path
    data: Path
    shas: dict[str, str]  # commit label -> SHA


LATER_NAME = "【测试数据】广州市黄埔区后来新增产业集群"
FUTURE_NOTICE = "test-municipal-2026-list"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    root = tmp_path_factory.mktemp("history") / "repo"
    root.mkdir()
    data = make_data_dir(root)
    (root / "README.md").write_text("测试仓库\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    shas = {"base": commit(root, "base", "2026-01-05T10:00:00+08:00")}

    clusters = data / "clusters"
    alpha = (clusters / "test-municipal-alpha.yaml").read_text(encoding="utf-8")
    (clusters / "test-later.yaml").write_text(
        alpha.replace("test-municipal-alpha", "test-later")
        .replace("测试装备", "后来新增")
        .replace("    notice: test-municipal-2025-list\n", ""),
        encoding="utf-8",
    )
    shas["add"] = commit(root, "add a cluster", "2026-02-10T09:00:00+08:00")

    gamma = clusters / "test-provincial-gamma.yaml"
    edit(gamma, "leading_industry: 【测试数据】测试美妆", "leading_industry: 【测试数据】测试化妆品")
    edit(
        gamma,
        "events:\n",
        "  - url: https://example.org/sources/test-provincial-gamma-2\n    published_on: 2023-08\n"
        "    states: 名称\n    official: true\nevents:\n",
    )
    edit(gamma, "# 测试数据", "# 测试数据（注释改过）")
    shas["change"] = commit(root, "change a cluster", "2026-03-02T23:30:00+08:00")

    edit(root / "README.md", "测试仓库", "测试仓库（说明）")
    shas["outside"] = commit(root, "outside data/", "2026-03-20T10:00:00+08:00")

    (clusters / "test-national-beta.yaml").unlink()
    (data / "attachments" / "2026").mkdir(parents=True)
    (data / "attachments" / "2026" / "名单.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (data / "notes.txt").write_text("备忘\n", encoding="utf-8")
    # 00:30 in Beijing is 16:30 UTC of the day before: the log dates it 1 April.
    shas["remove"] = commit(root, "remove a cluster", "2026-04-01T00:30:00+08:00")

    delta = clusters / "test-municipal-delta.yaml"
    delta_text = delta.read_text(encoding="utf-8")
    delta.write_text(delta_text.replace("name: 【测试数据】", "name: [【测试数据】", 1), encoding="utf-8")
    shutil.rmtree(data / "attachments")
    (data / "notes.txt").unlink()
    shas["break"] = commit(root, "break a record", "2026-04-02T10:00:00+08:00")

    delta.write_text(delta_text, encoding="utf-8")
    shas["mend"] = commit(root, "mend it", "2026-04-03T10:00:00+08:00")

    notices = data / "notices"
    listed = (notices / "test-municipal-2025-list.yaml").read_text(encoding="utf-8")
    future = listed.replace("test-municipal-2025-list", FUTURE_NOTICE).replace("2025 年", "2026 年")
    future = future.replace("published_on: 2025-02-20", "published_on: 2026-12-15")
    future = future.replace("ends_on: 2025-02-28", "ends_on: 2026-12-23")
    future = future.replace("window_stated: 2025年2月20日至2月28日", "window_stated: 2026年12月15日至12月23日")
    future = future[: future.index("outcome:")] + future[future.index("entries:") :]
    (notices / f"{FUTURE_NOTICE}.yaml").write_text(future, encoding="utf-8")
    shas["future"] = commit(root, "a notice published later", "2026-05-01T10:00:00+08:00")

    git(root, "checkout", "-q", "-b", "feature")
    edit(clusters / "test-municipal-alpha.yaml", "summary: 【测试数据】", "summary: 【测试数据】（补充）")
    shas["branch"] = commit(root, "on a branch", "2026-05-10T10:00:00+08:00")
    git(root, "checkout", "-q", "main")
    edit(root / "README.md", "（说明）", "（说明二）")
    shas["main"] = commit(root, "outside data/ again", "2026-05-12T10:00:00+08:00")
    git(root, "merge", "-q", "--no-ff", "feature", "-m", "merge", when="2026-05-15T10:00:00+08:00")
    shas["merge"] = git(root, "rev-parse", "HEAD")
    return Repo(root, data, shas)


# Newest first: what the log of data/ holds (no commit outside data/, the branch's commit as its merge).
LOGGED = ["merge", "future", "mend", "break", "remove", "change", "add", "base"]


@pytest.fixture(scope="module")
def history(repo: Repo):
    return read_history(repo.data, SCHEMAS)


def by_label(repo: Repo, history) -> dict:
    labels = {sha: label for label, sha in repo.shas.items()}
    return {labels[c.sha]: c for c in history.commits}


def test_the_history_lists_the_commits_that_touched_data_newest_first(repo, history):
    assert history.available and not history.shallow and history.since is None
    assert [c.sha for c in history.commits] == [repo.shas[label] for label in LOGGED]
    assert repo.shas["outside"] not in {c.sha for c in history.commits}
    assert repo.shas["branch"] not in {c.sha for c in history.commits}  # brought in by the merge, dated then


def test_each_commit_in_record_terms(repo, history):
    commits = by_label(repo, history)
    base = commits["base"]  # the first commit of a full clone: everything was added then
    assert not base.boundary and {c.action for c in base.changes} == {ADDED}
    assert ("cluster", "test-national-beta") in {(c.kind, c.record_id) for c in base.changes}
    assert ("gazetteer", None, "districts.yaml") in {(c.kind, c.record_id, c.path) for c in base.changes}

    [added] = commits["add"].changes
    assert (added.action, added.kind, added.record_id, added.path) == (
        ADDED,
        "cluster",
        "test-later",
        "clusters/test-later.yaml",
    )

    [changed] = commits["change"].changes
    assert (changed.action, changed.kind, changed.record_id) == (CHANGED, "cluster", "test-provincial-gamma")
    assert [(f.name, f.title) for f in changed.fields] == [("leading_industry", title("clusters", "leading_industry"))]
    assert changed.lists == (ListChange("sources", SCHEMAS.titles["cluster_sources"], 1, 0, 0),)
    assert changed.note is None

    removed = commits["remove"]
    assert removed.committed_at == dt.datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)
    assert removed.day == dt.date(2026, 4, 1)
    assert [(c.action, c.kind, c.record_id, c.name) for c in removed.changes] == [
        (ADDED, ATTACHMENT, None, "2026/名单.pdf"),
        (REMOVED, "cluster", "test-national-beta", "test-national-beta.yaml"),
        (ADDED, None, None, "notes.txt"),
    ]

    # A version that cannot be read (broken YAML) only "changed", in both directions.
    assert [(c.action, c.kind, c.record_id, c.note) for c in commits["break"].changes] == [
        (REMOVED, ATTACHMENT, None, None),
        (CHANGED, "cluster", "test-municipal-delta", CHANGED_SOMEHOW),
        (REMOVED, None, None, None),
    ]
    [mended] = commits["mend"].changes
    assert (mended.record_id, mended.fields, mended.lists, mended.note) == (
        "test-municipal-delta",
        (),
        (),
        CHANGED_SOMEHOW,
    )

    [notice] = commits["future"].changes
    assert (notice.action, notice.kind, notice.record_id) == (ADDED, "notice", FUTURE_NOTICE)
    [merged] = commits["merge"].changes
    assert (merged.record_id, [f.name for f in merged.fields]) == ("test-municipal-alpha", ["summary"])
    assert commits["merge"].committed_at == dt.datetime(2026, 5, 15, 10, 0, tzinfo=SHANGHAI)


def test_as_of_a_day_keeps_the_commits_dated_on_or_before_it(repo, history):
    assert [c.sha for c in history.as_of(dt.date(2026, 3, 31)).commits] == [
        repo.shas[label] for label in ("change", "add", "base")
    ]
    assert [c.sha for c in history.as_of(dt.date(2026, 4, 1)).commits][0] == repo.shas["remove"]
    assert history.as_of(dt.date(2025, 12, 31)).commits == ()


def test_comparing_two_versions_of_a_record_text():
    path = "clusters/test-x.yaml"
    old = b"id: test-x\nname: A\nsources:\n  - url: https://example.org/a\n  - url: https://example.org/b\n"
    new = b"# comment\nid: test-x\nname: B\nsources:\n  - url: https://example.org/a\n  - url: https://example.org/c\n"
    change = compare_versions(path, old, new, SCHEMAS)
    assert [f.name for f in change.fields] == ["name"]
    assert change.lists == (ListChange("sources", SCHEMAS.titles["cluster_sources"], 0, 1, 0),)
    layout = compare_versions(path, old, b"# only a comment\n" + old.replace(b"name: A", b"name:   A"), SCHEMAS)
    assert (layout.fields, layout.lists, layout.note) == ((), (), LAYOUT_ONLY)
    for unreadable in (None, b"id: [", b"- a list\n", b"\xff\xfe", b"id: test-x\nsources: 3\nname: {a: b}\n"):
        assert compare_versions(path, old, unreadable, SCHEMAS).action == CHANGED  # never raises
    assert compare_versions(path, old, None, SCHEMAS).note == CHANGED_SOMEHOW


def snapshot_at(data: Path, day: dt.date):
    loaded = load_dataset(data, SCHEMAS_DIR, today=day)
    return take_snapshot(loaded.dataset, start_of_day(day))


def test_a_record_the_site_does_not_publish_yet_is_not_named(repo, history):
    def future_line(day: dt.date):
        view = changelog_view(history, snapshot_at(repo.data, day))
        commit = next(c for c in view.commits if c.sha == repo.shas["future"])
        [line] = commit.lines
        return line

    hidden = future_line(DAY)
    assert hidden.hidden and hidden.record_id is None and hidden.name is None and hidden.page is None
    assert FUTURE_NOTICE not in hidden.sentence()
    shown = future_line(dt.date(2026, 12, 15))  # its publication day
    assert not shown.hidden and shown.record_id == FUTURE_NOTICE and shown.page == f"notices/{FUTURE_NOTICE}.md"


def build(data: Path, site: Path, day: dt.date = DAY) -> Path:
    build_site(REPO_ROOT / "mkdocs.yml", data, site, start_of_day(day))
    return site


def commit_sections(page: Page) -> list[str]:
    return [node.attrs["id"] for node in page.root.find_all("section", cls="cl-commit")]


def feed_entries(site: Path) -> list[ET.Element]:
    return ET.parse(site / "feeds" / "changes.atom").getroot().findall(f"{ATOM}entry")


@pytest.fixture(scope="module")
def site(repo: Repo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(repo.data, tmp_path_factory.mktemp("site") / "site")


def test_the_page_lists_each_commit_with_its_changes(repo, site):
    page = Page(site / "changes" / "index.html")
    assert commit_sections(page) == [f"commit-{repo.shas[label]}" for label in LOGGED]
    assert page.root.find(cls="cl-history-unavailable") is None and page.root.find(cls="cl-history-shallow") is None
    said = page.root.find("div", cls="cl-changes").find("span", "cl-said", data_statement="changelog")
    assert said is not None and said.text().endswith("（本站做法）")  # says whose practice the page is

    def section(label: str):
        return page.root.find("section", id=f"commit-{repo.shas[label]}")

    added = section("add")
    assert added.find("time").attrs["datetime"] == "2026-02-10T09:00:00+08:00"
    assert added.find("h2").text() == f"2026年2月10日 09:00 编号 {repo.shas['add'][:7]}"
    link = added.find("a")
    assert (link.attrs["href"], link.text()) == ("../clusters/test-later/", LATER_NAME)
    assert added.find("li").text().startswith("新增 集群记录")

    changed = section("change").text()
    assert f"修改字段：{title('clusters', 'leading_industry')}" in changed
    assert f"{SCHEMAS.titles['cluster_sources']}：新增 1 项" in changed

    removed = section("remove")
    assert removed.find("time").attrs["datetime"] == "2026-04-01T00:30:00+08:00"
    texts = [li.text() for li in removed.find("ul").children if not isinstance(li, str)]
    assert texts == [
        "新增 附件 2026/名单.pdf",
        "删除 集群记录：本站目前未发布的记录（尚未到发布日期或已删除），不列出名称",
        "新增 文件 notes.txt",
    ]
    assert "记录有变化" in section("mend").text()

    future = section("future").text()
    assert "新增 公示记录：本站目前未发布的记录" in future and FUTURE_NOTICE not in page.text
    assert repo.shas["outside"][:7] not in page.text and repo.shas["branch"][:7] not in page.text


def test_the_feed_has_an_entry_per_commit(repo, site):
    root = ET.parse(site / "feeds" / "changes.atom").getroot()
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"{TAG_PREFIX}changes/{repo.shas[label]}" for label in LOGGED]
    assert root.findtext(f"{ATOM}updated") == "2026-05-15T10:00:00+08:00"
    removed = entries[LOGGED.index("remove")]
    assert removed.findtext(f"{ATOM}updated") == "2026-04-01T00:30:00+08:00"
    assert removed.findtext(f"{ATOM}title") == f"2026年4月1日数据更新（编号 {repo.shas['remove'][:7]}）"
    # The fixture's site.yaml gives the base URL: links are absolute.
    assert removed.find(f"{ATOM}link").get("href") == f"https://example.org/changes/#commit-{repo.shas['remove']}"
    assert "删除一条本站目前未发布的集群记录" in removed.findtext(f"{ATOM}summary")
    changed = entries[LOGGED.index("change")].findtext(f"{ATOM}summary")
    assert changed == (
        "修改集群记录“【测试数据】广州市白云区测试美妆产业集群”（test-provincial-gamma）："
        f"修改字段：{title('clusters', 'leading_industry')}；{SCHEMAS.titles['cluster_sources']}：新增 1 项。"
    )
    self_link = [e.get("href") for e in root.findall(f"{ATOM}link") if e.get("rel") == "self"]
    assert self_link == ["https://example.org/feeds/changes.atom"]


def test_a_build_as_of_an_earlier_day_shows_no_later_commit(repo, tmp_path):
    site = build(repo.data, tmp_path / "site", dt.date(2026, 3, 31))
    expected = [repo.shas[label] for label in ("change", "add", "base")]
    assert commit_sections(Page(site / "changes" / "index.html")) == [f"commit-{sha}" for sha in expected]
    assert [e.findtext(f"{ATOM}id") for e in feed_entries(site)] == [f"{TAG_PREFIX}changes/{sha}" for sha in expected]
    # Every page's footer dates the last change from the same history, in Beijing time: the commit of
    # 1 April 00:30 (31 March in UTC) is not yet shown.
    footer = Page(site / "index.html").root.find("p", cls="cl-asof")
    assert "数据最后更新：2026-03-02" in footer.text()


def test_a_shallow_clone_marks_where_its_history_starts(repo, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone))
    history = read_history(clone / "data", SCHEMAS)
    assert history.available and history.shallow
    # Depth 2 from the merge: the merge itself, and its first parent, a commit outside data/ whose
    # parent is cut off; git shows it as adding every file, the history as the start.
    assert [c.sha for c in history.commits] == [repo.shas["merge"], repo.shas["main"]]
    assert history.since is not None and history.since.sha == repo.shas["main"]
    assert history.since.boundary and history.since.changes == ()
    assert [f.record_id for f in history.commits[0].changes] == ["test-municipal-alpha"]

    site = build(clone / "data", tmp_path / "site")
    page = Page(site / "changes" / "index.html")
    note = page.root.find("p", cls="cl-history-shallow")
    assert note is not None
    assert note.text() == (
        f"这次生成网站时只取得了 2026年5月12日 10:00（编号 {repo.shas['main'][:7]}）以来的更新历史，"
        "更早的更新记录没有列出。"
    )
    assert commit_sections(page) == [f"commit-{repo.shas['merge']}", f"commit-{repo.shas['main']}"]
    boundary = page.root.find("section", id=f"commit-{repo.shas['main']}")
    assert "最早一次更新" in boundary.text() and boundary.find("li") is None
    assert [e.findtext(f"{ATOM}id") for e in feed_entries(site)] == [f"{TAG_PREFIX}changes/{repo.shas['merge']}"]


def test_outside_git_the_page_says_the_history_is_unavailable(tmp_path):
    data = make_data_dir(tmp_path)
    assert not read_history(data, SCHEMAS).available
    site = build(data, tmp_path / "site")
    page = Page(site / "changes" / "index.html")
    assert (
        page.root.find("p", cls="cl-history-unavailable").text() == "这次生成网站时没有取得更新历史，无法列出更新记录。"
    )
    assert commit_sections(page) == []
    assert feed_entries(site) == []


def test_the_change_log_speaks_to_readers_not_to_developers(repo, history, tmp_path):
    """Issue 22: the public page and its feed say 更新 and 编号, not commits, git or data/ paths."""
    site = build(repo.root / "data", tmp_path / "site")
    texts = [Page(site / "changes" / "index.html").root.find("article").visible_text()]
    feed = ET.parse(site / "feeds" / "changes.atom").getroot()
    texts.append(
        " ".join(e.text or "" for e in feed.iter() if e.tag.split("}")[-1] in ("title", "subtitle", "summary"))
    )
    for text in texts:
        for word in ("提交", "git", "data/", "仓库", "浅克隆", "commit"):
            assert word not in text, word
    assert "编号" in texts[0] and "更新" in texts[0]
