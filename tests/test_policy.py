"""Say exactly what the sources say: the guideline as data, every quotation checked against it.

- The policy's clause texts are the guideline's own words (docs/sources/, the text the project
  carries), and every value the policy quotes is inside its clause.
- Every quotation a generated page shows (<q data-policy data-clause>) is in that clause, and a
  clause reference followed by a quotation names the clause the words come from.
- Each threshold number lives in data/policy/ only: no code, template, schema or page source
  repeats it.
- A successor guideline is a data change: records before its day keep the old rules, records
  after get the new ones (tests/fixtures/successor/, fictional).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import AFTER_EVERY_RECORD, REPO_ROOT, TESTS_DIR, Page, make_data_dir

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.snapshot import take_snapshot
from generator.load.dataset import load_dataset
from generator.publish.exports import build_exports
from generator.publish.pages import render_pages
from generator.schema.package import load_schemas

GUIDELINE_TEXT = REPO_ROOT / "docs" / "sources" / "guangzhou-cluster-guideline-2024.txt"
SUCCESSOR = TESTS_DIR / "fixtures" / "successor"
SCHEMA_SET = load_schemas(SCHEMAS_DIR)
QUOTE = re.compile(
    r'<q class="cl-quote" data-policy="(?P<policy>[^"]+)"(?: data-clause="(?P<clause>[^"]+)")?>'
    r"(?P<words>.*?)</q>",
    re.S,
)
LINK_THEN_QUOTE = re.compile(
    r'#clause-(?P<link>[0-9-]+)">[^<]*</a>：<q class="cl-quote" data-policy="[^"]+" '
    r'data-clause="(?P<clause>[^"]+)"'
)


def squeeze(text: str) -> str:
    """Text without layout: whitespace (the source is a PDF extraction with stray spaces) removed."""
    return re.sub(r"\s+", "", text)


def guideline_words() -> str:
    text = GUIDELINE_TEXT.read_text(encoding="utf-8")
    return squeeze(re.sub(r"— \d+ —", "", text))


@pytest.fixture(scope="module", name="dataset")
def dataset_fixture(tmp_path_factory):
    loaded = load_dataset(make_data_dir(tmp_path_factory.mktemp("policy")), SCHEMAS_DIR, today=AFTER_EVERY_RECORD)
    assert loaded.ok, [p.format() for p in loaded.problems]
    return loaded.dataset


def rendered(dataset, day: dt.date) -> dict[str, str]:
    snapshot = take_snapshot(dataset, start_of_day(day))
    exports = build_exports(snapshot, SCHEMA_SET)
    return {page.src_uri: page.content for page in render_pages(snapshot, SCHEMA_SET, exports)}


def test_policy_clauses_are_the_guidelines_own_words(dataset):
    source = guideline_words()
    policy = dataset.policies.get("guangzhou-2024")
    assert len(policy.clauses) >= 15 and len(policy.revocation_grounds) == 5
    for clause, text in {**policy.clauses, **policy.revocation_grounds}.items():
        assert squeeze(text) in source, f"clause {clause} is not the guideline's text: {text}"
        assert squeeze(f"{clause}{text}") in source, f"clause {clause}'s text belongs to another clause"
    for threshold in policy.thresholds:
        assert threshold.words in policy.clauses[threshold.clause], threshold.key
        # the number and the comparison word are the clause's own
        assert f"{threshold.comparison}{threshold.value.normalize():f}" in squeeze(threshold.words) or (
            threshold.comparison == "以上" and f"{threshold.value.normalize():f}亿元以上" in threshold.words
        )


def test_the_guideline_page_shows_every_quoted_clause():
    """site_src/guideline.md, the full text on the site, holds each clause the policy quotes."""
    page = squeeze(
        re.sub(
            r"[*_`>]|\[|\]\([^)]*\)|\{#[^}]*\}",
            "",
            (REPO_ROOT / "site_src" / "guideline.md").read_text(encoding="utf-8"),
        )
    )
    data = load_dataset(REPO_ROOT / "data", SCHEMAS_DIR, today=AFTER_EVERY_RECORD).dataset.policies.get(
        "guangzhou-2024"
    )
    for clause, text in data.clauses.items():
        assert squeeze(text)[:40] in page, clause


def check_quotations(pages: dict[str, str], dataset) -> int:
    """Every <q> quotation in its clause (and in the guideline's text); a clause link followed by a
    quotation names the quotation's clause. Returns how many quotations were checked."""
    source = guideline_words()
    found = 0
    for src_uri, content in pages.items():
        for match in QUOTE.finditer(content):
            policy = dataset.policies.get(match["policy"])
            words = html.unescape(match["words"])
            found += 1
            if match["clause"] is None:  # other levels' documents state no clause numbers
                stated = {
                    policy.validity_years.words,
                    policy.publicity_working_days.words,
                    policy.in_force.words,
                    policy.target.words,
                }
                assert words in stated, (src_uri, words)
                continue
            assert words in policy.clause_text(match["clause"]), (src_uri, match["clause"], words)
            if policy.id == "guangzhou-2024":
                assert squeeze(words) in source, (src_uri, words)
        for match in LINK_THEN_QUOTE.finditer(content):
            assert match["link"] == match["clause"].replace(".", "-"), (src_uri, match.group(0))
    return found


@pytest.mark.parametrize("day", ["2024-06-01", "2025-02-24", "2026-11-29", "2028-01-02"])
def test_every_quotation_on_the_site_is_in_its_clause(dataset, day):
    assert check_quotations(rendered(dataset, dt.date.fromisoformat(day)), dataset) >= 40


def test_a_page_never_cites_a_clause_for_words_it_does_not_contain(dataset):
    """A control for the check above: words of 4.1 planted under 1.6 are caught."""
    content = rendered(dataset, dt.date(2026, 11, 29))["procedure.md"]
    match = next(m for m in QUOTE.finditer(content) if m["clause"] == "4.1" and "复核" in m["words"])
    planted = content.replace(match.group(0), match.group(0).replace('data-clause="4.1"', 'data-clause="1.6"'))
    with pytest.raises(AssertionError):
        check_quotations({"procedure.md": planted}, dataset)
    practice = rendered(dataset, dt.date(2026, 11, 29))["practice.md"]
    wrong_link = practice.replace('#clause-4-1">', '#clause-4-2">')
    assert wrong_link != practice
    with pytest.raises(AssertionError):
        check_quotations({"practice.md": wrong_link}, dataset)


def test_each_threshold_number_lives_only_in_policy_data(dataset):
    policy = dataset.policies.get("guangzhou-2024")
    searched = [
        p
        for folder in ("generator", "schemas", "site_src")
        for p in (REPO_ROOT / folder).rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".j2", ".yaml", ".md", ".js", ".html", ".css", ".json", ".yml")
        and "admin" not in p.parts
        and p.name != "guideline.md"
    ]  # guideline.md: the full text itself
    assert len(searched) > 40
    for threshold in policy.thresholds:
        number = re.escape(f"{threshold.value.normalize():f}")
        unit, comparison = re.escape(threshold.unit), re.escape(threshold.comparison)
        forms = [
            re.escape(threshold.words),
            rf"{comparison} ?{number}(?![0-9.])",
            rf"(?<![0-9.]){number} ?{unit}",
            rf"limit: ?{number}(?![0-9.])",
        ]
        for path in searched:
            text = path.read_text(encoding="utf-8", errors="replace")
            hits = [form for form in forms if re.search(form, text)]
            assert not hits, f"{path.relative_to(REPO_ROOT)} repeats {threshold.key}: {hits}"


