"""The table the browser follows between two builds: every changing state a page shows, with its
value from each instant it changes on (generator.domain.schedule), as a script of the site."""

from __future__ import annotations

from generator.domain.schedule import Entry, StateSchedule
from generator.publish.templates import render

LIVE_STATES_SCRIPT = "javascripts/live-states-data.js"  # generated; mkdocs.yml loads it before live-states.js


def _rows(entries: tuple[Entry, ...]) -> list[list[str]]:
    return [[entry.at.isoformat(), entry.code, entry.label] for entry in entries]


def live_states_table(schedule: StateSchedule) -> dict[str, dict[str, list[list[str]]]]:
    """By the kind a page marks (data-live="KIND:ID"): only the states that change before the horizon."""
    kinds = {
        "notice": schedule.notices,
        "days": schedule.days_left,
        "cluster": schedule.clusters,
        "call": schedule.calls,
        "rank": schedule.ranks,
        "count": schedule.counts,
    }
    return {
        kind: {key: _rows(entries) for key, entries in sorted(table.items()) if len(entries) > 1}
        for kind, table in kinds.items()
    }


def live_states_script(schedule: StateSchedule) -> str:
    return render("live_states.js.j2", schedule=schedule, table=live_states_table(schedule))
