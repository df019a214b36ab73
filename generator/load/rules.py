"""Business rules the schemas cannot express, as pure functions from records to problems.

Two passes: `check_rows` runs on the flattened rows before they are typed (file names, partial
dates); `check_dataset` runs on the typed domain objects (what each event needs, their order,
revocation, recognitions before their programme existed, notice entries and outcomes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from generator.domain.calendar import NEXT_YEAR_NEEDED_FROM, CalendarNotCovered, WorkingCalendar
from generator.domain.calls import CALL_STATE_LABELS, first_day
from generator.domain.lifecycle import (
    EXPIRING_DAYS,
    NOTICE_STATE_LABELS,
    REPORT_STATE_LABELS,
    STATUS_LABELS,
    Recognition,
    WorkingDaysUnknown,
    governing,
    notice_window,
    recognitions,
    revocation_ground,
)
from generator.domain.model import (
    COMPARISON_OPERATORS,
    LEVEL_NAMES,
    Call,
    Cluster,
    Dataset,
    District,
    Event,
    Notice,
    PartialDate,
    Policy,
    PolicySet,
    Practice,
    StatementPart,
)
from generator.domain.practice import REQUIRED_STATEMENTS, statement_values
from generator.load.records import Row, Tables
from generator.problems import Problem, problem

PARTIAL_DATE_FIELDS = {
    "events": ("date", "valid_from", "valid_until"),
    "cluster_sources": ("published_on",),
}

# Which fields each event type needs and may carry (guideline 4.1–4.3; certified: 3.3.2, 1.6).
EVENT_REQUIRED = {
    "certified": ("level", "source"),
    "renewed": ("date", "level"),
    "revoked": ("date", "reason"),
    "changed": ("date", "subject"),
    "annual_report": ("date", "year"),
}
EVENT_ALLOWED = {
    "certified": {"date", "level", "batch", "doc_no", "source", "notice", "valid_from", "valid_until", "note"},
    "renewed": {"date", "level", "doc_no", "source", "notice", "valid_until", "note"},
    "revoked": {"date", "level", "reason", "doc_no", "source", "description", "note"},
    "changed": {"date", "subject", "description", "doc_no", "source", "note"},
    "annual_report": {"date", "year", "source", "description", "note"},
}
EVENT_FIELDS = (
    "date",
    "level",
    "batch",
    "doc_no",
    "source",
    "notice",
    "valid_from",
    "valid_until",
    "reason",
    "year",
    "subject",
    "description",
    "note",
)


def check_rows(tables: Tables) -> Iterator[Problem]:
    """Rules on raw rows: the record key equals the file stem; partial dates exist."""
    for rows in tables.values():
        for row in rows:
            record_type = row.record_type
            if not row.base and record_type.key and record_type.one_per_file:
                yield from _key_matches_stem(row, record_type.key)
    for resource, names in PARTIAL_DATE_FIELDS.items():
        for row in tables[resource]:
            for name in names:
                value = row.values.get(name)
                if isinstance(value, str) and value:
                    try:
                        PartialDate.parse(value)
                    except ValueError:
                        yield problem("invalid-date", *row.located(name), field=name, value=value)


def _key_matches_stem(row: Row, key: str) -> Iterator[Problem]:
    value = row.values.get(key)
    stem = row.doc.path.rsplit("/", 1)[-1].removesuffix(".yaml")
    if isinstance(value, str) and value != stem:
        yield problem("id-mismatch", *row.located(key), id=value, stem=stem)


def check_calendar_rows(tables: Tables, bad_files: set[str]) -> Iterator[Problem]:
    """Rules on the holiday arrangement files, one State Council notice each: the title names the
    file's year; every date lies in that year or from 24 December of the year before (the next
    year's file is read from that day on), a span ending in the year; spans in order; make-up days
    on weekends; and, across all the files, no two spans overlap and no make-up day is inside one."""
    for row in tables["calendar_years"]:
        if row.doc.path not in bad_files:
            yield from _calendar_title(row)
    spans: list[tuple[dt.date, dt.date, Row]] = []
    makeup_days: list[tuple[dt.date, Row]] = []
    for resource, fields in (("calendar_holidays", ("start", "end")), ("calendar_makeup_days", ("date",))):
        for row in tables[resource]:
            if row.doc.path in bad_files:
                continue
            year = int(row.values["year"])
            days = {name: dt.date.fromisoformat(row.values[name]) for name in fields}
            for name, day in days.items():
                earliest, latest = calendar_date_range(year, name)
                if not earliest <= day <= latest:
                    yield problem(
                        "calendar-date-outside-year",
                        *row.located(name),
                        date=day,
                        year=year,
                        earliest=earliest,
                        latest=latest,
                    )
            if "end" in days and days["start"] > days["end"]:
                yield problem("holiday-span-order", *row.located("start"), start=days["start"], end=days["end"])
            elif "end" in days:
                spans.append((days["start"], days["end"], row))
            if "date" in days and days["date"].weekday() < 5:
                yield problem(
                    "makeup-day-not-weekend",
                    *row.located("date"),
                    date=days["date"],
                    weekday="一二三四五六日"[days["date"].weekday()],
                )
            elif "date" in days:
                makeup_days.append((days["date"], row))
    yield from _calendar_overlaps(spans, makeup_days)


def calendar_date_range(year: int, name: str) -> tuple[dt.date, dt.date]:
    """The days a date of `year`'s arrangement may fall on: a span's end (`name` "end") in the year,
    its start and a make-up day from the day the next year's file is first read (NEXT_YEAR_NEEDED_FROM,
    24 December) of the year before: 2023's 元旦 began on 2022-12-31."""
    latest = dt.date(year, 12, 31)
    if name == "end":
        return dt.date(year, 1, 1), latest
    return dt.date(year - 1, *NEXT_YEAR_NEEDED_FROM), latest


