"""The Atom feed (feeds/notices.atom): calls, notices, final lists and cluster events, newest first.

Entry ids are tag: URIs built from record ids and what each event is (type, date, level), never
from a position or the build; `updated` is the item's day at 00:00 Asia/Shanghai; the feed's own
date is its newest entry's. Only what the snapshot holds (published and happened by its day).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from generator.domain.calendar import start_of_day
from generator.domain.calls import CallFacts
from generator.domain.model import (
    CHANGE_SUBJECTS,
    EVENT_TYPE_NAMES,
    LEVEL_NAMES,
    Cluster,
    Event,
)
from generator.domain.snapshot import Revocation, Snapshot
from generator.publish.serialize import ExportFile, chinese_day
from generator.publish.urls import page_url
from generator.schema.package import SchemaSet

TAG_PREFIX = "tag:gz-clusters,2024:"  # Atom ids (RFC 4151); fixed, so they never depend on the host or build


@dataclass(frozen=True)
class _FeedItem:
    key: str  # unique among items; the entry id is TAG_PREFIX + key
    day: dt.date
    title: str
    summary: str
    page: str  # site-root-relative URL
    related: str | None
    term: str
    label: str


def _event_key(cluster: Cluster, event: Event) -> str:
    """A key from what the event is, not its position, so inserting an older event changes no key."""
    qualifier = {"annual_report": event.year, "changed": event.subject}.get(event.type, event.level)
    parts = [cluster.id, event.type, str(event.date or event.valid_from or event.batch or "undated")]
    if qualifier is not None:
        parts.append(str(qualifier))
    return "/".join(parts)


def _unique_keys(keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        unique.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return unique


def _event_title(event: Event, revocation: Revocation | None) -> str:
    level = LEVEL_NAMES.get(event.level or "", "")
    if event.type == "certified":
        return f"{level}认定"
    if event.type == "renewed":
        return f"{level}认定复核通过"
    if event.type == "revoked":
        basis = f"{revocation.policy.short_title} {event.reason}" if revocation and revocation.policy else event.reason
        return f"撤销{level}认定（{basis}）" if event.reason else f"撤销{level}认定"
    if event.type == "changed":
        return f"变更报备（{CHANGE_SUBJECTS.get(event.subject or '', '其他')}）"
    if event.type == "annual_report":
        return f"报送 {event.year} 年度报告"
    return EVENT_TYPE_NAMES.get(event.type, event.type)


def _event_summary(cluster: Cluster, event: Event, revocation: Revocation | None) -> str:
    if event.date is None:
        raise ValueError(f"an undated event has no feed item: {event!r}")
    parts = [f"{event.date.chinese()}，{cluster.name}：{_event_title(event, revocation)}。"]
    if event.type == "revoked" and revocation and revocation.ground:
        parts.append(f"撤销理由：“{revocation.ground}”")
    if event.doc_no:
        parts.append(f"文号：{event.doc_no}。")
    if event.description:
        parts.append(
            event.description if event.description.endswith(("。", "！", "？", ".")) else event.description + "。"
        )
    return "".join(parts)


def _call_summary(view: CallFacts) -> str:
    call = view.call
    parts = [f"{call.issuer}于{chinese_day(call.published_on)}发布{call.year} 年度申报通知。"]
    if call.doc_no:
        parts.append(f"文号：{call.doc_no}。")
    if view.deadline_label:
        parts.append(f"申报截至 {view.deadline_label}（北京时间，通知载明）。")
    else:
        parts.append("本站记录中没有通知载明的截止日期。")
    if call.district_deadline_on:
        parts.append(f"区级初审截止日：{call.district_deadline_on.isoformat()}（通知载明）。")
    return "".join(parts)


def _feed_items(snapshot: Snapshot) -> list[_FeedItem]:
    items: list[_FeedItem] = [
        _FeedItem(
            f"call/{view.call.id}",
            view.call.published_on,
            f"申报通知：{view.call.title}",
            _call_summary(view),
            page_url(view.page),
            view.call.url,
            "call",
            "申报通知",
        )
        for view in snapshot.calls
    ]
    for view in snapshot.notices:
        notice = view.notice
        page = page_url(view.page)
        items.append(
            _FeedItem(
                f"notice/{notice.id}",
                notice.published_on,
                f"公示：{notice.title}",
                f"{notice.issuer}于{chinese_day(notice.published_on)}发布公示。{view.window_sentence}",
                page,
                notice.url,
                "notice",
                "公示",
            )
        )
        outcome = notice.outcome
        if outcome.final_date is not None:
            parts = [f"{chinese_day(outcome.final_date)}发布正式名单。"]
            if outcome.final_doc_no:
                parts.append(f"文号：{outcome.final_doc_no}。")
            if outcome.objections_received is not None:
                parts.append(f"公示期间收到异议 {outcome.objections_received} 件")
                if outcome.objections_upheld is not None:
                    parts.append(f"，其中成立 {outcome.objections_upheld} 件")
                parts.append("。")
            items.append(
                _FeedItem(
                    f"notice/{notice.id}/final",
                    outcome.final_date,
                    f"公示结果：{notice.title}",
                    "".join(parts),
                    page,
                    outcome.final_url,
                    "final-list",
                    "正式名单",
                )
            )
    clusters = sorted(snapshot.clusters, key=lambda facts: facts.cluster.id)
    dated = [
        (cluster_view, event, event.date)
        for cluster_view in clusters
        for event in cluster_view.cluster.events
        if event.date is not None
    ]
    keys = _unique_keys([_event_key(cluster_view.cluster, event) for cluster_view, event, _ in dated])
    for key, (cluster_view, event, date) in zip(keys, dated, strict=True):
        cluster = cluster_view.cluster
        revocation = cluster_view.revocation if event.type == "revoked" else None
        items.append(
            _FeedItem(
                f"cluster/{key}",
                date.earliest,
                f"{cluster.name}：{_event_title(event, revocation)}",
                _event_summary(cluster, event, revocation),
                page_url(cluster.page),
                event.source,
                event.type,
                EVENT_TYPE_NAMES.get(event.type, event.type),
            )
        )
    # The snapshot holds only what had happened by its day: a record dated later waits for its day.
    return sorted(items, key=lambda item: (item.day, item.key), reverse=True)


def _link(path: str, base: str | None, from_dir: str) -> str:
    """Absolute under the site's base URL, else relative to the folder of the file linking."""
    if base:
        return base + path
    rel = posixpath.relpath(path or ".", from_dir)
    return rel + "/" if path.endswith("/") and not rel.endswith("/") else rel


