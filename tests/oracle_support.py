"""The as-of oracle of tests/test_oracle.py and tests/test_instant.py, and the check of `clusters diff`.

What it reads back lives beside it, one module per kind of output: the pages (tests/oracle_pages.py),
the open data (tests/oracle_opendata.py), the feeds (tests/oracle_feeds.py); the valid record folders
it is run on are drawn by tests/oracle_records.py.

The oracle (`check_consistent`) reads what the site publishes with real parsers (html.parser, csv,
json, xml.etree, icalendar and the strict `ical` package), compares the outputs with one another
and with the snapshot's values, and fails with a list of precise findings (record, output, both
values). It works on rendered pages (Page.content: an HTML body, or Markdown holding raw HTML blocks) as well as on
the HTML files of a built site.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from conftest import Node
from oracle_feeds import TAG_PREFIX, UID_SUFFIX, IcsEvent, is_instant, read_feed, read_ics
from oracle_opendata import csv_by_id, json_by_id, read_csv
from oracle_pages import (
    DATE_RE,
    PARTIAL_RE,
    NoticeBadge,
    content_link,
    instant_of_label,
    link_target,
    notice_badge,
    notice_badges,
    parse_html,
    record_id_in,
    status_badge,
)
from oracle_records import GUIDELINE_START

from generator.domain.calendar import SHANGHAI, day_of, start_of_day
from generator.domain.lifecycle import NOTICE_STATE_LABELS, STATUS_LABELS
from generator.domain.model import Dataset, PartialDate
from generator.domain.snapshot import Snapshot, take_snapshot


def shown(value: Any) -> str:
    """A value for a message: instants and days in ISO form, containers element by element."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return "(" + ", ".join(shown(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(shown(v) for v in value)) + "}"
    if hasattr(value, "__dataclass_fields__"):
        return (
            f"{type(value).__name__}("
            + ", ".join(f"{k}={shown(getattr(value, k))}" for k in value.__dataclass_fields__)
            + ")"
        )
    return repr(value)


class Findings:
    """Inconsistencies found, each with a code; `known` lists (code, text) of documented bugs
    (see the xfail tests) that are left out of this check."""

    def __init__(self, day: dt.date, known: Iterable[tuple[str, str]] = ()):
        self.day = day
        self.known = tuple(known)
        self.items: list[str] = []
        self.ignored: list[str] = []

    def check(self, condition: bool, message: str, code: str = "mismatch") -> bool:
        if not condition:
            if any(code == known_code and text in message for known_code, text in self.known):
                self.ignored.append(f"[{code}] {message}")
            else:
                self.items.append(f"[{code}] {message}")
        return condition

    def equal(self, what: str, left_name: str, left: Any, right_name: str, right: Any, code: str = "mismatch") -> bool:
        return self.check(left == right, f"{what}: {left_name} = {shown(left)} but {right_name} = {shown(right)}", code)

    def raise_if_any(self) -> None:
        if self.items:
            shown = "\n  - ".join(self.items[:40])
            more = f"\n  … and {len(self.items) - 40} more" if len(self.items) > 40 else ""
            raise AssertionError(f"as of {self.day.isoformat()}: {len(self.items)} inconsistencies\n  - {shown}{more}")


