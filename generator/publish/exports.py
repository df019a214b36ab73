"""Every published file besides the pages: CSV/JSON tables, data packages, feed, calendar, JSON Schemas.

`build_exports(snapshot, schema_set, base_url)` is a pure function: no clock, no file I/O,
and the same inputs give the same bytes. Every derived value (status, window, deadline, the
records published as of the day) comes from the as-of snapshot (generator.domain.snapshot), never
recomputed here; the snapshot's instant is the data package's `created` and every table's
`*_as_of`, its day gives the calendar's DTSTAMP.

Outputs (paths relative to the site root are a public contract):

- data/clusters.csv, data/clusters.json: one row per cluster, the record's fields plus derived
  ones (CLUSTER_DERIVED_FIELDS), among them the status at the snapshot's instant (`status_as_of`)
  and the instant it holds until (`status_until`).
- data/events.csv: the `events` table as recorded.
- data/notices.csv, data/notices.json: one row per notice plus its window and its state at the
  snapshot's instant, with `state_as_of` and `state_until` (NOTICE_DERIVED_FIELDS); data/calls.csv
  likewise for calls (CALL_DERIVED_FIELDS). A notice is `open` until its closing instant, not
  through its last day.
- data/datapackage.json: a Frictionless Data Package describing the three CSV tables (typed by
  the Table Schemas of schemas/, plus the derived fields) and, as non-tabular resources, the two
  JSON copies. Every resource carries `bytes` and `hash` ("sha256:<hex>"). The JSON copies hold
  the same rows with JSON types (numbers, booleans, `levels` as an array) and are not described
  by a Table Schema.
- data/notices/<id>/entries.csv and datapackage.json for every notice: the proposed list as
  published. When the notice is closed and a cluster's certified/renewed event names it,
  data/notices/<id>/final-diff.json compares that list with the clusters recognised from it and
  is listed in the same package. These packages carry no `created`, so their bytes change only
  when the records do.
- feeds/notices.atom: notices published, final lists and cluster events dated on or before
  today, newest first, with tag: URIs built from record ids and what each event is (type, date,
  level), never from its position or the build. `updated` is the day at 00:00 Asia/Shanghai (the
  first day of a date stated only to the month or year); an event without a date is left out.
- feeds/changes.atom: the change log (generator.publish.changelog): one entry per commit that changed
  data/ dated on or before today, newest first, saying which records were added, changed (which
  fields, how many list items) or removed; ids are tag: URIs of the commit SHA, `updated` the commit
  date (Asia/Shanghai). No entries outside a git work tree.
- calendar/deadlines.ics: the snapshot's deadlines. An objection deadline is a timed event on its
  last day, from 00:00 to the stated cut-off (or 24:00), TZID Asia/Shanghai with a VTIMEZONE;
  annual report due dates, exact validity ends and the guideline's last day are all-day events
  on their own day. Each has a UID built from record ids and the kind of deadline; DTSTAMP is the
  snapshot's day 00:00 Asia/Shanghai.
- schemas/<kind>.schema.json (generator.editor.jsonschema) for every record kind: JSON Schema
  (draft 2020-12) of one YAML record file, for editor autocompletion.

CSV files are UTF-8 with a byte order mark (Excel then reads Chinese correctly), a header row
and CRLF line ends (RFC 4180). The packages declare `encoding: utf-8`, the standard (IANA) name;
Frictionless recognises the BOM of a file declared UTF-8 and reads it as utf-8-sig (tested).

The JSON Schemas' type mapping is documented in generator/editor/jsonschema.py.
"""

from __future__ import annotations

from generator.domain.model import site_address
from generator.domain.snapshot import Snapshot
from generator.editor.jsonschema import record_json_schema
from generator.publish.changelog import ChangeLog, changelog_view, changes_feed_file
from generator.publish.feed import feed_file
from generator.publish.ical import calendar_file
from generator.publish.opendata import attachment_rows, criteria_file, notice_package, tables
from generator.publish.serialize import ExportFile, json_bytes
from generator.schema.kinds import RECORD_TYPES, SCHEMA_DOCS, SCHEMA_KINDS, RecordType
from generator.schema.package import SchemaSet


def build_exports(
    snapshot: Snapshot, schema_set: SchemaSet, base_url: str | None = None, *, changelog: ChangeLog | None = None
) -> list[ExportFile]:
    """Every open-data file as of the snapshot's day; links are absolute under `base_url` when given;
    `changelog`, the change log as of the snapshot (`changelog_view`; None: no history), gives the change feed."""
    base = site_address(base_url)
    clusters = sorted(snapshot.clusters, key=lambda facts: facts.cluster.id)
    chronological = sorted(snapshot.notices, key=lambda facts: (facts.notice.published_on, facts.notice.id))
    attachments = attachment_rows(snapshot)
    files = tables(schema_set, clusters, chronological, snapshot.at, base, snapshot.calls, attachments)
    for facts in sorted(snapshot.notices, key=lambda f: f.notice.id):
        files += notice_package(facts, schema_set, snapshot.final_lists.get(facts.notice.id), attachments)
    files.append(criteria_file(snapshot))
    files.append(feed_file(schema_set, snapshot, base))
    files.append(changes_feed_file(changelog or changelog_view(None, snapshot), snapshot, schema_set, base))
    files.append(calendar_file(snapshot, base))
    for record_type in RECORD_TYPES:
        files.append(json_schema_file(record_type, schema_set, base))
    return files


def json_schema_file(record_type: RecordType, schema_set: SchemaSet, base: str | None) -> ExportFile:
    kind = SCHEMA_KINDS[record_type.kind]
    title, description = SCHEMA_DOCS[kind]
    content = json_bytes(record_json_schema(record_type, schema_set, base))
    return ExportFile(
        f"schemas/{kind}.schema.json",
        content,
        "application/schema+json",
        f"{title}的 JSON Schema",
        f"{description} 供编辑器自动补全和检查 YAML 记录使用。",
    )
