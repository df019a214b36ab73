"""States are functions of an instant: at the edges of a day and of a stated cut-off, every output
states the same state for every record, each with the instant it holds until; `clusters next-change`
reports when the next one changes.

The data are the fixtures with cut-offs: tests/fixtures/calls (the base fixture's notice, window
2025-02-20 to 2025-02-28 with a 17:30 cut-off, listing alpha and delta, which have no recognition
before its final list of 2025-03-10; a call open 2024-11-25 to 2024-12-20 17:30) and the same with
the notice's cut-off left out, so that it closes at 24:00 ("midnight").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest
from conftest import CALLS_FIXTURE, make_data_dir, run_cli
from oracle_feeds import read_feed, read_ics
from oracle_opendata import read_csv
from oracle_support import check_consistent

from generator import SCHEMAS_DIR
from generator.domain.calendar import SHANGHAI, start_of_day
from generator.domain.model import Correction
from generator.domain.snapshot import Snapshot, take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.exports import build_exports
from generator.publish.feed import TAG_PREFIX
from generator.publish.pages import render_pages
from generator.schema.package import load_schemas

SCHEMA_SET = load_schemas(SCHEMAS_DIR)
NOTICE = "test-municipal-2025-list"
CALL = "test-municipal-2025-call"
LISTED = ("test-municipal-alpha", "test-municipal-delta")
MINUTE = dt.timedelta(minutes=1)


def at(text: str) -> dt.datetime:
    """YYYY-MM-DDTHH:MM in Beijing time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, object]:
    calls = make_data_dir(tmp_path_factory.mktemp("calls"), CALLS_FIXTURE)
    midnight = make_data_dir(tmp_path_factory.mktemp("midnight"), CALLS_FIXTURE)
    path = midnight / "notices" / f"{NOTICE}.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'cutoff_time: "17:30"\n' in text
    path.write_text(text.replace('cutoff_time: "17:30"\n', ""), encoding="utf-8")
    return {"calls": calls, "midnight": midnight}


@pytest.fixture(scope="module")
def datasets(folders):
    found = {}
    for name, folder in folders.items():
        loaded = load_dataset(folder, SCHEMAS_DIR, today=dt.date(2025, 2, 28))
        assert loaded.ok, [p.format() for p in loaded.problems]
        found[name] = loaded.dataset
    return found


# (data, instant, what the records say then: the notice (None: not yet published), the call, alpha)
EDGES = [
    ("calls", "2024-11-24T23:59", None, "upcoming", None),  # the call opens at 00:00 of 2024-11-25
    ("calls", "2024-11-25T00:00", None, "open", None),
    ("calls", "2024-12-20T17:29", None, "open", None),  # the call's 17:30 deadline
    ("calls", "2024-12-20T17:31", None, "closed", None),
    ("calls", "2025-02-19T23:59", None, "closed", None),  # the notice is published at 00:00 of 2025-02-20
    ("calls", "2025-02-20T00:00", "open", "closed", "in_publicity"),
    ("calls", "2025-02-27T23:59", "open", "closed", "in_publicity"),  # 2 working days left, then 1
    ("calls", "2025-02-28T00:00", "open", "closed", "in_publicity"),
    ("calls", "2025-02-28T17:29", "open", "closed", "in_publicity"),  # the notice's 17:30 cut-off
    ("calls", "2025-02-28T17:31", "closed", "closed", "unknown"),
    ("midnight", "2025-02-28T17:31", "open", "closed", "in_publicity"),  # no cut-off stated: 24:00
    ("midnight", "2025-02-28T23:59", "open", "closed", "in_publicity"),
    ("midnight", "2025-03-01T00:00", "closed", "closed", "unknown"),
    ("calls", "2025-03-09T23:59", "closed", "closed", "unknown"),  # the final list, at 00:00 of 2025-03-10
    ("calls", "2025-03-10T00:00", "closed", "closed", "valid"),
]