def test_criteria_page_and_self_check_data_come_from_the_policy(dataset):
    day = dt.date(2026, 11, 29)
    snapshot = take_snapshot(dataset, start_of_day(day))
    exports = {f.path: f for f in build_exports(snapshot, SCHEMA_SET)}
    import json

    criteria = json.loads(exports["data/criteria.json"].content)
    policy = dataset.policies.get("guangzhou-2024")
    assert [t["key"] for t in criteria["thresholds"]] == [t.key for t in policy.thresholds]
    area = next(t for t in criteria["thresholds"] if t["key"] == "area")
    assert (area["operator"], area["value"], area["unit"]) == ("<=", 100, "平方公里")
    assert [c["key"] for c in criteria["criteria"]] == [c.key for c in policy.criteria]
    page = Page(rendered(dataset, day)["criteria.md"])
    assert "占地面积 ≤ 100 平方公里" in page.text and "占地面积不超过100平方公里" in page.text
    for criterion in policy.criteria:
        assert criterion.words is None or criterion.words in page.text, criterion.key
    assert page.find("form", id="self-check-form")[0]["data-criteria"] == "../data/criteria.json"


@pytest.fixture(scope="module", name="successor_data")
def successor_data_fixture(tmp_path_factory) -> Path:
    data = make_data_dir(tmp_path_factory.mktemp("successor"))
    shutil.copytree(SUCCESSOR, data, dirs_exist_ok=True)
    return data


