"""The change log (更新记录): the page's view of the data folder's history and its Atom feed.

The history (generator.domain.history, read from git by generator.load.history) says what each commit did to data/ in record terms; this
module names the records as the site shows them on the snapshot's day and leaves out commits dated
after it. A cluster, notice or call (any record kind but the reference files: policies, calendars,
districts, site) is named, and linked, only when the site shows it on that day: one that is not
yet published (a notice merged before its publication date) or no longer exists is counted as
"a record the site does not publish now", without its id, title or changed fields, so the change
log never publishes early what the pages hold back.

feeds/changes.atom: one entry per commit, newest first; ids are tag: URIs of the commit SHA
(TAG_PREFIX + "changes/" + SHA), `updated` is the commit date (Asia/Shanghai), the link is the
commit on the 更新记录 page. The boundary of a shallow clone has no entry (what it changed is not
known there). The feed's own date is its newest entry's, else the snapshot's day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from generator.domain.calendar import start_of_day
from generator.domain.history import ADDED, ATTACHMENT, CHANGED, REMOVED, UNAVAILABLE, Commit, FileChange, History
from generator.domain.snapshot import Snapshot
from generator.publish.feed import TAG_PREFIX
from generator.publish.serialize import ExportFile, chinese_day
from generator.publish.urls import page_url
from generator.schema.kinds import SCHEMA_DOCS, SCHEMA_KINDS
from generator.schema.package import SchemaSet

PAGE = "changes.md"  # the 更新记录 page (URL changes/)
FEED = "feeds/changes.atom"
ACTION_LABELS = {ADDED: "新增", CHANGED: "修改", REMOVED: "删除"}
# Kinds named whatever the day: reference files every build publishes. Every other kind (clusters,
# notices, and any kind added later) is named only when the snapshot shows the record.
REFERENCE_KINDS = frozenset({"gazetteer", "site", "calendar", "policy"})


@dataclass(frozen=True)
class ChangeLine:
    """One file of a commit, as the page and the feed say it."""

    action: str  # ADDED | CHANGED | REMOVED
    kind: str | None  # the record kind, ATTACHMENT, or None for another file
    what: str  # 集群记录, 附件, 文件 …
    name: str | None  # the record's title (cluster name, notice title), the attachment or file name
    record_id: str | None
    page: str | None  # src_uri of the record's page, when the site shows it
    details: tuple[str, ...]  # changed fields and list items, in Chinese
    hidden: bool = False  # a record the site does not publish on the day: neither named nor detailed

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def is_file(self) -> bool:
        """An attachment or another file, named by its file name or path."""
        return self.kind is None or self.kind == ATTACHMENT

    def sentence(self) -> str:
        """The line as plain text (the feed's summary)."""
        if self.hidden:
            return f"{self.label}一条本站目前未发布的{self.what}"
        text = self.label + self.what
        if self.name:
            text += f"“{self.name}”"
        if self.record_id:
            text += f"（{self.record_id}）"
        return text + ("：" + "；".join(self.details) if self.details else "")


@dataclass(frozen=True)
class CommitView:
    sha: str
    short: str
    committed_at: dt.datetime  # Asia/Shanghai
    boundary: bool  # the start of the available history (shallow clone)
    lines: tuple[ChangeLine, ...]

    @property
    def anchor(self) -> str:
        return f"commit-{self.sha}"

    @property
    def when(self) -> str:
        """2026年3月5日 09:30 (Beijing time)."""
        return f"{chinese_day(self.committed_at.date())} {self.committed_at:%H:%M}"


@dataclass(frozen=True)
class ChangeLog:
    available: bool  # the build ran in a git work tree
    since: CommitView | None  # the boundary of a shallow clone (its history starts there)
    commits: tuple[CommitView, ...]  # newest first, none after the snapshot's day


def kind_title(kind: str | None) -> str:
    if kind == ATTACHMENT:
        return "附件"
    if kind is None:
        return "文件"
    return SCHEMA_DOCS.get(SCHEMA_KINDS.get(kind, kind), ("记录", ""))[0]


def change_details(change: FileChange) -> tuple[str, ...]:
    details = []
    if change.fields:
        details.append("修改字段：" + "、".join(field.title for field in change.fields))
    for items in change.lists:
        counts = [(ACTION_LABELS[ADDED], items.added), (ACTION_LABELS[CHANGED], items.changed)]
        counts.append((ACTION_LABELS[REMOVED], items.removed))
        details.append(f"{items.title}：" + "，".join(f"{label} {n} 项" for label, n in counts if n))
    if change.note:
        details.append(change.note)
    return tuple(details)


def _shown(snapshot: Snapshot) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, id) -> (title, page) of every record with a page on the snapshot's day."""
    shown = {("cluster", f.cluster.id): (f.cluster.name, f.page) for f in snapshot.clusters}
    shown.update({("notice", f.notice.id): (f.notice.title, f.page) for f in snapshot.notices})
    shown.update({("call", f.call.id): (f.call.title, f.page) for f in snapshot.calls})
    return shown


