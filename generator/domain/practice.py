"""The numbers a statement of the site's may show ({value:name} in data/practice.yaml).

They are the constants the site computes with (the display window of 即将到期, the grace before
已过期, the day from which a window needs next year's holiday arrangement) and counts of the
records; a statement names them instead of writing the number, so the words and the computation
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.domain.calendar import NEXT_YEAR_NEEDED_FROM
from generator.domain.lifecycle import EXPIRING_DAYS, REVIEW_GRACE_DAYS
from generator.domain.model import District, Policy

# The statements the pages print by key (say("…") in generator/templates/): a data folder must have
# each (practice-statement-missing); tests/test_statements.py keeps this list and the templates equal.
REQUIRED_STATEMENTS = frozenset(
    (
        "auto-recognition-duration",
        "auto-recognition-procedure",
        "auto-recognition-short",
        "auto-recognition-target",
        "call-deadline-24",
        "call-deadline-source",
        "call-followed-short",
        "call-period",
        "changelog",
        "counting-by-year",
        "counting-district",
        "counting-municipal",
        "counting-status",
        "criteria-items",
        "criteria-not-enough",
        "criteria-priority",
        "cut-off-24",
        "district-role",
        "guideline-in-force",
        "objection-recipient-short",
        "other-levels-call",
        "other-levels-own-rules",
        "procedure-order",
        "publicity-algorithm-link",
        "publicity-count-other-levels",
        "publicity-count-short",
        "publicity-other-levels",
        "renewal-start",
        "report-deadline",
        "report-deadline-short",
        "report-other-levels",
        "revocation-record",
        "self-check-all-met",
        "self-check-verdict",
        "status-unknown-count",
        "tilemap",
        "unverified",
        "unverified-note",
        "validity-end-short",
        "yishang",
    )
)


def statement_values(districts: Mapping[str, District], guideline: Policy | None) -> dict[str, str]:
    """Every value a statement may name, as the pages print it; `guideline` is the municipal
    guideline the site explains (its last day in force, as the site reads 5.2)."""
    month, day = NEXT_YEAR_NEEDED_FROM
    until = guideline.in_force_until if guideline is not None else None
    return {
        "expiring-days": str(EXPIRING_DAYS),
        "review-grace-days": str(REVIEW_GRACE_DAYS),
        "next-year-needed-from": f"{month} 月 {day} 日",
        "district-count": str(len(districts)),
        "guideline-in-force-until": until.isoformat() if until else "未载明",
    }