# A State Council notice's year as its title or a header comment writes it (国务院办公厅关于2026年部分节假日安排的通知).
_NOTICE_YEAR = re.compile(r"(\d{4})\s*年")
_NOTICE_TITLE_YEAR = re.compile(r"关于\s*(\d{4})\s*年部分节假日安排")


def _calendar_title(row: Row) -> Iterator[Problem]:
    title = row.values.get("title")
    if not isinstance(title, str):
        return
    named = sorted(set(_NOTICE_YEAR.findall(title)))
    year = str(int(row.values["year"]))
    if named and year not in named:  # a title copied from another year's file; one naming no year is left alone
        yield problem("calendar-title-year", *row.located("title"), title=title, named="、".join(named), year=year)


def _line(row: Row) -> int:
    """The line a holiday span is written on, for a problem reported at another entry."""
    return row.position("start")[0]


def _calendar_overlaps(
    spans: list[tuple[dt.date, dt.date, Row]], makeup_days: list[tuple[dt.date, Row]]
) -> Iterator[Problem]:
    """Across every arrangement file (a span may begin in the December before its year): each span
    that overlaps one starting no later (reported once, at the later start), and each make-up day
    inside a span."""
    ordered = sorted(spans, key=lambda s: (s[0], s[1], s[2].doc.path, s[2].position("start")))
    reaching: tuple[dt.date, dt.date, Row] | None = None  # of the spans so far, the one ending last
    for start, end, row in ordered:
        if reaching is not None and start <= reaching[1]:
            other_start, other_end, other = reaching
            yield problem(
                "holiday-spans-overlap",
                *row.located("start"),
                name=row.values["name"],
                start=start,
                end=end,
                other=other.values["name"],
                other_start=other_start,
                other_end=other_end,
                other_path=other.doc.path,
                other_line=_line(other),
            )
        if reaching is None or end > reaching[1]:
            reaching = (start, end, row)
    for day, row in makeup_days:
        for start, end, span in ordered:
            if start <= day <= end:
                yield problem(
                    "makeup-day-in-holiday",
                    *row.located("date"),
                    date=day,
                    name=span.values["name"],
                    start=start,
                    end=end,
                    span_path=span.doc.path,
                    span_line=_line(span),
                )
                break


