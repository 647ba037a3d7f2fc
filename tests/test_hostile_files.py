"""Hostile workbooks and evidence, generated here: refused within a bounded time and memory, with a message the user
can act on; real files still pass (reform_portal/workbooks.py, reform_portal/uploads.py)."""

import io
import time
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from measures.models import Evidence
from reform_portal.uploads import check_upload
from reform_portal.workbooks import sheet_rows
from tests.enterprises.test_enterprise_import import row, workbook_file
from tests.factories import make_credit_code
from tests.hostile_files import (
    MAIN_NS,
    Repeated,
    docx_members,
    jpeg_bytes,
    minimal_xlsx_members,
    pdf_bytes,
    png_bytes,
    sheet,
    small_zip,
    xlsx_with_sheet,
    zip_bytes,
)
from tests.jobs.helpers import post_import

MB = 1024 * 1024
SECONDS = 5  # generous: each refusal below takes well under a second


def refused(upload_bytes, name="x.xlsx", *, check=sheet_rows) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        check(SimpleUploadedFile(name, upload_bytes))
    return exc.value


def code_of(error: ValidationError) -> str:
    return error.error_list[0].code


# ---- workbooks ------------------------------------------------------------------------------------------------


def test_a_sheet_declaring_the_whole_grid_with_one_row_at_the_bottom_is_refused_at_once():
    bomb = xlsx_with_sheet(
        sheet('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>', "A1:XFD1048576")
    )
    assert len(bomb) < 8 * 1024  # the attack is a small file

    started = time.monotonic()
    error = refused(bomb)

    assert time.monotonic() - started < SECONDS
    assert code_of(error) == "workbook_dimension" and "A1:XFD1048576" in error.messages[0]


@pytest.mark.parametrize("far_row", [100_000, 1_000_000])
def test_a_row_far_below_a_small_declared_range_is_refused_without_padding(far_row):
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c></row>'
    rows += f'<row r="{far_row}"><c r="A{far_row}" t="inlineStr"><is><t>x</t></is></c></row>'
    started = time.monotonic()
    error = refused(xlsx_with_sheet(sheet(rows, "A1:B3")))
    assert time.monotonic() - started < SECONDS
    assert code_of(error) == "workbook_rows" and str(far_row) in error.messages[0]


def test_more_real_rows_than_the_limit_are_refused(settings):
    settings.WORKBOOK_MAX_ROWS = 50
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 61))
    assert code_of(refused(xlsx_with_sheet(sheet(rows, "A1:A60")))) == "workbook_dimension"
    # the same rows with a dimension that lies: counted as they come
    assert code_of(refused(xlsx_with_sheet(sheet(rows, "A1:A3")))) == "workbook_rows"


def test_a_cell_beyond_the_column_limit_is_refused():
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="CW1"><v>2</v></c></row>'  # CW = column 101
    assert code_of(refused(xlsx_with_sheet(sheet(rows, "A1:A1")))) == "workbook_columns"


def test_a_300_mb_string_in_a_small_workbook_is_refused_in_bounded_time_and_memory():
    shared = Repeated(
        prefix=f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>'.encode(),
        chunk=b"A" * MB,
        count=300,
        suffix=b"</t></si></sst>",
    )
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    bomb = xlsx_with_sheet(sheet(rows, "A1"), **{"xl/sharedStrings.xml": shared})
    assert len(bomb) < 1 * MB  # ~300 KB carrying 300 MB

    tracemalloc.start()
    started = time.monotonic()
    try:
        for check in (sheet_rows, check_upload):  # the import reads through both
            with pytest.raises(ValidationError) as exc:
                check(SimpleUploadedFile("名录.xlsx", bomb))
            assert code_of(exc.value) in ("unpacked_size", "compression_ratio")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < SECONDS
    assert peak < 50 * MB


@pytest.mark.parametrize("where", ["inline", "shared"])
def test_a_cell_longer_than_excel_allows_is_refused(where, settings):
    settings.WORKBOOK_MAX_CELL_CHARS = 1000
    text = "长" * 1001
    if where == "inline":
        bomb = xlsx_with_sheet(sheet(f'<row r="2"><c r="C2" t="inlineStr"><is><t>{text}</t></is></c></row>', "A1:C2"))
    else:
        shared = f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}"><si><t>{text}</t></si></sst>'.encode()
        bomb = xlsx_with_sheet(
            sheet('<row r="2"><c r="C2" t="s"><v>0</v></c></row>', "A1:C2"), **{"xl/sharedStrings.xml": shared}
        )
    error = refused(bomb)
    assert code_of(error) == "workbook_cell_size" and "1000" in error.messages[0]
    if where == "inline":
        assert "第 2 行 C 列" in error.messages[0]


