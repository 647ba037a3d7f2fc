"""The streamed writer of the large exports (reform_portal.spreadsheets.StreamedWorkbook) writes what openpyxl's
write-only mode wrote through `sheet_row`: read back with openpyxl, the same values and types cell for cell (texts,
numbers, Decimals, dates, None, characters a workbook cannot hold, texts a spreadsheet would run — quote prefix),
a frozen header, several sheets; and it writes in constant memory."""

import datetime
import tracemalloc
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from reform_portal.spreadsheets import StreamedWorkbook, sheet_row

ROWS = [
    ["名称", "数", "日期", "空", "公式"],
    ['=HYPERLINK("http://x","y")', -5, datetime.date(2026, 1, 2), None, "+1+1"],
    ["a & b <c> \"d\" 'e'", Decimal("-1.50"), datetime.datetime(2026, 3, 4, 5, 6, 7), "", "@SUM(A1)"],
    ["普通\x01文本", Decimal("3"), True, 0.1, "\t=1"],
    ["  leading and trailing  ", 2**40, False, -0.25, "\r=1\n-2"],
    ["-5", 1.5e-9, None, None, None],
    # times a reader rounds to the millisecond: these were read back a millisecond apart from openpyxl's before the
    # streamed writer took openpyxl's own serial
    [
        "时刻",
        datetime.datetime(2026, 12, 2, 9, 28, 6, 59500),
        datetime.datetime(2026, 12, 2, 9, 28, 6, 136500),
        datetime.datetime(2026, 12, 2, 9, 28, 6, 81000),
        datetime.datetime(1900, 2, 1, 12),
    ],
]