def _rows(files: dict[str, bytes], name: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in read_csv(files[f"data/{name}.csv"])}


def _json_rows(files: dict[str, bytes], name: str) -> dict[str, dict]:
    return {row["id"]: row for row in json.loads(files[f"data/{name}.json"])}


def _closing(day: str, time: str) -> dt.datetime:
    if time == "24:00":
        return start_of_day(dt.date.fromisoformat(day) + dt.timedelta(days=1))
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), tzinfo=SHANGHAI)


def _ics_end(value: dt.date | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else start_of_day(value)


def _instant(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def states_in_outputs(files: dict[str, bytes], when: dt.datetime) -> dict[str, dict[str, dict[str, object]]]:
    """Each record's state as every output states it at `when`: the tables and JSON copies say it;
    the Atom feed and the calendar say the window or the deadline, from which the state at `when`
    follows (upcoming before 00:00 of the first day, open until the closing instant, closed from
    then); a listed cluster without a recognition is 公示中 exactly while a notice listing it is open."""
    found: dict[str, dict[str, dict[str, object]]] = {"notices": {}, "calls": {}, "clusters": {}}
    _, entries = read_feed(files["feeds/notices.atom"])
    feed = {entry.id[len(TAG_PREFIX) :]: entry for entry in entries}
    calendar = read_ics(files["calendar/deadlines.ics"])
    notice_rows, notice_json = _rows(files, "notices"), _json_rows(files, "notices")
    open_by_outputs = set()
    for nid, row in notice_rows.items():
        states: dict[str, object] = {"notices.csv": row["state"], "notices.json": notice_json[nid]["state"]}
        window = re.search(
            r"公示期 (\S+) 至 (\S+)（\d+ 个工作日），异议受理截至 (\S+) (\d\d:\d\d)（北京时间）",
            feed[f"notice/{nid}"].summary,
        )
        assert window, feed[f"notice/{nid}"].summary
        closes = _closing(window.group(3), window.group(4))
        opens = start_of_day(dt.date.fromisoformat(window.group(1)))
        states["notices.atom"] = "upcoming" if when < opens else "open" if when < closes else "closed"
        event = calendar[f"notice-close-{nid}@gz-clusters"]
        states["deadlines.ics closed"] = when >= _ics_end(event.end)
        states["until"] = {
            "notices.csv": _instant(row["state_until"]),
            "notices.json": _instant(notice_json[nid]["state_until"] or ""),
            # while open, the state holds until the closing instant the feed and the calendar state
            "notices.atom/deadlines.ics": (closes, _ics_end(event.end)) if states["notices.atom"] == "open" else None,
        }
        states["as_of"] = {_instant(row["state_as_of"]), _instant(notice_json[nid]["state_as_of"])}
        if states["notices.atom"] == "open" and not states["deadlines.ics closed"]:
            open_by_outputs.add(nid)
        found["notices"][nid] = states
    for cid, row in _rows(files, "calls").items():
        states = {"calls.csv": row["state"], "as_of": {_instant(row["state_as_of"])}}
        deadline = re.search(r"申报截至 (\S+) (\d\d:\d\d)（北京时间", feed[f"call/{cid}"].summary)
        assert deadline, feed[f"call/{cid}"].summary
        states["calls.atom closed"] = when >= _closing(deadline.group(1), deadline.group(2))
        states["deadlines.ics closed"] = when >= _ics_end(calendar[f"call-deadline-{cid}@gz-clusters"].end)
        states["until"] = _instant(row["state_until"])
        found["calls"][cid] = states
    listed: dict[str, set[str]] = {}
    for nid in notice_rows:
        for entry in read_csv(files[f"data/notices/{nid}/entries.csv"]):
            if entry["cluster"]:
                listed.setdefault(entry["cluster"], set()).add(nid)
    cluster_json = _json_rows(files, "clusters")
    for cid, row in _rows(files, "clusters").items():
        states = {
            "clusters.csv": row["status"],
            "clusters.json": cluster_json[cid]["status"],
            "as_of": {_instant(row["status_as_of"]), _instant(cluster_json[cid]["status_as_of"])},
            "until": {_instant(row["status_until"]), _instant(cluster_json[cid]["status_until"] or "")},
        }
        if not row["highest_level"]:  # no recognition: 公示中 while a notice listing it is open
            states["notices open (atom, ics)"] = bool(listed.get(cid, set()) & open_by_outputs)
        found["clusters"][cid] = states
    return found


@pytest.mark.parametrize(("data", "when", "notice", "call", "alpha"), EDGES)
def test_every_output_states_the_same_state_at_the_instant(datasets, data, when, notice, call, alpha):
    instant = at(when)
    snapshot = take_snapshot(datasets[data], instant)
    built = build_exports(snapshot, SCHEMA_SET)
    files = {f.path: f.content for f in built}
    outputs = states_in_outputs(files, instant)
    notices = {f.notice.id: f for f in snapshot.notices}
    assert (notices[NOTICE].state if NOTICE in notices else None) == notice
    assert {f.call.id: f.state for f in snapshot.calls}[CALL] == call
    assert ({f.cluster.id: f.status.code for f in snapshot.clusters}.get("test-municipal-alpha")) == alpha
    assert set(notices) == set(outputs["notices"])
    assert {f.call.id for f in snapshot.calls} == set(outputs["calls"])
    assert {f.cluster.id for f in snapshot.clusters} == set(outputs["clusters"])
    for nid, facts in notices.items():
        out = outputs["notices"][nid]
        assert out["notices.csv"] == out["notices.json"] == out["notices.atom"] == facts.state, (nid, out)
        assert out["deadlines.ics closed"] == (facts.state == "closed"), (nid, out)
        assert out["as_of"] == {instant}
        until = out["until"]
        assert until["notices.csv"] == until["notices.json"] == facts.state_until, (nid, until)
        if facts.state == "open":
            assert until["notices.atom/deadlines.ics"] == (facts.state_until, facts.state_until)
    for facts in snapshot.calls:
        out = outputs["calls"][facts.call.id]
        assert out["calls.csv"] == facts.state and out["as_of"] == {instant}
        assert out["calls.atom closed"] == out["deadlines.ics closed"] == (facts.state == "closed"), out
        assert out["until"] == facts.state_until
        if facts.state == "open":
            assert facts.state_until == facts.closes_at
    for facts in snapshot.clusters:
        out = outputs["clusters"][facts.cluster.id]
        assert out["clusters.csv"] == out["clusters.json"] == facts.status.code, out
        assert out["as_of"] == {instant} and out["until"] == {facts.status_until}
        if "notices open (atom, ics)" in out:
            assert (facts.status.code == "in_publicity") == out["notices open (atom, ics)"], (facts.cluster.id, out)
    # The pages as rendered agree with these files (the as-of oracle: badges, lists, home page, feed).
    check_consistent(snapshot, render_pages(snapshot, SCHEMA_SET, built), built, dataset=datasets[data])


def test_after_a_1730_cut_off_the_notice_is_closed_and_its_clusters_no_longer_in_publicity(datasets):
    before, after = (take_snapshot(datasets["calls"], at(t)) for t in ("2025-02-28T17:29", "2025-02-28T17:31"))
    cut_off = at("2025-02-28T17:30")
    (notice,) = before.notices
    assert (notice.state, notice.state_until, notice.days_left, notice.days_left_until) == ("open", cut_off, 1, cut_off)
    for facts in before.clusters:
        if facts.cluster.id in LISTED:
            assert (facts.status.code, facts.status_until) == ("in_publicity", cut_off)
    (notice,) = after.notices
    assert (notice.state, notice.state_until, notice.days_left, notice.days_left_until) == ("closed", None, None, None)
    final_list = at("2025-03-10T00:00")
    for facts in after.clusters:
        if facts.cluster.id in LISTED:
            assert (facts.status.code, facts.status_until) == ("unknown", final_list)
    files = {f.path: f.content for f in build_exports(after, SCHEMA_SET)}
    rows = _rows(files, "clusters")
    assert {rows[cid]["status"] for cid in LISTED} == {"unknown"}
    assert _rows(files, "notices")[NOTICE]["state"] == "closed"
    assert _rows(files, "notices")[NOTICE]["state_until"] == ""
    assert "open 公示中（第一天 00:00 起，至 closes_at 所示异议截止时刻之前" in files["data/datapackage.json"].decode()


def test_a_day_given_alone_is_its_start_and_an_instant_must_carry_its_zone(datasets):
    day = take_snapshot(datasets["calls"], start_of_day(dt.date(2025, 2, 28)))
    assert day.at == at("2025-02-28T00:00") and day.day == dt.date(2025, 2, 28)
    with pytest.raises(TypeError):
        take_snapshot(datasets["calls"], dt.date(2025, 2, 28))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        take_snapshot(datasets["calls"], dt.datetime(2025, 2, 28, 17, 31))  # no zone
    # Any zone names the same instant: 09:31 UTC is 17:31 in Guangzhou.
    utc = take_snapshot(datasets["calls"], dt.datetime(2025, 2, 28, 9, 31, tzinfo=dt.UTC))
    assert [f.state for f in utc.notices] == ["closed"] and utc.day == dt.date(2025, 2, 28)


# --- until, next_change: found by the functions that compute the states ------------------------------


def signature(snapshot: Snapshot) -> tuple:
    """Everything time-dependent a build states: what is published, every state, the working days
    left, the results out, the corrections in force, each cluster's events, sources and reports,
    the deadlines still ahead, the guideline in force and whether it lapsed."""
    return (
        tuple(
            (f.notice.id, f.state, f.days_left, f.outcome_published, len(f.notice.corrections))
            for f in snapshot.notices
        ),
        tuple((f.call.id, f.state, len(f.call.corrections)) for f in snapshot.calls),
        tuple(
            (
                f.cluster.id,
                f.status.code,
                len(f.cluster.events),
                len(f.cluster.sources),
                tuple(r.state for r in f.reports),
            )
            for f in snapshot.clusters
        ),
        tuple(d.key for d in snapshot.upcoming(limit=10_000)),
        snapshot.guideline.id if snapshot.guideline else None,
        snapshot.guideline_lapsed,
    )


def _until_values(snapshot: Snapshot) -> list[tuple[str, dt.datetime, object]]:
    """(what, until, value now) for every state that says when it changes."""
    found: list[tuple[str, dt.datetime, object]] = []
    for f in snapshot.notices:
        if f.state_until:
            found.append((f"notice {f.notice.id} state", f.state_until, f.state))
        if f.days_left_until:
            found.append((f"notice {f.notice.id} days_left", f.days_left_until, f.days_left))
    found += [(f"call {f.call.id}", f.state_until, f.state) for f in snapshot.calls if f.state_until]
    found += [(f"cluster {f.cluster.id}", f.status_until, f.status.code) for f in snapshot.clusters if f.status_until]
    return found


def _value(snapshot: Snapshot, what: str) -> object:
    kind, record, *rest = what.split()
    if kind == "notice":
        facts = next((f for f in snapshot.notices if f.notice.id == record), None)
        return None if facts is None else facts.days_left if rest == ["days_left"] else facts.state
    if kind == "call":
        return next(f.state for f in snapshot.calls if f.call.id == record)
    return next(f.status.code for f in snapshot.clusters if f.cluster.id == record)


@pytest.mark.parametrize("data", ["calls", "midnight"])
def test_each_state_holds_until_its_until_and_nothing_changes_before_next_change(datasets, data):
    """Following next_change from 2024 to the last change: each state is the same a minute before
    the instant it holds until and different at it; the whole signature is the same a minute before
    next_change and different at it, and what `next_changes` says changes is among what differs."""
    dataset = datasets[data]
    when, steps = at("2024-01-01T00:00"), 0
    while True:
        snapshot = take_snapshot(dataset, when)
        for what, until, now in _until_values(snapshot):
            assert until > when
            assert _value(take_snapshot(dataset, until - MINUTE), what) == now, (what, until)
            assert _value(take_snapshot(dataset, until), what) != now, (what, until)
        change = snapshot.next_change
        if change is None:
            break
        assert signature(take_snapshot(dataset, change - MINUTE)) == signature(snapshot), change
        assert signature(take_snapshot(dataset, change)) != signature(snapshot), (change, snapshot.next_changes)
        assert snapshot.next_changes and all(c.at == change for c in snapshot.next_changes)
        when, steps = change, steps + 1
    assert steps > 10


@pytest.mark.parametrize("data", ["calls", "midnight"])
def test_no_day_changes_anything_that_next_change_did_not_announce(datasets, data):
    """Day by day from 2024-11-01 to 2029-12-31, at 00:00 and at 23:59: whenever anything a build
    states differs from the day before, the earlier snapshot's next_change came by then."""
    dataset = datasets[data]
    day, last = dt.date(2024, 11, 1), dt.date(2029, 12, 31)
    previous = take_snapshot(dataset, start_of_day(day))
    while day < last:
        day += dt.timedelta(days=1)
        for instant in (start_of_day(day), start_of_day(day) + dt.timedelta(hours=23, minutes=59)):
            current = take_snapshot(dataset, instant)
            if signature(current) != signature(previous):
                assert previous.next_change is not None and previous.next_change <= instant, (
                    instant,
                    previous.at,
                    previous.next_change,
                )
            previous = current


def test_a_correction_moves_the_instant_a_state_holds_until(datasets):
    """A correction dated on the last day that puts the cut-off later (17:30 → 18:00) takes effect at
    00:00 of its day. The day before, the notice reads 17:30 as first published, yet it stays open
    until 18:00, as the records stand (the correction is in force by 17:30); the correction itself is
    a change announced for 00:00."""
    dataset = datasets["calls"]
    notice = dataset.notices[NOTICE]
    correction = Correction(1, dt.date(2025, 2, 28), "cutoff_time", "17:30", "18:00", "【测试数据】更正截止时间")
    corrected = dataclasses.replace(notice, cutoff_time=dt.time(18, 0), corrections=(correction,))
    changed = dataclasses.replace(dataset, notices={**dataset.notices, NOTICE: corrected})
    (before,) = take_snapshot(changed, at("2025-02-27T12:00")).notices
    assert (before.state, before.state_until, before.window.cutoff_label) == ("open", at("2025-02-28T18:00"), "17:30")
    (on_the_day,) = take_snapshot(changed, at("2025-02-28T17:45")).notices
    assert (on_the_day.state, on_the_day.state_until) == ("open", at("2025-02-28T18:00"))
    lines = [c.line for c in take_snapshot(changed, at("2025-02-27T12:00")).ahead if c.at == at("2025-02-28T00:00")]
    assert any("勘误（cutoff_time）生效" in line for line in lines), lines


# --- clusters next-change ------------------------------------------------------------------------------


def next_change(folders, data: str, *args: str):
    return run_cli("next-change", "--data", folders[data], *args)


def test_next_change_prints_the_instant_and_each_state_that_changes(folders):
    done = next_change(folders, "calls", "--at", "2025-02-28T17:29")
    assert done.returncode == 0, done.stderr
    first, *lines = done.stdout.splitlines()
    assert first == "2025-02-28T17:30:00+08:00"
    assert lines == [
        "  公示“【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示”：公示中 → 已结束",
        "  集群“【测试数据】广州市天河区测试软件产业集群”：公示中 → 状态不明",
        "  集群“【测试数据】广州市黄埔区测试装备产业集群”：公示中 → 状态不明",
    ]
    midnight = next_change(folders, "calls", "--at", "2025-02-27T23:59")
    assert midnight.stdout.splitlines() == [
        "2025-02-28T00:00:00+08:00",
        "  公示“【测试数据】2025 年广州市市级中小企业特色产业集群拟认定名单公示”含当天剩余工作日：2 → 1",
    ]
    call = next_change(folders, "calls", "--at", "2024-12-20T17:29")
    assert call.stdout.splitlines()[0] == "2024-12-20T17:30:00+08:00"
    assert "申报中 → 已截止" in call.stdout


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("2025-02-28T17:29", 1),  # the cut-off is still ahead
        ("2025-02-28T17:30", 0),  # (17:15, 17:30] holds it
        ("2025-02-28T17:44", 0),
        ("2025-02-28T17:45", 1),  # (17:30, 17:45] does not
        ("2025-02-28T00:00", 0),  # midnight: one working day left now
        ("2025-02-28T00:14", 0),
        ("2025-02-28T00:15", 1),
    ],
)
def test_within_answers_whether_a_change_fell_in_the_last_minutes(folders, when, code):
    done = next_change(folders, "calls", "--within", "15", "--at", when)
    assert done.returncode == code, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    if code == 0:  # the change in the window
        assert at(when) - dt.timedelta(minutes=15) < dt.datetime.fromisoformat(lines[0]) <= at(when)
        assert "有状态变化，需要重新生成网站" in done.stderr
    else:
        assert dt.datetime.fromisoformat(lines[0]) > at(when)  # what comes next, for the log
        assert "不需要重新生成网站" in done.stderr