def test_an_entity_declaration_is_refused():
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is>'
        "</c></row></sheetData></worksheet>".encode()
    )
    assert code_of(refused(xlsx_with_sheet(lol))) == "unreadable"


def test_a_real_workbook_is_read_row_by_row_with_gaps_kept():
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c><c r="B1"><v>7</v></c></row>'
        '<row r="4"><c r="B4" t="inlineStr"><is><t>第四行</t></is></c></row>'
    )
    values = sheet_rows(SimpleUploadedFile("x.xlsx", xlsx_with_sheet(sheet(rows, "A1:B4"))))
    assert values == [("企业名称", 7), (), (), (None, "第四行")]


# ---- evidence: archives ---------------------------------------------------------------------------------------


def test_a_docx_unpacking_to_1_gb_is_refused_without_unpacking_it():
    zeros = Repeated(prefix=b'<?xml version="1.0"?><w:document>', chunk=bytes(MB), count=1024, suffix=b"</w:document>")
    bomb = zip_bytes(docx_members(**{"word/document.xml": zeros}))
    assert len(bomb) < 2 * MB

    started = time.monotonic()
    error = refused(bomb, "总结.docx", check=check_upload)

    assert time.monotonic() - started < SECONDS
    assert code_of(error) == "unpacked_size" and "1.0 GB" in error.messages[0].replace("\xa0", " ")


def test_members_each_within_the_limit_are_refused_by_their_sum(settings):
    settings.ARCHIVE_MAX_UNPACKED_BYTES = 10 * MB
    settings.ARCHIVE_MAX_RATIO = 10**6  # this test is about the sum alone
    parts = {f"word/media/part{n}.xml": Repeated(b"", bytes(MB), 3) for n in range(4)}  # 4 × 3 MB
    error = refused(zip_bytes(docx_members(**parts)), "总结.docx", check=check_upload)
    assert code_of(error) == "unpacked_size" and "12.0 MB" in error.messages[0].replace("\xa0", " ")


def test_a_highly_compressed_member_is_refused_by_its_ratio():
    bomb = zip_bytes(docx_members(**{"word/media/blank.xml": bytes(20 * MB)}))
    assert code_of(refused(bomb, "总结.docx", check=check_upload)) == "compression_ratio"


def test_a_header_understating_a_size_is_not_believed():
    members = docx_members(**{"word/media/big.bin": bytes(8 * MB)})
    lying = zip_bytes(members, declared_sizes={"word/media/big.bin": 100})
    started = time.monotonic()
    assert code_of(refused(lying, "总结.docx", check=check_upload)) == "archive_damaged"
    assert time.monotonic() - started < SECONDS


@pytest.mark.parametrize(
    ("member", "content", "code"),
    [
        ("word/embeddings/setup.exe", b"MZ\x90\x00" + bytes(64), "executable"),
        ("word/embeddings/run.ps1", b"Write-Host hi", "executable"),
        ("word/media/image1.png", b"MZ\x90\x00" + bytes(64), "executable"),  # by content, whatever its name
        ("word/media/image2.png", b"\x7fELF\x02\x01\x01" + bytes(64), "executable"),
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(64), "macro"),
    ],
)
def test_a_docx_carrying_a_program_or_macros_is_refused(member, content, code):
    bad = zip_bytes(docx_members(**{member: content}))
    assert code_of(refused(bad, "总结.docx", check=check_upload)) == code


