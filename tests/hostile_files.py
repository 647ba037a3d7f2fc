"""Builders of hostile files, made in the test (never committed binaries): ZIP containers written by hand so that a
member can unpack to hundreds of megabytes while the file stays small, declare sizes that lie, or hold anything."""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from openpyxl import Workbook
from PIL import Image

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Repeated:
    """A member made of `prefix`, `chunk` × `count`, `suffix`: compressed once, the chunk's deflate block repeated
    (blocks after a full flush refer to nothing before them), so 1 GB costs a second, not a minute."""

    prefix: bytes
    chunk: bytes
    count: int
    suffix: bytes = b""


def _deflate(content) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, unpacked size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    if isinstance(content, bytes):
        return compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content)
    head = compressor.compress(content.prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(content.chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(content.suffix) + compressor.flush()
    crc = zlib.crc32(content.prefix)
    for _ in range(content.count):
        crc = zlib.crc32(content.chunk, crc)
    crc = zlib.crc32(content.suffix, crc)
    size = len(content.prefix) + len(content.chunk) * content.count + len(content.suffix)
    return head + block * content.count + tail, crc, size


def zip_bytes(members: dict, *, declared_sizes: dict | None = None) -> bytes:
    """A ZIP of deflated members (bytes or Repeated); `declared_sizes` makes the headers lie about a member."""
    out = io.BytesIO()
    central = []
    for name, content in members.items():
        data, crc, size = _deflate(content)
        size = (declared_sizes or {}).get(name, size)
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def members_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def minimal_xlsx_members(header=("企业名称",)) -> dict:
    wb = Workbook()
    wb.active.append(list(header))
    buffer = io.BytesIO()
    wb.save(buffer)
    return members_of(buffer.getvalue())


def xlsx_with_sheet(sheet_xml: bytes | Repeated, **extra) -> bytes:
    """A real workbook (openpyxl's parts) whose first sheet is replaced by `sheet_xml`."""
    members = minimal_xlsx_members()
    members["xl/worksheets/sheet1.xml"] = sheet_xml
    members.update(extra)
    return zip_bytes(members)


def sheet(rows_xml: str, dimension: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


def docx_members(**extra) -> dict:
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>',
    }
    members.update(extra)
    return members


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 30, 200)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.html", "<html><script>alert(1)</script></html>")
    return buffer.getvalue()
