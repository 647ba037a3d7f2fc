"""Cells for every workbook the portal writes (the register, the dashboard, the self-assessment): one writer, so
that text typed by a user never becomes a live formula in the spreadsheet of whoever opens the export.

A text cell beginning with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed is read by a spreadsheet as
a formula (formula injection, OWASP "CSV injection"): it is written as a text cell and marked with a quote prefix,
so that editing it keeps it text. Numbers (negative ones too), dates and empty cells stay what they are; only text
is touched. Characters a workbook cannot hold (control characters other than tab, CR and LF) are dropped, so an
odd name never makes an export fail."""

import datetime
import math
import zipfile
from decimal import Decimal

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def sheet_value(value):
    """`value` as a workbook holds it: a Decimal as a number, any other non-number as text without the characters
    a workbook cannot hold."""
    if value is None or value.__class__ in _KEPT:
        return value if value.__class__ is not str else ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bool, int, float, datetime.date, datetime.datetime)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


_KEPT = frozenset({str, int, float, bool, datetime.date, datetime.datetime})


def is_formula_like(value) -> bool:
    """A text a spreadsheet would read as a formula: written as text with the quote prefix."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def sheet_cell(ws, value) -> WriteOnlyCell:
    """One cell of `ws` (a workbook's sheet or a write-only one's) holding `value`, never as a formula."""
    value = sheet_value(value)
    cell = WriteOnlyCell(ws, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def sheet_row(ws, values) -> list:
    """Cells for `ws.append`: numbers, dates and None as they are, every text that could be read as a formula
    written as plain text."""
    return [sheet_cell(ws, value) for value in values]


# --- The streamed writer of the large (job) exports ---------------------------------------------------------------
# openpyxl's write-only mode spends ~6 µs per cell turning it into XML (three quarters of a 100,000-row export); the
# sheet's XML is simple enough to be written directly, a row at a time, into the zip entry (constant memory). Same
# rule as `sheet_cell` (`sheet_value`, `is_formula_like`): a text is an inline string, never a formula, and a text a
# spreadsheet would run is marked with the quote prefix.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# cellXfs: 0 general, 1 a date, 2 a date and time, 3 a text with the quote prefix
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_EPOCH = datetime.datetime(1899, 12, 30)
_EPOCH_DAY = _EPOCH.date()


def _escaped(text: str) -> str:
    """`text` as XML character data; a CR kept (XML would read it as LF). `str.replace`, not `str.translate`: a
    translation table costs ~1.5 µs on a short Chinese text, ten times the four replaces."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(text: str) -> str:
    return _escaped(text).replace('"', "&quot;")


def _cell_xml(ref: str, value) -> str:
    """One `<c>` of the sheet XML (`value`: as `sheet_value` left it)."""
    if value is None:
        return ""
    cls = value.__class__
    if cls is str:
        if not value:
            return f'<c r="{ref}" t="inlineStr"/>'  # as openpyxl writes it: read back as an empty cell
        style = ' s="3"' if is_formula_like(value) else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{_escaped(value)}</t></is></c>'
    if cls is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if cls is int:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if cls is float:
        if math.isfinite(value):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'  # no NaN in a workbook: its text
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:  # a workbook has no time zones: the time a reader here reads (Asia/Shanghai)
            value = timezone.localtime(value).replace(tzinfo=None)
        # openpyxl's own serial (whole days plus the day's fraction): the same float as the page's workbook, which
        # a reader rounds to the same millisecond (total_seconds() / 86400 could differ in the last bit: a millisecond
        # apart for about one time in 5,000)
        return f'<c r="{ref}" s="2"><v>{to_excel(value)!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH_DAY).days}</v></c>'
    if isinstance(value, int):  # an int subclass (an IntEnum, a choice)
        return f'<c r="{ref}"><v>{int(value)}</v></c>'
    return _cell_xml(ref, str(value))


class StreamedSheet:
    """One sheet being written: `append(values)` as `ws.append(sheet_row(ws, values))` would."""

    def __init__(self, out, width: int | None, widths, freeze_header: bool):
        self._out = out
        self._rows = 0
        self._pending = []
        head = [f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if freeze_header:
            head.append(
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            )
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            head.append("<cols>")
            head += [f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1) if w]
            head.append("</cols>")
        head.append("<sheetData>")
        out.write("".join(head).encode())
        self._letters = [get_column_letter(i) for i in range(1, (width or 0) + 1)]

    def append(self, values) -> None:
        self._rows += 1
        r = self._rows
        values = [sheet_value(v) for v in values]
        if len(values) > len(self._letters):
            self._letters += [get_column_letter(i) for i in range(len(self._letters) + 1, len(values) + 1)]
        cells = "".join([_cell_xml(f"{letter}{r}", v) for letter, v in zip(self._letters, values, strict=False)])
        self._pending.append(f'<row r="{r}">{cells}</row>')
        if len(self._pending) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._out.write("".join(self._pending).encode())
        self._pending.clear()

    def close(self) -> None:
        self._flush()
        self._out.write(b"</sheetData></worksheet>")
        self._out.close()


class StreamedWorkbook:
    """An xlsx written straight to `path`, a sheet at a time, in constant memory (a context manager):

        with StreamedWorkbook(path) as book:
            sheet = book.sheet("企业名录", width=40, widths=[16] * 40, freeze_header=True)
            sheet.append(["名称", …])

    Values as `sheet_row` takes them (texts, numbers, Decimals, dates, None), under the same formula-safe rule."""

    def __init__(self, path):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._names = []
        self._sheet = None

    def sheet(self, name: str, *, width: int | None = None, widths=(), freeze_header: bool = False) -> StreamedSheet:
        if self._sheet is not None:
            self._sheet.close()
        self._names.append(name)
        # No zip64 extras (Excel calls a file with needless ones corrupt): an entry holds up to 2 GiB of sheet XML,
        # far more than Excel's 1,048,576 rows of an export.
        out = self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w")
        self._sheet = StreamedSheet(out, width or len(widths), widths, freeze_header)
        return self._sheet

    def close(self) -> None:
        if not self._names:
            self.sheet("Sheet")  # a workbook holds at least one sheet
        if self._sheet is not None:
            self._sheet.close()
            self._sheet = None
        n = range(1, len(self._names) + 1)
        sheets = "".join(
            f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in zip(n, self._names, strict=True)
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in n
        )
        styles_id = len(self._names) + 1
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>' for i in n
        )
        parts = {
            "[Content_Types].xml": (
                f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>{overrides}</Types>'
            ),
            "_rels/.rels": (
                f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
                ' Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>',
            "xl/_rels/workbook.xml.rels": (
                f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}'
                f'<Relationship Id="rId{styles_id}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": _STYLES,
        }
        for name, text in parts.items():
            self._zip.writestr(name, text)
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:  # a failed export: the zip closed as it is (the job removes the file), no error hiding the first one
            try:
                if self._sheet is not None:
                    self._sheet._out.close()
                self._zip.close()
            except Exception:  # noqa: BLE001, S110
                pass