def check_calendar_header(path: str, text: str, year: str) -> Iterator[Problem]:
    """The comment lines that open a holiday arrangement file (before its first field) name no
    other year's notice: a file copied from last year's keeps last year's header otherwise."""
    if not year.isdigit():
        return  # not a year's file: its name is reported on its own
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return
        for match in _NOTICE_TITLE_YEAR.finditer(line):
            if match.group(1) != year:
                yield problem(
                    "calendar-comment-year", path, number, match.start(1) + 1, named=match.group(1), year=year
                )


def check_dataset(dataset: Dataset, event_titles: Mapping[str, str], today: dt.date) -> Iterator[Problem]:
    """Rules on typed records; `event_titles` are the events schema's field titles; `today`
    (Asia/Shanghai) is the day the records dated after it are checked against."""
    site = dataset.site
    if site is not None and site.values.get("base_url") and site.address is None:
        yield problem("site-address-invalid", *site.origin.located("base_url"))
    if site is not None:
        yield from check_editor_settings(site.values, site.origin.located)
    policies = dataset.policies
    for policy in policies.all:
        yield from check_policy(policy)
    if dataset.practice is not None:
        yield from check_practice(dataset.practice, policies, dataset.districts)
    for cluster in dataset.clusters.values():
        yield from check_cluster(cluster, event_titles, policies, today)
        yield from check_lifecycle(cluster, policies)
    for district in dataset.districts.values():
        if district.contact_stated and district.bureau_source is None:
            yield problem(
                "district-contact-without-source", *district.origin.located("bureau_source"), district=district.name
            )
    for notice in dataset.notices.values():
        yield from check_notice(notice, dataset.calendar, policies)
        if notice.published_on > today:
            yield problem(
                "notice-scheduled", *notice.origin.located("published_on"), date=notice.published_on, today=today
            )
    for call in dataset.calls.values():
        yield from check_call(call)
        if call.published_on > today:
            yield problem("call-scheduled", *call.origin.located("published_on"), date=call.published_on, today=today)


def check_criteria(policy: Policy) -> Iterator[Problem]:
    """The criteria (工作指引 3.2) quote their clauses word for word; a yes/no item has its words, a
    quantified one names a threshold of its clause (which holds the words); and, once criteria are
    listed, every threshold is one of them."""
    thresholds = policy.thresholds_by_key
    seen: set[str] = set()
    for criterion in policy.criteria:
        if criterion.key in seen:
            yield problem("criterion-key-duplicate", *criterion.origin.located("key"), key=criterion.key)
        seen.add(criterion.key)
        if (criterion.kind == "yesno") != (criterion.words is not None):
            yield problem("criterion-words-kind", *criterion.origin.located("words"), key=criterion.key)
        if criterion.kind == "threshold":
            threshold = thresholds.get(criterion.key)
            if threshold is None or threshold.clause != criterion.clause:
                yield problem(
                    "criterion-threshold-unknown",
                    *criterion.origin.located("key"),
                    key=criterion.key,
                    clause=criterion.clause,
                )
        clause = policy.clauses.get(criterion.clause)
        if clause is None:
            yield problem("policy-clause-missing", *criterion.origin.located("clause"), clause=criterion.clause)
            continue
        for name, words in (("lead", criterion.lead), ("words", criterion.words)):
            if words is not None and words not in clause:
                yield problem(
                    "policy-words-not-in-clause",
                    *criterion.origin.located(name),
                    words=words,
                    clause=criterion.clause,
                )
    if policy.criteria:
        listed = {c.key for c in policy.criteria if c.kind == "threshold"}
        for threshold in policy.thresholds:
            if threshold.key not in listed:
                yield problem("criterion-threshold-unlisted", *threshold.origin.located("key"), key=threshold.key)


# What Decap CMS's Gitea backend needs: the repository, where the server's API is, and the OAuth2
# application staff log in with (PKCE: a client ID, no secret).
GITEA_NEEDS = ("editor_repo", "editor_api_root", "editor_app_id")


