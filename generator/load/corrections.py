"""Published notices change only through their correction log (勘误).

Once a notice is published (its date has come) and on the base branch, a value it states may
change (or be removed) only with a `corrections:` entry naming the field, its old and its new
value, the date and the reason; the log itself only grows. Recording a value the record left empty
(未载明 until then) and recording the result (outcome) are not corrections. `check_against(base, head, …)` compares the records of the
pull request (head) with those of its base branch and returns a problem, located in the head's
file, for every other change. `clusters validate --against REV` runs it (the pull-request check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from generator.domain.model import Dataset, Notice
from generator.load.build import record_row
from generator.load.dataset import DisplayPaths
from generator.load.records import RECORD_TYPE
from generator.load.tables import SchemaSet
from generator.problems import Problem, problem

ENTRIES = "entries"  # a correction of the proposed list names this field


def text(value: Any) -> str | None:
    """A stated value as the correction log writes it (None: empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stated(notice: Notice, schema_set: SchemaSet) -> dict[str, str | None]:
    """Every field a notice states, as text, by its table name; the proposed list as one field. The
    result (outcome_*) is not the notice's statement: it is recorded when the final list comes out."""
    specs = [
        spec
        for spec in schema_set.schemas["notices"]["fields"]
        if spec["name"] != "id" and RECORD_TYPE["notice"].group_of(spec["name"]) != "outcome"
    ]
    fields = {name: text(value) for name, value in record_row(notice, specs, RECORD_TYPE["notice"]).items()}
    entry_specs = RECORD_TYPE["notice"].item_fields(schema_set.schemas["notice_entries"]["fields"])
    fields[ENTRIES] = repr([record_row(entry, entry_specs, RECORD_TYPE["notice"]) for entry in notice.entries])
    return fields


def check_against(base: Dataset, head: Dataset, head_dir: Path, schema_set: SchemaSet, day: dt.date) -> list[Problem]:
    """Problems with the changes from `base` to `head` (read from `head_dir`) of the notices `base`
    had published by `day`."""
    display = DisplayPaths(head_dir)
    return sorted(_check(base, head, lambda nid: display(head_dir / "notices" / f"{nid}.yaml"), schema_set, day))


def _check(
    base: Dataset, head: Dataset, path_of: Callable[[str], str], schema_set: SchemaSet, day: dt.date
) -> Iterator[Problem]:
    titles = {spec["name"]: spec.get("title", spec["name"]) for spec in schema_set.schemas["notices"]["fields"]}
    titles[ENTRIES] = "公示名单"
    for nid, before in sorted(base.notices.items()):
        if before.published_on > day:
            continue  # not yet published: still a draft on the base branch
        after = head.notices.get(nid)
        if after is None:
            yield problem("published-notice-removed", path_of(nid), 1, 1, notice=nid)
            continue
        kept = after.corrections[: len(before.corrections)]
        if kept != before.corrections:
            where = after.origin.located("corrections") if after.corrections else after.origin.located("id")
            yield problem("correction-log-rewritten", *where)
        added = after.corrections[len(before.corrections) :]
        old, new = stated(before, schema_set), stated(after, schema_set)
        for name in old:
            if old[name] == new[name] or old[name] is None:
                continue  # unchanged, or a value the record did not state before (未载明) now recorded
            covered = any(
                c.flat_field == name and (name == ENTRIES or (text(c.old) == old[name] and text(c.new) == new[name]))
                for c in added
            )
            if not covered:
                where = after.origin.located("entries" if name == ENTRIES else name)
                yield problem(
                    "published-notice-changed",
                    *where,
                    title=titles.get(name, name),
                    field=name.replace("_", ".", 1) if RECORD_TYPE["notice"].group_of(name) else name,
                    old=old[name] if name != ENTRIES else "（原名单）",
                    new=new[name] if name != ENTRIES else "（新名单）",
                )