def _publisher(snapshot: Snapshot, schema_set: SchemaSet) -> str:
    site = snapshot.site.values if snapshot.site else {}
    return site.get("publisher") or site.get("title") or schema_set.package["title"]


def feed_file(schema_set: SchemaSet, snapshot: Snapshot, base: str | None) -> ExportFile:
    items = _feed_items(snapshot)
    feed = FeedGenerator()
    feed.id(TAG_PREFIX + "feeds/notices")
    feed.title(f"{schema_set.package['title']}：公示与集群动态")
    feed.subtitle("申报通知、公示发布、正式名单，以及集群的认定、复核、撤销、变更报备和年度报告。")
    feed.author({"name": _publisher(snapshot, schema_set)})
    feed.language("zh-CN")
    feed.generator("gz-clusters")
    feed.rights(" ".join(f"{licence['title']}（{licence['name']}）" for licence in schema_set.package["licenses"]))
    feed.link(href=_link("notices/", base, "feeds"), rel="alternate", type="text/html")
    if base:
        feed.link(href=base + "feeds/notices.atom", rel="self", type="application/atom+xml")
    # The feed's own date is its newest entry's, never the build time.
    feed.updated(start_of_day(items[0].day if items else snapshot.day))
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(TAG_PREFIX + item.key)
        entry.title(item.title)
        entry.updated(start_of_day(item.day))
        # One link only: feedgen 1.0.0 drops rel/type/title of entry links (lkiesow/python-feedgen#135),
        # so a second (source) link would become a second "alternate"; the source goes in the summary.
        entry.link(href=_link(item.page, base, "feeds"))
        entry.summary(item.summary + (f"来源：{item.related}" if item.related else ""))
        entry.category(term=item.term, label=item.label)
    content = feed.atom_str(pretty=True)
    return ExportFile(
        "feeds/notices.atom",
        content,
        "application/atom+xml",
        "公示与集群动态（Atom 订阅）",
        "公示发布、正式名单与集群事件，最新的在前；可用 RSS/Atom 阅读器订阅。",
    )
