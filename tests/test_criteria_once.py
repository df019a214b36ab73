"""The criteria (工作指引 3.2) exist once, in the policy data, in the guideline's own words (issue 24).

- Every criterion's words (and the words it shares with its sentence) are verbatim in the clause it
  cites: in the policy file's clause text and in the guideline's full text (docs/sources/), cut
  into clauses independently of the policy file.
- A change to one criterion's words and one threshold in a copy of the data reaches the criteria
  page and data/criteria.json (the self-check's text and verdict in Chromium:
  tests/browser/test_criteria_browser.py).
- site_src/javascripts/self-check.js holds no criterion text and no threshold number.
- The notes' links show their numbers (注 2 …), each to a note of that number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import AFTER_EVERY_RECORD, REAL_DATA, REPO_ROOT, Page, make_data_dir, shared_site

from generator import SCHEMAS_DIR
from generator.domain.criteria import ELISION, criteria_sheet
from generator.load.dataset import load_dataset

GUIDELINE_TEXT = REPO_ROOT / "docs" / "sources" / "guangzhou-cluster-guideline-2024.txt"
SELF_CHECK_JS = REPO_ROOT / "site_src" / "javascripts" / "self-check.js"
BUILT_ON = "2026-12-02"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
CLAUSE_LINE = re.compile(r"^\s*(\d+(?:\.\d+)+)\s*(.*)$")
PAGE_MARK = re.compile(r"— \d+ —")

# The change made in a copy of the data: one yes/no criterion's words and one threshold.
WORDS_BEFORE, WORDS_AFTER = "数字化转型效果明显", "数字化转型成效突出"
AREA_BEFORE, AREA_AFTER = "占地面积不超过100平方公里", "占地面积不超过80平方公里"
# An area between the two limits: it meets the guideline's and fails the changed one.
AREA_BETWEEN = "90"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def source_clauses() -> dict[str, str]:
    """The guideline's full text cut into clauses at the lines that start with a clause number: each
    clause's text runs to the next such line (whitespace and page numbers removed)."""
    clauses: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in PAGE_MARK.sub("", GUIDELINE_TEXT.read_text(encoding="utf-8")).splitlines():
        match = CLAUSE_LINE.match(line)
        if match:
            current = clauses.setdefault(match[1], [])
            current.append(match[2])
        elif current is not None:
            current.append(line)
    return {clause: squeeze("".join(lines)) for clause, lines in clauses.items()}


def load_policy(data: Path):
    loaded = load_dataset(data, SCHEMAS_DIR, today=AFTER_EVERY_RECORD)
    assert loaded.ok, [p.format() for p in loaded.problems]
    return loaded.dataset.policies.get("guangzhou-2024")


@pytest.fixture(scope="module", name="fixture_data")
def fixture_data_fixture(tmp_path_factory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("criteria"))


@pytest.mark.parametrize("which", ["shipped", "fixture"])
def test_every_criterion_is_verbatim_in_the_clause_it_cites(which, fixture_data):
    data = REAL_DATA if which == "shipped" else fixture_data
    policy = load_policy(data)
    source = source_clauses()
    assert {"3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5"} <= source.keys()
    kinds = [c.kind for c in policy.criteria]
    assert kinds.count("yesno") == 19 and kinds.count("threshold") == len(policy.thresholds) == 11
    quoted = 0
    for criterion in policy.criteria:
        threshold = policy.thresholds_by_key.get(criterion.key) if criterion.kind == "threshold" else None
        pieces = [criterion.lead, criterion.words]
        if threshold is not None:
            pieces += [threshold.words, threshold.subject]
        for words in filter(None, pieces):
            assert words in policy.clauses[criterion.clause], (criterion.key, words)
            assert squeeze(words) in source[criterion.clause], (criterion.key, words)
            quoted += 1
    assert quoted >= 19 + 2 * 11 + 4
    # and every item the site shows is made of such pieces only
    for item in criteria_sheet(policy).items:
        assert all(piece in policy.clauses[item.clause] for piece in item.quote), item.key


def test_the_verbatim_check_can_fail():
    """A control: a word the site dropped (the old list wrote "发展目标清晰" for "发展目标要清晰") is
    not in the clause."""
    source = source_clauses()
    assert squeeze("发展目标要清晰") in source["3.2.5"]
    assert squeeze("发展目标清晰") not in source["3.2.5"]
    assert squeeze("管委会等运营管理机构") not in source["3.2.4"]  # the right words under the wrong clause


