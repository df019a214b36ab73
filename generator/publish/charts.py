"""Geometry of the site's pictures (inline SVG), computed from snapshot facts: pure, no markup, no words.

Every x and width is a percentage of the picture's width, every y and height is in CSS pixels.
The SVG is as wide as the text column and as tall as its content, with no viewBox: a phone and a
desktop draw the same picture at different widths while its text keeps its size (an SVG scaled to
a phone would shrink its text below reading size). The templates (_timeline.svg.j2,
_tilemap.svg.j2, _by_year.svg.j2) write the markup; the words come from the domain's label tables.

- cluster_timeline: recognitions with their validity spans, renewals, annual reports, changes and
  the revocation of one cluster on a time axis by year, and the day the page is as of. A date known
  only to the month or the year is drawn over the whole month or year (`Mark.width`), never as a day.
- tile_map: Guangzhou's districts as a fixed grid of equal tiles roughly where each district lies
  (schematic on purpose: a boundary map published in China needs a map review number, 审图号).
- year_bars: recognitions per year, stacked by level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.domain.lifecycle import STATUS_LABELS, Bound
from generator.domain.model import Event, PartialDate
from generator.domain.snapshot import LEVEL_ORDER, NO_LEVEL, ClusterFacts, DistrictTally, RecognitionYear

# ---------------------------------------------------------------------------------------------
# A time axis by whole years


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float  # where the year starts (percent)
    label_x: float  # the middle of the year, where its label goes
    labelled: bool  # every year is ticked; with many years only every other one is labelled


@dataclass(frozen=True)
class TimeAxis:
    """1 January of `first_year` to 31 December of `last_year` across the width, less a margin each side
    so that a mark on the first or last day is not cut by the edge."""

    first_year: int
    last_year: int
    margin: float = 2.0  # percent each side

    @property
    def start(self) -> dt.date:
        return dt.date(self.first_year, 1, 1)

    @property
    def end(self) -> dt.date:
        """The day after the last one shown."""
        return dt.date(self.last_year + 1, 1, 1)

    def x(self, day: dt.date) -> float:
        """The start of `day` (00:00), in percent of the width."""
        days = (self.end - self.start).days
        return round(self.margin + (100 - 2 * self.margin) * (day - self.start).days / days, 3)

    def x_after(self, day: dt.date) -> float:
        """The end of `day` (24:00)."""
        return self.x(day + dt.timedelta(days=1))

    def ticks(self, max_labels: int = 10) -> tuple[YearTick, ...]:
        years = range(self.first_year, self.last_year + 1)
        step = 1 if len(years) <= max_labels else 2
        return tuple(
            YearTick(
                year,
                self.x(dt.date(year, 1, 1)),
                round((self.x(dt.date(year, 1, 1)) + self.x(dt.date(year + 1, 1, 1))) / 2, 3),
                (year - self.first_year) % step == 0,
            )
            for year in years
        )


def axis_for(days: Iterable[dt.date]) -> TimeAxis:
    found = list(days)
    return TimeAxis(min(d.year for d in found), max(d.year for d in found))


# ---------------------------------------------------------------------------------------------
# The cluster timeline

PRECISION = {3: "day", 2: "month", 1: "year"}
MARK_ORDER = ("certified", "renewed", "annual_report", "changed", "revoked")

LANE_HEIGHT = 44  # a label line, then the bar
LABEL_LINE = 16  # a second label line: a recognition revoked, or ending on a day not known exactly
TOP = 30  # room for the as-of label above the first lane
AXIS_HEIGHT = 30  # the baseline, the year ticks and their labels
BAR_OFFSET = 20  # from a lane's top to its bar's top
BAR_HEIGHT = 12


@dataclass(frozen=True)
class Mark:
    """One event on the timeline: a symbol at its day, or a band over the month or year it is known to."""

    seq: int  # the event's position in the cluster's list of events (its line in 大事记)
    kind: str  # the event's type: certified | renewed | revoked | annual_report | changed
    level: str | None
    x: float  # the start of the day, month or year (percent)
    width: float  # 0 for a day; the month's or the year's width otherwise (percent)
    y: float  # the lane's centre line (px)
    date: str  # as the record states it: 2025-03-10, 2025-03, 2025
    precision: str  # day | month | year
    year: int | None  # an annual report's year

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 3)


@dataclass(frozen=True)
class Segment:
    """A piece of a validity bar."""

    kind: str  # valid: certainly in force; uncertain: the start or end is known only to the month or year;
    # void: after the revocation, the rest of the validity it cut short
    x: float
    width: float


@dataclass(frozen=True)
class Lane:
    kind: str  # recognition | annual_report | other (changes, and any event no recognition's lane holds)
    level: str | None  # a recognition's level
    y: float  # top of the lane (px)
    segments: tuple[Segment, ...]
    marks: tuple[Mark, ...]
    start: str | None  # a recognition's validity as stated or computed: its first day …
    end: str | None  # … and its last (labels of Bound)
    revoked: str | None  # the revocation's date, when it cut the validity short
    # A recognition's label takes two lines when it is revoked or its end is a span ("2026-06-30 至
    # 2026-07-30 之间"): level (and revocation) on the first, the validity on the second, so that no line
    # is wider than the narrowest phone's column (320 px).
    two_lines: bool = False

    @property
    def label_y(self) -> float:
        return self.y + 13

    @property
    def second_label_y(self) -> float:
        return self.label_y + LABEL_LINE

    @property
    def bar_y(self) -> float:
        return self.y + BAR_OFFSET + (LABEL_LINE if self.two_lines else 0)

    @property
    def centre_y(self) -> float:
        return self.bar_y + BAR_HEIGHT / 2

    @property
    def height(self) -> float:
        return LANE_HEIGHT + (LABEL_LINE if self.two_lines else 0)


@dataclass(frozen=True)
class Timeline:
    lanes: tuple[Lane, ...]
    ticks: tuple[YearTick, ...]
    end_x: float  # where the last year ends
    today: dt.date
    today_x: float  # the middle of the day the page is as of
    today_anchor: str  # start | end: which way its label runs, so that it stays inside the picture
    axis_y: float  # the baseline (px)
    height: float
    undated: tuple[int, ...]  # seqs of events without a date: listed, not drawn

    @property
    def marks(self) -> tuple[Mark, ...]:
        return tuple(sorted((m for lane in self.lanes for m in lane.marks), key=lambda m: m.seq))

    # What the legend explains: only what the picture shows.

    @property
    def symbols(self) -> tuple[str, ...]:
        """The kinds of event drawn as a symbol (on an exact day), in a fixed order."""
        kinds = {m.kind for m in self.marks if not m.width}
        return tuple(kind for kind in MARK_ORDER if kind in kinds)

    @property
    def banded(self) -> bool:
        """Some event is known only to its month or year (drawn as a band)."""
        return any(m.width for m in self.marks)

    @property
    def segment_kinds(self) -> tuple[str, ...]:
        kinds = {s.kind for lane in self.lanes for s in lane.segments}
        return tuple(kind for kind in ("valid", "uncertain", "void") if kind in kinds)

    @property
    def bar_levels(self) -> tuple[str, ...]:
        """The levels whose validity is drawn (each has its colour)."""
        levels = {lane.level for lane in self.lanes if lane.segments}
        return tuple(level for level in LEVEL_ORDER if level in levels)


def _precision(date: PartialDate) -> str:
    return PRECISION[1 + (date.month is not None) + (date.day is not None)]


def _mark(event: Event, axis: TimeAxis, y: float) -> Mark:
    date = event.date
    assert date is not None  # undated events are not drawn
    x = axis.x(date.earliest)
    width = 0.0 if date.is_exact else round(axis.x_after(date.latest) - x, 3)
    return Mark(event.seq, event.type, event.level, x, width, y, str(date), _precision(date), event.year)


def _bar(
    valid_from: Bound | None, valid_until: Bound, revoked: PartialDate | None, axis: TimeAxis, start: dt.date
) -> tuple[Segment, ...]:
    """The validity bar: an end known only to the month or year light (uncertain), the days certainly
    in force solid (valid), and what a revocation cut short hollow (void). `start` stands in for an
    unstated first day (the certification's)."""
    segments: list[Segment] = []

    def piece(kind: str, first: dt.date, after: dt.date) -> None:
        if after > first:
            segments.append(Segment(kind, axis.x(first), round(axis.x(after) - axis.x(first), 3)))

    one = dt.timedelta(days=1)
    begin = valid_from if valid_from is not None else Bound(start, start, start.isoformat())
    stop = valid_until.latest + one  # the day after the last day it may have lasted
    cut = min(stop, revoked.earliest) if revoked is not None else stop  # no longer in force from this day
    certain_from, certain_until = begin.latest, valid_until.earliest + one
    piece("uncertain", begin.earliest, min(certain_from, cut))
    piece("valid", certain_from, min(certain_until, cut))
    piece("uncertain", max(certain_until, certain_from), cut)
    piece("void", max(cut, begin.earliest), stop)
    return tuple(segments)


def cluster_timeline(facts: ClusterFacts, day: dt.date) -> Timeline:
    """The timeline of one cluster as of `day`: one lane per recognition (its validity bar with its
    certification, renewals and revocation), one for annual reports, one for the other events."""
    events = facts.cluster.events
    dated = [e for e in events if e.date is not None]
    days: list[dt.date] = [day]
    for event in dated:
        assert event.date is not None
        days += [event.date.earliest, event.date.latest]
    for span in facts.validity_spans:
        r = span.recognition
        days += [
            b for bound in (r.valid_from, r.valid_until) if bound is not None for b in (bound.earliest, bound.latest)
        ]
    axis = axis_for(days)

    lanes: list[Lane] = []
    placed: set[int] = set()
    y = float(TOP)
    for span in facts.validity_spans:
        r = span.recognition
        two_lines = span.revoked is not None or (r.valid_until is not None and not r.valid_until.is_exact)
        centre = y + BAR_OFFSET + (LABEL_LINE if two_lines else 0) + BAR_HEIGHT / 2
        own = [r.certified, *r.renewals] + ([span.revoked] if span.revoked is not None else [])
        marks = tuple(_mark(e, axis, centre) for e in own if e.date is not None)
        placed |= {e.seq for e in own}
        segments: tuple[Segment, ...] = ()
        if r.valid_until is not None:
            start = r.certified.date.earliest if r.certified.date else r.valid_until.earliest
            segments = _bar(r.valid_from, r.valid_until, span.revoked.date if span.revoked else None, axis, start)
        lane = Lane(
            "recognition",
            r.level,
            y,
            segments,
            marks,
            r.valid_from.label if r.valid_from else None,
            r.valid_until.label if r.valid_until else None,
            str(span.revoked.date) if span.revoked is not None and span.revoked.date is not None else None,
            two_lines,
        )
        lanes.append(lane)
        y += lane.height
    for kind in ("annual_report", "other"):
        own = [e for e in dated if e.seq not in placed and (e.type == "annual_report") == (kind == "annual_report")]
        if not own:
            continue
        centre = y + BAR_OFFSET + BAR_HEIGHT / 2
        lane = Lane(kind, None, y, (), tuple(_mark(e, axis, centre) for e in own), None, None, None)
        lanes.append(lane)
        placed |= {e.seq for e in own}
        y += lane.height
    today_x = round((axis.x(day) + axis.x_after(day)) / 2, 3)
    return Timeline(
        tuple(lanes),
        axis.ticks(),
        axis.x(axis.end),
        day,
        today_x,
        "end" if today_x > 60 else "start",
        y + 4,
        y + 4 + AXIS_HEIGHT,
        tuple(e.seq for e in events if e.date is None),
    )


# ---------------------------------------------------------------------------------------------
# The district tile map

# Each district's tile (column, row) on a 4 × 5 grid, roughly where it lies: 花都 and 从化 in the
# north, 白云, 黄埔 and 增城 below them, the old city (荔湾, 越秀, 天河) in the middle, 海珠 and 番禺
# south of it, 南沙 at the mouth of the river. Schematic: equal tiles, no boundary, no distance.
TILE_GRID: dict[str, tuple[int, int]] = {
    "440114": (1, 0),  # 花都区
    "440117": (2, 0),  # 从化区
    "440111": (1, 1),  # 白云区
    "440112": (2, 1),  # 黄埔区
    "440118": (3, 1),  # 增城区
    "440103": (0, 2),  # 荔湾区
    "440104": (1, 2),  # 越秀区
    "440106": (2, 2),  # 天河区
    "440105": (1, 3),  # 海珠区
    "440113": (2, 3),  # 番禺区
    "440115": (2, 4),  # 南沙区
}
GRID_COLUMNS = 4
TILE_HEIGHT = 104  # px, the gap included
TILE_GAP = 4  # px between tiles, vertically
TILE_GAP_X = 0.8  # percent between tiles, horizontally
LEVEL_LINE_ITEMS = 2  # levels named per line in a tile ("国 2 · 省 1")


@dataclass(frozen=True)
class BarPiece:
    code: str  # a status code
    count: int
    x: float  # percent of the tile's width
    width: float


@dataclass(frozen=True)
class Tile:
    tally: DistrictTally
    column: int
    row: int
    x: float  # percent of the map's width
    y: float  # px
    width: float  # percent
    height: float  # px
    level_lines: tuple[tuple[tuple[str, int], ...], ...]  # the levels with clusters, LEVEL_LINE_ITEMS per line
    status_bar: tuple[BarPiece, ...]  # the statuses with clusters, left to right, as shares of the bar

    @property
    def placed(self) -> bool:
        """In its place on the grid (a district the grid does not know goes to a row below)."""
        return self.tally.district.code in TILE_GRID


@dataclass(frozen=True)
class TileMap:
    tiles: tuple[Tile, ...]
    height: float
    statuses: tuple[str, ...]  # the status codes some tile shows, in the order of STATUS_LABELS (legend, table)
    unrecognised: bool  # some cluster has no recognition yet (NO_LEVEL)


def _status_bar(tally: DistrictTally, left: float = 6.0, right: float = 94.0) -> tuple[BarPiece, ...]:
    pieces: list[BarPiece] = []
    if tally.total == 0:
        return ()
    at = left
    for code, count in tally.statuses:
        if count:
            width = round((right - left) * count / tally.total, 3)
            pieces.append(BarPiece(code, count, round(at, 3), width))
            at += width
    return tuple(pieces)


def tile_map(tallies: Sequence[DistrictTally]) -> TileMap:
    """The tiles in the dataset's order of districts; those the grid does not place go, in that order,
    into rows below the map (a district code added to districts.yaml still gets a tile)."""
    rows = 1 + max(row for _col, row in TILE_GRID.values())
    extra = 0
    tiles = []
    for tally in tallies:
        if tally.district.code in TILE_GRID:
            column, row = TILE_GRID[tally.district.code]
        else:
            column, row = extra % GRID_COLUMNS, rows + extra // GRID_COLUMNS
            extra += 1
        width = 100 / GRID_COLUMNS
        levels = [(level, count) for level, count in tally.levels if count]
        lines = tuple(tuple(levels[i : i + LEVEL_LINE_ITEMS]) for i in range(0, len(levels), LEVEL_LINE_ITEMS))
        tiles.append(
            Tile(
                tally,
                column,
                row,
                round(column * width + TILE_GAP_X / 2, 3),
                row * TILE_HEIGHT + TILE_GAP / 2,
                round(width - TILE_GAP_X, 3),
                TILE_HEIGHT - TILE_GAP,
                lines,
                _status_bar(tally),
            )
        )
    total_rows = rows + (extra + GRID_COLUMNS - 1) // GRID_COLUMNS
    statuses = tuple(code for code in STATUS_LABELS if any(dict(t.statuses)[code] for t in tallies))
    unrecognised = any(dict(t.levels)[NO_LEVEL] for t in tallies)
    return TileMap(tuple(tiles), total_rows * TILE_HEIGHT, statuses, unrecognised)


# ---------------------------------------------------------------------------------------------
# Recognitions by year

BARS_TOP = 24  # room for the tallest bar's count
BARS_HEIGHT = 120  # the tallest bar
BARS_AXIS = 28  # the baseline and the year labels
MAX_YEAR_LABELS = 10  # more years than this: every other one labelled


@dataclass(frozen=True)
class BarSegment:
    level: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class YearBar:
    row: RecognitionYear
    x: float  # percent
    width: float  # percent
    label_x: float  # the bar's middle (percent)
    labelled: bool  # its year is written under it (with many years, every other one; "未载明" always)
    top: float  # px: the top of the stack (where the total goes above)
    segments: tuple[BarSegment, ...]  # bottom up, in LEVEL_ORDER


@dataclass(frozen=True)
class YearBars:
    bars: tuple[YearBar, ...]
    baseline: float  # px
    height: float
    scale: float  # px per recognition


def year_bars(rows: Sequence[RecognitionYear]) -> YearBars:
    """One bar per year (and one for recognitions without a year), stacked by level, the tallest
    BARS_HEIGHT px; heights are proportional to counts (a bar of 0 has no height)."""
    tallest = max((row.total for row in rows), default=0)
    scale = BARS_HEIGHT / tallest if tallest else 0.0
    baseline = BARS_TOP + BARS_HEIGHT
    slot = 100 / max(len(rows), 1)
    step = 1 if len(rows) <= MAX_YEAR_LABELS else 2
    bars = []
    for index, row in enumerate(rows):
        width = slot * 0.6
        x = slot * index + (slot - width) / 2
        bottom = float(baseline)
        segments = []
        by_level = dict(row.counts)
        for level in LEVEL_ORDER:
            count = by_level.get(level, 0)
            if count:
                height = round(count * scale, 3)
                bottom -= height
                segments.append(BarSegment(level, count, round(bottom, 3), height))
        bars.append(
            YearBar(
                row,
                round(x, 3),
                round(width, 3),
                round(x + width / 2, 3),
                row.year is None or index % step == 0,
                round(bottom, 3),
                tuple(segments),
            )
        )
    return YearBars(tuple(bars), baseline, baseline + BARS_AXIS, scale)