def _line(change: FileChange, shown: dict[tuple[str, str], tuple[str, str]], snapshot: Snapshot) -> ChangeLine:
    what = kind_title(change.kind)
    if change.kind is None or change.kind == ATTACHMENT:
        return ChangeLine(change.action, change.kind, what, change.name, None, None, ())
    if change.kind in REFERENCE_KINDS:
        policy = next((p for p in snapshot.policies.all if p.id == change.record_id), None)
        title = policy.title if change.kind == "policy" and policy is not None else None
        return ChangeLine(change.action, change.kind, what, title, change.record_id, None, change_details(change))
    found = shown.get((change.kind, change.record_id or ""))
    if found is None:
        return ChangeLine(change.action, change.kind, what, None, None, None, (), hidden=True)
    title, page = found
    return ChangeLine(change.action, change.kind, what, title, change.record_id, page, change_details(change))


def _commit_view(commit: Commit, shown: dict[tuple[str, str], tuple[str, str]], snapshot: Snapshot) -> CommitView:
    lines = tuple(_line(change, shown, snapshot) for change in commit.changes)
    return CommitView(commit.sha, commit.short, commit.committed_at, commit.boundary, lines)


def changelog_view(history: History | None, snapshot: Snapshot) -> ChangeLog:
    """The change log as the site shows it on the snapshot's day (None: no history was read)."""
    history = (history or UNAVAILABLE).as_of(snapshot.day)
    shown = _shown(snapshot)
    since = _commit_view(history.since, shown, snapshot) if history.since else None
    return ChangeLog(history.available, since, tuple(_commit_view(c, shown, snapshot) for c in history.commits))


def _link(path: str, base: str | None) -> str:
    """Absolute under the site's base URL, else relative to feeds/."""
    return (base or "../") + path


def changes_feed_file(log: ChangeLog, snapshot: Snapshot, schema_set: SchemaSet, base: str | None) -> ExportFile:
    """The change log `log` (`changelog_view` of the snapshot) as an Atom feed."""
    commits = [commit for commit in log.commits if not commit.boundary]
    site = snapshot.site.values if snapshot.site else {}
    feed = FeedGenerator()
    feed.id(TAG_PREFIX + "feeds/changes")
    feed.title(f"{schema_set.package['title']}：更新记录")
    feed.subtitle("本站记录的每一次更新：新增、修改、删除了哪些记录，修改了哪些项目。")
    feed.author({"name": site.get("publisher") or site.get("title") or schema_set.package["title"]})
    feed.language("zh-CN")
    feed.generator("gz-clusters")
    feed.rights(" ".join(f"{licence['title']}（{licence['name']}）" for licence in schema_set.package["licenses"]))
    changes_url = _link(page_url(PAGE), base)
    feed.link(href=changes_url, rel="alternate", type="text/html")
    if base:
        feed.link(href=base + FEED, rel="self", type="application/atom+xml")
    feed.updated(commits[0].committed_at if commits else start_of_day(snapshot.day))
    for commit in commits:
        entry = feed.add_entry(order="append")
        entry.id(f"{TAG_PREFIX}changes/{commit.sha}")
        entry.title(f"{chinese_day(commit.committed_at.date())}数据更新（编号 {commit.short}）")
        entry.updated(commit.committed_at)
        entry.link(href=f"{changes_url}#{commit.anchor}")
        entry.summary("；".join(line.sentence() for line in commit.lines) + "。")
        entry.category(term="data-change", label="数据更新")
    return ExportFile(
        FEED,
        feed.atom_str(pretty=True),
        "application/atom+xml",
        "更新记录（Atom 订阅）",
        "本站记录的每一次更新，每次一条，最新的在前；可用 RSS/Atom 阅读器订阅。",
    )
