"""Write a synthetic data/ folder (test data, never real records) for the benchmark.

The folder holds the real districts.yaml, calendar/, policy/ and site.yaml from the repository (site.yaml
gains `demo: true`, as tests/fixtures/base/site.yaml has it, so every built page shows the
demo banner) plus generated clusters/ and notices/ in the shape of tests/fixtures/base. Every
name starts with 【测试数据】 and every file begins with a comment saying it is synthetic.

The records are deterministic: record i draws from a random generator seeded with its own index,
so a cluster looks the same whatever the total, and the mix of levels, statuses and events is
the same at 100 and at 5,000 clusters. All dates lie inside the calendar years the repository
covers (2022–2026) and on or before the benchmark's "today", so the data validates without a
single problem.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.domain.calendar import WorkingCalendar

TODAY = dt.date(2026, 11, 28)
LATEST_EVENT = TODAY - dt.timedelta(days=1)
HEADER = "# 测试数据（合成，仅供性能基准 benchmarks/）：虚构记录，不是真实信息，请勿发布。\n"
MARK = "【测试数据】"

INDUSTRIES = (
    "智能装备",
    "新能源汽车零部件",
    "超高清视频",
    "生物医药",
    "美妆日化",
    "皮具箱包",
    "纺织服装",
    "定制家居",
    "珠宝首饰",
    "食品饮料",
    "工业软件",
    "集成电路设计",
    "新型显示",
    "高分子材料",
    "精细化工",
    "智能家电",
    "医疗器械",
    "灯光音响",
    "数字创意",
    "检验检测",
)
ISSUERS = {
    "national": "中华人民共和国工业和信息化部",
    "provincial": "广东省工业和信息化厅",
    "municipal": "广州市工业和信息化局",
}
DOC_PREFIXES = {"national": "工信部企业函", "provincial": "粤工信服务函", "municipal": "穗工信函"}
# Weights of the notice levels, and the days each level's notices may be published: never before
# the level's programme began (generator.load.rules.PROGRAMME_START) and never in late December 2026,
# which would need the 2027 calendar.
LEVELS = {
    "national": (2, dt.date(2022, 3, 1), dt.date(2025, 10, 31)),
    "provincial": (3, dt.date(2023, 3, 1), dt.date(2026, 10, 31)),
    "municipal": (5, dt.date(2025, 1, 6), dt.date(2026, 11, 26)),
}
REVOCATION_REASONS = ("4.3.1", "4.3.2", "4.3.3", "4.3.4", "4.3.5")
CHANGE_SUBJECTS = {
    "leading_industry": "主导产业调整",
    "area": "空间范围调整",
    "operator": "运营管理机构更名",
    "other": "其他事项变更",
}


@dataclass(frozen=True)
class District:
    code: str
    name: str
    slug: str


@dataclass(frozen=True)
class NoticePlan:
    """What the clusters listed in a notice need to know about it."""

    id: str
    level: str
    published_on: dt.date
    final_date: dt.date | None  # None: no final list yet (the notice is recent)
    final_url: str | None
    doc_no: str | None


def write_data_dir(target: Path, repo_root: Path, clusters: int, notices: int) -> Path:
    """Create `target` (which must not exist) holding `clusters` and `notices` synthetic records."""
    if notices < 1 or clusters < 1:
        raise ValueError("at least one cluster and one notice")
    real = repo_root / "data"
    target.mkdir(parents=True)
    shutil.copy2(real / "districts.yaml", target / "districts.yaml")
    shutil.copytree(real / "calendar", target / "calendar")
    shutil.copytree(real / "policy", target / "policy")
    shutil.copy2(real / "practice.yaml", target / "practice.yaml")  # required since issue 24
    site = (real / "site.yaml").read_text(encoding="utf-8").rstrip("\n")
    (target / "site.yaml").write_text(site + "\ndemo: true  # 合成测试数据（性能基准）\n", encoding="utf-8")

    districts = _districts(real / "districts.yaml")
    calendar = WorkingCalendar.from_mappings(
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        for path in sorted((real / "calendar").glob("*.yaml"))
    )
    plans = [_notice_plan(k) for k in range(notices)]
    members: list[list[dict[str, Any]]] = [[] for _ in plans]

    (target / "clusters").mkdir()
    for i in range(clusters):
        plan = plans[i % notices]
        record = cluster_record(i, districts[i % len(districts)], plan)
        members[i % notices].append(record)
        _write(target / "clusters" / f"{record['id']}.yaml", record)

    (target / "notices").mkdir()
    for k, plan in enumerate(plans):
        record = notice_record(k, plan, members[k], districts, calendar)
        _write(target / "notices" / f"{plan.id}.yaml", record)
    return target


def _districts(path: Path) -> list[District]:
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    return [District(d["code"], d["name"], d["slug"]) for d in doc["districts"]]


def _write(path: Path, record: dict[str, Any]) -> None:
    text = yaml.dump(
        record, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False, width=10_000
    )
    path.write_text(HEADER + text, encoding="utf-8")


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _chinese_day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _stated_ends(policy_dir: Path) -> dict[tuple[str, int], dt.date]:
    """(level, batch) -> the validity end a notice states for the whole batch (a policy's stated_rules,
    as the provincial lists of 2023 and 2024 state theirs): it, not start + 3 years, is the end; an
    end stated only to the year or month counts from its earliest day, as the renewal rule reads it."""
    ends = {}
    for path in sorted(policy_dir.glob("*.yaml")):
        policy = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in policy.get("stated_rules") or []:
            if rule.get("rule") == "validity" and rule.get("valid_until"):
                stated = str(rule["valid_until"])  # a day, or only a year or a month: its first day
                ends[policy["level"], int(rule["batch"])] = dt.date.fromisoformat((stated + "-01-01")[:10])
    return ends


STATED_ENDS = _stated_ends(Path(__file__).resolve().parent.parent / "data" / "policy")


def _validity_end(start: dt.date) -> dt.date:
    """Guideline 4.1: start + 3 years − 1 day (29 February + 3 years = 1 March)."""
    try:
        end = start.replace(year=start.year + 3)
    except ValueError:
        end = dt.date(start.year + 3, 3, 1)
    return end - dt.timedelta(days=1)


def _notice_plan(k: int) -> NoticePlan:
    rng = random.Random(f"notice-{k}")
    level = rng.choices(list(LEVELS), weights=[w for w, _, _ in LEVELS.values()])[0]
    _, first, last = LEVELS[level]
    published = _day_between(rng, first, last)
    final_date = published + dt.timedelta(days=rng.randint(25, 60))  # always after a 5–7 working-day window
    notice_id = f"test-{level}-{published.year}-list-{k:05d}"
    if final_date > LATEST_EVENT:
        return NoticePlan(notice_id, level, published, None, None, None)
    doc_no = f"{DOC_PREFIXES[level]}〔{final_date.year}〕{k + 1}号（测试）"
    return NoticePlan(notice_id, level, published, final_date, f"https://example.org/notices/{notice_id}-final", doc_no)


def cluster_record(i: int, district: District, plan: NoticePlan) -> dict[str, Any]:
    """One cluster file, listed in `plan`'s notice; certified by it if its final list is out."""
    rng = random.Random(f"cluster-{i}")
    industry = rng.choice(INDUSTRIES)
    cluster_id = f"test-{district.slug}-{i:05d}"
    name = f"{MARK}广州市{district.name}{industry}产业集群（样本{i:05d}）"
    if plan.final_date is not None:
        certified, sources = (
            _certified_by_notice(plan),
            [_source(plan.final_url, "认定名单", plan.final_date.isoformat())],
        )
        start, exact = plan.final_date, True
    else:  # listed in a notice still under way: an earlier national recognition known only to the month
        year = rng.choice((2022, 2023))
        month = rng.randint(3, 11)
        url = f"https://example.org/sources/{cluster_id}"
        certified = {
            "type": "certified",
            "date": f"{year}-{month:02d}",
            "level": "national",
            "batch": year,
            "source": url,
        }
        sources = [_source(url, f"{year} 年度中小企业特色产业集群名单", f"{year}-{month:02d}")]
        start, exact = dt.date(year, month, 1), False
    record: dict[str, Any] = {
        "id": cluster_id,
        "name": name,
        "verified": exact,
        "district": district.code,
        "leading_industry": f"{MARK}{industry}",
    }
    if rng.random() < 0.7:
        record["operator"] = f"{MARK}{district.name}{industry}产业园区管理委员会"
    if rng.random() < 0.6:
        record["area_km2"] = round(rng.uniform(0.5, 95.0), 1)
    if rng.random() < 0.5:
        record["summary"] = (
            f"{MARK}用于性能基准的虚构集群，位于{district.name}，主导产业为{industry}，"
            f"集聚中小企业约 {rng.randint(50, 900)} 家。"
        )
    if rng.random() < 0.4:
        record["website"] = f"https://example.org/clusters/{cluster_id}"
    record["note"] = f"{MARK}合成数据，请勿发布。"
    record["sources"] = sources
    end = STATED_ENDS.get((certified["level"], certified["batch"]), _validity_end(start))
    record["events"] = [certified, *_later_events(rng, certified["level"], start, end, exact)]
    return record


