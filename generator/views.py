"""Derived views: each cluster and notice with what the rules say about it on a given day.

Pure: from the dataset and "today" (Asia/Shanghai) to statuses, windows, report obligations and
deadlines. Both the pages and the open-data exports read these, so a status is computed once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from generator.calendar import CalendarNotCovered, PublicityWindow, publicity_state
from generator.lifecycle import (
    NOTICE_STATE_LABELS,
    ClusterStatus,
    Recognition,
    ReportObligation,
    annual_reports,
    cluster_status,
    notice_window,
    recognitions,
)
from generator.model import Cluster, Dataset, District, Notice

REVOCATION_REASONS = {
    "4.3.1": "有效期满未申请复核或经复核未通过",
    "4.3.2": "发现虚假申报",
    "4.3.3": "未及时报送集群年度培育情况信息表，不接受、不配合监测监督工作",
    "4.3.4": "集群发生主导产业、空间范围、运营管理机构变更等重大变动未及时更新报备",
    "4.3.5": "集群企业发生较大及以上安全、质量和环境污染等事故等违法违规或严重失信行为",
}
CHANGE_SUBJECTS = {"leading_industry": "主导产业", "area": "空间范围", "operator": "运营管理机构", "other": "其他"}



@dataclass(frozen=True)
class NoticeView:
    notice: Notice
    window: PublicityWindow | None  # None when the calendar does not cover it
    state: str
    missing_years: tuple[int, ...]

    @property
    def state_label(self) -> str:
        return NOTICE_STATE_LABELS[self.state]

    def days_left(self, today: dt.date) -> int | None:
        """Working days left in the window, today included."""
        if self.window is None or self.state != "open":
            return None
        return sum(1 for day in self.window.days if day >= today)


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    district: District | None
    status: ClusterStatus
    recognitions: tuple[Recognition, ...]
    reports: tuple[ReportObligation, ...]
    notices: tuple[NoticeView, ...]

    @property
    def level(self) -> str | None:
        """The highest level of recognition, for the list."""
        levels = [r.level for r in self.recognitions]
        return next((level for level in ("national", "provincial", "municipal") if level in levels), None)


def notice_view(notice: Notice, dataset: Dataset, today: dt.date) -> NoticeView:
    try:
        window = notice_window(notice, dataset.calendar)
    except CalendarNotCovered as exc:
        return NoticeView(notice, None, "unknown", exc.years)
    return NoticeView(notice, window, publicity_state(window, today), ())


def build_views(dataset: Dataset, today: dt.date) -> tuple[list[ClusterView], list[NoticeView]]:
    notices = sorted((notice_view(n, dataset, today) for n in dataset.notices.values()),
                     key=lambda v: (v.notice.published_on, v.notice.id), reverse=True)
    by_cluster: dict[str, list[NoticeView]] = {}
    for view in notices:
        for entry in view.notice.entries:
            if entry.cluster:
                by_cluster.setdefault(entry.cluster, []).append(view)
    clusters = []
    for cluster in sorted(dataset.clusters.values(), key=lambda c: (c.district, c.id)):
        listed_in = by_cluster.get(cluster.id, [])
        status = cluster_status(cluster, today, in_open_publicity=any(v.state == "open" for v in listed_in))
        clusters.append(ClusterView(cluster, dataset.districts.get(cluster.district), status,
                                    recognitions(cluster), annual_reports(cluster, today), tuple(listed_in)))
    return clusters, notices


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    name: str
    page: str  # src_uri of the page it concerns
    what: str


def upcoming_deadlines(clusters: list[ClusterView], notices: list[NoticeView], today: dt.date,
                       limit: int = 10) -> list[Deadline]:
    """Dated obligations from today on: objection windows closing, reports due, validity ends."""
    found = []
    for view in notices:
        if view.window is not None and view.window.last_day >= today:
            found.append(Deadline(view.window.last_day, view.notice.title, f"notices/{view.notice.id}.md",
                                  "公示期最后一天（24:00 截止）"))
    for view in clusters:
        page = f"clusters/{view.cluster.id}.md"
        for report in view.reports:
            if report.state != "submitted" and report.due_on >= today:
                found.append(Deadline(report.due_on, view.cluster.name, page,
                                      f"{report.covered_year} 年度报告报送截止（指引 4.2）"))
        for recognition in view.recognitions:
            end = recognition.valid_until
            if end is not None and end.is_exact and end.earliest >= today:
                found.append(Deadline(end.earliest, view.cluster.name, page, f"{recognition.level_name}认定有效期届满"))
    return sorted(found, key=lambda d: (d.due, d.page))[:limit]


def recent_changes(clusters: list[ClusterView], limit: int = 10) -> list[tuple[ClusterView, Any]]:
    """The latest dated events across all clusters, newest first."""
    dated = [(view, event) for view in clusters for event in view.cluster.events if event.date is not None]
    return sorted(dated, key=lambda pair: (pair[1].date.latest, pair[0].cluster.id), reverse=True)[:limit]
