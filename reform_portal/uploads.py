"""Checks on uploaded evidence: by content as well as by name, and by size.

A file is accepted only when its extension is allowed AND its bytes are what the extension says
(a renamed .exe is refused). Office files are ZIP (docx/xlsx) or OLE2 (doc/xls) containers; the
check looks inside for the part that makes it Word or Excel (an .msi installer is OLE2 too).

Beyond the type, a file must be harmless to keep and to hand out again (docs/security/files.md):
- a ZIP container (docx/xlsx) is measured by its central directory before anything is unpacked (members, total
  unpacked size, compression ratio), then each member is streamed once with a byte cap (so a header that lies about
  a size cannot make it bigger): no executables or scripts by name or by content, no macros, nested archives only
  to `ARCHIVE_MAX_DEPTH`;
- an OLE2 file (doc/xls) carries no macros;
- a PDF, PNG or JPEG is nothing else at the same time (no polyglot): no ZIP inside, no HTML where a browser would
  look for it, nothing after the image's end.
"""

import hashlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF, JPEG, PNG, DOCX, XLSX, DOC, XLS = "pdf", "jpeg", "png", "docx", "xlsx", "doc", "xls"
ALLOWED = {
    "pdf": PDF,
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "docx": DOCX,
    "xlsx": XLSX,
    "doc": DOC,
    "xls": XLS,
}
CONTENT_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    DOC: "application/msword",
    XLS: "application/vnd.ms-excel",
}

