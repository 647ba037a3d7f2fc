"""Checks on uploaded evidence: by content as well as by name, and by size.

A file is accepted only when its extension is allowed AND its bytes are what the extension says
(a renamed .exe is refused). Office files are ZIP (docx/xlsx) or OLE2 (doc/xls) containers; the
check looks inside for the part that makes it Word or Excel (an .msi installer is OLE2 too).
"""

import hashlib
import zipfile
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


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    sha256: str
    content_type: str


def _sniff(head: bytes, upload) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(upload)
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
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
                return DOC
            if ole.exists("Workbook") or ole.exists("Book"):
                return XLS
    except OSError:
        return None
    return None


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
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name=name, size=upload.size, sha256=digest.hexdigest(), content_type=CONTENT_TYPES[kind])
