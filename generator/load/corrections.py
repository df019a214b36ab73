"""Published notices and calls change only through their correction log (勘误).

Once a notice or call is published (its date has come) and on the base branch, a value it states may
change (or be removed) only with a `corrections:` entry naming the field, its old and its new
value, the date and the reason; the log itself only grows. Recording a value the record left empty
(未载明 until then) and recording the result (outcome) are not corrections. `check_against(base,
head, …)` compares the records of the pull request (head) with those of its base branch (their
stated values, by the one comparison: generator.domain.changes) and returns a problem, located in
the head's file, for every other change. `clusters validate --against REV` runs it (the pull-request check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from generator.domain.changes import REMOVED, RecordState, compare_records
from generator.domain.model import Call, Dataset, Notice
from generator.load.dataset import DisplayPaths
from generator.problems import Problem, problem
from generator.schema.kinds import RECORD_TYPE
from generator.schema.package import SchemaSet
from generator.schema.stated import stated, stated_titles, text

# What the pull-request check compares, per record kind: (Chinese name, the problem codes).
CORRECTED_KINDS = {
    "notice": ("公示", "published-notice-changed", "published-notice-removed"),
    "call": ("申报通知", "published-call-changed", "published-call-removed"),
}


def check_against(base: Dataset, head: Dataset, head_dir: Path, schema_set: SchemaSet, day: dt.date) -> list[Problem]:
    """Problems with the changes from `base` to `head` (read from `head_dir`) of the notices and
    calls `base` had published by `day`."""
    display = DisplayPaths(head_dir)
    found: list[Problem] = []
    for kind, before, after in (("notice", base.notices, head.notices), ("call", base.calls, head.calls)):
        folder = head_dir / RECORD_TYPE[kind].location.split("/", 1)[0]

        def path_of(rid: str, folder: Path = folder) -> str:
            return display(folder / f"{rid}.yaml")

        found += _check(kind, before, after, path_of, schema_set, day)
    return sorted(found)


def _check(
    kind: str,
    base: Mapping[str, Notice | Call],
    head: Mapping[str, Notice | Call],
    path_of: Callable[[str], str],
    schema_set: SchemaSet,
    day: dt.date,
) -> Iterator[Problem]:
    record_type = RECORD_TYPE[kind]
    _, changed_code, removed_code = CORRECTED_KINDS[kind]
    published = {rid: record for rid, record in base.items() if record.published_on <= day}  # not drafts
    titles = stated_titles(kind, schema_set)
    changes = compare_records(
        {rid: RecordState(stated(record, kind, schema_set)) for rid, record in published.items()},
        {rid: RecordState(stated(head[rid], kind, schema_set)) for rid in published.keys() & head.keys()},
        titles,
    )
    by_id = {change.id: change for change in changes}
    for rid, before in sorted(published.items()):
        change = by_id.get(rid)
        if change is not None and change.action == REMOVED:
            yield problem(removed_code, path_of(rid), 1, 1, **{kind: rid})
            continue
        after = head[rid]
        kept = after.corrections[: len(before.corrections)]
        if kept != before.corrections:
            where = after.origin.located("corrections") if after.corrections else after.origin.located("id")
            yield problem("correction-log-rewritten", *where)
        added = after.corrections[len(before.corrections) :]
        for changed in change.fields if change is not None else ():
            if changed.before is None:
                continue  # a value the record did not state before (未载明) now recorded
            whole_list = changed.name in record_type.children
            covered = any(
                c.flat_field == changed.name
                and (whole_list or (text(c.old) == changed.before and text(c.new) == changed.after))
                for c in added
            )
            if not covered:
                yield problem(
                    changed_code,
                    *after.origin.located(changed.name),
                    title=changed.title,
                    field=changed.name.replace("_", ".", 1) if record_type.group_of(changed.name) else changed.name,
                    old=changed.before if not whole_list else f"（原{changed.title}）",
                    new=changed.after if not whole_list else f"（新{changed.title}）",
                )