def test_nested_archives_are_followed_to_the_allowed_depth():
    embedded = zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<worksheet/>"})
    fine = zip_bytes(docx_members(**{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": embedded}))
    assert check_upload(SimpleUploadedFile("总结.docx", fine)).content_type.endswith("document")

    deeper = zip_bytes(docx_members(**{"word/embeddings/a.xlsx": zip_bytes({"inner.zip": small_zip()})}))
    assert code_of(refused(deeper, "总结.docx", check=check_upload)) == "nested_archive"

    hidden = zip_bytes(docx_members(**{"word/embeddings/a.xlsx": zip_bytes({"x/tool.exe": b"MZ" + bytes(10)})}))
    assert code_of(refused(hidden, "总结.docx", check=check_upload)) == "executable"


# ---- evidence: polyglots --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("报告.pdf", pdf_bytes() + small_zip(), "polyglot_zip"),
        ("报告.pdf", small_zip()[:-22] + pdf_bytes(), "content"),  # not %PDF- at byte 0: not a PDF
        ("报告.pdf", pdf_bytes() + b"<HTML><body><SCRIPT>alert(1)</SCRIPT>", "polyglot_html"),
        ("报告.pdf", b"%PDF-1.4\n<!DOCTYPE html><iframe src=x>" + pdf_bytes()[8:], "polyglot_html"),
        ("照片.png", png_bytes() + b"<html><script>alert(1)</script></html>", "trailing_data"),
        ("照片.png", png_bytes() + small_zip(), "trailing_data"),
        ("照片.jpg", jpeg_bytes() + small_zip(), "polyglot_zip"),
        ("照片.jpg", jpeg_bytes() + b"<svg onload=alert(1)>", "polyglot_html"),
    ],
)
def test_polyglots_are_refused(name, content, code):
    error = refused(content, name, check=check_upload)
    assert code_of(error) == code and "已拒绝" in error.messages[0]


def test_a_truncated_image_is_refused():
    assert code_of(refused(png_bytes()[:-12], "照片.png", check=check_upload)) == "image_damaged"
    assert code_of(refused(jpeg_bytes()[:-2], "照片.jpg", check=check_upload)) == "image_damaged"


def register_xlsx() -> bytes:
    members = minimal_xlsx_members(header=("企业名称", "统一社会信用代码"))
    return zip_bytes(members)


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("报告.pdf", pdf_bytes, "application/pdf"),
        ("照片.png", png_bytes, "image/png"),
        ("照片.jpg", jpeg_bytes, "image/jpeg"),
        ("总结.docx", lambda: zip_bytes(docx_members()), "wordprocessingml"),
        ("台账.xlsx", register_xlsx, "spreadsheetml"),
    ],
)
def test_real_evidence_still_passes(name, make, content_type):
    assert content_type in check_upload(SimpleUploadedFile(name, make())).content_type


# ---- through the real pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_page_refuses_the_grid_bomb_at_once_and_imports_a_real_register(client, users):
    client.force_login(users["officer-yn"])
    bomb = xlsx_with_sheet(
        sheet('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>', "A1:XFD1048576")
    )
    before = Enterprise.objects.count()

    started = time.monotonic()
    response = post_import(client, SimpleUploadedFile("名录.xlsx", bomb))  # the page queues it, the job refuses it

    assert time.monotonic() - started < SECONDS
    assert response.status_code == 200 and "超出上限" in response.content.decode()
    assert Enterprise.objects.count() == before

    good = post_import(client, workbook_file([row("滇池新材料有限公司", make_credit_code("530102"))]))
    assert good.context["result"].ok
    assert Enterprise.objects.filter(name="滇池新材料有限公司").exists()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_the_evidence_form_and_api_refuse_a_polyglot_with_the_reason(client, users, yn_enterprise, media):
    from rest_framework.test import APIClient

    from measures.choices import Status
    from measures.models import Progress

    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("measure__position").first()
    client.force_login(users["officer-yn"])
    data = {"status": Status.IN_PROGRESS, "percent": 50, "note": "", "version": progress.version}
    data["evidence"] = SimpleUploadedFile("照片.png", png_bytes() + b"<html><script>alert(1)</script>")

    page = client.post(reverse("measures:progress_edit", args=[progress.pk]), data, HTTP_HX_REQUEST="true")

    assert "混有其他格式的内容" in page.content.decode()
    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    bomb = zip_bytes(docx_members(**{"word/embeddings/setup.exe": b"MZ" + bytes(64)}))
    through_api = api.post(f"/api/progress/{progress.pk}/evidence/", {"file": SimpleUploadedFile("a.docx", bomb)})
    assert through_api.status_code == 400 and "可执行程序" in through_api.json()["file"][0]
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True
    progress.refresh_from_db()
    assert progress.version == data["version"]  # the edit is not half-saved


def test_fixture_sizes_are_what_the_attack_needs():
    # The builders make what they claim: a 1 GB member in a small file, readable by zipfile's directory.
    import zipfile

    data = zip_bytes({"a": Repeated(b"", bytes(MB), 64)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("a").file_size == 64 * MB and len(data) < MB
        assert archive.read("a") == bytes(64 * MB)
