"""The result of a 公示: the final list (clusters recognised from the notice) against the proposed one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.domain.model import Cluster, Notice

RECOGNITION_EVENTS = ("certified", "renewed")


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


def final_diff(notice: Notice, recognised: list[Cluster]) -> dict[str, Any]:
    """The final list against the proposed one.

    An entry is matched by its cluster id, or by its name when it names no cluster.
    removed: proposed entries no recognised cluster matches; added: recognised clusters no entry
    matches; changed: matched, but a name or district the entry states differs from the record.
    """
    by_id = {cluster.id: cluster for cluster in recognised}
    matched: set[str] = set()
    removed, changed, unchanged = [], [], []
    for entry in notice.entries:
        if entry.cluster is not None:
            cluster = by_id.get(entry.cluster)
        else:
            cluster = next((c for c in recognised if c.name == entry.name and c.id not in matched), None)
        if cluster is None or cluster.id in matched:
            removed.append({"seq": entry.seq, "cluster": entry.cluster, "name": entry.name, "district": entry.district})
            continue
        matched.add(cluster.id)
        differs = [
            name
            for name, proposed, final in (
                ("name", entry.name, cluster.name),
                ("district", entry.district, cluster.district),
            )
            if proposed is not None and proposed != final
        ]
        if differs:
            changed.append(
                {
                    "seq": entry.seq,
                    "cluster": cluster.id,
                    "fields": differs,
                    "proposed": {"name": entry.name, "district": entry.district},
                    "final": {"name": cluster.name, "district": cluster.district},
                }
            )
        else:
            unchanged.append(cluster.id)
    added = [{"cluster": c.id, "name": c.name, "district": c.district} for c in recognised if c.id not in matched]
    return {"notice": notice.id, "added": added, "removed": removed, "changed": changed, "unchanged": unchanged}
