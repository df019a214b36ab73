"""Validity, renewal, annual reports, revocation and status, one test per clause case."""

import dataclasses
import datetime as dt

import pytest
from conftest import AFTER_EVERY_RECORD, make_data_dir

from generator import SCHEMAS_DIR
from generator.domain.lifecycle import (
    add_years,
    annual_reports,
    cluster_status,
    recognitions,
    renewed_end,
    validity_end,
)
from generator.domain.model import Cluster, Event, PartialDate, PolicySet
from generator.load.dataset import load_dataset

D = dt.date.fromisoformat


@pytest.fixture(scope="module", name="policies")
def policies_fixture(tmp_path_factory) -> PolicySet:
    """The policies of data/policy/ (guideline: 3 years, reports by the end of February; MIIT: 30 April)."""
    return load_dataset(
        make_data_dir(tmp_path_factory.mktemp("policies")), SCHEMAS_DIR, today=AFTER_EVERY_RECORD
    ).dataset.policies


def event(type, date=None, **fields):
    values = dict.fromkeys(f.name for f in dataclasses.fields(Event) if f.name not in ("seq", "type", "date", "origin"))
    for name in ("valid_from", "valid_until"):
        if name in fields:
            fields[name] = PartialDate.parse(fields[name])
    values.update(fields)
    return Event(seq=1, type=type, date=PartialDate.parse(date) if date else None, **values)


def cluster(*events):
    return Cluster(
        id="x",
        name="x",
        verified=True,
        district="440112",
        leading_industry="x",
        operator=None,
        area_km2=None,
        summary=None,
        website=None,
        note=None,
        events=tuple(events),
        sources=(),
    )


MUNICIPAL = event("certified", "2025-03-10", level="municipal", source="https://example.org")


@pytest.mark.parametrize(
    ("certified", "valid_until"),
    [
        ("2023-07-10", "2026-07-09"),  # DESIGN: Guangdong 2023 batch
        ("2024-02-29", "2027-02-28"),  # 29 Feb + 3 years = 1 Mar, minus one day
        ("2024-03-01", "2027-02-28"),
        ("2025-03-01", "2028-02-29"),  # ends in a leap February
        ("2025-01-01", "2027-12-31"),
    ],
)
def test_validity_is_three_years_minus_a_day(certified, valid_until):
    assert validity_end(D(certified), 3) == D(valid_until)


def test_add_years_moves_29_february_to_1_march():
    assert add_years(D("2024-02-29"), 3) == D("2027-03-01")
    assert add_years(D("2024-02-29"), 4) == D("2028-02-29")


@pytest.mark.parametrize(
    ("old_end", "new_end"),
    [("2026-07-09", "2029-07-09"), ("2027-02-28", "2030-02-28"), ("2028-02-29", "2031-02-28")],
)
def test_renewal_extends_three_years_from_the_day_after(old_end, new_end):
    assert renewed_end(D(old_end), 3) == D(new_end)


@pytest.mark.parametrize(("covered", "due"), [(2027, "2028-02-29"), (2025, "2026-02-28"), (2023, "2024-02-29")])
def test_annual_report_due_last_day_of_february(covered, due, policies):
    rule = policies.first("municipal").annual_report  # the due date rule alone, whatever the year
    assert rule.due_on(covered) == D(due)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2025-03-10", "valid"),
        ("2026-11-28", "valid"),
        ("2027-12-09", "valid"),  # 91 days before 2028-03-09
        ("2027-12-10", "expiring"),  # exactly 90 days before
        ("2028-03-09", "expiring"),  # last valid day
        ("2028-03-10", "review_due"),
        ("2029-03-09", "review_due"),
        ("2029-03-10", "expired"),
    ],
)
def test_municipal_status_over_time(today, status, policies):
    assert cluster_status(cluster(MUNICIPAL), D(today), policies).code == status