def check_editor_settings(
    values: Mapping[str, object], located: Callable[[str], tuple[str, int, int]]
) -> Iterator[Problem]:
    """data/site.yaml's editor settings (the /admin/ editor): a Gitea/Forgejo backend cannot log in
    without its server, repository and OAuth application; each of its saves is a commit on `branch`;
    a configured GitHub backend without its own login service would send staff to Decap's, abroad."""
    if values.get("editor_backend", "github") in (None, "github"):
        if values.get("editor_repo") and not values.get("editor_base_url"):
            yield problem("editor-github-login-abroad", *located("editor_repo"))
        return
    if values.get("editor_backend") != "gitea":
        return
    missing = [name.removeprefix("editor_") for name in GITEA_NEEDS if not values.get(name)]
    if missing:
        yield problem("editor-gitea-incomplete", *located("editor_backend"), fields="、".join(missing))
    branch = values.get("editor_branch") or "main"
    if branch == "main":
        yield problem("editor-gitea-branch-main", *located("editor_branch"))


def check_policy(policy: Policy) -> Iterator[Problem]:
    """A policy's quoted words are its clauses' own, and its dates are in order."""
    for threshold in policy.thresholds:
        clause = policy.clauses.get(threshold.clause)
        if clause is None:
            yield problem("policy-clause-missing", *threshold.origin.located("clause"), clause=threshold.clause)
        elif threshold.words not in clause:
            yield problem(
                "policy-words-not-in-clause",
                *threshold.origin.located("words"),
                words=threshold.words,
                clause=threshold.clause,
            )
    yield from check_criteria(policy)
    stated = [
        (group, value.clause, value.words)
        for group, value in (
            ("in_force", policy.in_force),
            ("validity", policy.validity_years),
            ("publicity", policy.publicity_working_days),
            ("annual_report", policy.annual_report),
            ("target", policy.target),
        )
        if value is not None
    ]
    for group, clause, words in stated:
        if clause and clause not in policy.clauses:
            yield problem("policy-clause-missing", *policy.origin.located(f"{group}_clause"), clause=clause)
        elif clause and words and words not in policy.clauses[clause]:
            yield problem(
                "policy-words-not-in-clause", *policy.origin.located(f"{group}_words"), words=words, clause=clause
            )
    for origin, (clause, words) in zip(policy.excerpt_origins, policy.excerpts.values(), strict=True):
        if clause not in policy.clauses and clause not in policy.revocation_grounds:
            yield problem("policy-clause-missing", *origin.located("clause"), clause=clause)
        elif words not in policy.clause_text(clause):
            yield problem("policy-words-not-in-clause", *origin.located("words"), words=words, clause=clause)
    seen: set[tuple[str, int]] = set()
    for rule in policy.stated_rules:
        rule_name = {"validity": "有效期", "annual_report": "年度报告"}[rule.rule]
        if (rule.rule, rule.batch) in seen:
            yield problem(
                "policy-stated-rule-incomplete",
                *rule.origin.located("batch"),
                batch=rule.batch,
                rule_name=rule_name,
                what="已在前面写过一条",
            )
        seen.add((rule.rule, rule.batch))
        if rule.rule == "validity" and rule.years is None and rule.valid_until is None:
            yield problem(
                "policy-stated-rule-incomplete",
                *rule.origin.located("rule"),
                batch=rule.batch,
                rule_name=rule_name,
                what="没有写年数（years）或有效期止（valid_until）",
            )
        if rule.rule == "annual_report" and rule.due_month is None:
            yield problem(
                "policy-stated-rule-incomplete",
                *rule.origin.located("rule"),
                batch=rule.batch,
                rule_name=rule_name,
                what="没有写截止月份（due_month）",
            )
    if policy.in_force_until is not None and policy.in_force_until < policy.in_force_from.latest:
        yield problem(
            "validity-order",
            *policy.origin.located("in_force_until"),
            valid_from=policy.in_force_from,
            valid_until=policy.in_force_until,
        )


