"""The criteria an applicant must meet (工作指引 3.2) as the site shows them: pure functions of a policy.

The policy lists each criterion once, in the guideline's own words (data/policy/, `criteria`, with
the quantified ones' numbers in `thresholds`). The criteria page, data/criteria.json and, through
it, the self-check form are all made from the sheet built here: none of them holds a criterion's
words or numbers of its own.

What the site does to the text, each shown where it happens and explained on the practice page
(本站读法): a sentence listing several requirements is split into one item per requirement, an
item quotes the words it shares with the others of its sentence (`lead`) and its own, with
ELISION where the clause's words between them are left out; a comparison word is read as a sign
(COMPARISON_READINGS), "以上" counting the number itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from generator.domain.model import COMPARISON_OPERATORS, Criterion, Policy, Threshold

ELISION = "……"  # between two quoted pieces of a clause: the words between them are left out
SYMBOLS = {">": ">", ">=": "≥", "<=": "≤"}
# Comparison words whose inclusion of the number itself the guideline does not state: the site's reading.
READ_AS_INCLUSIVE = frozenset({"以上"})
# Between a lead and an item's words, the clause's own punctuation is quoted as it is, not elided.
_JOINABLE = re.compile(r"[，、；]?")
_HEADING_END = "。"


@dataclass(frozen=True)
class ComparisonReading:
    """How the site reads one comparison word of the guideline."""

    words: str  # 高于, 不低于, …
    operator: str  # ">", ">=", "<="
    symbol: str  # as the pages print it: >, ≥, ≤
    includes_value: bool  # the number itself meets it
    site_reading: bool  # the guideline does not say whether the number itself meets it (以上)


COMPARISON_READINGS = tuple(
    ComparisonReading(words, op, SYMBOLS[op], op != ">", words in READ_AS_INCLUSIVE)
    for words, op in COMPARISON_OPERATORS.items()
)


@dataclass(frozen=True)
class InputRange:
    """What the self-check accepts as an answer to a threshold (the site's input check, not a criterion)."""

    minimum: Decimal | None
    maximum: Decimal | None
    integer: bool


def input_range(threshold: Threshold) -> InputRange:
    """A count (家) is a whole number from 0; a share or rate in % lies in 0-100; a growth in % may be
    negative; any other amount is from 0."""
    if threshold.unit == "家":
        return InputRange(Decimal(0), None, True)
    if threshold.unit == "%":
        if re.search(r"share|rate", threshold.key):
            return InputRange(Decimal(0), Decimal(100), False)
        return InputRange(None, None, False)
    return InputRange(Decimal(0), None, False)


def amount(threshold: Threshold) -> str:
    """The threshold's number and unit as the pages print them: 12.5 平方公里, 7%."""
    number = format(threshold.value.normalize(), "f")
    return f"{number}{'' if threshold.unit == '%' else ' '}{threshold.unit}"


def rule_text(threshold: Threshold) -> str:
    """The threshold as a sign and an amount: ≤ 12.5 平方公里."""
    return f"{SYMBOLS[threshold.operator]} {amount(threshold)}"


def quote_pieces(lead: str | None, words: str, clause_text: str) -> tuple[str, ...]:
    """The pieces of the clause an item quotes, in order: its lead and its words as one piece when
    only the clause's punctuation stands between them, else two (shown with ELISION between)."""
    if not lead:
        return (words,)
    start = clause_text.find(lead)
    if start >= 0:
        end = start + len(lead)
        at = clause_text.find(words, end)
        if at >= 0 and _JOINABLE.fullmatch(clause_text[end:at]):
            return (clause_text[start : at + len(words)],)
    return (lead, words)


def clause_heading(clause_text: str | None) -> str | None:
    """A clause's title: its first sentence, when more follows (3.2.1 "统筹发展和安全。集群企业…")."""
    if not clause_text or _HEADING_END not in clause_text:
        return None
    title, rest = clause_text.split(_HEADING_END, 1)
    return title if title and rest else None


@dataclass(frozen=True)
class Item:
    """One criterion as the site shows it."""

    key: str
    clause: str
    kind: str  # "yesno" or "threshold"
    quote: tuple[str, ...]  # the clause's own words, piece by piece
    threshold: Threshold | None
    note: int | None  # the number of its note on the criteria page
    note_text: str | None

    @property
    def text(self) -> str:
        """The quotation as one text: the pieces joined by ELISION."""
        return ELISION.join(self.quote)

    @property
    def label(self) -> str:
        """What the self-check's summary names it by: a threshold's subject, an item's quotation."""
        return self.threshold.subject if self.threshold is not None else self.text

    @property
    def group(self) -> str | None:
        return self.threshold.group if self.threshold is not None else None


@dataclass(frozen=True)
class Group:
    """Thresholds of one clause of which meeting one is enough (3.2.3 "或者")."""

    key: str
    clause: str
    members: tuple[Item, ...]


@dataclass(frozen=True)
class Section:
    """The criteria of one clause (3.2.1 …), in the clause's order; a group where its first member is."""

    clause: str
    heading: str | None
    entries: tuple[Item | Group, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(
            item for entry in self.entries for item in (entry.members if isinstance(entry, Group) else (entry,))
        )


@dataclass(frozen=True)
class Note:
    number: int
    key: str  # the criterion's
    text: str


@dataclass(frozen=True)
class CriteriaSheet:
    policy: Policy
    clause: str | None  # the clause the criteria are items of (3.2), when the policy quotes it
    sections: tuple[Section, ...]
    notes: tuple[Note, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def groups(self) -> tuple[Group, ...]:
        return tuple(entry for section in self.sections for entry in section.entries if isinstance(entry, Group))


# The criteria page's note 1 is its own: the reading of 以上 (READ_AS_INCLUSIVE); the criteria's notes follow.
FIRST_CRITERION_NOTE = 2


def criteria_sheet(policy: Policy, first_note: int = FIRST_CRITERION_NOTE) -> CriteriaSheet:
    """The policy's criteria, by clause; their notes numbered from `first_note`. A policy that lists
    no criteria shows its thresholds, in their order."""
    thresholds = policy.thresholds_by_key
    items: list[Item] = []
    number = first_note
    listed = policy.criteria or tuple(_as_criterion(t) for t in policy.thresholds)  # a record without `criteria`
    for criterion in listed:
        threshold = thresholds.get(criterion.key) if criterion.kind == "threshold" else None
        words = threshold.words if threshold is not None else criterion.words
        if words is None:
            continue  # refused by the validator (criterion-words-kind, criterion-threshold-unknown)
        note = None
        if criterion.note:
            note, number = number, number + 1
        text = policy.clauses.get(criterion.clause, "")
        pieces = quote_pieces(criterion.lead, words, text)
        items.append(Item(criterion.key, criterion.clause, criterion.kind, pieces, threshold, note, criterion.note))
    sections = []
    for clause in dict.fromkeys(item.clause for item in items):
        own = [item for item in items if item.clause == clause]
        entries: list[Item | Group] = []
        for item in own:
            if item.group is None:
                entries.append(item)
            elif not any(isinstance(e, Group) and e.key == item.group for e in entries):
                members = tuple(other for other in own if other.group == item.group)
                entries.append(Group(item.group, clause, members))
        sections.append(Section(clause, clause_heading(policy.clauses.get(clause)), tuple(entries)))
    parents = {clause.rsplit(".", 1)[0] for clause in dict.fromkeys(item.clause for item in items) if "." in clause}
    parent = parents.pop() if len(parents) == 1 else None
    notes = tuple(Note(item.note, item.key, item.note_text) for item in items if item.note and item.note_text)
    return CriteriaSheet(policy, parent if parent in policy.clauses else None, tuple(sections), notes)


def _as_criterion(threshold: Threshold) -> Criterion:
    return Criterion(threshold.policy_id, threshold.key, threshold.clause, "threshold", None, None, None)