def test_renewal_keeps_the_cluster_valid(policies):
    renewed = cluster(MUNICIPAL, event("renewed", "2028-02-01", level="municipal"))
    assert recognitions(renewed, policies)[0].valid_until.earliest == D("2031-03-09")
    assert cluster_status(renewed, D("2028-03-10"), policies).code == "valid"


def test_revocation_takes_effect_on_its_date(policies):
    revoked = cluster(MUNICIPAL, event("revoked", "2026-05-01", reason="4.3.3"))
    assert cluster_status(revoked, D("2026-04-30"), policies).code == "valid"
    status = cluster_status(revoked, D("2026-05-01"), policies)
    assert status.code == "revoked" and "4.3.3" in status.detail


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2024-06-01", "valid"),
        ("2024-12-01", "valid"),  # may end any day of 2025: not certainly within 90 days
        ("2025-06-01", "unknown"),  # inside the stated year of expiry
        ("2026-01-01", "review_due"),  # within 365 days of any day of 2025
        # within 365 days of the end's latest possible day, past 365 days of its earliest: 待复核 or 已过期
        ("2026-01-02", "unknown"),
        ("2026-11-28", "unknown"),
        ("2026-12-31", "unknown"),
        ("2027-01-01", "expired"),  # more than 365 days after any day of 2025
    ],
)
def test_validity_stated_only_as_years(today, status, policies):
    national = event(
        "certified", level="national", batch=2022, source="https://example.org", valid_from="2023", valid_until="2025"
    )
    assert cluster_status(cluster(national), D(today), policies).code == status


def test_recognition_without_any_date_has_unknown_status(policies):
    national = event("certified", level="national", batch=2024, source="https://example.org")
    status = cluster_status(cluster(national), D("2026-11-28"), policies)
    assert status.code == "unknown" and "未见来源载明" in status.detail


def test_national_recognition_counts_as_municipal(policies):
    national = event("certified", "2023-07-10", level="provincial", source="https://example.org")
    status = cluster_status(cluster(national), D("2025-01-01"), policies)
    assert status.code == "valid" and status.counts_as_municipal


def test_candidate_in_open_publicity(policies):
    assert cluster_status(cluster(), D("2026-11-28"), policies, in_open_publicity=True).code == "in_publicity"
    # a valid cluster stays valid while it appears on another list
    assert cluster_status(cluster(MUNICIPAL), D("2026-11-28"), policies, in_open_publicity=True).code == "valid"


def test_annual_reports_submitted_due_and_not_recorded(policies):
    reported = cluster(MUNICIPAL, event("annual_report", "2026-02-20", year=2025))
    states = [
        (o.covered_year, o.due_on.isoformat(), o.state) for o in annual_reports(reported, D("2027-03-01"), policies)
    ]
    assert states == [
        (2025, "2026-02-28", "submitted"),
        (2026, "2027-02-28", "not_recorded"),
        (2027, "2028-02-29", "due"),
    ]
    assert [o.label for o in annual_reports(reported, D("2027-03-01"), policies)][1] == "未见记录"


def test_no_reports_owed_after_revocation(policies):
    revoked = cluster(MUNICIPAL, event("revoked", "2026-05-01", reason="4.3.3"))
    assert [o.covered_year for o in annual_reports(revoked, D("2028-01-01"), policies)] == [2025]


def test_national_recognitions_report_by_their_own_rule(policies):
    national = event("certified", "2023-07-10", level="national", source="https://example.org")
    owed = annual_reports(cluster(national), D("2026-11-28"), policies)
    assert [(o.covered_year, o.due_on.isoformat(), o.policy.id) for o in owed] == [
        (2023, "2024-04-30", "miit-2022"),
        (2024, "2025-04-30", "miit-2022"),
        (2025, "2026-04-30", "miit-2022"),
    ]
    provincial = event("certified", "2023-07-10", level="provincial", source="https://example.org")
    assert annual_reports(cluster(provincial), D("2026-11-28"), policies)[0].due_on == D("2024-03-31")