def check_practice(practice: Practice, policies: PolicySet, districts: Mapping[str, District]) -> Iterator[Problem]:
    """Each statement of the site's is in a section, names the clauses it reads, and holds only
    placeholders the pages can fill in from the data."""
    sections = {section.key for section in practice.sections}
    anchors = sections | set(practice.statements)
    municipal = policies.of_level("municipal")
    values = statement_values(districts, municipal[0] if municipal else None)
    for key in sorted(REQUIRED_STATEMENTS - set(practice.statements)):
        yield problem("practice-statement-missing", *practice.origin.located("statements"), key=key)
    for statement in practice.all_statements:
        key = statement.key
        if statement.section not in sections:
            yield problem(
                "practice-section-unknown", *statement.origin.located("section"), key=key, section=statement.section
            )
        if statement.kind == "reading" and not statement.reads:
            yield problem("practice-reading-without-clause", *statement.origin.located("reads"), key=key)
        for policy_id, clause in statement.reads if municipal else ():  # no guideline: policy-missing says so
            policy = next((p for p in policies.all if p.id == policy_id), None)
            if policy is None or (clause not in policy.clauses and clause not in policy.revocation_grounds):
                yield problem(
                    "practice-clause-unknown",
                    *statement.origin.located("reads"),
                    key=key,
                    clause=clause,
                    policy=policy_id,
                )
        for field, parts in (("text", statement.parts), ("term", statement.term_parts)):
            for part in parts:
                if part.kind in ("quote", "words", "clause") and not municipal:
                    continue  # no guideline to quote from: policy-missing says so
                if part.kind != "text" and not _placeholder_known(part, municipal, anchors, values):
                    yield problem(
                        "practice-placeholder-unknown",
                        *statement.origin.located(field),
                        key=key,
                        placeholder=f"{{{part.kind}:{part.arg}}}",
                    )


def _placeholder_known(
    part: StatementPart, municipal: Sequence[Policy], anchors: set[str], values: Mapping[str, str]
) -> bool:
    if part.kind in ("quote", "words", "clause"):
        return any(part.arg in policy.passages for policy in municipal)
    if part.kind == "see":
        return part.arg in anchors
    if part.kind == "page":
        return _PAGE_REF.fullmatch(part.arg) is not None
    if part.kind == "value":
        return part.arg in values
    labels = {
        "status": STATUS_LABELS,
        "notice-state": NOTICE_STATE_LABELS,
        "call-state": CALL_STATE_LABELS,
        "report-state": REPORT_STATE_LABELS,
    }
    return part.kind in labels and part.arg in labels[part.kind]


_PAGE_REF = re.compile(r"[a-z0-9-]+(/[a-z0-9-]+)*\.md(#[a-z0-9-]+)?")


def check_cluster(
    cluster: Cluster, event_titles: Mapping[str, str], policies: PolicySet, today: dt.date
) -> Iterator[Problem]:
    events = cluster.events
    if not any(event.type == "certified" for event in events):
        yield problem("no-recognition", *cluster.origin.located("events"))
    if cluster.verified and not any(source.official for source in cluster.sources):
        yield problem("verified-without-official-source", *cluster.origin.located("verified"))
    revoked: Event | None = None
    previous: Event | None = None
    for event in events:
        yield from check_event_fields(event, event_titles)
        if previous is not None and previous.date and event.date and event.date.latest < previous.date.earliest:
            yield problem("events-out-of-order", *event.origin.located("date"), date=event.date, previous=previous.date)
        if event.date is not None:
            previous = event
        if revoked is not None:
            if event.type == "revoked":
                yield problem(
                    "revoked-twice", *event.origin.located("type"), first_line=revoked.origin.position("type")[0]
                )
            elif event.type != "certified":
                yield problem(
                    "event-after-revocation",
                    *event.origin.located("type"),
                    revoked_line=revoked.origin.position("type")[0],
                    type_name=event.type_name,
                )
        elif event.type == "revoked":
            revoked = event
        if event.type in ("certified", "renewed") and event.level and event.date:
            first = policies.first(event.level)
            if first is not None and event.date.latest < first.in_force_from.earliest:
                yield problem(
                    "event-before-programme",
                    *event.origin.located("date"),
                    level_name=LEVEL_NAMES[event.level],
                    date=event.date,
                    since=f"{first.in_force_from}，{first.doc_no or first.title}",
                )
        if (
            event.type == "revoked"
            and event.reason
            and policies.of_level("municipal")
            and revocation_ground(policies, event) is None
        ):
            day = event.date.earliest if event.date else None
            policy = governing(policies, "municipal", day) or policies.first("municipal")
            grounds = "、".join(policy.revocation_grounds) if policy else "（无）"
            yield problem(
                "revocation-ground-unknown", *event.origin.located("reason"), reason=event.reason, grounds=grounds
            )
        if event.type == "renewed" and event.level:
            prior = [e for e in events[: events.index(event)] if e.type == "certified" and e.level == event.level]
            if not prior:
                yield problem(
                    "renewal-without-recognition", *event.origin.located("level"), level_name=LEVEL_NAMES[event.level]
                )
        if event.valid_from and event.valid_until and event.valid_from.earliest > event.valid_until.latest:
            yield problem(
                "validity-order",
                *event.origin.located("valid_from"),
                valid_from=event.valid_from,
                valid_until=event.valid_until,
            )
        if event.type == "certified" and event.date is None and event.valid_until is None:
            yield problem("recognition-date-unknown", *event.origin.located("date"))
        if event.date is not None and event.date.earliest > today:
            yield problem("event-in-future", *event.origin.located("date"), date=event.date, today=today)