# Members no document needs: programs and scripts (by name), macros.
EXECUTABLE_EXTENSIONS = {"exe", "dll", "com", "bat", "cmd", "scr", "msi", "js", "vbs", "ps1", "jar", "sh"}
MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$", re.IGNORECASE)
# Programs by content: Windows PE (MZ), ELF, Mach-O, a script's #!.
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"#!")
ARCHIVE_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The ratio is judged only on members (and totals) bigger than this: a 2 KB part compressing 150× is ordinary XML.
RATIO_FLOOR_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
# What makes a browser treat bytes as a page, looked for where it would look (case-insensitive).
HTML_MARKERS = (b"<html", b"<script", b"<!doctype html", b"<iframe", b"<svg")
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_ZIP_METHODS = {0, 8, 9, 12, 14, 93, 95, 98}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    sha256: str
    content_type: str


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def _sniff(head: bytes, upload) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(upload)
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            measure_archive(upload)  # before the central directory is read in full
            names = set(zipfile.ZipFile(upload).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def _sniff_ole(upload) -> str | None:
    """Word 97–2003 keeps a WordDocument stream, Excel a Workbook (or, before Excel 97, Book) stream."""
    upload.seek(0)
    try:
        with olefile.OleFileIO(upload) as ole:
            if ole.exists("WordDocument"):
                kind = DOC
            elif ole.exists("Workbook") or ole.exists("Book"):
                kind = XLS
            else:
                return None
            # Word keeps macros in a Macros storage, Excel in _VBA_PROJECT_CUR.
            if ole.exists("Macros") or ole.exists("_VBA_PROJECT_CUR"):
                _refuse(_("文件中含有宏（VBA 代码），已拒绝。请另存为不含宏的文档后再上传。"), "macro")
            return kind
    except OSError:
        return None


# ---- ZIP containers -------------------------------------------------------------------------------------------


def _end_of_central_directory(upload) -> tuple[int, int] | None:
    """(member count, central directory size) from the end record, read from the last 64 KB only."""
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(max(0, size - 65536 - 22))
    tail = upload.read()
    at = tail.rfind(_ZIP_END)
    if at < 0 or len(tail) - at < 22:
        return None
    _sig, _disk, _cd_disk, _here, total, cd_size, _cd_offset, _comment = struct.unpack("<4s4H2LH", tail[at : at + 22])
    return total, cd_size


def measure_archive(upload) -> None:
    """Refuse an archive whose directory alone is too big to read (before zipfile builds an object per member)."""
    found = _end_of_central_directory(upload)
    if found is None:
        return  # zipfile will say it is not an archive
    members, cd_size = found
    if members >= 0xFFFF or members > settings.ARCHIVE_MAX_MEMBERS or cd_size > settings.ARCHIVE_MAX_MEMBERS * 1024:
        _refuse(
            _("压缩包内文件过多（超过 %(n)d 个），已拒绝。") % {"n": settings.ARCHIVE_MAX_MEMBERS},
            "archive_members",
        )


def check_zip_sizes(infos, *, max_total: int, max_member: int, max_ratio: float) -> int:
    """From the central directory alone (nothing unpacked): the declared sizes and compression ratios. Returns the
    declared unpacked total."""
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > max_total:
        _refuse(
            _("文件解压后过大（%(size)s），解压后不能超过 %(max)s，已拒绝。")
            % {"size": filesizeformat(total), "max": filesizeformat(max_total)},
            "unpacked_size",
        )
    for info in infos:
        if info.file_size > max_member:
            _refuse(
                _("文件中的“%(name)s”解压后过大（%(size)s），单个部分不能超过 %(max)s，已拒绝。")
                % {"name": info.filename, "size": filesizeformat(info.file_size), "max": filesizeformat(max_member)},
                "unpacked_size",
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            _refuse_ratio(max_ratio)
    if total > RATIO_FLOOR_BYTES and total > max_ratio * max(packed, 1):
        _refuse_ratio(max_ratio)
    return total


def _refuse_ratio(max_ratio):
    _refuse(
        _("文件压缩比异常（超过 %(ratio)d 倍），可能是“压缩炸弹”，已拒绝。") % {"ratio": max_ratio},
        "compression_ratio",
    )


def read_member_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, cap: int):
    """Yield a member's bytes in chunks, never more than min(declared size, cap): a header that understates a size
    is refused instead of believed."""
    limit = min(info.file_size, cap)
    seen = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            seen += len(chunk)
            if seen > limit:
                _refuse(_("文件中的“%(name)s”大小与声明不符，已拒绝。") % {"name": info.filename}, "archive_damaged")
            yield chunk


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _check_members(archive: zipfile.ZipFile, *, depth: int, budget: list[int]) -> None:
    """Every member: its name, its first bytes, nested archives within the depth; all unpacked bytes counted
    against one budget shared with nested archives."""
    for info in archive.infolist():
        name = info.filename
        if _extension(name) in EXECUTABLE_EXTENSIONS:
            _refuse(
                _("文件中夹带了可执行程序或脚本（%(name)s），已拒绝。") % {"name": name.rsplit("/", 1)[-1]},
                "executable",
            )
        if MACRO_PARTS.search(name):
            _refuse(_("文件中含有宏（VBA 代码），已拒绝。请另存为不含宏的文档后再上传。"), "macro")
        if info.is_dir():
            continue
        head = b""
        nested = None
        try:
            for chunk in read_member_capped(archive, info, cap=budget[0]):
                budget[0] -= len(chunk)
                if len(head) < 8:
                    head += chunk[:8]
                    if head.startswith(EXECUTABLE_MAGIC):
                        _refuse(
                            _("文件中夹带了可执行程序（%(name)s），已拒绝。") % {"name": name.rsplit("/", 1)[-1]},
                            "executable",
                        )
                    if head.startswith(ARCHIVE_MAGIC):
                        if depth >= settings.ARCHIVE_MAX_DEPTH:
                            _refuse(
                                _("文件中嵌套的压缩包层数过多（最多 %(n)d 层），已拒绝。")
                                % {"n": settings.ARCHIVE_MAX_DEPTH},
                                "nested_archive",
                            )
                        nested = io.BytesIO()
                if nested is not None:
                    nested.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            _refuse(_("文件已损坏，无法读取其中的“%(name)s”。") % {"name": name}, "archive_damaged")
        if nested is not None:
            _check_archive(nested, depth=depth + 1, budget=budget)


def _check_archive(upload, *, depth: int, budget: list[int]) -> None:
    upload.seek(0)
    measure_archive(upload)
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        _refuse(_("文件已损坏，无法读取。"), "archive_damaged")
    with archive:
        infos = archive.infolist()
        check_zip_sizes(infos, max_total=budget[0], max_member=budget[0], max_ratio=settings.ARCHIVE_MAX_RATIO)
        _check_members(archive, depth=depth, budget=budget)


def check_office_archive(upload) -> None:
    """A docx/xlsx: sizes from the directory first, then every member streamed once, within
    `ARCHIVE_MAX_UNPACKED_BYTES` in all (nested archives included)."""
    _check_archive(upload, depth=1, budget=[settings.ARCHIVE_MAX_UNPACKED_BYTES])


# ---- PDF and images: one thing only ---------------------------------------------------------------------------


def _plausible_zip_at(data: bytes, at: int) -> bool:
    """A ZIP record a reader would accept starts here (random bytes in a compressed stream rarely pass)."""
    if data.startswith(_ZIP_END, at):
        record = data[at : at + 22]
        if len(record) < 22:
            return True  # a truncated end record at the very end: refuse rather than guess
        _sig, disk, cd_disk, here, total, cd_size, cd_offset, _comment = struct.unpack("<4s4H2LH", record)
        return here <= total and cd_size <= at and (disk == cd_disk or disk == 0xFFFF)
    header = data[at : at + 30]
    if len(header) < 30:
        return False
    _sig, version, _flags, method, _t, _d, _crc, _cs, _us, name_len, _extra = struct.unpack("<4s5H3L2H", header)
    return version <= 63 and method in _ZIP_METHODS and 0 < name_len <= 1024


def _contains_zip(data: bytes) -> bool:
    for signature in (_ZIP_END, _ZIP_LOCAL):
        at = data.find(signature)
        while at >= 0:
            if _plausible_zip_at(data, at):
                return True
            at = data.find(signature, at + 1)
    return False


def _has_html(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in HTML_MARKERS)


def _refuse_polyglot(kind_label: str, code: str):
    _refuse(
        _(
            "该%(kind)s文件中混有其他格式的内容（如压缩包或网页代码），可能被用来传播恶意内容，已拒绝。请重新导出后上传。"
        )
        % {"kind": kind_label},
        code,
    )


def _png_end(data: bytes) -> int | None:
    """Offset just after IEND when the file is a well-formed chunk sequence (CRCs included), else None."""
    at = 8
    first = True
    while at + 12 <= len(data):
        (length,) = struct.unpack(">L", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data) or not kind.isalpha() or (first and kind != b"IHDR"):
            return None
        (crc,) = struct.unpack(">L", data[end - 4 : end])
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            return None
        if kind == b"IEND":
            return end
        first = False
        at = end
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the EOI (FFD9) that ends the image: header segments skipped by their lengths, then the
    entropy-coded data scanned (FF00 is a stuffed byte, FFD0–FFD7 restart markers)."""
    at = 2
    while at + 2 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:
            return at + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        if at + 4 > len(data):
            return None
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker that is not FF00 / RSTn
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= len(data):
                    return None
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    at += 1 if following == 0xFF else 2
                    continue
                break
    return None


def check_single_format(kind: str, data: bytes | bytearray) -> None:
    """A PDF, PNG or JPEG that is only that: the polyglot checks of the module docstring."""
    if kind == PDF:
        if not data.startswith(b"%PDF-"):
            _refuse_polyglot("PDF", "polyglot")
        if _contains_zip(data):
            _refuse_polyglot("PDF", "polyglot_zip")
        if _has_html(data[:1024]) or _has_html(data[-1024:]):
            _refuse_polyglot("PDF", "polyglot_html")
        return
    if kind == PNG:
        end = _png_end(data)
        if end is None:
            _refuse(_("PNG 图片已损坏或格式不正确，已拒绝。"), "image_damaged")
        trailing = data[end:]
    elif kind == JPEG:
        end = _jpeg_end(data)
        if end is None:
            _refuse(_("JPEG 图片已损坏或格式不正确，已拒绝。"), "image_damaged")
        trailing = data[end:]
    else:
        return
    label = _("图片")
    if kind == PNG and trailing.strip():
        _refuse_polyglot(label, "trailing_data")
    if _has_html(trailing):
        _refuse_polyglot(label, "polyglot_html")
    if _contains_zip(data):
        _refuse_polyglot(label, "polyglot_zip")


# ---- the check every upload goes through ----------------------------------------------------------------------


def check_upload(upload, *, max_bytes: int | None = None) -> CheckedUpload:
    """Validate an UploadedFile; raise ValidationError with a message a user can act on."""
    max_bytes = max_bytes or settings.EVIDENCE_MAX_BYTES
    name = upload.name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”：只接受 PDF、JPG、PNG、Word（doc/docx）和 Excel（xls/xlsx）文件。")
            % {"ext": extension or _("无扩展名")},
            code="extension",
        )
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件过大（%(size)s），单个文件不能超过 %(max)s。")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="size",
        )
    if upload.size == 0:
        raise ValidationError(_("文件是空的。"), code="empty")
    upload.seek(0)
    head = upload.read(16)
    kind = _sniff(head, upload)
    if kind != ALLOWED[extension]:
        raise ValidationError(
            _("文件内容与扩展名“%(ext)s”不符，可能是改名的其他文件，已拒绝。") % {"ext": extension}, code="content"
        )
    if kind in (DOCX, XLSX):
        check_office_archive(upload)
    upload.seek(0)
    digest = hashlib.sha256()
    whole = bytearray() if kind in (PDF, PNG, JPEG) else None  # at most max_bytes: the size was checked above
    for chunk in upload.chunks():
        digest.update(chunk)
        if whole is not None:
            whole += chunk
    if whole is not None:
        check_single_format(kind, whole)
    upload.seek(0)
    return CheckedUpload(name=name, size=upload.size, sha256=digest.hexdigest(), content_type=CONTENT_TYPES[kind])