def test_nothing_ahead(folders):
    done = next_change(folders, "calls", "--at", "2100-01-01T00:00")
    assert (done.returncode, done.stdout) == (0, "按现有记录，2100-01-01T00:00:00+08:00 之后没有已知的状态变化。\n")
    done = next_change(folders, "calls", "--within", "15", "--at", "2100-01-01T00:00")
    assert (done.returncode, done.stdout) == (1, "")


def test_next_change_refuses_invalid_data_and_bad_instants(folders, tmp_path):
    broken = make_data_dir(tmp_path)
    (broken / "clusters" / "test-municipal-alpha.yaml").write_text("id: [\n", encoding="utf-8")
    done = run_cli("next-change", "--data", broken, "--within", "15", "--at", "2025-02-28T17:30")
    assert done.returncode == 4 and done.stdout == "" and "数据校验未通过" in done.stderr
    for bad in ("2025-02-28", "2025-02-30T17:30", "17:30"):
        done = next_change(folders, "calls", "--at", bad)
        assert done.returncode == 2 and "不是有效时刻" in done.stderr, bad
    assert next_change(folders, "calls", "--within", "0").returncode == 2


def test_next_change_documents_its_exit_codes():
    done = run_cli("next-change", "--help")
    text = done.stdout
    for code, meaning in (
        ("0", "需要重新生成网站"),
        ("1", "没有状态变化"),
        ("2", "用法错误"),
        ("3", "内部错误"),
        ("4", "数据校验未通过"),
    ):
        assert re.search(rf"^\s+{code}\s+.*{meaning}", text, re.M), (code, text)


def test_build_and_validate_take_a_day_or_an_instant_not_both(folders):
    done = run_cli("validate", "--data", folders["calls"], "--today", "2025-02-28", "--at", "2025-02-28T17:31")
    assert done.returncode == 2 and "只能给出一个" in done.stderr
    assert run_cli("validate", "--data", folders["calls"], "--at", "2025-02-28T17:31").returncode == 0
