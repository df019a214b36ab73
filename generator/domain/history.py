"""The history of the data folder in record terms: what each commit did to which record (data only).

A changed record's fields are the comparison's (generator.domain.changes); its lists are counted.
Read from git by generator.load.history, shown by the change log (generator.publish.changelog).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from generator.domain.changes import ADDED, CHANGED, REMOVED, FieldChange

__all__ = [  # the actions are the comparison's, named here too for the change log
    "ADDED",
    "ATTACHMENT",
    "ATTACHMENTS",
    "CHANGED",
    "CHANGED_SOMEHOW",
    "LAYOUT_ONLY",
    "REMOVED",
    "UNAVAILABLE",
    "Commit",
    "FileChange",
    "History",
    "ListChange",
    "ReleaseRow",
]
ATTACHMENTS = "attachments"  # the folder of attached files (PDFs …) inside the data folder
ATTACHMENT = "attachment"  # FileChange.kind of a file there
CHANGED_SOMEHOW = "记录有变化"  # a version could not be read: only that it changed is known
LAYOUT_ONLY = "记录的内容没有变化（只改动了格式、注释或空白字段）"  # both versions read, no value differs


@dataclass(frozen=True)
class ListChange:
    """One list of a changed record as the change log counts it (from RecordChange.tally)."""

    key: str  # the YAML list (events)
    title: str  # its resource's Chinese title (集群事件)
    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class FileChange:
    action: str  # ADDED | CHANGED | REMOVED
    path: str  # relative to the data folder, "/"-separated
    kind: str | None  # RecordType.kind, ATTACHMENT, or None for any other file
    record_id: str | None = None  # the file's record id (one record per file); None for a single file
    fields: tuple[FieldChange, ...] = ()  # a changed record: its fields whose value changed
    lists: tuple[ListChange, ...] = ()  # a changed record: its lists whose items changed
    note: str | None = None  # CHANGED_SOMEHOW or LAYOUT_ONLY, when fields and lists say nothing

    @property
    def name(self) -> str:
        """The file's name (of an attachment: its path inside attachments/)."""
        return self.path[len(ATTACHMENTS) + 1 :] if self.kind == ATTACHMENT else self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Commit:
    sha: str
    committed_at: dt.datetime  # the committer date, in Asia/Shanghai
    changes: tuple[FileChange, ...]  # in path order; empty for the boundary
    boundary: bool = False  # the oldest commit of a shallow clone: what it changed is not known here

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def day(self) -> dt.date:
        return self.committed_at.date()


@dataclass(frozen=True)
class History:
    available: bool  # False outside a git work tree (a tarball): nothing is known
    shallow: bool = False  # the clone is shallow
    commits: tuple[Commit, ...] = ()  # newest first
    since: Commit | None = None  # the boundary of a shallow clone, when the data folder's history reaches it

    def as_of(self, day: dt.date) -> History:
        """The history as a build as of `day` shows it: the commits dated on or before that day."""
        return dataclasses.replace(self, commits=tuple(commit for commit in self.commits if commit.day <= day))


UNAVAILABLE = History(available=False)


@dataclass(frozen=True)
class ReleaseRow:
    """One published release as its manifest states it (read from the chain by generator.site.chain,
    listed on the 发布记录 page by generator.publish.pages.release_log)."""

    name: str
    as_of: dt.datetime
    built_at: dt.datetime
    commit: str
    signed: bool
    correction: str | None
    manifest: str  # the manifest's path on the site: releases/<name>.json, or release.json for this release
