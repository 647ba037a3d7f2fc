"""`workbooks.sheet_rows` reads an upload's first sheet once: openpyxl's read-only load would first read every
sheet through looking for its size when the sheet has no `<dimension>` (the portal's own exports), 2.3 s of a
10,000-row import. The rows are those openpyxl's own reader gives."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from reform_portal import workbooks
from reform_portal.spreadsheets import StreamedWorkbook


def streamed(tmp_path) -> bytes:
    """A workbook as the export jobs write it (no `<dimension>`), with a second sheet, a gap and odd cells."""
    path = tmp_path / "export.xlsx"
    with StreamedWorkbook(path) as book:
        sheet = book.sheet("企业名录", widths=[16] * 4, freeze_header=True)
        sheet.append(["名称", "职工总数", "成立日期", "备注"])
        for i in range(50):
            sheet.append([f"企业{i}", i * 10, None, "=SUM(A1)" if i == 3 else ""])
        book.sheet("说明").append(["第二张表"])
    return path.read_bytes()


def openpyxl_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = []
    for values in workbook.worksheets[0].iter_rows(max_row=1000, max_col=50, values_only=True):
        end = len(values)
        while end and values[end - 1] is None:
            end -= 1
        rows.append(values[:end])
    return rows


def test_the_rows_of_a_sheet_without_a_dimension_are_read_once(tmp_path, monkeypatch):
    content = streamed(tmp_path)
    assert b"<dimension" not in content  # the case where openpyxl reads the whole sheet for its size
    expected = openpyxl_rows(content)
    sizes = []
    original = WorkSheetParser.parse_dimensions
    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", lambda self: sizes.append(1) or original(self))
    assert workbooks.sheet_rows(io.BytesIO(content)) == expected
    assert sizes == []  # neither sheet was read for its size
    assert len(expected) == 51 and expected[4][3] == "=SUM(A1)"


@pytest.mark.parametrize("sheets", [1, 3])
def test_a_workbook_with_dimensions_reads_as_openpyxl_reads_it(sheets):
    book = Workbook()
    book.active.title = "第一"
    book.active.append(["a", 1, None, 2.5])
    book.active.append([])
    book.active.append([None, None, "c"])
    for n in range(1, sheets):
        book.create_sheet(f"s{n}").append([n])
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    assert (
        workbooks.sheet_rows(io.BytesIO(content))
        == openpyxl_rows(content)
        == [("a", 1, None, 2.5), (), (None, None, "c")]
    )