def check_event_fields(event: Event, titles: Mapping[str, str]) -> Iterator[Problem]:
    for name in EVENT_REQUIRED[event.type]:
        if getattr(event, name) is None:
            yield problem(
                "event-field-missing",
                *event.origin.located(name),
                type_name=event.type_name,
                field=name,
                title=titles[name],
            )
    for name in EVENT_FIELDS:
        if name not in EVENT_ALLOWED[event.type] and getattr(event, name) is not None:
            yield problem(
                "event-field-not-allowed",
                *event.origin.located(name),
                type_name=event.type_name,
                field=name,
                title=titles[name],
            )


def check_lifecycle(cluster: Cluster, policies: PolicySet) -> Iterator[Problem]:
    """Renewals inside the expiry window (4.1); annual reports not before certification (4.2);
    the area criterion of a municipal recognition (3.2.2), a warning since the record states a fact."""
    for recognition in recognitions(cluster, policies):
        if recognition.level == "municipal" and cluster.area_km2 is not None:
            yield from _area_criterion(cluster, recognition, policies)
        for renewal, end in zip(recognition.renewals, recognition.ends_before_renewals, strict=True):
            if end is None or renewal.date is None:
                continue
            if renewal.date.latest < end.earliest - dt.timedelta(days=EXPIRING_DAYS):
                yield problem(
                    "renewal-too-early",
                    *renewal.origin.located("date"),
                    date=renewal.date,
                    days=EXPIRING_DAYS,
                    valid_until=end.label,
                )
    stated = (e.date or e.valid_from for e in cluster.events if e.type == "certified")
    first = [date for date in stated if date]
    if first:
        certified_year = min(first).year
        for event in cluster.events:
            if event.type == "annual_report" and event.year is not None and event.year < certified_year:
                yield problem(
                    "report-before-certification",
                    *event.origin.located("year"),
                    year=event.year,
                    certified=certified_year,
                )


def _area_criterion(cluster: Cluster, recognition: Recognition, policies: PolicySet) -> Iterator[Problem]:
    certified = recognition.certified
    policy = governing(policies, "municipal", certified.date.earliest if certified.date else None)
    if policy is None:
        return
    threshold = policy.thresholds_by_key.get("area")
    if threshold is None:
        return
    area = Decimal(str(cluster.area_km2))
    meets = {">": area > threshold.value, ">=": area >= threshold.value, "<=": area <= threshold.value}
    if not meets[COMPARISON_OPERATORS[threshold.comparison]]:
        yield problem(
            "area-outside-criterion",
            *cluster.origin.located("area_km2"),
            area=cluster.area_km2,
            unit=threshold.unit,
            words=threshold.words,
            short=policy.short_title,
            clause=threshold.clause,
        )


def check_corrections(record: Notice | Call, what: str) -> Iterator[Problem]:
    """A correction log names fields the record states, each dated on or after its publication."""
    for correction in record.corrections:
        if not _correctable(record, correction.field):
            yield problem(
                "correction-field-unknown", *correction.origin.located("field"), field=correction.field, what=what
            )
        if correction.date < record.published_on:
            yield problem(
                "correction-before-publication",
                *correction.origin.located("date"),
                date=correction.date,
                published_on=record.published_on,
                what=what,
            )