def _certified_by_notice(plan: NoticePlan) -> dict[str, Any]:
    return {
        "type": "certified",
        "date": plan.final_date.isoformat(),
        "level": plan.level,
        "notice": plan.id,
        "batch": plan.published_on.year,
        "doc_no": plan.doc_no,
        "source": plan.final_url,
    }


def _source(url: str, title: str, published_on: str) -> dict[str, Any]:
    return {
        "url": url,
        "title": f"{MARK}{title}",
        "publisher": f"{MARK}测试发布单位",
        "published_on": published_on,
        "official": True,
        "states": "名称、所在区、认定日期",
    }


def _later_events(rng: random.Random, level: str, start: dt.date, end: dt.date, exact: bool) -> list[dict[str, Any]]:
    """Annual reports, a renewal and a change after the certification (valid until `end`), in date
    order; sometimes a revocation last. Dates never pass the benchmark's today."""
    events: list[tuple[dt.date, dict[str, Any]]] = []
    if level == "municipal" and exact:  # reports owed under 4.2; about one in eight is missing
        year = start.year
        while dt.date(year + 1, 2, 25) <= LATEST_EVENT and dt.date(year + 1, 3, 1) <= end:
            if rng.random() < 0.88:
                day = dt.date(year + 1, 2, rng.randint(5, 25))
                events.append((day, {"type": "annual_report", "date": day.isoformat(), "year": year}))
            year += 1
    elif rng.random() < 0.3 and dt.date(start.year + 1, 2, 25) <= LATEST_EVENT:
        month = f"{start.year + 1}-02"
        events.append(
            (
                dt.date(start.year + 1, 2, 28),
                {
                    "type": "annual_report",
                    "date": month,
                    "year": start.year,
                    "description": f"{MARK}{start.year} 年度情况报告",
                },
            )
        )
    renewal = end - dt.timedelta(days=rng.randint(10, 60))  # inside the 90 days before expiry (4.1)
    if renewal <= LATEST_EVENT and rng.random() < 0.6:
        events.append(
            (
                renewal,
                {
                    "type": "renewed",
                    "date": renewal.isoformat(),
                    "level": level,
                    "doc_no": f"复核〔{renewal.year}〕{rng.randint(1, 99)}号（测试）",
                },
            )
        )
    changed_from = start + dt.timedelta(days=60)
    if changed_from < LATEST_EVENT and rng.random() < 0.1:
        subject = rng.choice(list(CHANGE_SUBJECTS))
        day = _day_between(rng, changed_from, LATEST_EVENT)
        events.append(
            (
                day,
                {
                    "type": "changed",
                    "date": day.isoformat(),
                    "subject": subject,
                    "description": f"{MARK}{CHANGE_SUBJECTS[subject]}",
                },
            )
        )
    events.sort(key=lambda item: item[0])
    last = events[-1][0] if events else start
    if last + dt.timedelta(days=30) < LATEST_EVENT and rng.random() < 0.04:
        day = _day_between(rng, last + dt.timedelta(days=30), LATEST_EVENT)
        events.append(
            (
                day,
                {
                    "type": "revoked",
                    "date": day.isoformat(),
                    "level": level,
                    "reason": rng.choice(REVOCATION_REASONS),
                    "doc_no": f"撤销〔{day.year}〕1号（测试）",
                    "description": f"{MARK}撤销原因说明",
                },
            )
        )
    return [event for _, event in events]


