"""The pictures' geometry (generator/publish/charts.py) and the snapshot facts it draws from, on the base
fixture as of 2026-11-28 (its timeline: tests/test_snapshot.py) and on made-up tallies.

Every x is a percentage of the width, every y a pixel offset: the assertions compare positions with the
axis's own mapping of days, so a picture that put a mark on the wrong day, cut a validity at the wrong
place or counted a cluster twice fails here before any browser draws it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path

import pytest
from conftest import AFTER_EVERY_RECORD, make_data_dir
from hypothesis import given
from hypothesis import strategies as st

from generator.domain.calendar import start_of_day
from generator.domain.lifecycle import STATUS_LABELS, Bound
from generator.domain.model import District, PartialDate
from generator.domain.snapshot import LEVEL_ORDER, NO_LEVEL, DistrictTally, RecognitionYear, Snapshot, take_snapshot
from generator.load.dataset import load_dataset
from generator.publish import charts
from generator.publish.charts import TILE_GRID, TimeAxis, cluster_timeline, tile_map, year_bars

REPO_ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 28)
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Snapshot:
    data = make_data_dir(tmp_path_factory.mktemp("charts"))
    loaded = load_dataset(data, REPO_ROOT / "schemas", today=AFTER_EVERY_RECORD)
    assert loaded.ok
    return take_snapshot(loaded.dataset, start_of_day(DAY))


@functools.cache
def _axis(first: int, last: int) -> TimeAxis:
    return TimeAxis(first, last)


def facts_of(snapshot: Snapshot, cluster_id: str):
    return next(f for f in snapshot.clusters if f.cluster.id == cluster_id)


# ---------------------------------------------------------------------------------------------
# The time axis


def test_the_axis_maps_days_into_the_width_between_its_margins():
    axis = TimeAxis(2023, 2026)
    assert axis.x(D("2023-01-01")) == axis.margin == 2.0
    assert axis.x(D("2027-01-01")) == 100 - axis.margin
    assert axis.x_after(D("2026-12-31")) == 100 - axis.margin
    # 1461 days across 96 %: a day is 96/1461 of the width, and later days lie further right
    assert axis.x(D("2023-01-02")) - axis.x(D("2023-01-01")) == pytest.approx(96 / 1461, abs=1e-3)
    assert axis.x(D("2024-06-30")) < axis.x(D("2024-07-01")) < axis.x_after(D("2024-07-01"))


def test_every_year_is_ticked_and_with_many_years_every_other_one_labelled():
    short = TimeAxis(2022, 2027).ticks()
    assert [t.year for t in short] == list(range(2022, 2028)) and all(t.labelled for t in short)
    long = TimeAxis(2020, 2033).ticks()
    assert [t.year for t in long if t.labelled] == list(range(2020, 2034, 2))
    for tick in long:
        assert tick.x < tick.label_x < tick.x + (long[1].x - long[0].x)


# ---------------------------------------------------------------------------------------------
# The cluster timeline


def test_a_municipal_recognition_is_one_solid_bar_with_its_certification_at_its_start(snapshot):
    timeline = cluster_timeline(facts_of(snapshot, "test-municipal-alpha"), DAY)
    axis = _axis(2025, 2028)  # from the certification (2025-03-10) to the end of validity (2028-03-09)
    assert [t.year for t in timeline.ticks] == [2025, 2026, 2027, 2028]
    (lane,) = timeline.lanes
    assert (lane.kind, lane.level, lane.start, lane.end, lane.revoked) == (
        "recognition",
        "municipal",
        "2025-03-10",
        "2028-03-09",
        None,
    )
    (bar,) = lane.segments
    assert bar.kind == "valid"
    assert bar.x == axis.x(D("2025-03-10"))
    assert bar.x + bar.width == pytest.approx(axis.x_after(D("2028-03-09")), abs=1e-3)
    (mark,) = lane.marks
    assert (mark.seq, mark.kind, mark.x, mark.width, mark.precision) == (
        1,
        "certified",
        axis.x(D("2025-03-10")),
        0.0,
        "day",
    )
    assert mark.y == lane.centre_y
    # The day the page is as of: the middle of 2026-11-28, inside the validity
    assert timeline.today_x == pytest.approx((axis.x(DAY) + axis.x_after(DAY)) / 2, abs=1e-3)
    assert bar.x < timeline.today_x < bar.x + bar.width
    assert timeline.today_anchor == "start"  # left of 60 %: its label runs right
    assert timeline.symbols == ("certified",) and not timeline.banded
    assert timeline.segment_kinds == ("valid",) and timeline.bar_levels == ("municipal",)


def test_dates_known_to_the_year_or_month_are_drawn_over_the_whole_year_or_month(snapshot):
    """beta: certified "2023", valid "2024" to "2026" as its source states, a report dated 2025-02."""
    timeline = cluster_timeline(facts_of(snapshot, "test-national-beta"), DAY)
    axis = _axis(2023, 2026)
    recognition, reports = timeline.lanes
    assert [s.kind for s in recognition.segments] == ["uncertain", "valid", "uncertain"]
    start, middle, end = recognition.segments
    # It began some day of 2024 and ended some day of 2026: certainly valid only from 2024-12-31 to 2026-01-01
    assert start.x == axis.x(D("2024-01-01"))
    assert middle.x == pytest.approx(axis.x(D("2024-12-31")), abs=1e-3)
    assert middle.x + middle.width == pytest.approx(axis.x_after(D("2026-01-01")), abs=1e-3)
    assert end.x + end.width == pytest.approx(axis.x_after(D("2026-12-31")), abs=1e-3)
    (certified,) = recognition.marks
    assert (certified.precision, certified.date) == ("year", "2023")
    assert certified.x == axis.x(D("2023-01-01"))
    assert certified.x + certified.width == pytest.approx(axis.x(D("2024-01-01")), abs=1e-3)
    (report,) = reports.marks
    assert (reports.kind, report.kind, report.precision, report.year) == (
        "annual_report",
        "annual_report",
        "month",
        2024,
    )
    assert report.x == axis.x(D("2025-02-01"))
    assert report.x + report.width == pytest.approx(axis.x(D("2025-03-01")), abs=1e-3)
    assert reports.y > recognition.y
    assert timeline.banded and timeline.symbols == ()
    # As of 2026-11-28 the end is not known to have come: the marker lies inside the uncertain end
    assert end.x < timeline.today_x < end.x + end.width
    assert timeline.today_anchor == "end"


def test_a_revocation_cuts_the_validity_and_the_rest_is_drawn_void(snapshot):
    """gamma: provincial, certified 2023-07 (three years: to some day between 2026-06-30 and 2026-07-30),
    revoked 2025-06-18."""
    timeline = cluster_timeline(facts_of(snapshot, "test-provincial-gamma"), DAY)
    axis = _axis(2023, 2026)
    (lane,) = timeline.lanes
    assert lane.revoked == "2025-06-18"
    # revoked, and an end known only as a span of days: the label takes a second line above the bar
    assert lane.two_lines and lane.bar_y == lane.y + charts.BAR_OFFSET + charts.LABEL_LINE
    assert lane.label_y < lane.second_label_y < lane.bar_y and lane.marks[0].y == lane.centre_y
    assert timeline.axis_y > lane.y + lane.height
    assert [s.kind for s in lane.segments] == ["uncertain", "valid", "void"]
    cut = axis.x(D("2025-06-18"))
    valid, void = lane.segments[1], lane.segments[2]
    assert valid.x + valid.width == pytest.approx(cut, abs=1e-3)
    assert void.x == cut
    assert void.x + void.width == pytest.approx(axis.x_after(D("2026-07-30")), abs=1e-3)
    kinds = {m.kind: m for m in lane.marks}
    assert set(kinds) == {"certified", "revoked"}
    assert kinds["revoked"].x == cut and kinds["revoked"].width == 0
    assert kinds["certified"].precision == "month"
    assert timeline.segment_kinds == ("valid", "uncertain", "void")


def test_every_dated_event_has_one_mark_and_an_undated_one_none(snapshot):
    for facts in snapshot.clusters:
        timeline = cluster_timeline(facts, DAY)
        dated = [e.seq for e in facts.cluster.events if e.date is not None]
        assert [m.seq for m in timeline.marks] == dated, facts.cluster.id
        assert timeline.undated == ()
    delta = facts_of(snapshot, "test-municipal-delta")
    undated_change = dataclasses.replace(delta.cluster.events[1], date=None)
    cluster = dataclasses.replace(delta.cluster, events=(delta.cluster.events[0], undated_change))
    timeline = cluster_timeline(dataclasses.replace(delta, cluster=cluster), DAY)
    assert [m.seq for m in timeline.marks] == [1] and timeline.undated == (2,)
    assert [lane.kind for lane in timeline.lanes] == ["recognition"]


def test_lanes_stack_down_and_the_axis_lies_below_them(snapshot):
    timeline = cluster_timeline(facts_of(snapshot, "test-municipal-delta"), DAY)
    assert [lane.kind for lane in timeline.lanes] == ["recognition", "other"]
    first, second = timeline.lanes
    assert not first.two_lines  # an exact end, not revoked: one line
    assert first.y == charts.TOP and second.y == first.y + charts.LANE_HEIGHT
    assert timeline.axis_y > second.bar_y + charts.BAR_HEIGHT
    assert timeline.height == timeline.axis_y + charts.AXIS_HEIGHT


dates = st.dates(dt.date(2022, 1, 1), dt.date(2030, 12, 31))


@st.composite
def bounds(draw) -> Bound:
    first = draw(dates)
    return Bound(first, first + dt.timedelta(days=draw(st.integers(0, 364))), "")


@given(valid_from=bounds(), length=st.integers(0, 2000), spread=st.integers(0, 364), revoked=st.none() | dates)
def test_a_validity_bar_is_contiguous_and_void_only_after_its_revocation(valid_from, length, spread, revoked):
    end_first = valid_from.latest + dt.timedelta(days=length)
    valid_until = Bound(end_first, end_first + dt.timedelta(days=spread), "")
    axis = TimeAxis(2022, 2037)
    segments = charts._bar(
        valid_from, valid_until, PartialDate.of(revoked) if revoked else None, axis, valid_from.earliest
    )
    assert segments, "a bar with a known end has at least one piece"
    assert segments[0].x == axis.x(valid_from.earliest)
    assert segments[-1].x + segments[-1].width == pytest.approx(axis.x_after(valid_until.latest), abs=1e-2)
    for left, right in zip(segments, segments[1:], strict=False):
        assert left.x + left.width == pytest.approx(right.x, abs=1e-2)  # no gap, no overlap
    for segment in segments:
        assert segment.width > 0
        if revoked is not None and segment.kind != "void":
            assert segment.x < axis.x(revoked) or revoked <= valid_from.earliest
    void = [s for s in segments if s.kind == "void"]
    if revoked is None or revoked > valid_until.latest:
        assert not void
    else:
        assert len(void) == 1 and void[0].x == axis.x(max(revoked, valid_from.earliest))


# ---------------------------------------------------------------------------------------------
# The tile map


def test_the_grid_places_the_eleven_districts_on_distinct_tiles_roughly_as_they_lie():
    assert len(TILE_GRID) == 11 and len(set(TILE_GRID.values())) == 11
    column = {code: c for code, (c, _r) in TILE_GRID.items()}
    row = {code: r for code, (_c, r) in TILE_GRID.items()}
    assert row["440114"] == row["440117"] == 0  # 花都, 从化: the north
    assert row["440115"] == max(row.values())  # 南沙: the south
    assert column["440103"] < column["440104"] < column["440106"]  # 荔湾, 越秀, 天河: west to east
    assert column["440118"] == max(column.values())  # 增城: the east
    assert row["440105"] > row["440104"] and row["440113"] > row["440106"]  # 海珠 below 越秀, 番禺 below 天河


def test_the_tile_map_of_the_fixture_counts_each_cluster_once(snapshot):
    tiles = tile_map(snapshot.district_tallies)
    assert len(tiles.tiles) == 11 and all(t.placed for t in tiles.tiles)
    assert sum(t.tally.total for t in tiles.tiles) == len(snapshot.clusters) == 4
    for tile in tiles.tiles:
        assert tile.x >= 0 and tile.x + tile.width <= 100
        assert (tile.column, tile.row) == TILE_GRID[tile.tally.district.code]
        shown = [item for line in tile.level_lines for item in line]
        assert sum(count for _level, count in shown) == tile.tally.total
        assert all(len(line) <= charts.LEVEL_LINE_ITEMS for line in tile.level_lines)
        assert sum(p.count for p in tile.status_bar) == tile.tally.total
        if tile.status_bar:
            assert tile.status_bar[0].x == 6.0
            assert sum(p.width for p in tile.status_bar) == pytest.approx(88.0, abs=1e-2)
    by_name = {t.tally.district.name: t for t in tiles.tiles}
    assert [(p.code, p.count) for p in by_name["白云区"].status_bar] == [("revoked", 1)]
    assert by_name["白云区"].level_lines == ((("provincial", 1),),)
    assert by_name["荔湾区"].level_lines == () and by_name["荔湾区"].status_bar == ()
    assert tiles.statuses == ("valid", "revoked", "unknown") and not tiles.unrecognised
    assert tiles.height == 5 * charts.TILE_HEIGHT


def _tally(code: str, name: str, levels: list[str | None], statuses: list[str]) -> DistrictTally:
    """A tally of made-up clusters: only their level and status matter to the map."""

    @dataclasses.dataclass(frozen=True)
    class Status:
        code: str
        counts_as_municipal: bool = False

    @dataclasses.dataclass(frozen=True)
    class Facts:
        level: str | None
        status: Status

    district = District(code, name, f"d{code}", None)
    return DistrictTally(district, tuple(Facts(lv, Status(s)) for lv, s in zip(levels, statuses, strict=True)))  # type: ignore[arg-type]


def test_a_district_the_grid_does_not_know_gets_a_tile_below_the_map():
    known = [_tally(code, code, [], []) for code in TILE_GRID]
    stranger = _tally(
        "440199", "新区", ["national", "municipal", "municipal", None], ["valid", "valid", "expiring", "in_publicity"]
    )
    tiles = tile_map([*known, stranger])
    tile = tiles.tiles[-1]
    assert not tile.placed and (tile.column, tile.row) == (0, 5)
    assert tiles.height == 6 * charts.TILE_HEIGHT
    assert tile.level_lines == ((("national", 1), ("municipal", 2)), ((NO_LEVEL, 1),))
    assert [(p.code, p.count) for p in tile.status_bar] == [("in_publicity", 1), ("valid", 2), ("expiring", 1)]
    assert [p.width for p in tile.status_bar] == [22.0, 44.0, 22.0]
    assert tiles.unrecognised and tiles.statuses == ("in_publicity", "valid", "expiring")


# ---------------------------------------------------------------------------------------------
# Recognitions by year


def test_the_fixture_recognitions_by_year(snapshot):
    rows = snapshot.recognition_years
    assert [(r.year, dict(r.counts), r.by_date) for r in rows] == [
        (2023, {"national": 1, "provincial": 1, "municipal": 0}, 1),  # gamma has no batch: its date's year
        (2024, {"national": 0, "provincial": 0, "municipal": 0}, 0),  # a year without any is kept
        (2025, {"national": 0, "provincial": 0, "municipal": 2}, 0),
    ]
    tallies = snapshot.district_tallies
    for tally in tallies:
        assert sum(c for _l, c in tally.levels) == sum(c for _s, c in tally.statuses) == tally.total
        assert [s for s, _c in tally.statuses] == list(STATUS_LABELS)
        assert [lv for lv, _c in tally.levels] == [*LEVEL_ORDER, NO_LEVEL]
    assert sum(t.valid for t in tallies) == len(snapshot.municipal)


def _year(year: int | None, national: int = 0, provincial: int = 0, municipal: int = 0) -> RecognitionYear:
    return RecognitionYear(year, (("national", national), ("provincial", provincial), ("municipal", municipal)), 0)


def test_bars_are_stacked_by_level_and_the_tallest_is_full_height():
    bars = year_bars(
        [_year(2022, national=4), _year(2023), _year(2024, national=1, municipal=3), _year(None, provincial=2)]
    )
    assert bars.scale == charts.BARS_HEIGHT / 4
    first, empty, mixed, unknown = bars.bars
    assert first.top == charts.BARS_TOP and first.segments[0].height == charts.BARS_HEIGHT
    assert empty.segments == () and empty.top == bars.baseline
    assert [s.level for s in mixed.segments] == ["national", "municipal"]  # bottom up, in LEVEL_ORDER
    bottom, top = mixed.segments
    assert bottom.y + bottom.height == bars.baseline and top.y + top.height == pytest.approx(bottom.y)
    assert (bottom.height, top.height) == (30.0, 90.0)
    assert unknown.row.year is None and unknown.labelled
    for left, right in zip(bars.bars, bars.bars[1:], strict=False):
        assert left.x + left.width < right.x  # bars do not touch
    assert bars.bars[-1].x + bars.bars[-1].width <= 100


def test_with_many_years_every_other_year_is_labelled():
    bars = year_bars([_year(y, national=1) for y in range(2022, 2034)])
    assert [b.row.year for b in bars.bars if b.labelled] == list(range(2022, 2034, 2))
    assert year_bars([]).bars == ()
