"""Attachment files (data/attachments/): what may be published beside calls, notices and results.

Records name their attachments by file name; the files live flat in data/attachments/ and are
published at a stable path, `attachments/<name>` (`published_path`), with their type, size and
SHA-256 shown beside the link and in the data packages (`AttachmentFile`).

What is accepted, and why:

- Names: lowercase letters, digits and single hyphens, then one of the extensions in `TYPES`
  (pdf, docx, xlsx, ofd, jpg, jpeg, png), e.g. `2024-list-draft.pdf`. Anything else is refused
  (`attachment-name`): the name is part of a public address and must not change with the system
  that checked it out.
- Size: at most `MAX_BYTES`, 20 MiB (20,971,520 bytes) per file (`attachment-too-large`). A larger
  file is not read at all; no file is read beyond MAX_BYTES + 1 bytes, and each is read once.
- Content: the bytes must be what the extension says, by their magic bytes: PDF `%PDF-`, JPEG
  `FF D8 FF`, PNG its 8-byte signature, DOCX/XLSX/OFD a ZIP (`PK\\x03\\x04`) whose directory (read
  from memory, nothing extracted or decompressed) holds `[Content_Types].xml` and a `word/` member
  (DOCX) or an `xl/` member (XLSX), or `OFD.xml` at its root (OFD). A corrupt ZIP does not match
  (`attachment-type-mismatch`).
- Never markup or scripts (`attachment-markup`): the extensions html, htm, xhtml, svg, js, mjs and
  xml, and any file whose first non-blank bytes (after an optional UTF-8 BOM) are `<`. Served from
  the site's own domain, such a file would run in visitors' browsers as if it were one of our pages.
- Only regular files directly in the folder: a symbolic link, FIFO or device is refused by the
  caller's `entry_check` (`load.dataset.entry_problem`, at the entry's own path), a subfolder by
  `attachment-not-file`. Names starting with a dot (.gitkeep) are ignored, as elsewhere in data/.
- Every file must be referenced by a record (`attachment-unreferenced`), and every reference must
  name a file that is there (`attachment-missing`).

Where problems are reported: a reference to a missing or refused file at the reference's
file:line:col (each reference, so staff see it where they wrote it); a refused file that no record
references, and every unreferenced file, at the file itself (line 1, column 1). References are
looked up in the folder's listing only, never opened as paths.

Pure apart from reading the folder: `scan_attachments` lists and reads, `check_references` turns a
scan and the references into problems. Nothing here imports the rest of the loader.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.domain.model import AttachmentFile
from generator.problems import Problem, problem
from generator.schema.kinds import ATTACHMENT_NAME

MAX_BYTES = 20 * 1024 * 1024  # 20 MiB per file
MAX_LABEL = "20 MiB"


@dataclass(frozen=True)
class AttachmentType:
    kind: str  # what the content is: the key `sniff` returns for matching bytes
    label: str  # Chinese, shown beside the link
    media_type: str


_JPEG = AttachmentType("jpeg", "JPEG 图片", "image/jpeg")

TYPES: dict[str, AttachmentType] = {
    "pdf": AttachmentType("pdf", "PDF 文档", "application/pdf"),
    "docx": AttachmentType(
        "docx", "Word 文档（DOCX）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": AttachmentType(
        "xlsx", "Excel 表格（XLSX）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "ofd": AttachmentType("ofd", "OFD 版式文档", "application/ofd"),
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "png": AttachmentType("png", "PNG 图片", "image/png"),
}

MARKUP_EXTENSIONS: dict[str, str] = {
    "html": "HTML 网页",
    "htm": "HTML 网页",
    "xhtml": "HTML 网页",
    "svg": "SVG 图片",
    "js": "JavaScript 脚本",
    "mjs": "JavaScript 脚本",
    "xml": "XML 文件",
}

NAME = ATTACHMENT_NAME  # one of the extensions of TYPES (the same list: tests/test_attachments.py)
_MARKUP_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n\f\v]*<")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What an entry refused by entry_check is, for a reference to it.
_ENTRY_KINDS = {"file-symlink": "符号链接", "file-not-regular": "命名管道、套接字或设备文件"}

# What the bytes look like, for the mismatch message (the kinds `sniff` returns).
_LOOKS_LIKE: dict[str, str] = {
    "pdf": "PDF 文档",
    "docx": "Word 文档（DOCX）",
    "xlsx": "Excel 表格（XLSX）",
    "pptx": "PowerPoint 演示文稿（PPTX）",
    "ofd": "OFD 版式文档",
    "jpeg": "JPEG 图片",
    "png": "PNG 图片",
    "gif": "GIF 图片",
    "ole2": "旧版 Office 文档（DOC、XLS 等）",
    "zip": "ZIP 压缩包（不是 DOCX、XLSX 或 OFD）",
    "zip-corrupt": "损坏的 ZIP 压缩包",
    "empty": "空文件",
}


@dataclass(frozen=True)
class AttachmentRef:
    """A record's reference to an attachment, where it is written."""

    name: str  # the file name as the record writes it
    located: tuple[str, int, int]  # (display path, line, col) of the reference in its YAML file