def _openpyxl_reference(path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("表")
    for values in ROWS:
        ws.append(sheet_row(ws, values))
    wb.save(path)


def _values(path):
    sheet = load_workbook(path).worksheets[0]
    return [[(c.value, c.data_type, bool(c.quotePrefix)) for c in row] for row in sheet.iter_rows()]


def test_the_streamed_workbook_reads_back_as_the_openpyxl_one(tmp_path):
    _openpyxl_reference(tmp_path / "ref.xlsx")
    with StreamedWorkbook(tmp_path / "new.xlsx") as book:
        sheet = book.sheet("表", widths=[16] * 5, freeze_header=True)
        for values in ROWS:
            sheet.append(values)
    ours, theirs = _values(tmp_path / "new.xlsx"), _values(tmp_path / "ref.xlsx")
    # openpyxl's own XML writer turns a CR into LF; with lxml installed (python-docx needs it) it keeps it, as the
    # streamed writer does
    assert theirs[4][4] in (("\n=1\n-2", "s", True), ("\r=1\n-2", "s", True))
    theirs[4][4] = ("\r=1\n-2", "s", True)
    assert ours == theirs
    # the rule itself, not only sameness: no formula, the hostile texts intact and quote-prefixed
    assert all(t != "f" for row in ours for _v, t, _q in row)
    assert [v for v, _t, q in (row[4] for row in ours[1:5])] == ["+1+1", "@SUM(A1)", "\t=1", "\r=1\n-2"]
    assert all(q for _v, _t, q in (row[4] for row in ours[1:5]))
    assert ours[1][0] == ('=HYPERLINK("http://x","y")', "s", True)
    assert ours[5][0] == ("-5", "s", True)  # a text, not the number
    assert ours[3][0][0] == "普通文本"
    wb = load_workbook(tmp_path / "new.xlsx")
    assert wb.worksheets[0].freeze_panes == "A2"
    assert wb.worksheets[0].column_dimensions["A"].width == 16


def test_several_sheets_in_read_only_mode(tmp_path):
    with StreamedWorkbook(tmp_path / "two.xlsx") as book:
        book.sheet("一 & <二>").append(["a", 1])
        second = book.sheet("三")
        second.append(["b", 2])
        second.append([None, "c"])
    wb = load_workbook(tmp_path / "two.xlsx", read_only=True)
    assert wb.sheetnames == ["一 & <二>", "三"]
    assert [list(r) for r in wb["三"].iter_rows(values_only=True)] == [["b", 2], [None, "c"]]


def _peak(n, path):
    row = ["企业名称" * 3, 12345, datetime.date(2026, 1, 1), Decimal("12.5"), "=1+1", None, "文本"] * 5
    tracemalloc.start()
    try:
        with StreamedWorkbook(path) as book:
            sheet = book.sheet("s", widths=[16] * len(row), freeze_header=True)
            for _ in range(n):
                sheet.append(row)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_streamed_workbook_is_written_in_constant_memory(tmp_path):
    small = _peak(500, tmp_path / "small.xlsx")
    # 5,500 more rows of 35 cells: a writer keeping its rows would grow by megabytes (tracemalloc slows writing ~5×)
    large = _peak(6_000, tmp_path / "large.xlsx")
    assert large - small < 500_000, (small, large)
    sheet = load_workbook(tmp_path / "large.xlsx", read_only=True)["s"]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 6_000


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_number_a_workbook_cannot_hold_is_written_as_its_text(tmp_path, value):
    with StreamedWorkbook(tmp_path / "n.xlsx") as book:
        book.sheet("s").append([value])
    assert load_workbook(tmp_path / "n.xlsx").worksheets[0]["A1"].value == str(value)


@pytest.mark.django_db
def test_the_register_export_job_file_has_the_cells_of_the_page_export_and_reimports(client, users, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enterprises.exporting import enterprises_workbook, enterprises_workbook_stream, export_values
    from enterprises.models import Enterprise
    from reform_portal.jobs.work import export_queryset
    from reporting import rollup
    from tests.jobs.helpers import post_import
    from tests.reporting.rollup_data import make_enterprises

    made = make_enterprises(300, province_codes=("530000",))
    # all in the officer's prefecture (the officer of Kunming exports and imports them)
    region = users["enterprise-yn"].profile.enterprise.region
    Enterprise.objects.filter(pk__in=[e.pk for e in made]).update(region=region, county=None)
    Enterprise.objects.filter(pk=made[0].pk).update(name='=HYPERLINK("http://x","y")')
    rollup.rollup_full_now()
    officer = users["officer-yn"]
    qs = export_queryset(officer, {})
    enterprises_workbook(qs).save(tmp_path / "page.xlsx")
    written = enterprises_workbook_stream(export_values(qs).iterator(chunk_size=100), tmp_path / "job.xlsx")
    assert written == qs.count() > 300
    job, page = _values(tmp_path / "job.xlsx"), _values(tmp_path / "page.xlsx")
    # the page's in-memory workbook writes "" as a text cell, the write-only one as an empty cell: values compared
    assert [[v or None for v, _t, _q in r] for r in job] == [[v or None for v, _t, _q in r] for r in page]
    assert ('=HYPERLINK("http://x","y")', "s", True) in [c for r in job for c in r]
    assert all(t != "f" for r in job for _v, t, _q in r)
    client.force_login(officer)
    upload = SimpleUploadedFile("job.xlsx", (tmp_path / "job.xlsx").read_bytes())
    response = post_import(client, upload)
    result = response.context["result"]
    assert result.ok, result.errors


def test_a_failing_export_raises_its_own_error(tmp_path):
    with pytest.raises(ValueError, match="boom"), StreamedWorkbook(tmp_path / "f.xlsx") as book:
        book.sheet("s").append([1])
        raise ValueError("boom")


def test_an_aware_time_is_written_as_the_local_time_of_the_portal(tmp_path, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    path = tmp_path / "t.xlsx"
    utc = datetime.datetime(2026, 11, 30, 20, 0, 0, tzinfo=datetime.UTC)
    with StreamedWorkbook(path) as book:
        book.sheet("s", width=1).append([utc])
    assert load_workbook(path).active["A1"].value == datetime.datetime(2026, 12, 1, 4, 0, 0)  # UTC+8
