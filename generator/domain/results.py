"""The result of a 公示: the final list (clusters recognised from the notice) against the proposed one.

Computed once, in the snapshot (`Snapshot.final_lists`), from the clusters as of the day; the notice
page and the notice's data package (final-diff.json) both render it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.domain.model import Cluster, Notice, NoticeEntry

RECOGNITION_EVENTS = ("certified", "renewed")
RESULT_LABELS = {
    "kept": "列入正式名单",
    "changed": "列入正式名单（信息有变化）",
    "dropped": "未列入正式名单",
    "added": "新增（公示名单中没有）",
    "recognised": "由本次公示认定（公示名单未转录，未对照）",
}
FIELD_LABELS = {"name": "名称", "district": "所在区"}


def recognised_by_notice(clusters: Iterable[Cluster]) -> dict[str, list[Cluster]]:
    """For every notice, the clusters with a certified or renewed event that names it (its final
    list), by id: one pass over the clusters instead of one per notice (which grew with
    clusters × notices: 2 s of a 5,000-cluster build, benchmarks/README.md)."""
    found: dict[str, list[Cluster]] = {}
    for cluster in sorted(clusters, key=lambda c: c.id):
        named = {e.notice for e in cluster.events if e.type in RECOGNITION_EVENTS and e.notice is not None}
        for notice_id in named:
            found.setdefault(notice_id, []).append(cluster)
    return found


@dataclass(frozen=True)
class ListRow:
    result: str  # key of RESULT_LABELS
    entry: NoticeEntry | None  # the proposed entry (None for an added cluster)
    cluster: Cluster | None  # the recognised cluster (None for a dropped entry)
    fields: tuple[str, ...] = ()  # for "changed": the fields the entry states differently

    @property
    def label(self) -> str:
        return RESULT_LABELS[self.result]

    @property
    def changed_labels(self) -> str:
        return "、".join(FIELD_LABELS[name] for name in self.fields)


@dataclass(frozen=True)
class FinalList:
    """The proposed list, entry by entry, against the clusters recognised from the notice."""

    notice: Notice
    rows: tuple[ListRow, ...]  # the proposed entries in their order, then the added clusters

    @property
    def compared(self) -> bool:
        """Whether the proposed list was compared: the site compares only a list it transcribed (a
        notice without entries has its list untranscribed, so its recognitions are only listed)."""
        return bool(self.notice.entries)

    def count(self, result: str) -> int:
        return sum(1 for row in self.rows if row.result == result)

    def as_json(self) -> dict[str, Any]:
        """final-diff.json: added, removed (dropped), changed and unchanged (kept); recognised lists every
        cluster recognised from the notice, and compared says whether the proposed list was compared
        (false: the list was not transcribed, and the four comparisons are empty)."""
        added, removed, changed, unchanged = [], [], [], []
        for row in self.rows:
            entry, cluster = row.entry, row.cluster
            if row.result == "added" and cluster is not None:
                added.append({"cluster": cluster.id, "name": cluster.name, "district": cluster.district})
            elif row.result == "dropped" and entry is not None:
                removed.append(
                    {"seq": entry.seq, "cluster": entry.cluster, "name": entry.name, "district": entry.district}
                )
            elif row.result == "changed" and entry is not None and cluster is not None:
                changed.append(
                    {
                        "seq": entry.seq,
                        "cluster": cluster.id,
                        "fields": list(row.fields),
                        "proposed": {"name": entry.name, "district": entry.district},
                        "final": {"name": cluster.name, "district": cluster.district},
                    }
                )
            elif row.result == "kept" and cluster is not None:
                unchanged.append(cluster.id)
        return {
            "notice": self.notice.id,
            "compared": self.compared,
            "recognised": [row.cluster.id for row in self.rows if row.cluster is not None],
            "added": added,
            "removed": removed,
            "changed": changed,
            "unchanged": unchanged,
        }


def final_list(notice: Notice, recognised: list[Cluster]) -> FinalList:
    """Match the proposed entries with the recognised clusters.

    An entry is matched by its cluster id, or by its name when it names no cluster. dropped: proposed
    entries no recognised cluster matches; added: recognised clusters no entry matches; changed:
    matched, but a name or district the entry states differs from the record. A notice whose list the
    site did not transcribe (no entries) is not compared: each recognised cluster is "recognised".
    """
    if not notice.entries:  # the proposed list was not transcribed: nothing to compare with
        return FinalList(notice, tuple(ListRow("recognised", None, c) for c in recognised))
    by_id = {cluster.id: cluster for cluster in recognised}
    matched: set[str] = set()
    rows: list[ListRow] = []
    for entry in notice.entries:
        if entry.cluster is not None:
            cluster = by_id.get(entry.cluster)
        else:
            cluster = next((c for c in recognised if c.name == entry.name and c.id not in matched), None)
        if cluster is None or cluster.id in matched:
            rows.append(ListRow("dropped", entry, None))
            continue
        matched.add(cluster.id)
        differs = tuple(
            name
            for name, proposed, final in (
                ("name", entry.name, cluster.name),
                ("district", entry.district, cluster.district),
            )
            if proposed is not None and proposed != final
        )
        rows.append(ListRow("changed" if differs else "kept", entry, cluster, differs))
    rows += [ListRow("added", None, c) for c in recognised if c.id not in matched]
    return FinalList(notice, tuple(rows))


def final_diff(notice: Notice, recognised: list[Cluster]) -> dict[str, Any]:
    """The final list against the proposed one, as published in final-diff.json."""
    return final_list(notice, recognised).as_json()