@dataclass(frozen=True)
class AttachmentScan:
    """What scan_attachments found; check_references turns it into problems."""

    folder: str  # display path of the attachments folder
    files: dict[str, AttachmentFile]  # accepted files by name: the only ones that may be published
    # name -> why a reference to it fails, located at the file itself (line 1, col 1): reported at
    # each reference, or at the file when nothing references it
    refused: dict[str, Problem]
    # name -> display path of every file that must be referenced (accepted or refused by name,
    # size, content or reading; not links, FIFOs or folders)
    listed: dict[str, str]
    # reported whatever the references say: links, FIFOs, subfolders, the folder itself refused
    problems: list[Problem]
    available: bool = True  # False when the folder itself is refused: references are then not checked


def scan_attachments(
    folder: Path, display: Callable[[Path], str], entry_check: Callable[[Path], Problem | None]
) -> AttachmentScan:
    """Every entry directly in `folder` (data/attachments/), checked; a folder that does not exist
    holds no attachments. `entry_check` refuses links, FIFOs and devices from lstat
    (`load.dataset.entry_problem` with its data folder and display)."""
    folder_display = display(folder)
    refused_folder = entry_check(folder)
    if refused_folder is not None:
        return AttachmentScan(folder_display, {}, {}, {}, [refused_folder], available=False)
    if not folder.exists():
        return AttachmentScan(folder_display, {}, {}, {}, [])
    if not folder.is_dir():
        not_folder = problem(
            "attachment-not-file",
            folder_display,
            1,
            1,
            name=folder.name,
            kind="普通文件而不是文件夹",
            folder=folder_display,
        )
        return AttachmentScan(folder_display, {}, {}, {}, [not_folder], available=False)
    files: dict[str, AttachmentFile] = {}
    refused: dict[str, Problem] = {}
    listed: dict[str, str] = {}
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        name, where = path.name, display(path)
        entry = entry_check(path)
        if entry is not None:
            problems.append(entry)
            kind = _ENTRY_KINDS.get(entry.code, "无法读取的条目")
            refused[name] = problem("attachment-not-file", where, 1, 1, name=name, kind=kind, folder=folder_display)
            continue
        if name.startswith("."):
            continue
        if path.is_dir():
            not_file = problem("attachment-not-file", where, 1, 1, name=name, kind="文件夹", folder=folder_display)
            problems.append(not_file)
            refused[name] = not_file
            continue
        listed[name] = where
        checked = _check_file(path, where, folder_display)
        if isinstance(checked, AttachmentFile):
            files[name] = checked
        else:
            refused[name] = checked
    return AttachmentScan(folder_display, files, refused, listed, problems)