@pytest.fixture(scope="module", name="successor")
def successor_fixture(successor_data):
    loaded = load_dataset(successor_data, SCHEMAS_DIR, today=AFTER_EVERY_RECORD)
    assert loaded.ok, [p.format() for p in loaded.problems]
    return loaded.dataset


def test_a_successor_guideline_is_a_data_change(successor):
    day = dt.date(2028, 6, 1)
    snapshot = take_snapshot(successor, start_of_day(day))
    clusters = {f.cluster.id: f for f in snapshot.clusters}
    before, after = clusters["test-successor-before"], clusters["test-successor-after"]
    # certified under the old guideline: 3 years; under the successor: 2 years
    assert before.recognitions[0].valid_until.label == "2030-05-31"
    assert before.recognitions[0].policy.id == "guangzhou-2024"
    assert after.recognitions[0].valid_until.label == "2030-02-28"
    assert after.recognitions[0].policy.id == "test-successor"
    # the report on 2027 is due under the successor (in force on 1 January 2028): 15 March
    assert [(r.covered_year, r.due_on.isoformat()) for r in before.reports][:2] == [
        (2027, "2028-03-15"),
        (2028, "2029-03-15"),
    ]
    notices = {f.notice.id: f for f in snapshot.notices}
    old, new = notices["test-successor-before-list"].window, notices["test-successor-after-list"].window
    assert (old.working_days, old.policy.id, old.last_day.isoformat()) == (7, "guangzhou-2024", "2027-06-15")
    assert (new.working_days, new.policy.id, new.last_day.isoformat()) == (5, "test-successor", "2028-03-10")
    assert snapshot.guideline.id == "test-successor" and not snapshot.guideline_lapsed


def test_successor_pages_quote_the_successor(successor):
    pages = rendered(successor, dt.date(2028, 6, 1))
    criteria = Page(pages["criteria.md"]).text
    assert "占地面积 ≤ 80 平方公里" in criteria and "100 平方公里" not in criteria
    home = Page(pages["index.md"]).text
    assert "认定30个左右市级集群" in home
    before = Page(pages["clusters/test-successor-before.md"]).text
    assert "2027-06-01 至 2030-05-31" in before and "集群有效期为三年。" in before
    after = Page(pages["clusters/test-successor-after.md"]).text
    assert "2028-03-01 至 2030-02-28" in after and "集群有效期为两年。" in after
    # the old guideline's lapse is not announced while its successor is in force
    assert "有效期已于" not in home


def test_area_criterion_is_a_warning_for_municipal_recognitions_under_their_guideline(successor_data):
    """90 km² meets the old guideline's limit (the 2027 recognition) but not the successor's (2028)."""
    problems = [
        p
        for p in load_dataset(successor_data, SCHEMAS_DIR, today=AFTER_EVERY_RECORD).problems
        if p.code == "area-outside-criterion"
    ]
    assert [p.path.rsplit("/", 1)[-1] for p in problems] == ["test-successor-after.yaml"]
    values = problems[0].values
    assert (values["short"], values["clause"], values["words"]) == ("新指引", "3.2.2", "占地面积不超过80平方公里")