def notice_record(
    k: int, plan: NoticePlan, members: list[dict[str, Any]], districts: list[District], calendar: WorkingCalendar
) -> dict[str, Any]:
    """One notice file listing `members` (and sometimes a candidate without a cluster file)."""
    rng = random.Random(f"notice-record-{k}")
    working_days = 5 if plan.level == "national" else 7
    window = calendar.publicity_window(plan.published_on, working_days)
    record: dict[str, Any] = {
        "id": plan.id,
        "title": f"{MARK}{plan.published_on.year} 年{ISSUERS[plan.level]}中小企业特色产业集群拟认定名单公示（{k + 1}）",
        "level": plan.level,
        "issuer": f"{MARK}{ISSUERS[plan.level]}",
        "published_on": plan.published_on.isoformat(),
        "working_days": working_days,
        "ends_on": window.last_day.isoformat(),
        "cutoff_time": "17:30",
        "window_stated": f"{_chinese_day(window.first_day)}至{window.last_day.month}月{window.last_day.day}日"
        f"（{working_days}个工作日）",
        "url": f"https://example.org/notices/{plan.id}",
        "basis": f"{MARK}工作指引 3.3.2",
        "objection": {
            "channels": "书面（信函、电子邮件）",
            "contact_person": f"{MARK}测试联系人{k % 7 + 1}",
            "phone": "020-00000000",
            "address": f"{MARK}广州市测试路 {k + 1} 号",
            "postcode": "510000",
            "email": "objection@example.org",
            "office_hours": "工作日 9:00—12:00、14:00—17:30",
        },
    }
    if plan.final_date is not None:
        record["outcome"] = {
            "objections_received": rng.randint(0, 2),
            "objections_upheld": 0,
            "final_doc_no": plan.doc_no,
            "final_date": plan.final_date.isoformat(),
            "final_url": plan.final_url,
        }
    entries = [{"cluster": c["id"], "name": c["name"], "district": c["district"]} for c in members]
    if rng.random() < 0.5:
        district = rng.choice(districts)
        entries.append(
            {
                "name": f"{MARK}广州市{district.name}候选产业集群（公示{k + 1}）",
                "district": district.code,
                "note": f"{MARK}候选集群，尚未建档",
            }
        )
    record["entries"] = entries
    return record