def check_consistent(
    snapshot: Snapshot,
    pages: Iterable[Any] | Mapping[str, str],
    exports: Iterable[Any] | Mapping[str, bytes],
    *,
    dataset: Dataset,
    scan: Mapping[str, bytes] | None = None,
    base_url: str | None = None,
    known: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """Rules 1–3 against the parsed outputs of one build as of `snapshot.day`, `dataset` the records
    the snapshot was taken from (the oracle reads the records again on its own).

    `pages`: Page objects (src_uri, content) or a mapping src_uri -> HTML; `exports`: ExportFile
    objects or a mapping site path -> bytes; `scan`: everything else the build wrote (for the
    "nothing from after the day" search; default: pages and exports); `base_url`: the absolute
    address the exports link to, if any; `known`: (code, text) of documented bugs to leave out.
    Returns the findings left out as known.
    """
    page_map = dict(pages) if isinstance(pages, Mapping) else {p.src_uri: p.content for p in pages}
    file_map = dict(exports) if isinstance(exports, Mapping) else {e.path: e.content for e in exports}
    if scan is None:
        scan = {
            **{f"page {k}": v.encode("utf-8") for k, v in page_map.items()},
            **{f"file {k}": v for k, v in file_map.items()},
        }
    findings = Findings(snapshot.day, known)
    _Oracle(dataset, snapshot, page_map, file_map, dict(scan), base_url, findings).run()
    findings.raise_if_any()
    return findings.ignored


def findings_of(snapshot: Snapshot, pages: Any, exports: Any, **options: Any) -> list[str]:
    """Every finding of `check_consistent` as text (empty when consistent)."""
    try:
        check_consistent(snapshot, pages, exports, **options)
    except AssertionError as error:
        return str(error).splitlines()[1:]
    return []


class _Oracle:
    def __init__(
        self,
        dataset: Dataset,
        snapshot: Snapshot,
        pages: dict[str, str],
        files: dict[str, bytes],
        scan: dict[str, bytes],
        base_url: str | None,
        findings: Findings,
    ):
        self.dataset = dataset
        self.s, self.pages, self.files, self.scan, self.base, self.f = snapshot, pages, files, scan, base_url, findings
        self.day = snapshot.day
        self.at = snapshot.at  # the instant the outputs are as of (the pages say its day)
        self.docs: dict[str, Node] = {}

    def doc(self, src_uri: str) -> Node | None:
        if src_uri not in self.docs:
            text = self.pages.get(src_uri)
            if text is None:
                self.f.check(False, f"page {src_uri}: missing from the output")
                return None
            self.docs[src_uri] = parse_html(text)
        return self.docs[src_uri]

    # -----------------------------------------------------------------------------------------
    def run(self) -> None:
        self.cluster_facts = {facts.cluster.id: facts for facts in self.s.clusters}
        self.notice_facts = {facts.notice.id: facts for facts in self.s.notices}
        self.published = {nid for nid, n in self.dataset.notices.items() if n.published_on <= self.day}
        self.scheduled = {nid for nid, n in self.dataset.notices.items() if n.published_on > self.day}
        self.f.equal(
            "published notices", "snapshot", set(self.notice_facts), "records with published_on <= day", self.published
        )
        self.ics = read_ics(self.files["calendar/deadlines.ics"])
        self.feed_updated, self.feed = read_feed(self.files["feeds/notices.atom"])
        self.check_pages_present()
        self.check_links()
        self.check_clusters()
        self.check_notices()
        self.check_outcomes()
        self.check_events_as_of()
        self.check_municipal_count()
        self.check_deadlines()
        self.check_nothing_scheduled()
        self.check_obligations()

    # -----------------------------------------------------------------------------------------
    def check_pages_present(self) -> None:
        cluster_pages = {
            m.group(1)
            for uri in self.pages
            if (m := re.fullmatch(r"clusters/([a-z0-9-]+)\.md", uri))
            if m.group(1) != "index"
        }
        notice_pages = {
            m.group(1)
            for uri in self.pages
            if (m := re.fullmatch(r"notices/([a-z0-9-]+)\.md", uri))
            if m.group(1) != "index"
        }
        self.f.equal("cluster pages", "pages", cluster_pages, "snapshot clusters", set(self.cluster_facts))
        self.f.equal("notice pages", "pages", notice_pages, "published notices", self.published)

    def check_links(self) -> None:
        """No page links to a cluster or notice page that was not published as of the day."""
        for src_uri in list(self.pages):
            if src_uri == "guide.md":
                continue  # the staff guide states no record (and the text scan covers every page)
            doc = self.doc(src_uri)
            for anchor in doc.find_all("a"):
                target = link_target(src_uri, anchor, self.base)
                for folder, known in (("clusters", self.cluster_facts), ("notices", self.published)):
                    rid = record_id_in(target, folder)
                    if rid is not None:
                        self.f.check(
                            rid in known,
                            f"page {src_uri}: link to {target} ({folder} record {rid} is not "
                            f"published as of {self.day})",
                        )

    # -----------------------------------------------------------------------------------------
    def _list_rows(self, src_uri: str) -> dict[str, dict[str, Any]]:
        doc = self.doc(src_uri)
        rows: dict[str, dict[str, Any]] = {}
        if doc is None:
            return rows
        table = doc.find("table", data_cluster_list=True)
        if table is None:
            self.f.check(
                not doc.find_all("tr", data_status=True), f"page {src_uri}: cluster rows outside the cluster table"
            )
            return rows
        for tr in table.find_all("tr"):
            if "data-status" not in tr.attrs:
                continue
            cells = tr.find_all("td")
            anchor = cells[0].find("a")
            cid = record_id_in(link_target(src_uri, anchor, None), "clusters")
            self.f.check(
                cid is not None and cid not in rows,
                f"page {src_uri}: row without a unique cluster link: {cells[0].text()!r}",
            )
            badge = status_badge(cells[5])
            rows[cid] = {
                "data-status": tr.attrs["data-status"],
                "district": tr.attrs.get("data-district"),
                "badge": badge,
                "valid_until": cells[4].text(),
                "valid_until_value": cells[4].attrs.get("data-value"),
            }
        return rows

    def check_clusters(self) -> None:
        f = self.f
        csv_rows = csv_by_id(self.files, "data/clusters.csv")
        json_rows = json_by_id(self.files, "data/clusters.json")
        list_rows = self._list_rows("clusters/index.md")
        expected = set(self.cluster_facts)
        listed = {e.cluster for nid in self.published for e in self.dataset.notices[nid].entries if e.cluster}
        from_records = {
            cid
            for cid, record in self.dataset.clusters.items()
            if cid in listed or any(self._happened(e) for e in record.events)
        }
        f.equal(
            "clusters shown",
            "snapshot",
            expected,
            "records with an event by the day or on a published notice",
            from_records,
        )
        f.equal("clusters shown", "clusters/index.md", set(list_rows), "snapshot", expected)
        f.equal("clusters shown", "clusters.csv", set(csv_rows), "snapshot", expected)
        f.equal("clusters shown", "clusters.json", set(json_rows), "snapshot", expected)
        district_count = {}
        dindex = self.doc("districts/index.md")
        table = dindex.find("table", "cl-district-table") if dindex is not None else None
        for row in table.find_all("tr") if table is not None else []:
            anchor = content_link(row)
            target = link_target("districts/index.md", anchor, None) if anchor else None
            match = re.fullmatch(r"districts/([a-z0-9-]+)/", target or "")
            total = row.find("td", data_count="total")
            if match and total is not None:
                district_count[match.group(1)] = int(total.text())
        for district in self.dataset.districts.values():
            uri = f"districts/{district.slug}.md"
            rows = self._list_rows(uri)
            own = {cid for cid, facts in self.cluster_facts.items() if facts.cluster.district == district.code}
            f.equal(f"district {district.code} clusters", uri, set(rows), "snapshot", own)
            f.equal(
                f"district {district.code} count",
                "districts/index.md",
                district_count.get(district.slug),
                f"rows on {uri}",
                len(rows),
            )
            for cid, row in rows.items():
                if cid in list_rows:
                    for key in ("data-status", "badge", "valid_until", "valid_until_value"):
                        f.equal(f"cluster {cid} {key}", uri, row[key], "clusters/index.md", list_rows[cid][key])
        for cid, facts in self.cluster_facts.items():
            code, label = facts.status.code, facts.status.label
            valid_until = facts.valid_until.label if facts.valid_until else ""
            f.equal(f"cluster {cid} label", "STATUS_LABELS[code]", STATUS_LABELS.get(code), "snapshot label", label)
            page = self.doc(facts.page)
            page_badge = status_badge(page.find("p", "cl-badges") if page else None)
            f.equal(f"cluster {cid} status", f"{facts.page} badge", page_badge, "snapshot", (code, label))
            row = list_rows.get(cid)
            if row:
                f.equal(
                    f"cluster {cid} status",
                    "clusters/index.md data-status",
                    row["data-status"],
                    f"{facts.page} badge code",
                    page_badge[0] if page_badge else None,
                )
                f.equal(
                    f"cluster {cid} status", "clusters/index.md badge", row["badge"], f"{facts.page} badge", page_badge
                )
                f.equal(
                    f"cluster {cid} district",
                    "clusters/index.md data-district",
                    row["district"],
                    "record",
                    facts.cluster.district,
                )
                f.equal(
                    f"cluster {cid} valid_until",
                    "clusters/index.md",
                    row["valid_until"],
                    "clusters.csv",
                    csv_rows.get(cid, {}).get("valid_until") or "未载明",
                )
                f.equal(
                    f"cluster {cid} valid_until day",
                    "clusters/index.md data-value",
                    row["valid_until_value"],
                    "snapshot earliest",
                    facts.valid_until.earliest.isoformat() if facts.valid_until else "",
                )
            for name, rows in (("clusters.csv", csv_rows), ("clusters.json", json_rows)):
                out = rows.get(cid)
                if out is None:
                    continue
                f.equal(
                    f"cluster {cid} status",
                    f"{name} status",
                    out["status"],
                    f"{facts.page} badge code",
                    page_badge[0] if page_badge else None,
                )
                f.equal(
                    f"cluster {cid} status_label",
                    f"{name} status_label",
                    out["status_label"],
                    f"{facts.page} badge label",
                    page_badge[1] if page_badge else None,
                )
                f.equal(f"cluster {cid} valid_until", name, out["valid_until"] or "", "snapshot", valid_until)
                f.equal(
                    f"cluster {cid} status_as_of",
                    name,
                    dt.datetime.fromisoformat(out["status_as_of"]),
                    "snapshot instant",
                    self.at,
                )
            if cid in csv_rows and cid in json_rows:
                for key in ("status", "status_label", "valid_until", "highest_level", "district_name"):
                    f.equal(
                        f"cluster {cid} {key}",
                        "clusters.csv",
                        csv_rows[cid][key] or None,
                        "clusters.json",
                        json_rows[cid][key],
                    )
            # Revocation section on the page iff a revocation had happened (as-of events).
            if page is not None:
                events = list(facts.cluster.events)
                revoked_at = next((i for i, e in enumerate(events) if e.type == "revoked"), None)
                f.equal(
                    f"cluster {cid} revocation section",
                    facts.page,
                    page.find("div", "cl-revocation") is not None,
                    "as-of events include a revocation",
                    revoked_at is not None,
                )
                # A revocation the page publishes (and no recognition after it) is the status.
                if revoked_at is not None and not any(e.type == "certified" for e in events[revoked_at + 1 :]):
                    f.equal(
                        f"cluster {cid} status",
                        f"{facts.page} badge (the page shows the revocation of {events[revoked_at].date})",
                        page_badge[0] if page_badge else None,
                        "expected",
                        "revoked",
                        "revocation-not-in-status",
                    )

    # -----------------------------------------------------------------------------------------
    def check_notices(self) -> None:
        f = self.f
        csv_rows = csv_by_id(self.files, "data/notices.csv")
        json_rows = json_by_id(self.files, "data/notices.json")
        f.equal("notices listed", "notices.csv", set(csv_rows), "published notices", self.published)
        f.equal("notices listed", "notices.json", set(json_rows), "published notices", self.published)
        feed_notices = {
            e.id[len(TAG_PREFIX + "notice/") :]: e
            for e in self.feed
            if re.fullmatch(re.escape(TAG_PREFIX) + r"notice/[a-z0-9-]+", e.id)
        }
        f.equal("notices in the feed", "notices.atom", set(feed_notices), "published notices", self.published)
        index_items = self._notice_items("notices/index.md")
        f.equal("notices listed", "notices/index.md", set(index_items), "published notices", self.published)
        home_items = self._notice_items("index.md", container_cls="cl-notices")
        cluster_badges: dict[str, list[tuple[str, NoticeBadge]]] = {}
        for cid, facts in self.cluster_facts.items():
            page = self.doc(facts.page)
            related = page.find("div", "cl-related") if page else None
            listed = set()
            for li in related.find_all("li") if related else []:
                nid = record_id_in(link_target(facts.page, content_link(li), None), "notices")
                listed.add(nid)
                cluster_badges.setdefault(nid, []).append((facts.page, notice_badge(notice_badges(li)[0])))
            f.equal(
                f"cluster {cid} related notices", facts.page, listed, "snapshot", {n.notice.id for n in facts.notices}
            )
            # 公示中 rests on a published notice that is open on the day.
            if status_badge(page.find("p", "cl-badges") if page else None) == ("in_publicity", "公示中"):
                states = [
                    badge.state
                    for nid, pairs in cluster_badges.items()
                    if nid in listed
                    for where, badge in pairs
                    if where == facts.page
                ]
                f.check(
                    "open" in states, f"cluster {cid}: {facts.page} says 公示中 but its related notices are {states}"
                )
        for nid in self.published:
            facts = self.notice_facts.get(nid)
            if facts is None:
                continue
            page = self.doc(facts.page)
            if page is None:
                continue
            record = self.dataset.notices[nid]
            badges = notice_badges(page.find("p", "cl-badges"))
            f.check(len(badges) == 1, f"notice {nid}: {facts.page} has {len(badges)} state badges")
            if not badges:
                continue
            badge = notice_badge(badges[0])
            window = facts.window
            f.equal(
                f"notice {nid} state",
                f"{facts.page} badge",
                (badge.state, badge.label),
                "snapshot",
                (facts.state, NOTICE_STATE_LABELS[facts.state]),
            )
            # The window as the page states it.
            window_dd = self._dd_after(page, "公示期")
            match = re.search(rf"({DATE_RE}) 至 ({DATE_RE})", window_dd.text() if window_dd else "")
            page_days = (
                (dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2))) if match else None
            )
            close_dd = self._dd_after(page, "截止时间")
            close_match = re.match(rf"({DATE_RE} \d{{2}}:\d{{2}})", close_dd.text() if close_dd else "")
            page_close = instant_of_label(close_match.group(1)) if close_match else None
            csv_row, json_row = csv_rows.get(nid), json_rows.get(nid)
            ics = self.ics.get(f"notice-close-{nid}{UID_SUFFIX}")
            feed_entry = feed_notices.get(nid)
            feed_match = re.search(
                rf"公示期 ({DATE_RE}) 至 ({DATE_RE})（(\d+) 个工作日），异议受理截至 ({DATE_RE} \d{{2}}:\d{{2}})",
                feed_entry.summary if feed_entry else "",
            )
            if window is None:
                f.check(
                    badge.opens is None and badge.closes is None,
                    f"notice {nid}: window unknown but {facts.page} badge has data-opens/closes",
                )
                f.check(ics is None, f"notice {nid}: window unknown but deadlines.ics has {ics}")
                for name, row in (("notices.csv", csv_row), ("notices.json", json_row)):
                    if row:
                        f.check(
                            not row["closes_at"],
                            f"notice {nid}: window unknown but {name} closes_at = {row['closes_at']!r}",
                        )
                continue
            f.check(
                badge.opens is not None and badge.closes is not None,
                f"notice {nid}: {facts.page} badge lacks data-opens/data-closes",
            )
            if badge.closes is None or badge.opens is None:
                continue
            # Pages against the snapshot and against each other.
            f.equal(f"notice {nid} closes", f"{facts.page} data-closes", badge.closes, "snapshot", window.closes_at)
            f.equal(f"notice {nid} opens", f"{facts.page} data-opens", badge.opens, "snapshot", window.opens_at)
            f.equal(
                f"notice {nid} window",
                f"{facts.page} 公示期",
                page_days,
                "snapshot",
                (window.first_day, window.last_day),
            )
            f.equal(
                f"notice {nid} closes", f"{facts.page} 截止时间", page_close, f"{facts.page} data-closes", badge.closes
            )
            if page_days is None:
                continue
            first_day, last_day = page_days
            self._check_instants(
                nid, facts.page, badge, first_day, last_day, close_match.group(1) if close_match else ""
            )
            # The state at the instant follows from the window the outputs state: open from 00:00 of
            # the first day until the closing instant the page states (not through the last day).
            closes = badge.closes or start_of_day(last_day + dt.timedelta(days=1))
            expected_state = (
                "upcoming" if self.at < start_of_day(first_day) else "open" if self.at < closes else "closed"
            )
            f.equal(
                f"notice {nid} state",
                f"{facts.page} badge",
                badge.state,
                f"{self.at.isoformat()} vs window {first_day}..{closes.isoformat()}",
                expected_state,
            )
            # The notices index and the home page.
            item = index_items.get(nid)
            if item:
                f.equal(f"notice {nid} badge", "notices/index.md", item["badge"], facts.page, badge)
                f.equal(
                    f"notice {nid} section",
                    "notices/index.md section",
                    item["section"],
                    f"{facts.page} state",
                    badge.state,
                )
                f.equal(f"notice {nid} window", "notices/index.md", item["days"], facts.page, page_days)
            if badge.state in ("open", "upcoming"):
                home = home_items.get(nid)
                if f.check(home is not None, f"notice {nid}: {badge.state} but not listed on index.md (open-notices)"):
                    f.equal(f"notice {nid} badge", "index.md", home["badge"], facts.page, badge)
                    f.equal(f"notice {nid} window", "index.md", home["days"], facts.page, page_days)
            else:
                f.check(nid not in home_items, f"notice {nid}: {badge.state} but listed on index.md open-notices")
            for where, other in cluster_badges.get(nid, []):
                f.equal(f"notice {nid} badge", where, other, facts.page, badge)
            # Open data.
            for name, row in (("notices.csv", csv_row), ("notices.json", json_row)):
                if row is None:
                    continue
                f.equal(f"notice {nid} first_day", name, row["first_day"], facts.page, first_day.isoformat())
                f.equal(f"notice {nid} last_day", name, row["last_day"], facts.page, last_day.isoformat())
                f.equal(
                    f"notice {nid} closes_at",
                    name,
                    dt.datetime.fromisoformat(row["closes_at"]) if row["closes_at"] else None,
                    f"{facts.page} data-closes",
                    badge.closes,
                )
                f.equal(f"notice {nid} state", name, row["state"], f"{facts.page} badge", badge.state)
            # Feed.
            if feed_entry is not None:
                f.equal(
                    f"notice {nid} feed updated",
                    "notices.atom",
                    feed_entry.updated,
                    "published_on 00:00",
                    start_of_day(record.published_on),
                )
                if f.check(
                    feed_match is not None, f"notice {nid}: feed summary states no window: {feed_entry.summary!r}"
                ):
                    f.equal(
                        f"notice {nid} window",
                        "notices.atom",
                        (feed_match.group(1), feed_match.group(2)),
                        facts.page,
                        (first_day.isoformat(), last_day.isoformat()),
                    )
                    f.equal(
                        f"notice {nid} closes",
                        "notices.atom",
                        instant_of_label(feed_match.group(4)),
                        f"{facts.page} data-closes",
                        badge.closes,
                    )
            # The notice's own data package states the same window.
            package = self.files.get(f"data/notices/{nid}/datapackage.json")
            if f.check(package is not None, f"notice {nid}: no data/notices/{nid}/datapackage.json"):
                description = json.loads(package)["description"]
                match = re.search(
                    rf"公示期 ({DATE_RE}) 至 ({DATE_RE})（\d+ 个工作日），异议受理截至 ({DATE_RE} \d{{2}}:\d{{2}})",
                    description,
                )
                if f.check(match is not None, f"notice {nid}: datapackage.json states no window: {description!r}"):
                    f.equal(
                        f"notice {nid} window",
                        f"data/notices/{nid}/datapackage.json",
                        (match.group(1), match.group(2), instant_of_label(match.group(3))),
                        facts.page,
                        (first_day.isoformat(), last_day.isoformat(), badge.closes),
                    )
            # Working days left (home) = the page's working days from the day on.
            listed_days = self._dd_after(page, "公示期内的工作日")
            home = home_items.get(nid)
            if listed_days is not None and home is not None and badge.state == "open":
                days = [
                    self._in_window(md, first_day, last_day) for md in re.findall(r"\d{2}-\d{2}", listed_days.text())
                ]
                left = sum(1 for d in days if d >= self.day)
                f.equal(
                    f"notice {nid} working days left",
                    "index.md",
                    home["left"],
                    f"{facts.page} working days >= day",
                    left,
                )
            # Calendar: the objection deadline on its last day, ending at the closing instant.
            if f.check(ics is not None, f"notice {nid}: no notice-close event in deadlines.ics"):
                f.equal(f"notice {nid} DTEND", "deadlines.ics", ics.end, f"{facts.page} data-closes", badge.closes)
                f.equal(
                    f"notice {nid} DTSTART",
                    "deadlines.ics",
                    ics.start,
                    "last day 00:00 Asia/Shanghai",
                    start_of_day(last_day),
                )
                f.equal(
                    f"notice {nid} DTSTART day",
                    "deadlines.ics",
                    ics.start.astimezone(SHANGHAI).date() if is_instant(ics.start) else None,
                    "last day",
                    last_day,
                )
                f.equal(
                    f"notice {nid} TZID",
                    "deadlines.ics",
                    (ics.start_tzid, ics.end_tzid),
                    "expected",
                    ("Asia/Shanghai", "Asia/Shanghai"),
                )

    def _check_instants(
        self, nid: str, where: str, badge: NoticeBadge, first_day: dt.date, last_day: dt.date, close_label: str
    ) -> None:
        """The closing instant against the edges of the last day (compared as instants)."""
        f = self.f
        closes = badge.closes
        f.equal(f"notice {nid} opens", f"{where} data-opens", badge.opens, "first day 00:00", start_of_day(first_day))
        f.check(closes.utcoffset() == dt.timedelta(hours=8), f"notice {nid}: data-closes {closes} is not +08:00")
        last_start, next_start = start_of_day(last_day), start_of_day(last_day + dt.timedelta(days=1))
        f.check(
            last_start < closes <= next_start,
            f"notice {nid}: data-closes {closes.isoformat()} not within the last day {last_day}",
        )
        before_midnight = dt.datetime.combine(last_day, dt.time(23, 59), tzinfo=SHANGHAI)
        at_24 = close_label.endswith("24:00")
        f.equal(
            f"notice {nid}: 23:59 of the last day is before the close",
            "data-closes",
            before_midnight < closes,
            f"closing label {close_label!r}",
            at_24,
        )
        f.check(
            not next_start < closes,
            f"notice {nid}: 00:00 after the last day ({next_start}) is still before the close {closes.isoformat()}",
        )
        # The same instants in another zone are the same instants.
        utc = closes.astimezone(dt.UTC)
        f.check(
            utc == closes and (utc >= next_start) == (closes >= next_start),
            f"notice {nid}: closing instant changes with the zone",
        )

    @staticmethod
    def _in_window(month_day: str, first_day: dt.date, last_day: dt.date) -> dt.date:
        month, day = (int(x) for x in month_day.split("-"))
        for year in (first_day.year, last_day.year):
            candidate = dt.date(year, month, day)
            if first_day <= candidate <= last_day:
                return candidate
        raise AssertionError(f"working day {month_day} outside the window {first_day}..{last_day}")

    def _dd_after(self, page: Node, title: str) -> Node | None:
        nodes = [n for n in page.iter() if n.tag in ("dt", "dd")]
        for index, node in enumerate(nodes):
            if node.tag == "dt" and node.text() == title and index + 1 < len(nodes) and nodes[index + 1].tag == "dd":
                return nodes[index + 1]
        return None

    def _notice_items(self, src_uri: str, container_cls: str | None = None) -> dict[str, dict[str, Any]]:
        doc = self.doc(src_uri)
        items: dict[str, dict[str, Any]] = {}
        if doc is None:
            return items
        scopes = doc.find_all("div", container_cls) if container_cls else [doc]
        for scope in scopes:
            for li in scope.find_all("li"):
                badges = notice_badges(li)
                if not badges:
                    continue
                nid = record_id_in(link_target(src_uri, content_link(li), None), "notices")
                self.f.check(
                    nid is not None and nid not in items,
                    f"page {src_uri}: notice item without a unique notice link: {li.text()!r}",
                )
                match = re.search(rf"公示期 ({DATE_RE}) 至 ({DATE_RE})", li.text())
                left = re.search(r"还剩 (\d+) 个工作日", li.text())
                items[nid] = {
                    "badge": notice_badge(badges[0]),
                    "section": li.section,
                    "left": int(left.group(1)) if left else None,
                    "days": (dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2)))
                    if match
                    else None,
                }
        return items

    # -----------------------------------------------------------------------------------------
    def check_outcomes(self) -> None:
        """A notice's outcome appears from its final date (or, without one, once it closed)."""
        f = self.f
        csv_rows = csv_by_id(self.files, "data/notices.csv")
        finals = {
            e.id[len(TAG_PREFIX + "notice/") : -len("/final")]
            for e in self.feed
            if e.id.startswith(TAG_PREFIX + "notice/") and e.id.endswith("/final")
        }
        expected_finals = set()
        for nid, record in self.dataset.notices.items():
            outcome = record.outcome
            if outcome.is_empty:
                continue
            facts = self.notice_facts.get(nid)
            if outcome.final_date is not None:
                visible = outcome.final_date <= self.day and nid in self.published
            else:
                visible = facts is not None and facts.state == "closed"
            if outcome.final_date is not None and visible:
                expected_finals.add(nid)
            tokens = [t for t in (outcome.final_doc_no, outcome.final_url) if t]
            if not visible:
                for token in tokens:
                    for name, _hit in self._scan_hits(token):
                        f.check(
                            False,
                            f"notice {nid}: outcome {token!r} (final_date {outcome.final_date}) appears "
                            f"in {name} as of {self.day}",
                            "outcome-early",
                        )
                if nid in self.published and outcome.final_date is not None:
                    f.check(
                        f"data/notices/{nid}/final-diff.json" not in self.files,
                        f"notice {nid}: data/notices/{nid}/final-diff.json published as of {self.day}, before the "
                        f"final list ({outcome.final_date})",
                        "final-diff-early",
                    )
                continue
            # Visible: the notice page and the open data state it.
            page = self.doc(f"notices/{nid}.md")
            outcome_div = page.find("div", "cl-outcome") if page else None
            if outcome.final_doc_no:
                f.check(
                    outcome_div is not None and outcome.final_doc_no in outcome_div.text(),
                    f"notice {nid}: outcome {outcome.final_doc_no!r} published as of {self.day} but missing from "
                    f"notices/{nid}.md ({outcome_div.text() if outcome_div else None!r})",
                )
                f.equal(
                    f"notice {nid} outcome_final_doc_no",
                    "notices.csv",
                    csv_rows.get(nid, {}).get("outcome_final_doc_no"),
                    "record",
                    outcome.final_doc_no,
                )
        f.equal("final-list feed entries", "notices.atom", finals, "notices whose final_date <= day", expected_finals)

    def _scan_hits(self, token: str) -> list[tuple[str, bytes]]:
        forms = {
            token.encode("utf-8"),
            json.dumps(token)[1:-1].encode("utf-8"),
            json.dumps(token, ensure_ascii=False)[1:-1].encode("utf-8"),
        }
        forms |= {f.replace(b"/", b"\\/") for f in forms}
        return [(name, form) for name, content in self.scan.items() for form in forms if form in content]

    # -----------------------------------------------------------------------------------------
    def _happened(self, event) -> bool:
        """As of the day, from the records alone: dated on or before it (a partial date from its first
        day), and a recognition from a notice's final list not before the list's date."""
        notice = self.dataset.notices.get(event.notice) if event.notice else None
        if notice is not None and notice.outcome.final_date is not None and self.day < notice.outcome.final_date:
            return False
        return event.date is None or event.date.earliest <= self.day

    def check_events_as_of(self) -> None:
        """No event dated after the day in events.csv, the feed, the home page's recent changes or a
        cluster's history; and every event that had happened is there."""
        f = self.f
        happened = {
            cid: [e for e in record.events if self._happened(e)]
            for cid, record in self.dataset.clusters.items()
            if cid in self.cluster_facts
        }
        rows = read_csv(self.files["data/events.csv"])
        per_cluster: dict[str, int] = {}
        for row in rows:
            per_cluster[row["cluster_id"]] = per_cluster.get(row["cluster_id"], 0) + 1
            f.check(
                row["cluster_id"] in self.cluster_facts,
                f"events.csv: row for cluster {row['cluster_id']} which is not shown as of {self.day}",
            )
            if row["date"]:
                f.check(
                    PartialDate.parse(row["date"]).earliest <= self.day,
                    f"events.csv: cluster {row['cluster_id']} event {row['type']} dated {row['date']} is after "
                    f"{self.day}",
                )
            if row.get("notice"):
                f.check(
                    row["notice"] in self.published,
                    f"events.csv: cluster {row['cluster_id']} event {row['type']} dated {row['date']} names notice "
                    f"{row['notice']}, not published as of {self.day} (published_on "
                    f"{self.dataset.notices[row['notice']].published_on})",
                    "scheduled-notice-named",
                )
        for cid, events in happened.items():
            f.equal(
                f"cluster {cid} events",
                "events.csv rows",
                per_cluster.get(cid, 0),
                "record events dated <= day",
                len(events),
            )
        # The feed.
        end_of_day = start_of_day(self.day + dt.timedelta(days=1))
        f.check(self.feed_updated < end_of_day, f"notices.atom: feed updated {self.feed_updated} is after {self.day}")
        cluster_entries: dict[str, int] = {}
        for entry in self.feed:
            f.check(
                entry.updated < end_of_day,
                f"notices.atom: entry {entry.id} updated {entry.updated} is after {self.day}",
            )
            match = re.fullmatch(re.escape(TAG_PREFIX) + r"cluster/([a-z0-9-]+)/.*", entry.id)
            if match:
                cluster_entries[match.group(1)] = cluster_entries.get(match.group(1), 0) + 1
        for cid, events in happened.items():
            f.equal(
                f"cluster {cid} feed entries",
                "notices.atom",
                cluster_entries.get(cid, 0),
                "dated record events <= day",
                sum(1 for e in events if e.date is not None),
            )
        # Home: recent changes.
        home = self.doc("index.md")
        recent = home.find("div", "cl-recent") if home else None
        for li in recent.find_all("li") if recent else []:
            match = re.match(rf"({PARTIAL_RE})：", li.text())
            if f.check(match is not None, f"index.md recent change without a date: {li.text()!r}"):
                f.check(
                    PartialDate.parse(match.group(1)).earliest <= self.day,
                    f"index.md recent change dated {match.group(1)} is after {self.day}: {li.text()!r}",
                )
        # Cluster pages: history and sources.
        for cid, facts in self.cluster_facts.items():
            page = self.doc(facts.page)
            sources = page.find("div", "cl-sources") if page else None
            cited = {a.attrs.get("href") for a in sources.find_all("a")} if sources else set()
            for source in self.dataset.clusters[cid].sources:
                if source.published_on is not None and source.published_on.earliest > self.day:
                    f.check(
                        source.url not in cited,
                        f"cluster {cid}: {facts.page} cites {source.url}, published "
                        f"{source.published_on}, after {self.day}",
                    )
            history = page.find("div", "cl-history") if page else None
            items = history.find_all("li") if history else []
            f.equal(
                f"cluster {cid} history",
                facts.page,
                len(items),
                "record events dated <= day",
                len(happened.get(cid, [])),
            )
            for li in items:
                strong = li.find("strong")
                text = strong.text() if strong else ""
                if re.fullmatch(PARTIAL_RE, text):
                    f.check(
                        PartialDate.parse(text).earliest <= self.day,
                        f"cluster {cid}: {facts.page} history shows an event dated {text}, after {self.day}",
                    )

    # -----------------------------------------------------------------------------------------
    def check_municipal_count(self) -> None:
        f = self.f
        home = self.doc("index.md")
        if home is None:
            return
        progress = home.find("div", "cl-progress")
        strong = progress.find("strong", data_count="municipal") if progress else None
        bar = progress.find("progress") if progress else None
        list_rows = self._list_rows("clusters/index.md")
        counted = sum(1 for row in list_rows.values() if row["data-status"] in ("valid", "expiring"))
        if self.day < GUIDELINE_START:
            f.check(
                strong is None and bar is None,
                f"index.md: before the guideline's start ({GUIDELINE_START}) the home page counts municipal "
                f"clusters: {progress.text() if progress else None!r}",
            )
            f.check(
                progress is not None and "尚未施行" in progress.text(),
                f"index.md: before {GUIDELINE_START} the home page does not say the guideline is not yet in force",
            )
            f.equal("municipal count", "snapshot.municipal", len(self.s.municipal), "before the guideline", 0)
        else:
            number = int(strong.text()) if strong and strong.text().isdigit() else None
            f.equal("municipal count", "index.md", number, "valid/expiring rows on clusters/index.md", counted)
            f.equal("municipal count", "index.md", number, "snapshot", len(self.s.municipal))
            if bar is not None:
                f.equal(
                    "municipal progress",
                    "index.md <progress value>",
                    bar.attrs.get("value"),
                    "min(count, target)",
                    str(min(counted, self.s.rules.target.value)),
                )
        # Every cluster on the list in exactly one of the home page's status counts.
        headline = home.find("div", "cl-headline")
        shown: dict[str, int] = {}
        for item in headline.find_all("li", data_status=True) if headline else []:
            number = item.find("strong", data_count=item.attrs["data-status"])
            if item.attrs.get("data-n") == "0" and number is not None and number.text() == "0":
                continue  # a status no cluster is in, hidden (site.css) until live-states.js counts one
            shown[item.attrs["data-status"]] = int(number.text()) if number and number.text().isdigit() else -1
        by_status: dict[str, int] = {}
        for row in list_rows.values():
            by_status[row["data-status"]] = by_status.get(row["data-status"], 0) + 1
        f.equal("status counts", "index.md", shown, "rows on clusters/index.md by data-status", by_status)
        total = headline.find("strong", data_count="total") if headline else None
        f.equal(
            "cluster total",
            "index.md",
            int(total.text()) if total else 0,
            "rows on clusters/index.md",
            len(list_rows),
        )

    # -----------------------------------------------------------------------------------------
    def check_deadlines(self) -> None:
        f = self.f
        home = self.doc("index.md")
        if home is None:
            return
        containers = list(home.find_all("div", "cl-deadlines"))
        f.check(
            len(containers) == 1 and containers[0].section == "deadlines",
            f"index.md: deadlines list not found in section 'deadlines' ({[c.section for c in containers]})",
        )
        items = []
        for li in containers[0].find_all("li") if containers else []:
            anchor = content_link(li)
            match = re.match(rf"({DATE_RE})(?: (\d{{2}}:\d{{2}}))?：", li.text())
            if not f.check(match is not None and anchor is not None, f"index.md deadline unreadable: {li.text()!r}"):
                continue
            name = anchor.text()
            what = li.text().split(name, 1)[1].strip()
            items.append((dt.date.fromisoformat(match.group(1)), match.group(2), name, what))
        expected = [(d.day, d.time_label if d.timed else None, d.name, d.what) for d in self.s.upcoming()]
        f.equal("upcoming deadlines", "index.md", items, "snapshot.upcoming()", expected)
        by_summary: dict[str, list[IcsEvent]] = {}
        for event in self.ics.values():
            by_summary.setdefault(event.summary, []).append(event)
        for day, time_label, name, what in items:
            candidates = by_summary.get(f"{what}：{name}", [])
            if not f.check(
                candidates, f"index.md deadline {day} {time_label or ''} {what}：{name} has no event in deadlines.ics"
            ):
                continue
            ok = False
            for event in candidates:
                if time_label is None:
                    ok |= not is_instant(event.start) and event.start == day and event.end == day + dt.timedelta(days=1)
                else:
                    ok |= (
                        is_instant(event.start)
                        and event.start.astimezone(SHANGHAI).date() == day
                        and event.end == instant_of_label(f"{day.isoformat()} {time_label}")
                    )
            f.check(
                ok,
                f"index.md deadline {day} {time_label or '(all day)'} {what}：{name}: deadlines.ics has "
                f"{[(e.start, e.end) for e in candidates]}",
            )
        f.equal(
            "deadline events",
            "deadlines.ics UIDs",
            set(self.ics),
            "snapshot deadlines",
            {f"{d.key}{UID_SUFFIX}" for d in self.s.deadlines},
        )
        for deadline in self.s.deadlines:
            event = self.ics.get(f"{deadline.key}{UID_SUFFIX}")
            if event is None:
                continue
            if deadline.timed:
                f.equal(
                    f"deadline {deadline.key} DTEND",
                    "deadlines.ics",
                    event.end,
                    "snapshot closes_at",
                    deadline.closes_at,
                )
            else:
                f.equal(f"deadline {deadline.key} DTSTART", "deadlines.ics", event.start, "snapshot day", deadline.day)
                f.equal(
                    f"deadline {deadline.key} end",
                    "deadlines.ics DTEND 00:00",
                    start_of_day(event.end),
                    "snapshot closes_at",
                    deadline.closes_at,
                )

    # -----------------------------------------------------------------------------------------
    def check_obligations(self) -> None:
        """Annual reports on the cluster pages and validity ends in the cluster list against the
        calendar file."""
        f = self.f
        list_rows = self._list_rows("clusters/index.md")
        for cid, facts in self.cluster_facts.items():
            page = self.doc(facts.page)
            reports = page.find("div", "cl-reports") if page else None
            for tr in reports.find_all("tr") if reports else []:
                cells = tr.find_all("td")
                if len(cells) != 3:
                    continue
                year, due = cells[0].text(), dt.date.fromisoformat(cells[1].text())
                event = self.ics.get(f"annual-report-{cid}-{year}{UID_SUFFIX}")
                if f.check(
                    event is not None,
                    f"cluster {cid}: {facts.page} lists the {year} annual report due {due} "
                    f"but deadlines.ics has no event for it",
                ):
                    f.equal(f"cluster {cid} {year} report due", "deadlines.ics DTSTART", event.start, facts.page, due)
                    submitted = "cl-report-submitted" in (
                        cells[2].find("span").classes if cells[2].find("span") else []
                    )
                    f.equal(
                        f"cluster {cid} {year} report done",
                        "deadlines.ics summary says 已报送",
                        "（已报送）" in event.summary,
                        f"{facts.page} badge",
                        submitted,
                    )
            row = list_rows.get(cid)
            if row and re.fullmatch(DATE_RE, row["valid_until"]) and row["data-status"] in ("valid", "expiring"):
                end = dt.date.fromisoformat(row["valid_until"])
                events = [e for uid, e in self.ics.items() if uid.startswith(f"validity-end-{cid}-")]
                f.check(
                    any(e.start == end for e in events),
                    f"cluster {cid}: clusters/index.md says {row['data-status']} until {end} but deadlines.ics has "
                    f"no validity end on that day ({[shown(e.start) for e in events]})",
                    "validity-end-missing",
                )

    # -----------------------------------------------------------------------------------------
    def check_nothing_scheduled(self) -> None:
        """A notice published after the day is nowhere: no page, row, entry, event, link or mention."""
        f = self.f
        for nid in sorted(self.scheduled):
            record = self.dataset.notices[nid]
            f.check(
                f"notices/{nid}.md" not in self.pages, f"notice {nid} (published {record.published_on}): has a page"
            )
            f.check(
                f"notice-close-{nid}{UID_SUFFIX}" not in self.ics,
                f"notice {nid} (published {record.published_on}): has an event in deadlines.ics",
            )
            f.check(
                not any(path.startswith(f"data/notices/{nid}/") for path in self.files),
                f"notice {nid} (published {record.published_on}): has files under data/notices/{nid}/",
            )
            candidates = [e.name for e in record.entries if e.cluster is None and e.name]
            for token in (nid, record.title, *candidates):
                for name, form in self._scan_hits(token):
                    f.check(
                        False,
                        f"notice {nid} (published {record.published_on}): {form.decode('utf-8')!r} "
                        f"appears in {name} as of {self.day}",
                        "scheduled-notice-named",
                    )


