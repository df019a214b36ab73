"""The as-of oracle's reading of the feeds (tests/oracle_support.py): the Atom feed with xml.etree,
the deadlines calendar with icalendar and, strictly, with the `ical` package."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import icalendar
from ical.calendar_stream import IcsCalendarStream

ATOM = "{http://www.w3.org/2005/Atom}"


TAG_PREFIX = "tag:gz-clusters,2024:"


UID_SUFFIX = "@gz-clusters"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: dt.datetime
    links: tuple[str, ...]
    summary: str
    terms: tuple[str, ...]


def read_feed(content: bytes) -> tuple[dt.datetime, list[FeedEntry]]:
    root = ET.fromstring(content)
    assert root.tag == ATOM + "feed", root.tag
    entries = []
    for entry in root.findall(ATOM + "entry"):
        entries.append(
            FeedEntry(
                entry.findtext(ATOM + "id"),
                entry.findtext(ATOM + "title"),
                dt.datetime.fromisoformat(entry.findtext(ATOM + "updated")),
                tuple(link.get("href") for link in entry.findall(ATOM + "link")),
                entry.findtext(ATOM + "summary") or "",
                tuple(c.get("term") for c in entry.findall(ATOM + "category")),
            )
        )
    return dt.datetime.fromisoformat(root.findtext(ATOM + "updated")), entries


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    start_tzid: str | None
    end_tzid: str | None


def is_instant(value: Any) -> bool:
    return isinstance(value, dt.datetime)


def read_ics(content: bytes) -> dict[str, IcsEvent]:
    """The VEVENTs by UID, read by icalendar and by the strict `ical` package; both must read the
    file and agree on every event's start and end (as instants for timed events, as days else)."""
    lenient = icalendar.Calendar.from_ical(content)
    events: dict[str, IcsEvent] = {}
    for component in lenient.walk("VEVENT"):
        uid = str(component["UID"])
        assert uid not in events, f"deadlines.ics: UID {uid} appears twice"
        start, end = component["DTSTART"], component["DTEND"]
        events[uid] = IcsEvent(
            uid, str(component.get("SUMMARY", "")), start.dt, end.dt, start.params.get("TZID"), end.params.get("TZID")
        )
    strict = IcsCalendarStream.calendar_from_ics(content.decode("utf-8"))
    strict_events = {event.uid: event for event in strict.events}
    assert set(strict_events) == set(events), (
        f"deadlines.ics: icalendar reads UIDs {sorted(events)}, ical reads {sorted(strict_events)}"
    )
    for uid, event in events.items():
        other = strict_events[uid]
        for name, mine, theirs in (("DTSTART", event.start, other.dtstart), ("DTEND", event.end, other.dtend)):
            assert is_instant(mine) == is_instant(theirs), (
                f"deadlines.ics {uid} {name}: icalendar reads {mine!r}, ical reads {theirs!r} (date vs date-time)"
            )
            if is_instant(mine):
                assert mine.utcoffset() is not None and theirs.utcoffset() is not None, (
                    f"deadlines.ics {uid} {name}: floating time ({mine!r} / {theirs!r})"
                )
            assert mine == theirs, f"deadlines.ics {uid} {name}: icalendar reads {mine!r}, ical reads {theirs!r}"
        assert other.summary == event.summary, f"deadlines.ics {uid} SUMMARY: {event.summary!r} vs {other.summary!r}"
    return events