def change_policy(data: Path) -> None:
    """In a copy of the data: one criterion's words (and its clause, so that they stay verbatim) and
    one threshold (its value, words and clause)."""
    path = data / "policy" / "guangzhou-2024.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(WORDS_BEFORE) == 2 and text.count(AREA_BEFORE) == 2  # the criterion (threshold) and clause
    text = text.replace(WORDS_BEFORE, WORDS_AFTER).replace(AREA_BEFORE, AREA_AFTER)
    text = text.replace("    value: 100\n    unit: 平方公里", "    value: 80\n    unit: 平方公里")
    path.write_text(text, encoding="utf-8")
    record = yaml.safe_load(text)
    assert next(t for t in record["thresholds"] if t["key"] == "area")["value"] == 80


def build(data: Path, site: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--data", str(data), "--site-dir", str(site), "--today", BUILT_ON],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def changed_site(shared) -> Path:
    """The site `clusters build` makes from the fixtures with change_policy applied, built once per run."""

    def make(folder: Path) -> None:
        data = make_data_dir(folder)
        change_policy(data)
        build(data, folder / "site")

    return shared.get(f"criteria-changed-{BUILT_ON}", make) / "site"


@pytest.fixture(scope="module", name="sites")
def sites_fixture(shared) -> dict[str, Path]:
    """The fixtures' site and the changed one, as of the same day."""
    return {
        "before": shared_site(shared, "base", dt.date.fromisoformat(BUILT_ON)).site,
        "after": changed_site(shared),
    }


def nodes(page: Page, tag: str, **attrs: str) -> list:
    """The elements <tag> whose attributes include `attrs` (class_ for class), in document order."""
    wanted = {name.rstrip("_"): value for name, value in attrs.items()}
    return [n for n in page.elements if n.tag == tag and all(n.attrs.get(k) == v for k, v in wanted.items())]


def criteria_json(site: Path) -> dict:
    return json.loads((site / "data" / "criteria.json").read_text(encoding="utf-8"))


def test_a_changed_criterion_and_threshold_reach_the_page_and_the_json(sites):
    pages = {name: Page((site / "criteria" / "index.html").read_text(encoding="utf-8")) for name, site in sites.items()}
    data = {name: criteria_json(site) for name, site in sites.items()}
    before, after = pages["before"], pages["after"]

    def item(page: Page, key: str) -> str:
        return nodes(page, "li", **{"data-criterion": key})[0].text()

    assert item(before, "digital-transformation") == f"3.2.5 {WORDS_BEFORE}（是／否）"
    assert item(after, "digital-transformation") == f"3.2.5 {WORDS_AFTER}（是／否）"
    assert WORDS_BEFORE not in after.text
    assert item(before, "area") == f"3.2.2 占地面积 ≤ 100 平方公里（原文：{AREA_BEFORE}）"
    assert item(after, "area") == f"3.2.2 占地面积 ≤ 80 平方公里（原文：{AREA_AFTER}）"
    for name, words, area, limit in (
        ("before", WORDS_BEFORE, AREA_BEFORE, 100),
        ("after", WORDS_AFTER, AREA_AFTER, 80),
    ):
        criteria = {c["key"]: c for c in data[name]["criteria"]}
        thresholds = {t["key"]: t for t in data[name]["thresholds"]}
        assert criteria["digital-transformation"]["text"] == words
        assert criteria["area"]["text"] == area and criteria["area"]["threshold"] == "area"
        assert (thresholds["area"]["operator"], thresholds["area"]["value"]) == ("<=", limit)
        assert thresholds["area"]["rule"] == f"≤ {limit} 平方公里"


def test_the_page_and_the_json_list_the_same_criteria(sites):
    """Each criterion of the JSON is an item of the page's checklist, with the same words."""
    site = sites["before"]
    page = Page((site / "criteria" / "index.html").read_text(encoding="utf-8"))
    data = criteria_json(site)
    listed = [li.attrs["data-criterion"] for li in nodes(page, "li") if "data-criterion" in li.attrs]
    assert listed == [c["key"] for c in data["criteria"]]
    assert len(listed) == 30
    for criterion in data["criteria"]:
        text = nodes(page, "li", **{"data-criterion": criterion["key"]})[0].text()
        assert criterion["text"] in text, criterion["key"]
        assert ELISION.join(criterion["quote"]) == criterion["text"]
    assert [s["clause"] for s in data["sections"]] == ["3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5"]
    assert {c["comparison"]: c["operator"] for c in data["comparisons"]} == {
        "高于": ">",
        "不低于": ">=",
        "不少于": ">=",
        "以上": ">=",
        "不超过": "<=",
    }


def javascript_code(text: str) -> str:
    """The script without its comments (a comment may explain in Chinese; the code may not quote)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)(^|[^:\\])//.*$", r"\1", text)


def criterion_texts(data: dict) -> list[str]:
    texts = [data["clause_text"] or ""]
    texts += [s["heading"] or "" for s in data["sections"]]
    texts += [piece for c in data["criteria"] for piece in c["quote"]] + [c["label"] for c in data["criteria"]]
    texts += [t[name] for t in data["thresholds"] for name in ("subject", "words", "comparison", "unit")]
    texts += [c["comparison"] for c in data["comparisons"]] + [n["text"] for n in data["notes"]]
    return [t for t in texts if t]


def number_literals(code: str) -> set[str]:
    """Decimal number literals of the code: not part of a name, a hex literal, an escape (\\uFF10) or
    a regular expression's repeat count ({1,3})."""
    code = re.sub(r"\{\d+(,\d*)?\}", "", code)
    return set(re.findall(r"(?<![\w.\\$])\d+(?:\.\d+)?(?![\w.])", code))


def assert_holds_no_criterion(script: str, data: dict) -> None:
    code = javascript_code(script)
    texts = criterion_texts(data)
    for text in texts:
        for run in CJK.findall(text):
            if len(run) >= 3:
                assert run not in code, f"self-check.js quotes the criteria: {run}"
    for run in CJK.findall(code):
        if len(run) >= 3:
            assert not any(run in text for text in texts), f"self-check.js quotes the criteria: {run}"
    values = {format(t["value"], "g") for t in data["thresholds"]}
    clauses = {c["clause"] for c in data["criteria"]} | {data["clause"]}
    found = number_literals(code)
    assert not found & values, f"self-check.js holds threshold numbers: {sorted(found & values)}"
    assert not [clause for clause in clauses if clause in code], "self-check.js names a clause"


def test_self_check_js_holds_no_criterion_text_or_number(sites):
    data = criteria_json(sites["before"])
    script = SELF_CHECK_JS.read_text(encoding="utf-8")
    assert "data-criteria" in script and "XMLHttpRequest" in script  # it reads the JSON
    assert_holds_no_criterion(script, data)
    # the site ships this very file
    assert (sites["before"] / "javascripts" / "self-check.js").read_text(encoding="utf-8") == script


@pytest.mark.parametrize(
    "planted",
    [
        'var LABEL = "数字化转型效果明显";',  # a criterion's words
        'var LABEL = "占地面积";',  # a threshold's subject
        "var LIMIT = 100;",  # a threshold's number
        "if (value > 60) { pass(); }",
        'var CLAUSE = "3.2.4";',
    ],
)
def test_the_script_check_can_fail(sites, planted):
    data = criteria_json(sites["before"])
    script = SELF_CHECK_JS.read_text(encoding="utf-8")
    with pytest.raises(AssertionError):
        assert_holds_no_criterion(script.replace('"use strict";', '"use strict";\n  ' + planted), data)


def test_note_links_show_their_numbers(sites):
    page = Page((sites["before"] / "criteria" / "index.html").read_text(encoding="utf-8"))
    links = [a for a in nodes(page, "a") if a.attrs.get("href", "").startswith("#note-")]
    shown = {(a.text(), a.attrs["href"]) for a in links}
    assert ("注 1", "#note-yishang") in shown
    assert {
        ("注 2", "#note-quality-firms"),
        ("注 3", "#note-patents-per-10k"),
        ("注 4", "#note-three-year-plan"),
    } <= shown
    for text, href in shown:
        assert re.fullmatch(r"注 \d+", text), text  # never a bare 注
        target = nodes(page, "p", id=href[1:])
        assert len(target) == 1 and target[0].text().startswith(text + "："), href
    data = criteria_json(sites["before"])
    assert [(n["number"], n["criterion"]) for n in data["notes"]] == [
        (2, "quality-firms"),
        (3, "patents-per-10k"),
        (4, "three-year-plan"),
    ]


def test_the_sites_readings_are_labelled_and_linked(sites):
    """The sentence on 重点支持 and the splitting of sentences are the site's reading (本站读法), each
    linked to its entry on the practice page, which exists."""
    site = sites["before"]
    page = Page((site / "criteria" / "index.html").read_text(encoding="utf-8"))
    practice = Page((site / "practice" / "index.html").read_text(encoding="utf-8"))
    readings = [a for a in nodes(page, "a") if a.text() == "本站读法"]
    targets = {a.attrs["href"] for a in readings}
    assert {"../practice/#criteria-items", "../practice/#criteria-priority", "../practice/#yishang"} <= targets
    for href in targets:
        assert practice.root.find(id=href.split("#")[1]) is not None
    aside = nodes(page, "p", class_="cl-criteria-aside")[0].text()
    assert "重点支持符合广州市现代化产业体系的产业集群" in aside and "不把它列为门槛" in aside and "本站读法" in aside
