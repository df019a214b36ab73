"""Attachment files (generator/load/attachments.py): real minimal files of each accepted type, and a
refusal per problem code, each at the exact place staff would look (the reference, or the file)."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from generator.domain.model import AttachmentFile
from generator.load import attachments
from generator.load.attachments import (
    MAX_BYTES,
    TYPES,
    AttachmentRef,
    AttachmentScan,
    check_references,
    scan_attachments,
)
from generator.load.dataset import DisplayPaths, entry_problem
from generator.problems import CODES, Problem, Severity
from generator.publish.templates import human_size
from generator.schema.kinds import ATTACHMENT_EXTENSIONS, ATTACHMENTS_DIR, published_path

FOLDER = "data/attachments"
NOTICE = "data/notices/2024-first.yaml"
CALL = "data/calls/2024-call.yaml"

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
OLE2_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
HTML = b"<!DOCTYPE html>\n<html><script>alert(document.cookie)</script></html>\n"


def png() -> bytes:
    """A real 1x1 PNG: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zipped(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'

DOCX = zipped(
    {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": "<Relationships/>",
        "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
    }
)
XLSX_MINIMAL = zipped({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<workbook/>"})
OFD = zipped({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<ofd:Document/>"})


def xlsx_from_openpyxl() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["集群", "区"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(name="data")
def data_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/data/attachments, with the working directory at tmp_path so paths read data/…"""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "data" / ATTACHMENTS_DIR
    folder.mkdir(parents=True)
    return tmp_path / "data"


def scan(data: Path, folder: Path | None = None) -> AttachmentScan:
    display = DisplayPaths(data)
    return scan_attachments(folder or data / ATTACHMENTS_DIR, display, lambda path: entry_problem(path, data, display))


def ref(name: str, line: int = 7, path: str = NOTICE, col: int = 5) -> AttachmentRef:
    return AttachmentRef(name, (path, line, col))


def keys(problems: list[Problem]) -> list[tuple[str, int, int, str]]:
    return [(p.path, p.line, p.col, p.code) for p in problems]


def put(data: Path, name: str, content: bytes) -> Path:
    path = data / ATTACHMENTS_DIR / name
    path.write_bytes(content)
    return path


def check(data: Path, *refs: AttachmentRef) -> list[Problem]:
    return check_references(scan(data), refs)


# Accepted files


@pytest.mark.parametrize(
    ("name", "content", "label", "media_type"),
    [
        ("list.pdf", PDF, "PDF 文档", "application/pdf"),
        ("form.docx", DOCX, "Word 文档（DOCX）", TYPES["docx"].media_type),
        ("table.xlsx", XLSX_MINIMAL, "Excel 表格（XLSX）", TYPES["xlsx"].media_type),
        ("signed.ofd", OFD, "OFD 版式文档", "application/ofd"),
        ("photo.jpg", JPEG, "JPEG 图片", "image/jpeg"),
        ("photo-2.jpeg", JPEG, "JPEG 图片", "image/jpeg"),
        ("map-2024.png", png(), "PNG 图片", "image/png"),
    ],
)
def test_each_type_is_accepted_with_its_label_size_and_hash(data, name, content, label, media_type):
    put(data, name, content)
    result = scan(data)
    extension = name.rsplit(".", 1)[1]
    sha = hashlib.sha256(content).hexdigest()
    assert result.files == {name: AttachmentFile(name, extension, label, media_type, len(content), sha)}
    assert check_references(result, [ref(name)]) == []


def test_media_types_are_the_registered_ones():
    assert {ext: kind.media_type for ext, kind in TYPES.items()} == {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ofd": "application/ofd",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
    }


def test_a_workbook_saved_by_openpyxl_is_an_xlsx(data):
    put(data, "book.xlsx", xlsx_from_openpyxl())
    assert check(data, ref("book.xlsx")) == []


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is optional here")
def test_a_workbook_converted_by_libreoffice_is_an_xlsx(data, tmp_path):
    source = tmp_path / "table.csv"
    source.write_text("集群,区\n甲,天河\n", encoding="utf-8")
    converted = tmp_path / "converted"
    command = [
        str(SOFFICE),
        f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(converted),
        str(source),
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    if not (converted / "table.xlsx").is_file():
        pytest.skip("LibreOffice could not convert here")
    shutil.copy(converted / "table.xlsx", data / ATTACHMENTS_DIR / "table.xlsx")
    result = scan(data)
    assert result.files["table.xlsx"].type_label == "Excel 表格（XLSX）"


def test_markup_later_in_a_file_is_not_markup(data):
    put(data, "with-tags.pdf", PDF + b"<html><script></script></html>")
    assert check(data, ref("with-tags.pdf")) == []


def test_a_file_of_exactly_the_limit_is_accepted(data):
    path = put(data, "exactly-20-mib.pdf", PDF)
    os.truncate(path, MAX_BYTES)
    result = scan(data)
    assert result.files["exactly-20-mib.pdf"].size == MAX_BYTES
    assert human_size(result.files["exactly-20-mib.pdf"].size) == "20.0 MB"


# Where problems are reported


def test_a_reference_to_a_missing_file_is_reported_at_the_reference(data):
    problems = check(data, ref("absent.pdf", 12, NOTICE, 9))
    assert keys(problems) == [(NOTICE, 12, 9, "attachment-missing")]
    assert problems[0].values == {"name": "absent.pdf", "folder": "data/attachments"}


def test_a_reference_is_looked_up_in_the_listing_never_on_disk(data, tmp_path):
    (tmp_path / "data" / "secret.pdf").write_bytes(PDF)
    assert keys(check(data, ref("../secret.pdf"))) == [(NOTICE, 7, 5, "attachment-missing")]


def test_an_unreferenced_valid_file_is_reported_at_the_file(data):
    put(data, "orphan.pdf", PDF)
    problems = check(data, ref("other.pdf"))
    assert keys(problems) == [
        (f"{FOLDER}/orphan.pdf", 1, 1, "attachment-unreferenced"),
        (NOTICE, 7, 5, "attachment-missing"),
    ]


def test_a_content_problem_is_reported_at_each_reference_and_not_at_the_file(data):
    put(data, "renamed.docx", PDF)
    problems = check(data, ref("renamed.docx", 7, NOTICE), ref("renamed.docx", 15, CALL, 3))
    assert keys(problems) == [
        (CALL, 15, 3, "attachment-type-mismatch"),
        (NOTICE, 7, 5, "attachment-type-mismatch"),
    ]
    assert (
        problems[0].values
        == problems[1].values
        == {
            "name": "renamed.docx",
            "extension": "docx",
            "expected": "Word 文档（DOCX）",
            "actual": "PDF 文档",
        }
    )


def test_a_content_problem_of_an_unreferenced_file_is_reported_at_the_file(data):
    put(data, "renamed.docx", PDF)
    assert keys(check(data)) == [
        (f"{FOLDER}/renamed.docx", 1, 1, "attachment-type-mismatch"),
        (f"{FOLDER}/renamed.docx", 1, 1, "attachment-unreferenced"),
    ]


def test_a_refused_file_is_not_offered_for_publication(data):
    put(data, "renamed.docx", PDF)
    put(data, "good.pdf", PDF)
    result = scan(data)
    assert set(result.files) == {"good.pdf"}
    assert set(result.refused) == {"renamed.docx"}


# Content that does not match the extension


@pytest.mark.parametrize(
    ("name", "content", "expected", "actual"),
    [
        ("renamed.docx", PDF, "Word 文档（DOCX）", "PDF 文档"),
        ("renamed.pdf", DOCX, "PDF 文档", "Word 文档（DOCX）"),
        ("sheet.docx", XLSX_MINIMAL, "Word 文档（DOCX）", "Excel 表格（XLSX）"),
        ("doc.xlsx", DOCX, "Excel 表格（XLSX）", "Word 文档（DOCX）"),
        ("old.docx", OLE2_DOC, "Word 文档（DOCX）", "旧版 Office 文档（DOC、XLS 等）"),
        ("photo.png", JPEG, "PNG 图片", "JPEG 图片"),
        ("photo.jpg", png(), "JPEG 图片", "PNG 图片"),
        ("signed.ofd", DOCX, "OFD 版式文档", "Word 文档（DOCX）"),
        ("signed-2.ofd", zipped({"Doc_0/OFD.xml": "<x/>"}), "OFD 版式文档", "ZIP 压缩包（不是 DOCX、XLSX 或 OFD）"),
        (
            "plain.docx",
            zipped({"word/document.xml": "<x/>"}),
            "Word 文档（DOCX）",
            "ZIP 压缩包（不是 DOCX、XLSX 或 OFD）",
        ),
        (
            "no-word.docx",
            zipped({"[Content_Types].xml": CONTENT_TYPES}),
            "Word 文档（DOCX）",
            "ZIP 压缩包（不是 DOCX、XLSX 或 OFD）",
        ),
        ("corrupt.docx", b"PK\x03\x04" + b"\x00" * 100, "Word 文档（DOCX）", "损坏的 ZIP 压缩包"),
        ("cut.xlsx", XLSX_MINIMAL[: len(XLSX_MINIMAL) // 2], "Excel 表格（XLSX）", "损坏的 ZIP 压缩包"),
        ("empty.pdf", b"", "PDF 文档", "空文件"),
        ("gif.png", b"GIF89a\x01\x00\x01\x00", "PNG 图片", "GIF 图片"),
        ("text.pdf", b"just text", "PDF 文档", "无法识别的内容（开头字节 6A 75 73 74 20 74 65 78）"),
        ("late-header.pdf", b"\n%PDF-1.4\n", "PDF 文档", "无法识别的内容（开头字节 0A 25 50 44 46 2D 31 2E）"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(data, name, content, expected, actual):
    put(data, name, content)
    problems = check(data, ref(name))
    assert keys(problems) == [(NOTICE, 7, 5, "attachment-type-mismatch")]
    values = problems[0].values
    assert (values["name"], values["expected"], values["actual"]) == (name, expected, actual), values


# Markup and scripts

MARKUP_TEXT = "以 < 开头的标记文本（HTML、SVG 或 XML）"  # a file's content starts with markup, whatever its extension


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("page.pdf", HTML, MARKUP_TEXT),
        ("page.docx", b"\xef\xbb\xbf \r\n\t<html></html>", MARKUP_TEXT),
        ("image.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', MARKUP_TEXT),
        ("data.xlsx", b'<?xml version="1.0"?><root/>', MARKUP_TEXT),
        ("map.svg", b"<svg/>", "SVG 图片"),
        ("disguised.svg", PDF, "SVG 图片"),
        ("page.html", HTML, "HTML 网页"),
        ("page.htm", HTML, "HTML 网页"),
        ("page.xhtml", HTML, "HTML 网页"),
        ("app.js", b"alert(1)", "JavaScript 脚本"),
        ("app.mjs", b"export {}", "JavaScript 脚本"),
        ("feed.xml", b"<feed/>", "XML 文件"),
        ("Page.HTML", HTML, "HTML 网页"),
    ],
)
def test_markup_and_scripts_are_refused_whatever_the_extension(data, name, content, kind):
    put(data, name, content)
    problems = check(data, ref(name))
    assert keys(problems) == [(NOTICE, 7, 5, "attachment-markup")]
    assert problems[0].values == {"name": name, "kind": kind}


# Size


def test_a_file_over_20_mib_is_refused_without_being_read(data):
    path = put(data, "huge.pdf", PDF)
    os.truncate(path, MAX_BYTES + 1)
    problems = check(data, ref("huge.pdf"))
    assert keys(problems) == [(NOTICE, 7, 5, "attachment-too-large")]
    assert problems[0].values == {
        "name": "huge.pdf",
        "size": MAX_BYTES + 1,
        "limit": MAX_BYTES,
        "limit_label": "20 MiB",
    }
    assert MAX_BYTES == 20 * 1024 * 1024


class RecordedReads:
    """What the module reads through `open`: the size asked of each read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.sizes: list[int] = []
        recorder = self

        class Handle:
            def __init__(self, *args, **kwargs):
                self.handle = builtins.open(*args, **kwargs)  # noqa: SIM115 - closed by __exit__, under the module's `with`

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

            def fileno(self):
                return self.handle.fileno()

            def read(self, size=-1):
                recorder.sizes.append(size)
                return self.handle.read(size)

        monkeypatch.setattr(attachments, "open", Handle, raising=False)


def test_each_file_is_read_once_and_never_beyond_the_limit(data, monkeypatch):
    put(data, "small.pdf", PDF)
    huge = put(data, "huge.pdf", PDF)
    os.truncate(huge, MAX_BYTES + 1)
    reads = RecordedReads(monkeypatch)
    result = scan(data)
    assert set(result.files) == {"small.pdf"} and set(result.refused) == {"huge.pdf"}
    assert reads.sizes == [MAX_BYTES + 1]  # small.pdf, once; huge.pdf not at all (stat said too large)


def test_a_far_larger_sparse_file_is_refused_as_fast(data):
    path = put(data, "enormous.pdf", PDF)
    os.truncate(path, 64 * MAX_BYTES)
    assert keys(check(data)) == [
        (f"{FOLDER}/enormous.pdf", 1, 1, "attachment-too-large"),
        (f"{FOLDER}/enormous.pdf", 1, 1, "attachment-unreferenced"),
    ]


# Names


@pytest.mark.parametrize(
    "name",
    [
        "Report.pdf",
        "report.PDF",
        "附件1.pdf",
        "two--hyphens.pdf",
        "-lead.pdf",
        "under_score.pdf",
        "a.pdf.exe",
        "archive.zip",
        "old.doc",
        "photo.gif",
        "noextension",
        "space name.pdf",
    ],
)
def test_names_outside_the_pattern_are_refused(data, name):
    put(data, name, PDF)
    problems = check(data, ref(name))
    assert keys(problems) == [(NOTICE, 7, 5, "attachment-name")]
    assert problems[0].values == {"name": name, "allowed": ".pdf、.docx、.xlsx、.ofd、.jpg、.jpeg、.png"}


def test_an_unreferenced_badly_named_file_is_reported_at_the_file(data):
    put(data, "Report.pdf", PDF)
    assert keys(check(data)) == [
        (f"{FOLDER}/Report.pdf", 1, 1, "attachment-name"),
        (f"{FOLDER}/Report.pdf", 1, 1, "attachment-unreferenced"),
    ]


def test_a_dot_file_is_ignored(data):
    put(data, ".gitkeep", b"")
    result = scan(data)
    assert result.files == {} and check_references(result, []) == []


# Entries that are not regular files


def test_a_symlink_is_refused_at_itself_and_at_a_reference_to_it(data, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(PDF)
    (data / ATTACHMENTS_DIR / "linked.pdf").symlink_to(outside)
    problems = check(data, ref("linked.pdf"))
    assert keys(problems) == [
        (f"{FOLDER}/linked.pdf", 1, 1, "file-symlink"),
        (NOTICE, 7, 5, "attachment-not-file"),
    ]
    assert problems[1].values == {"name": "linked.pdf", "kind": "符号链接", "folder": FOLDER}


def test_an_unreferenced_symlink_is_reported_once(data, tmp_path):
    (data / ATTACHMENTS_DIR / "linked.pdf").symlink_to(tmp_path / "nowhere.pdf")
    assert keys(check(data)) == [(f"{FOLDER}/linked.pdf", 1, 1, "file-symlink")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(data):
    os.mkfifo(data / ATTACHMENTS_DIR / "pipe.pdf")
    problems = check(data, ref("pipe.pdf"))
    assert keys(problems) == [
        (f"{FOLDER}/pipe.pdf", 1, 1, "file-not-regular"),
        (NOTICE, 7, 5, "attachment-not-file"),
    ]


def test_a_subfolder_is_refused_and_not_read(data):
    sub = data / ATTACHMENTS_DIR / "more"
    sub.mkdir()
    (sub / "inner.pdf").write_bytes(PDF)
    problems = check(data, ref("more/inner.pdf"))
    assert keys(problems) == [
        (f"{FOLDER}/more", 1, 1, "attachment-not-file"),
        (NOTICE, 7, 5, "attachment-missing"),
    ]
    assert problems[0].values == {"name": "more", "kind": "文件夹", "folder": FOLDER}


def test_a_reference_to_a_subfolder_is_refused_at_the_reference(data):
    (data / ATTACHMENTS_DIR / "folder.pdf").mkdir()
    assert keys(check(data, ref("folder.pdf"))) == [
        (f"{FOLDER}/folder.pdf", 1, 1, "attachment-not-file"),
        (NOTICE, 7, 5, "attachment-not-file"),
    ]


def test_an_unreadable_file_is_reported_where_it_is_referenced(data, monkeypatch):
    locked = put(data, "locked.pdf", PDF)
    put(data, "locked-too.pdf", PDF)
    real_open = os.open

    def refusing_open(path, *args, **kwargs):
        if Path(path).name.startswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    problems = check(data, ref("locked.pdf"))
    assert keys(problems) == [
        (f"{FOLDER}/locked-too.pdf", 1, 1, "attachment-unreferenced"),
        (f"{FOLDER}/locked-too.pdf", 1, 1, "file-unreadable"),
        (NOTICE, 7, 5, "file-unreadable"),
    ]
    assert problems[2].values == {"detail": f"“{locked.name}”（Permission denied）"}


# The folder itself


def test_no_folder_means_no_attachments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    result = scan(data)
    assert result.files == {} and check_references(result, []) == []
    assert keys(check_references(result, [ref("a.pdf")])) == [(NOTICE, 7, 5, "attachment-missing")]


def test_a_linked_folder_is_refused_and_its_references_not_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.pdf").write_bytes(PDF)
    (data / ATTACHMENTS_DIR).symlink_to(elsewhere)
    result = scan(data)
    assert result.files == {}
    assert keys(check_references(result, [ref("a.pdf")])) == [(FOLDER, 1, 1, "file-symlink")]


def test_a_file_where_the_folder_belongs_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / ATTACHMENTS_DIR).write_bytes(PDF)
    assert keys(check_references(scan(data), [ref("a.pdf")])) == [(FOLDER, 1, 1, "attachment-not-file")]


# The helpers and the registry


@pytest.mark.parametrize(
    ("size", "label"),
    [
        (0, "0 字节"),
        (812, "812 字节"),
        (1023, "1023 字节"),
        (1024, "1.0 KB"),
        (356 * 1024 + 100, "356.1 KB"),
        (1024 * 1024 - 1, "1024.0 KB"),
        (1024 * 1024, "1.0 MB"),
        (int(1.2 * 1024 * 1024), "1.2 MB"),
        (MAX_BYTES, "20.0 MB"),
    ],
)
def test_size_label(size, label):
    assert human_size(size) == label


def test_published_path_is_stable_and_refuses_other_names():
    assert published_path("2024-list.pdf") == "attachments/2024-list.pdf"
    for bad in ("../x.pdf", "a/b.pdf", "X.pdf", "x.html", ""):
        with pytest.raises(ValueError):
            published_path(bad)


ATTACHMENT_CODES = {
    "attachment-missing",
    "attachment-type-mismatch",
    "attachment-markup",
    "attachment-too-large",
    "attachment-name",
    "attachment-unreferenced",
    "attachment-not-file",
}


def test_the_codes_are_registered_as_errors_in_their_group():
    registered = {code for code, kind in CODES.items() if kind.group == "附件"}
    assert registered == ATTACHMENT_CODES
    assert all(CODES[code].severity is Severity.ERROR for code in ATTACHMENT_CODES)


def test_every_message_is_fully_formatted_chinese(data, tmp_path):
    put(data, "renamed.docx", PDF)
    put(data, "page.pdf", HTML)
    put(data, "Bad.pdf", PDF)
    put(data, "orphan.png", png())
    huge = put(data, "huge.pdf", PDF)
    os.truncate(huge, MAX_BYTES + 1)
    (data / ATTACHMENTS_DIR / "sub").mkdir()
    (data / ATTACHMENTS_DIR / "linked.pdf").symlink_to(tmp_path / "nowhere")
    problems = check(data, ref("absent.pdf"), ref("linked.pdf"))
    assert {p.code for p in problems} >= ATTACHMENT_CODES
    for found in problems:
        assert re.search(r"[\u4e00-\u9fff]", found.message) and not re.search(r"[{}]", found.message), found


def test_the_attachment_name_pattern_names_the_checked_types():
    """generator.schema.kinds spells the extensions an attachment name may have; TYPES checks their content."""
    assert tuple(TYPES) == ATTACHMENT_EXTENSIONS