# ---------------------------------------------------------------------------------------------
# Status changes in `clusters diff`


def check_diff(base: Dataset, head: Dataset, at, schema_set, render_markdown, compare) -> None:
    """`clusters diff` between two datasets at `at` against the statuses of their snapshots."""
    findings = Findings(day_of(at))
    same = compare(head, head, at, schema_set)
    findings.equal("diff of a dataset against itself", "statuses", same.statuses, "expected", [])
    diff = compare(base, head, at, schema_set)
    before = {facts.cluster.id: facts.status for facts in take_snapshot(base, at).clusters}
    after = {facts.cluster.id: facts.status for facts in take_snapshot(head, at).clusters}
    changed = {s.id: s for s in diff.statuses}
    for cid, status in after.items():
        change = changed.get(cid)
        old = before.get(cid)
        if change is None:
            findings.check(
                old is not None and old.code == status.code,
                f"diff: cluster {cid} status {old.label if old else None} -> {status.label} not reported",
            )
        else:
            findings.equal(
                f"diff: cluster {cid} after", "StatusChange.after", change.after, "head snapshot label", status.label
            )
            if old is not None:
                findings.equal(
                    f"diff: cluster {cid} before",
                    "StatusChange.before",
                    change.before,
                    "base snapshot label",
                    old.label,
                )
    findings.check(
        set(changed) <= set(after),
        f"diff: status changes for clusters not in head: {sorted(set(changed) - set(after))}",
    )
    text = render_markdown(diff, "base", "head")
    for change in diff.statuses:
        findings.check(
            f"| {change.after} |" in text, f"diff markdown lacks the new status of {change.id}: {change.after}"
        )
    findings.raise_if_any()
