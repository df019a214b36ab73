"""Every sentence the site says about a rule says whose it is (issue 24).

A sentence on a page is a quotation (the verbatim words of a named clause, from data/policy/), or a
statement of the site's own from data/practice.yaml: a reading of named clauses (本站读法) or the
site's practice (本站做法), rendered with its label linked to its entry on the practice page. The
checks:
- a lint over generator/templates/: no template writes a rule sentence or a label of its own;
- every statement a template names exists, in the shipped data and in the test fixture alike;
- in a built site (the shipped data), every statement carries its label and a link that resolves to
  its entry, every quotation is verbatim in the clause it names, and every clause named exists;
- the validator refuses a statement with an unknown clause, placeholder or section;
- the examples the issue found, each as the reader saw it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from conftest import FIXTURE_BASE, REAL_DATA, REPO_ROOT, Page, make_data_dir

from generator import SCHEMAS_DIR
from generator.domain.calendar import start_of_day
from generator.domain.model import STATEMENT_KINDS
from generator.domain.practice import REQUIRED_STATEMENTS
from generator.load.dataset import load_dataset
from generator.site.build import build_site

TEMPLATES = REPO_ROOT / "generator" / "templates"
HOSTILE_ACCEPTED = REPO_ROOT / "tests" / "hostile" / "accepted"
BUILD_DAY = dt.date(2026, 12, 2)

# Templates that are not pages of the public site or speak only of the software: the staff guide (how
# to edit and validate records), the comments of the record skeletons (`clusters new`), the
# pull-request comment of `clusters diff`, the web server's configuration and a generated script.
NOT_RULE_TEXT = {
    "staff_guide.md.j2",
    "new_call.yaml.j2",
    "new_cluster.yaml.j2",
    "new_notice.yaml.j2",
    "diff.md.j2",
    "nginx.conf.j2",
    "live_states.js.j2",
}
# Words that make a sentence say what a rule requires or how the site reads one. A sentence of a
# template with one of them (and a sentence's punctuation, or twelve characters) is a rule sentence.
RULE_WORDS = (
    "应当", "必须", "不得", "规定", "适用", "读作", "读法", "做法", "起算", "顺延", "计入", "推算", "视为",
    "自动认定", "不经", "逐级", "负责", "门槛", "延长", "届满", "期限", "算作", "即为", "不再受理", "可以申报",
    "满足",
)  # fmt: skip
LABELS = tuple(STATEMENT_KINDS.values()) + ("本站的读法", "本站的算法")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TAG = re.compile(r"<[^>]*>")
_SAY = re.compile(r"""say\(["']([a-z0-9_-]+)["']\)""")


def rule_sentences(text: str) -> list[tuple[int, str]]:
    """(line, words) of every run of a template's own text that is a rule sentence or a label: the text
    outside Jinja expressions, statements, comments and HTML tags."""
    text = re.sub(r"\{##.*?##\}", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        for run in re.split(r"\x00+", _TAG.sub("\x00", _JINJA.sub("\x00", line))):
            chinese = re.findall(r"[\u4e00-\u9fff]", run)
            sentence = re.search(r"[，。；、]", run) or len(chinese) >= 12
            if (sentence and any(word in run for word in RULE_WORDS)) or any(label in run for label in LABELS):
                found.append((number, run.strip()))
    return found


def template_labels(text: str) -> list[str]:
    """Label words written as a literal inside a Jinja expression (a link text such as "本站做法")."""
    return [
        label
        for expression in _JINJA.findall(text)
        for label in LABELS
        if f'"{label}"' in expression or f"'{label}'" in expression
    ]


def test_no_template_writes_a_rule_sentence_or_a_label_of_its_own():
    found = []
    for path in sorted(TEMPLATES.glob("*.j2")):
        if path.name in NOT_RULE_TEXT:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}:{line}: {words}" for line, words in rule_sentences(text)]
        found += [f"{path.name}: label {label} in an expression" for label in template_labels(text)]
    assert found == []


@pytest.mark.parametrize(
    "planted",
    [
        "<p>国家级、省级集群不经上述程序。</p>",
        "<p>广州市的集群经区、市、省逐级推荐。</p>",
        "<dd>负责申报受理、初审、推荐</dd>",
        "<p>24:00 是{{ m.practice_link(href('practice.md'), 'cut-off', '本站的读法') }}。</p>",
        '<p>这是{{ m.practice_link(href("practice.md"), "x", "本站做法") }}</p>',
        "<p>是支持重点，不是门槛。</p>",
    ],
)
def test_the_lint_finds_what_the_issue_found(planted):
    assert rule_sentences(planted) or template_labels(planted)


def practice_keys(folder: Path) -> set[str]:
    document = yaml.safe_load((folder / "practice.yaml").read_text(encoding="utf-8"))
    return {entry["key"] for entry in document["statements"]} | {entry["key"] for entry in document["sections"]}


def test_every_statement_a_template_names_exists():
    named = {key for path in TEMPLATES.glob("*.j2") for key in _SAY.findall(path.read_text(encoding="utf-8"))}
    assert len(named) >= 30
    assert named == REQUIRED_STATEMENTS  # what the validator asks a data folder for
    assert named - practice_keys(REAL_DATA) == set()
    # The fixture carries its own copy (tests never read data/): the same words; the hostile corpus's
    # copy has every statement too, its words attacked.
    assert (FIXTURE_BASE / "practice.yaml").read_bytes() == (REAL_DATA / "practice.yaml").read_bytes()
    assert practice_keys(HOSTILE_ACCEPTED) == practice_keys(REAL_DATA)


def test_a_data_folder_without_a_statement_the_pages_use_is_refused(tmp_path):
    data = make_data_dir(tmp_path)
    path = data / "practice.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("- key: tilemap\n", "- key: tilemap-renamed\n"), "utf-8")
    loaded = load_dataset(data, SCHEMAS_DIR, today=BUILD_DAY)
    missing = [p for p in loaded.problems if p.code == "practice-statement-missing"]
    assert [(p.path.endswith("practice.yaml"), dict(p.params)["key"]) for p in missing] == [(True, "tilemap")]


# --- a built site -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("statements")
    data = root / "data"
    shutil.copytree(REAL_DATA, data)
    build_site(REPO_ROOT / "mkdocs.yml", data, root / "site", start_of_day(BUILD_DAY))
    return root / "site"


@pytest.fixture(scope="module")
def dataset():
    loaded = load_dataset(REAL_DATA, SCHEMAS_DIR, today=BUILD_DAY)
    assert loaded.ok
    return loaded.dataset


def pages(site: Path) -> dict[str, Page]:
    return {path.relative_to(site).as_posix(): Page(path) for path in sorted(site.rglob("*.html"))}


def test_every_statement_on_every_page_is_labelled_and_linked(site, dataset):
    statements = dataset.practice.statements
    built = pages(site)
    practice_ids = {node.attrs.get("id") for node in built["practice/index.html"].elements}
    seen = set()
    for path, page in built.items():
        for said in page.root.find_all("span", "cl-said"):
            key = said.attrs["data-statement"]
            statement = statements[key]
            assert said.attrs["data-kind"] == statement.kind, (path, key)
            label = [a for a in said.find_all("a", "cl-practice") if a.parent is said][-1]
            assert label.text() == STATEMENT_KINDS[statement.kind], (path, key)
            assert said.text().endswith(f"（{label.text()}）"), (path, key)
            target = urlsplit(urljoin(f"http://site.invalid/{path}", label.attrs["href"]))
            assert (target.path, target.fragment) == ("/practice/", key), (path, key)
            assert key in practice_ids, key
            seen.add(key)
    assert len(seen) >= 40
    assert seen == set(statements)  # the practice page shows every statement


def test_every_quotation_is_verbatim_in_the_clause_it_names(site, dataset):
    quotations = 0
    for path, page in pages(site).items():
        for quote in page.root.find_all("q", "cl-quote"):
            policy = dataset.policies.get(quote.attrs["data-policy"])
            clause = quote.attrs.get("data-clause")
            if clause is None:
                continue  # documents of other levels state no clause numbers (tests/test_policy.py)
            assert clause in policy.clauses or clause in policy.revocation_grounds, (path, clause)
            assert quote.visible_text() in policy.clause_text(clause), (path, clause)
            quotations += 1
    assert quotations >= 50


def test_every_statement_names_clauses_that_exist(dataset):
    for statement in dataset.practice.statements.values():
        if statement.kind == "reading":
            assert statement.reads, statement.key
        for policy_id, clause in statement.reads:
            assert clause in dataset.policies.get(policy_id).clauses, (statement.key, clause)


# --- the validator --------------------------------------------------------------------------------


def test_the_validator_refuses_a_statement_it_cannot_check(tmp_path):
    data = make_data_dir(tmp_path)
    text = (data / "practice.yaml").read_text(encoding="utf-8")
    text += (
        "  - key: test-bad\n    kind: reading\n    section: no-such-section\n    reads: guangzhou-2024 9.9\n"
        "    text: 甲{quote:no-such-passage}乙{see:no-such-entry|丙}{value:no-such-value}\n"
        "  - key: test-unread\n    kind: reading\n    section: statuses\n    text: 没有写所读条款的读法。\n"
    )
    (data / "practice.yaml").write_text(text, encoding="utf-8")
    loaded = load_dataset(data, SCHEMAS_DIR, today=BUILD_DAY)
    codes = sorted(p.code for p in loaded.problems if p.path.endswith("practice.yaml"))
    assert codes == [
        "practice-clause-unknown",
        "practice-placeholder-unknown",
        "practice-placeholder-unknown",
        "practice-placeholder-unknown",
        "practice-reading-without-clause",
        "practice-section-unknown",
    ]


def test_a_data_folder_without_statements_is_refused(tmp_path):
    data = make_data_dir(tmp_path)
    (data / "practice.yaml").unlink()
    loaded = load_dataset(data, SCHEMAS_DIR, today=BUILD_DAY)
    assert [p.code for p in loaded.problems if p.severity.value == "error"] == ["file-missing"]


# --- the examples of the issue, as a reader saw them ------------------------------------------------


def test_the_procedure_page_no_longer_exempts_auto_recognised_clusters(site):
    page = Page(site / "procedure" / "index.html")
    assert "不经上述程序" not in page.text
    said = page.root.find("span", "cl-said", data_statement="auto-recognition-procedure")
    assert said is not None and said.attrs["data-kind"] == "reading"
    assert "4.1" in said.text() and "4.2" in said.text() and "4.3" in said.text()


def test_a_national_call_states_no_chain_and_quotes_no_municipal_clause(site):
    page = Page(site / "calls" / "miit-2025-national-call" / "index.html")
    assert "逐级" not in page.text
    bureaux = [q for q in page.root.find_all("q", "cl-quote") if q.attrs.get("data-clause") == "3.3.1"]
    assert bureaux == []
    assert page.root.find("span", "cl-said", data_statement="other-levels-call") is not None


def test_the_district_bureau_assists_the_city_bureau(site):
    page = Page(site / "open-data" / "index.html")
    assert "负责申报受理" not in page.text
    assert "协助市工业和信息化局" in page.text


def test_the_start_day_rule_is_the_sites_practice_not_clause_3_3_2(site):
    text = Page(site / "open-data" / "index.html").text
    for sentence in re.findall(r"[^。]*起算[^。]*。", text):
        assert "（指引 3.3.2）" not in sentence, sentence
        assert "本站做法" in sentence or "本站读法" in sentence, sentence


def test_an_unverified_name_gives_the_real_reason(site, dataset):
    unverified = sorted(c.id for c in dataset.clusters.values() if not c.verified)
    assert unverified
    for cid in unverified:
        page = Page(site / "clusters" / cid / "index.html")
        assert "只给出简称" not in page.text and "只给出了简称" not in page.text
        assert page.root.find("span", "cl-said", data_statement="unverified-note") is not None


def test_a_national_notice_counts_its_window_without_reading_the_municipal_guideline(site, dataset):
    # The site counts every notice's working days the same way; on a national or provincial notice that
    # is its practice, never a reading of the municipal guideline, which does not govern that notice.
    municipal_readings = {
        s.key for s in dataset.practice.all_statements if any(p == "guangzhou-2024" for p, _ in s.reads)
    }
    others = [n for n in dataset.notices.values() if n.level != "municipal"]
    assert others
    for notice in others:
        page = Page(site / "notices" / notice.id / "index.html")
        said = {n.attrs["data-statement"] for n in page.root.find_all("span", "cl-said")}
        assert "publicity-count-other-levels" in said, notice.id
        assert not said & municipal_readings, (notice.id, said & municipal_readings)
