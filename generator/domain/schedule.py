"""What the published states will read after the build, until a horizon: the table the browser follows.

A built page is read for hours or days before the next rebuild (a 17:30 cut-off falls between the
00:05 rebuild and the next; a browser or a CDN keeps a copy). So that a page never contradicts the
record at the instant it is read, the build also publishes, for every state a page shows that can
change, its values at the instants it changes: found by taking the snapshot itself at each instant
the snapshot says something changes (`Snapshot.next_change`), one after the other, up to a horizon.
No rule is restated: the browser script (site_src/javascripts/live-states.js) only picks, for the
reader's clock, the last entry at or before it. Pure: the instants are passed in, nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.domain.model import Dataset
from generator.domain.snapshot import Snapshot, take_snapshot

# How far ahead the table reaches: a week covers a missed daily rebuild, a long holiday's failed
# builds and a copy kept by a cache, and stays small (one entry per change, a few per notice).
HORIZON = dt.timedelta(days=7)


@dataclass(frozen=True)
class Entry:
    """From `at` on, the state reads `label` (its key `code`, for the page's classes and filters)."""

    at: dt.datetime
    code: str
    label: str


@dataclass(frozen=True)
class StateSchedule:
    """Every changing state a page shows, by kind and record id: its value at the snapshot's instant
    first, then one entry per change up to `until`. A state that does not change has one entry."""

    start: dt.datetime
    until: dt.datetime
    notices: dict[str, tuple[Entry, ...]]  # a notice's state (公示中 → 已结束 …)
    days_left: dict[str, tuple[Entry, ...]]  # an open notice's working days left ("" once none)
    clusters: dict[str, tuple[Entry, ...]]  # a cluster's status (公示中 → 有效 …)
    calls: dict[str, tuple[Entry, ...]]  # a call's state (申报中 → 已截止 …)
    ranks: dict[str, tuple[Entry, ...]]  # a cluster's status as the list sorts it (its place in STATUS_LABELS)
    counts: dict[str, tuple[Entry, ...]]  # the home page's counts: per status, "total", "municipal" (and
    # "auto" of them), "sum", the progress bar's value ("progress") and its text ("progress-text")


def _notices(snapshot: Snapshot) -> dict[str, Entry]:
    return {f.notice.id: Entry(snapshot.at, f.state, f.state_label) for f in snapshot.notices}


def _days_left(snapshot: Snapshot) -> dict[str, Entry]:
    return {
        f.notice.id: Entry(snapshot.at, str(f.days_left or ""), days_left_phrase(f.days_left)) for f in snapshot.notices
    }


def _clusters(snapshot: Snapshot) -> dict[str, Entry]:
    return {f.cluster.id: Entry(snapshot.at, f.status.code, f.status.label) for f in snapshot.clusters}


def _calls(snapshot: Snapshot) -> dict[str, Entry]:
    return {f.call.id: Entry(snapshot.at, f.state, f.state_label) for f in snapshot.calls}


def _ranks(snapshot: Snapshot) -> dict[str, Entry]:
    return {f.cluster.id: Entry(snapshot.at, str(f.status.rank), "") for f in snapshot.clusters}


def _counts(snapshot: Snapshot) -> dict[str, Entry]:
    headline = snapshot.headline
    counts = {code: str(count) for code, count in headline.status_counts}
    counts.update(
        total=str(headline.total),
        municipal=str(headline.counted),
        auto=str(headline.counted_auto),  # of which national or provincial
        progress=str(headline.progress),  # the progress bar's value (at most the target)
    )
    found = {key: Entry(snapshot.at, value, value) for key, value in counts.items()}
    if headline.target:
        progress_text = f"{headline.counted} / {headline.target}"
        found["progress-text"] = Entry(snapshot.at, progress_text, progress_text)
    found["sum"] = Entry(snapshot.at, headline.sum_label, headline.sum_label)
    return found


def days_left_phrase(days_left: int | None) -> str:
    """The words every page uses for an open notice's working days left, the reader's day included
    (the page's as-of day when built; the browser keeps "今天" true from this table)."""
    return f"含今天还剩 {days_left} 个工作日" if days_left else ""


def later_snapshots(dataset: Dataset, snapshot: Snapshot, until: dt.datetime) -> Iterable[Snapshot]:
    """The snapshots at each instant something the site states changes, after `snapshot` and up to `until`."""
    at = snapshot.next_change
    while at is not None and at <= until:
        later = take_snapshot(dataset, at)
        yield later
        at = later.next_change


def state_schedule(dataset: Dataset, snapshot: Snapshot, horizon: dt.timedelta = HORIZON) -> StateSchedule:
    """The states `snapshot` publishes and what each will read at every change up to `horizon` after it.
    Only the records the snapshot publishes are followed: a page shows no record it does not list."""
    until = snapshot.at + horizon
    kinds: dict[str, Callable[[Snapshot], dict[str, Entry]]] = {
        "notices": _notices,
        "days_left": _days_left,
        "clusters": _clusters,
        "calls": _calls,
        "ranks": _ranks,
        "counts": _counts,
    }
    tables = {kind: {key: [entry] for key, entry in read(snapshot).items()} for kind, read in kinds.items()}
    for later in later_snapshots(dataset, snapshot, until):
        for kind, read in kinds.items():
            now = read(later)
            for key, entries in tables[kind].items():
                entry = now.get(key)
                if entry is not None and (entry.code, entry.label) != (entries[-1].code, entries[-1].label):
                    entries.append(entry)
    return StateSchedule(
        snapshot.at,
        until,
        **{kind: {key: tuple(entries) for key, entries in table.items()} for kind, table in tables.items()},
    )
