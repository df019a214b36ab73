"""The calendar of deadlines (calendar/deadlines.ics), RFC 5545, from the snapshot's deadlines.

An objection deadline, and a call's deadline with a stated time, is a timed event on its last day, from 00:00 to the stated cut-off (or 24:00),
TZID Asia/Shanghai with a VTIMEZONE; report due dates, a call's deadline without a time and its district
pre-review deadline, exact validity ends and a guideline's last day are all-day events. UIDs are built from record ids and the kind of deadline; DTSTAMP is the
snapshot's day 00:00 Asia/Shanghai, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Timezone, TimezoneStandard
from icalendar import Event as CalendarEvent

from generator.domain.calendar import SHANGHAI, start_of_day
from generator.domain.snapshot import Deadline, Snapshot
from generator.publish.serialize import ExportFile
from generator.publish.urls import page_url

UID_DOMAIN = "gz-clusters"  # iCalendar UIDs: "<kind>-<record ids>@gz-clusters"


def _shanghai_timezone() -> Timezone:
    """VTIMEZONE for Asia/Shanghai: UTC+8 without daylight saving, exact for every date since 1992."""
    timezone = Timezone()
    timezone.add("tzid", "Asia/Shanghai")
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    standard.add("tzname", "CST")
    timezone.add_component(standard)
    return timezone


def _calendar_summary(deadline: Deadline) -> str:
    done = "（已报送）" if deadline.done else ""
    return f"{deadline.what}：{deadline.name}{done}"


def calendar_file(snapshot: Snapshot, base: str | None) -> ExportFile:
    calendar = Calendar()
    calendar.add("prodid", "-//gz-clusters//deadlines//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = "广州市中小企业特色产业集群：截止日期"
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    description = "申报截止、区级初审截止、公示异议截止、年度报告截止、认定有效期届满和工作指引有效期届满（北京时间）。"
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")
    calendar.add_component(_shanghai_timezone())
    # DTSTAMP from "today", so rebuilding the same inputs gives the same bytes.
    stamp = start_of_day(snapshot.day).astimezone(dt.UTC)
    for deadline in snapshot.deadlines:
        event = CalendarEvent()
        event.add("uid", f"{deadline.key}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("summary", _calendar_summary(deadline))
        if deadline.timed:
            # On its last day, ending at the cut-off instant: calendar apps show it on that day.
            event.add("dtstart", start_of_day(deadline.day))
            event.add("dtend", deadline.closes_at.astimezone(SHANGHAI))
        else:
            event.add("dtstart", deadline.day)
            event.add("dtend", deadline.day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        text = deadline.description
        page = page_url(deadline.page) if deadline.page else None
        if page and base:
            event.add("url", base + page)
            text += "\n" + base + page
        event.add("description", text)
        calendar.add_component(event)
    return ExportFile(
        "calendar/deadlines.ics",
        calendar.to_ical(),
        "text/calendar",
        "截止日期日历（iCalendar）",
        "申报截止、区级初审截止、公示异议截止、年度报告截止、认定有效期届满和工作指引届满；可在日历应用中订阅。",
    )
