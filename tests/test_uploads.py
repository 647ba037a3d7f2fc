import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from reform_portal.uploads import check_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">L", len(data)) + kind + data + struct.pack(">L", zlib.crc32(kind + data))


# A real 1×1 PNG (a well-formed chunk sequence ending in IEND): a signature alone is refused as damaged.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">LLBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + _png_chunk(b"IEND", b"")
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("报告.pdf", PDF, "application/pdf"),
        ("照片.PNG", PNG, "image/png"),
        ("总结.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_allowed_files_pass_with_checksum(name, content, content_type):
    import hashlib

    checked = check_upload(SimpleUploadedFile(name, content))
    assert checked.content_type == content_type
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_renamed_executable_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("证明材料.pdf", EXE))
    assert exc.value.code == "content" and "不符" in exc.value.messages[0]


def test_docx_named_as_xlsx_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("台账.xlsx", docx_bytes()))
    assert exc.value.code == "content"


def test_unknown_extension_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("setup.exe", EXE))
    assert exc.value.code == "extension" and "exe" in exc.value.messages[0]


def test_oversized_file_is_refused_with_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2048))
    assert exc.value.code == "size" and "1.0 KB" in exc.value.messages[0].replace("\xa0", " ")


def xls_bytes():
    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("台账").write(0, 0, "班组")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_legacy_excel_file_passes_as_xls():
    checked = check_upload(SimpleUploadedFile("台账.xls", xls_bytes()))
    assert checked.content_type == "application/vnd.ms-excel"


def test_an_ole2_file_that_is_not_word_is_refused_as_doc():
    # given an OLE2 container without a WordDocument stream (an .xls here; an .msi installer is the same case)
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("总结.doc", xls_bytes()))
    assert exc.value.code == "content"


def test_a_truncated_ole2_header_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("总结.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40))
    assert exc.value.code == "content"