def check_references(scan: AttachmentScan, refs: Iterable[AttachmentRef]) -> list[Problem]:
    """Every problem with the attachments, sorted: the scan's own, each reference to a missing or
    refused file at the reference, and each file no reference names at the file (its refusal, if
    any, then `attachment-unreferenced`)."""
    found = list(scan.problems)
    referenced: set[str] = set()
    for ref in refs if scan.available else ():
        referenced.add(ref.name)
        path, line, col = ref.located
        if ref.name in scan.files:
            continue
        refusal = scan.refused.get(ref.name)
        if refusal is not None:
            found.append(dataclasses.replace(refusal, path=path, line=line, col=col))
        else:
            found.append(problem("attachment-missing", path, line, col, name=ref.name, folder=scan.folder))
    for name, where in scan.listed.items():
        if name in referenced:
            continue
        refusal = scan.refused.get(name)
        if refusal is not None:
            found.append(refusal)
        found.append(problem("attachment-unreferenced", where, 1, 1, name=name))
    return sorted(set(found))


def sniff(data: bytes) -> str | None:
    """What the bytes are, as a kind ("pdf", "docx", "zip-corrupt", "markup" …), None if unknown."""
    if not data:
        return "empty"
    if _MARKUP_START.match(data):
        return "markup"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(_OLE2_SIGNATURE):
        return "ole2"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> str:
    """Which ZIP-based format, from the central directory alone: no member is read or extracted."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        return "zip-corrupt"
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(member.startswith(prefix) for member in names):
                return kind
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def _check_file(path: Path, where: str, folder: str) -> AttachmentFile | Problem:
    """The accepted file, or the problem that refuses it (located at the file, line 1, col 1)."""
    name = path.name
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in MARKUP_EXTENSIONS:
        return problem("attachment-markup", where, 1, 1, name=name, kind=MARKUP_EXTENSIONS[extension])
    kind = TYPES.get(extension)
    if kind is None or not NAME.fullmatch(name):
        allowed = "、".join(f".{ext}" for ext in TYPES)
        return problem("attachment-name", where, 1, 1, name=name, allowed=allowed)
    try:
        data, size = _read_capped(path)
    except OSError as exc:
        return problem("file-unreadable", where, 1, 1, detail=f"“{name}”（{exc.strerror or type(exc).__name__}）")
    if data is None:
        return problem("attachment-not-file", where, 1, 1, name=name, kind="特殊文件", folder=folder)
    if size > MAX_BYTES:
        return problem(
            "attachment-too-large", where, 1, 1, name=name, size=size, limit=MAX_BYTES, limit_label=MAX_LABEL
        )
    actual = sniff(data)
    if actual == "markup":
        return problem("attachment-markup", where, 1, 1, name=name, kind="以 < 开头的标记文本（HTML、SVG 或 XML）")
    if actual != kind.kind:
        looks = _LOOKS_LIKE.get(actual or "", f"无法识别的内容（开头字节 {data[:8].hex(' ').upper()}）")
        return problem(
            "attachment-type-mismatch", where, 1, 1, name=name, extension=extension, expected=kind.label, actual=looks
        )
    return AttachmentFile(name, extension, kind.label, kind.media_type, size, hashlib.sha256(data).hexdigest())


def _read_capped(path: Path) -> tuple[bytes | None, int]:
    """The file's bytes and size, reading it once and never more than MAX_BYTES + 1 bytes; the size
    alone (bytes b"") when stat already says it is too large; None when it is not a regular file
    once opened (it changed since the entry check). Opened without following a link, and without
    blocking should it have become a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with open(descriptor, "rb", closefd=True) as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            return None, 0
        if status.st_size > MAX_BYTES:
            return b"", status.st_size
        data = handle.read(MAX_BYTES + 1)
    size = len(data) if len(data) <= MAX_BYTES else max(len(data), status.st_size)  # it grew since fstat
    return data, size