def check_call(call: Call) -> Iterator[Problem]:
    yield from check_corrections(call, "申报通知")
    if call.level == "municipal":  # the bureau's own call: applicants must be able to check it and ask
        if call.url is None:
            yield problem("call-source-missing", *call.origin.located("url"))
        if not any(contact.reachable for contact in call.contacts):
            yield problem("call-contact-missing", *call.origin.located("contacts" if call.contacts else "id"))
    opens = first_day(call)
    if call.deadline_on is not None and call.deadline_on < opens:
        yield problem(
            "call-deadline-before-opening", *call.origin.located("deadline_on"), deadline=call.deadline_on, opens=opens
        )


def check_notice(notice: Notice, calendar: WorkingCalendar, policies: PolicySet) -> Iterator[Problem]:
    yield from check_corrections(notice, "公示")
    if notice.level == "municipal":  # the bureau's own notice: its record must let the public check and object
        if notice.url is None:
            yield problem("notice-source-missing", *notice.origin.located("url"))
        objection = notice.objection
        if objection.phone is None and objection.address is None and objection.email is None:
            yield problem("notice-contact-missing", *notice.origin.located("objection"))
    for entry in notice.entries:
        if entry.cluster is None and entry.name is None:
            yield problem("entry-needs-reference", *entry.origin.located("cluster"))
    if notice.starts_on is not None and notice.starts_on < notice.published_on:
        yield problem(
            "notice-starts-before-publication",
            *notice.origin.located("starts_on"),
            starts_on=notice.starts_on,
            published_on=notice.published_on,
        )
        return
    outcome = notice.outcome
    if (
        outcome.objections_upheld is not None
        and outcome.objections_received is not None
        and outcome.objections_upheld > outcome.objections_received
    ):
        yield problem(
            "objections-upheld-exceed",
            *notice.origin.located("outcome_objections_upheld"),
            upheld=outcome.objections_upheld,
            received=outcome.objections_received,
        )
    start_field = "starts_on" if notice.starts_on else "published_on"
    try:
        window = notice_window(notice, calendar, policies)
    except WorkingDaysUnknown:
        yield problem(
            "notice-working-days-unknown", *notice.origin.located("working_days"), level_name=LEVEL_NAMES[notice.level]
        )
        return
    except CalendarNotCovered as exc:
        yield problem(
            "calendar-not-covered",
            *notice.origin.located(start_field),
            what="公示开始日期",
            date=notice.starts_on or notice.published_on,
            years="、".join(map(str, exc.years)),
        )
        return
    if not window.checked:
        yield problem(
            "calendar-not-covered-stated-end",
            *notice.origin.located(start_field),
            what="公示开始日期",
            date=notice.starts_on or notice.published_on,
            years="、".join(map(str, window.missing_years)),
            ends_on=notice.ends_on,
        )
    if window.checked and notice.ends_on is not None and notice.ends_on < window.last_day:
        yield problem(
            "notice-ends-early",
            *notice.origin.located("ends_on"),
            ends_on=notice.ends_on,
            working_days=window.working_days,
            last_day=window.last_day,
        )
    if outcome.final_date is not None and outcome.final_date <= window.last_day:
        yield problem(
            "outcome-before-window",
            *notice.origin.located("outcome_final_date"),
            date=outcome.final_date,
            last_day=window.last_day,
        )


_NOT_STATED = frozenset({"id", "corrections", "origin"})


def _correctable(record: Notice | Call, name: str) -> bool:
    """Whether a correction's field names something the record states: a field (title), a member of
    a group (objection.phone) or a whole list (entries, materials)."""
    group, _, member = name.partition(".")
    if group in _NOT_STATED or group not in {f.name for f in dataclasses.fields(record)}:
        return False
    value = getattr(record, group)
    if member:
        return dataclasses.is_dataclass(value) and member in {f.name for f in dataclasses.fields(value)}
    return not dataclasses.is_dataclass(value)
