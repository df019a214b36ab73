"""Valid record folders for the as-of oracle (tests/test_oracle.py): a hypothesis strategy writes
clusters recognised and revoked on drawn days, notices with their windows and final lists, and the
days and instants to check them on."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from conftest import AFTER_EVERY_RECORD, make_data_dir
from hypothesis import strategies as st

from generator.domain.calendar import WorkingCalendar, start_of_day
from generator.domain.lifecycle import validity_end
from generator.domain.model import PartialDate

# The municipal guideline's facts, from the policy data the tests' data folders carry (tests/fixtures/base/policy/).
_GUIDELINE = yaml.safe_load(
    (Path(__file__).resolve().parent / "fixtures" / "base" / "policy" / "guangzhou-2024.yaml").read_text(
        encoding="utf-8"
    )
)


GUIDELINE_START = dt.date.fromisoformat(str(_GUIDELINE["in_force"]["from"]))


VALIDITY_YEARS = int(_GUIDELINE["validity"]["years"])


@functools.cache
def base_calendar() -> tuple[WorkingCalendar, tuple[tuple[str, str], ...]]:
    """The real holiday arrangements and the districts (code, slug), read once."""
    from generator.load.dataset import load_dataset

    folder = Path(tempfile.mkdtemp(prefix="oracle-calendar-"))
    atexit.register(shutil.rmtree, folder, True)
    loaded = load_dataset(make_data_dir(folder), today=AFTER_EVERY_RECORD)
    assert loaded.ok, [p.format() for p in loaded.problems]
    districts = tuple((d.code, d.name) for d in loaded.dataset.districts.values())
    return loaded.dataset.calendar, districts


def dates_between(low: dt.date, high: dt.date) -> st.SearchStrategy[dt.date]:
    return st.integers(0, (high - low).days).map(lambda k: low + dt.timedelta(days=k))


def truncated(day: dt.date, precision: str) -> str:
    return {"day": day.isoformat(), "month": day.strftime("%Y-%m"), "year": str(day.year)}[precision]


PROGRAMME = {"national": dt.date(2022, 1, 1), "provincial": dt.date(2023, 1, 1), "municipal": GUIDELINE_START}


LAST_EVENT_DAY = dt.date(2026, 12, 31)


precisions = st.sampled_from(["day", "day", "day", "month", "year"])


@dataclass
class Spec:
    clusters: dict[str, dict[str, Any]]  # id -> YAML mapping
    notices: dict[str, dict[str, Any]]
    days: list[dt.date]
    edge_days: list[dt.date]
    # a time of day on each drawn day, and either side of the start of a partial date's period
    instants: list[dt.datetime]

    def yaml_files(self, drop_last_events: bool = False) -> dict[str, str]:
        files = {}
        for cid, original in self.clusters.items():
            mapping = json.loads(json.dumps(original))  # a fresh copy: no shared objects, no YAML aliases
            if drop_last_events and len(mapping["events"]) > 1:
                mapping["events"].pop()
            files[f"clusters/{cid}.yaml"] = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)
        for nid, mapping in self.notices.items():
            files[f"notices/{nid}.yaml"] = yaml.safe_dump(
                json.loads(json.dumps(mapping)), allow_unicode=True, sort_keys=False
            )
        return files


def write_data_dir(tmp: Path, files: Mapping[str, str]) -> Path:
    """A data folder with the real districts and calendar, the fixture site.yaml, and `files` as
    the only clusters and notices."""
    tmp.mkdir(parents=True, exist_ok=True)
    data = make_data_dir(tmp)
    for folder in ("clusters", "notices"):
        shutil.rmtree(data / folder)
        (data / folder).mkdir()
    for relative, text in files.items():
        (data / relative).write_text(text, encoding="utf-8")
    return data


@st.composite
def dataset_specs(draw, partial_notice_certifications: bool = False, partial_revocations: bool = False) -> Spec:
    """A valid data folder's clusters and notices, plus the days to check it on.

    Notices: municipal lists of 7 working days, some with a 17:30 cut-off, some with a stated
    end date, some with a final list published a few days to weeks after the window, and now and
    then one published in late December 2026, whose window needs the (missing) 2027 holiday
    arrangement and is taken from its stated end date. Clusters: recognised through a notice, or
    directly at any level with exact or partial dates, then renewed, reported on, changed or
    revoked.

    Two shapes of data trigger documented bugs (see the xfail tests) and are off by default: a
    recognition naming its notice dated only to the month or year, and a revocation dated only
    to the month or year.
    """
    calendar, districts = base_calendar()
    notices: dict[str, dict[str, Any]] = {}
    windows: dict[str, tuple[dt.date, dt.date | None, dt.date | None]] = {}  # id -> (last day, final date, cert day)
    edge_days: list[dt.date] = [dt.date(2024, 12, 29), GUIDELINE_START]
    for index in range(draw(st.integers(0, 3))):
        nid = f"gen-notice-{index + 1:02d}"
        late = draw(st.integers(0, 7)) == 0
        cutoff = draw(st.sampled_from([None, "17:30"]))
        if late:
            published = draw(dates_between(dt.date(2026, 12, 24), dt.date(2026, 12, 30)))
            last_day = published + dt.timedelta(days=draw(st.integers(9, 16)))
            ends_on = last_day
        else:
            # Starting by 2026-12-10, the 7 working days end before 24 December, from which on a day's
            # status may depend on the (missing) 2027 arrangement (its makeup days): the late notices
            # above cover that case. A start up to 2026-12-16 once drew exactly that and failed here.
            published = draw(dates_between(dt.date(2024, 11, 1), dt.date(2026, 12, 4)))
            starts_on = published + dt.timedelta(days=draw(st.integers(1, 6))) if draw(st.integers(0, 3)) == 0 else None
            window = calendar.publicity_window(
                starts_on or published, 7, dt.time.fromisoformat(cutoff) if cutoff else None
            )
            last_day = window.last_day
            ends_on = last_day if draw(st.booleans()) else None
        mapping: dict[str, Any] = {
            "id": nid,
            "title": f"【生成】GENNOTICE{index + 1:02d} 市级中小企业特色产业集群拟认定名单公示",
            "level": "municipal",
            "issuer": "【生成】测试发布单位",
            "published_on": published.isoformat(),
            "working_days": 7,
        }
        if not late and starts_on is not None:
            mapping["starts_on"] = starts_on.isoformat()
        if ends_on is not None:
            mapping["ends_on"] = ends_on.isoformat()
        if cutoff:
            mapping["cutoff_time"] = cutoff
        mapping["url"] = f"https://example.org/gen/{nid}"
        mapping["objection"] = {"phone": "020-00000000"}  # a municipal notice states a contact (notice-contact-missing)
        final_date = None
        if draw(st.integers(0, 3)) > 0:
            final_date = last_day + dt.timedelta(days=draw(st.integers(1, 40)))
            received = draw(st.integers(0, 3))
            mapping["outcome"] = {
                "objections_received": received,
                "objections_upheld": draw(st.integers(0, received)),
                "final_doc_no": f"GENFINAL{index + 1:02d}号",
                "final_date": final_date.isoformat(),
                "final_url": f"https://example.org/gen/{nid}/final-list",
            }
            edge_days += [final_date - dt.timedelta(days=1), final_date]
        mapping["entries"] = []
        if draw(st.booleans()):
            mapping["entries"].append(
                {
                    "name": f"【生成】GENCANDIDATE{index + 1:02d} 候选集群",
                    "district": draw(st.sampled_from(districts))[0],
                }
            )
        notices[nid] = mapping
        windows[nid] = (last_day, final_date)
        edge_days += [published - dt.timedelta(days=1), published, last_day, last_day + dt.timedelta(days=1)]

    clusters: dict[str, dict[str, Any]] = {}
    for index in range(draw(st.integers(1, 5))):
        cid = f"gen-cluster-{index + 1:02d}"
        code, district_name = draw(st.sampled_from(districts))
        listed_in = None
        if notices and draw(st.booleans()):
            listed_in = draw(st.sampled_from(sorted(notices)))
            last_day, final_date = windows[listed_in]
            level = "municipal"
            certified_on = max(final_date or last_day + dt.timedelta(days=draw(st.integers(1, 30))), GUIDELINE_START)
            precision = draw(precisions) if partial_notice_certifications else "day"
        else:
            level = draw(st.sampled_from(["national", "provincial", "municipal"]))
            certified_on = draw(dates_between(PROGRAMME[level], dt.date(2026, 12, 20)))
            precision = draw(precisions)
        certified: dict[str, Any] = {
            "type": "certified",
            "date": truncated(certified_on, precision),
            "level": level,
            "batch": certified_on.year,
            "doc_no": f"GENCERT-{cid}",
            "source": f"https://example.org/gen/{cid}/certified",
        }
        if listed_in:
            certified["notice"] = listed_in
        stated = level != "municipal" and precision == "year" and draw(st.integers(0, 3)) == 0
        if stated:  # the source states the validity only to the year, like the fixture's national cluster
            certified["valid_from"] = str(certified_on.year + 1)
            certified["valid_until"] = str(certified_on.year + 3)
        later: list[tuple[dt.date, dict[str, Any]]] = []
        end = validity_end(PartialDate.parse(certified["date"]).earliest, VALIDITY_YEARS)
        if not stated and draw(st.booleans()):
            renewed_on = end + dt.timedelta(days=draw(st.integers(-90, 200)))
            if renewed_on <= LAST_EVENT_DAY and renewed_on > certified_on:
                later.append((renewed_on, {"type": "renewed", "level": level, "doc_no": f"GENRENEW-{cid}"}))
        for year in range(certified_on.year, 2026):
            if draw(st.booleans()):
                reported_on = dt.date(year + 1, 1, 1) + dt.timedelta(days=draw(st.integers(0, 58)))
                later.append((reported_on, {"type": "annual_report", "year": year}))
        if draw(st.integers(0, 2)) == 0:
            changed_on = certified_on + dt.timedelta(days=draw(st.integers(1, 900)))
            if changed_on <= LAST_EVENT_DAY:
                later.append(
                    (
                        changed_on,
                        {
                            "type": "changed",
                            "subject": draw(st.sampled_from(["leading_industry", "area", "operator", "other"])),
                            "description": "【生成】变更报备",
                        },
                    )
                )
        later.sort(key=lambda item: item[0])
        if draw(st.integers(0, 3)) == 0:
            revoked_on = certified_on + dt.timedelta(days=draw(st.integers(30, 900)))
            if revoked_on <= LAST_EVENT_DAY:
                later = [item for item in later if item[0] <= revoked_on]
                later.append(
                    (
                        revoked_on,
                        {
                            "type": "revoked",
                            "level": level,
                            "reason": draw(st.sampled_from(["4.3.1", "4.3.2", "4.3.3", "4.3.4", "4.3.5"])),
                            "doc_no": f"GENREVOKE-{cid}",
                        },
                    )
                )
        events = [certified]
        for day, planned in later:
            precision = draw(precisions) if planned["type"] != "revoked" or partial_revocations else "day"
            events.append({"type": planned.pop("type"), "date": truncated(day, precision), **planned})
        name = f"【生成】广州市{district_name}GENCLUSTER{index + 1:02d}产业集群"
        clusters[cid] = {
            "id": cid,
            "name": name,
            "verified": True,
            "district": code,
            "leading_industry": "【生成】测试产业",
            "sources": [
                {
                    "url": f"https://example.org/gen/{cid}/certified",
                    "title": "【生成】来源",
                    "published_on": certified["date"],
                    "official": True,
                }
            ],
            "events": events,
        }
        if listed_in is None and notices and draw(st.integers(0, 4)) == 0:
            listed_in = draw(st.sampled_from(sorted(notices)))
        if listed_in is not None:
            notices[listed_in]["entries"].append({"cluster": cid, "name": name, "district": code})
    days = draw(st.lists(dates_between(dt.date(2024, 6, 1), dt.date(2026, 12, 20)), min_size=1, max_size=3))
    minutes = draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=len(days), max_size=len(days)))
    instants = [start_of_day(day) + dt.timedelta(minutes=m) for day, m in zip(days, minutes, strict=True)]
    # A date known only to its month or year has not happened before that period begins: the minute
    # before and the first minute of the period, for some of the partial dates drawn.
    starts = sorted({period_start(e["date"]) for c in clusters.values() for e in c["events"] if len(e["date"]) < 10})
    if starts:
        for start in draw(st.lists(st.sampled_from(starts), max_size=2, unique=True)):
            instants += [start_of_day(start) - dt.timedelta(minutes=1), start_of_day(start)]
    return Spec(clusters, notices, days, edge_days, instants)


def period_start(partial: str) -> dt.date:
    """The first day of the period a date written as YYYY or YYYY-MM names."""
    year, _, month = partial.partition("-")
    return dt.date(int(year), int(month or 1), 1)
