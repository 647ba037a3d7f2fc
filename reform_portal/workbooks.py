"""Open an uploaded .xlsx with bounded time and memory, whatever it declares.

openpyxl trusts a workbook: a sheet declaring A1:XFD1048576 (or a row numbered 1,000,000) is padded row by row and
cell by cell, and a 300 MB string is read into memory whole. So before openpyxl reads anything:
1. the ZIP's central directory is measured (members, total and per-part unpacked size, compression ratio), nothing
   unpacked;
2. every XML part is streamed once through expat with a byte cap (no DTD, no entities): a worksheet's declared
   `<dimension>`, its real row numbers, its cells per row and columns, and the length of every cell's text and of
   every shared string must stay within the limits;
then openpyxl reads the first worksheet in read-only mode, bounded to those rows and columns.

Limits are settings (docs/security/files.md): WORKBOOK_MAX_ROWS, WORKBOOK_MAX_COLUMNS, WORKBOOK_MAX_CELL_CHARS,
WORKBOOK_MAX_UNPACKED_BYTES, WORKBOOK_MAX_PART_BYTES, WORKBOOK_MAX_RATIO. Every refusal is a ValidationError with a
message the user can act on.
"""

import re
import zipfile
import zlib
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .uploads import CONTENT_TYPES, XLSX, check_upload, check_zip_sizes, measure_archive, read_member_capped

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def unreadable() -> ValidationError:
    return ValidationError(_("无法读取该 Excel 文件，请用模板重新填写后上传。"), code="unreadable")


class _PartScan:
    """Streams one XML part, refusing as soon as a limit is passed (nothing of the part is kept)."""

    def __init__(self):
        self.max_rows = settings.WORKBOOK_MAX_ROWS
        self.max_columns = settings.WORKBOOK_MAX_COLUMNS
        self.max_chars = settings.WORKBOOK_MAX_CELL_CHARS
        self.in_sheet_data = False
        self.row = 0
        self.rows_seen = 0
        self.column = 0
        self.cells_in_row = 0
        self.in_cell = False
        self.in_shared_string = False
        self.chars = 0
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True  # one call per text node, not per line
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.StartDoctypeDeclHandler = self.forbidden
        self.parser.EntityDeclHandler = self.forbidden

    def forbidden(self, *args):
        raise unreadable()  # OOXML has no DTD: one here is an entity bomb or worse

    def start(self, name, attrs):
        if ":" in name:  # a prefixed namespace (x:row); the default namespace needs no split
            name = name.rsplit(":", 1)[-1]
        if name == "c":
            if self.in_sheet_data:
                self.begin_cell(attrs.get("r"))
        elif name == "row":
            if self.in_sheet_data:
                self.begin_row(attrs.get("r"))
        elif name == "si":
            self.in_shared_string, self.chars = True, 0
        elif name == "dimension":
            self.dimension(attrs.get("ref", ""))
        elif name == "sheetData":
            self.in_sheet_data = True

    def end(self, name):
        if ":" in name:
            name = name.rsplit(":", 1)[-1]
        if name == "c":
            self.in_cell = False
        elif name == "si":
            self.in_shared_string = False
        elif name == "sheetData":
            self.in_sheet_data = False

    def text(self, data):
        if self.in_cell or self.in_shared_string:
            self.chars += len(data)
            if self.chars > self.max_chars:
                raise self.too_long()

    def dimension(self, ref):
        try:
            _min_col, _min_row, max_col, max_row = range_boundaries(ref.split()[0] if ref else "")
        except (ValueError, TypeError, IndexError):
            return  # unreadable or unbounded: the real rows below are what counts
        if (max_row or 0) > self.max_rows or (max_col or 0) > self.max_columns:
            raise ValidationError(
                _(
                    "工作表声明的数据范围 %(ref)s 超出上限（最多 %(rows)d 行、%(cols)d 列），已拒绝。"
                    "请删除多余的行和列（或把数据复制到新的工作簿）后重新上传。"
                )
                % {"ref": ref[:40], "rows": self.max_rows, "cols": self.max_columns},
                code="workbook_dimension",
            )

    def begin_row(self, r):
        number = int(r) if r and r.isdigit() else self.row + 1
        self.rows_seen += 1
        if number > self.max_rows or self.rows_seen > self.max_rows:
            raise ValidationError(
                _("表格行数超出上限：第 %(row)d 行超过了最多 %(max)d 行。请删除多余的行或分成几个文件上传。")
                % {"row": max(number, self.rows_seen), "max": self.max_rows},
                code="workbook_rows",
            )
        self.row, self.column, self.cells_in_row = number, 0, 0

    def begin_cell(self, r):
        match = _CELL_REF.match(r or "")
        self.column = column_index_from_string(match.group(1).upper()) if match else self.column + 1
        self.cells_in_row += 1
        if self.column > self.max_columns or self.cells_in_row > self.max_columns:
            raise ValidationError(
                _("第 %(row)d 行的列数超出上限（最多 %(max)d 列），已拒绝。请删除多余的列后重新上传。")
                % {"row": self.row, "max": self.max_columns},
                code="workbook_columns",
            )
        self.in_cell, self.chars = True, 0

    def too_long(self) -> ValidationError:
        if self.in_cell:
            where = _("第 %(row)d 行 %(col)s 列的单元格") % {
                "row": self.row,
                "col": get_column_letter(min(self.column, 16384)),
            }
        else:
            where = _("表格中有单元格")
        return ValidationError(
            _("%(where)s内容超过 %(max)d 个字符，已拒绝。") % {"where": where, "max": self.max_chars},
            code="workbook_cell_size",
        )

    def feed(self, chunk: bytes, final: bool = False):
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError:
            raise unreadable() from None


def check_workbook(upload) -> None:
    """Steps 1 and 2 of the module docstring; raises ValidationError."""
    upload.seek(0)
    measure_archive(upload)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise unreadable() from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        check_zip_sizes(
            infos,
            max_total=settings.WORKBOOK_MAX_UNPACKED_BYTES,
            max_member=settings.WORKBOOK_MAX_PART_BYTES,
            max_ratio=settings.WORKBOOK_MAX_RATIO,
        )
        for info in infos:
            scan = None
            try:
                for chunk in read_member_capped(archive, info, cap=settings.WORKBOOK_MAX_PART_BYTES):
                    if scan is None:
                        if not chunk.lstrip().startswith(_XML_STARTS):
                            break  # an image or other binary part: openpyxl does not parse it as XML
                        scan = _PartScan()
                    scan.feed(chunk)
                if scan is not None:
                    scan.feed(b"", final=True)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                raise unreadable() from None


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not read itself through at load for its size. openpyxl looks for a `<dimension>`
    before the rows, and without one (the portal's own exports, many writers) parses the whole sheet once more than
    reading it does: 2.3 s of a 10,000-row import. `sheet_rows` reads with explicit bounds, so the size is not
    needed; unknown, openpyxl's own defaults stand (first row and column 1, last ones None)."""

    def _get_size(self):
        pass


class _RowsReader(ExcelReader):
    """`load_workbook(read_only=True, data_only=True)` with `_UnsizedSheet` worksheets (openpyxl's own read, its
    read-only branch of `read_worksheets`)."""

    def __init__(self, source):
        super().__init__(source, read_only=True, data_only=True)

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            ws = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


def read_only_workbook(source):
    """The workbook of `source` (a checked upload) to read rows from with explicit bounds, or its sheets' names."""
    reader = _RowsReader(source)
    reader.read()
    return reader.wb


def sheet_rows(upload) -> list[tuple]:
    """The first worksheet's values, row n at index n - 1 (a missing row is an empty tuple), trailing empty cells
    left out. Raises ValidationError when the workbook exceeds a limit or cannot be read."""
    check_workbook(upload)
    upload.seek(0)
    max_rows, max_columns = settings.WORKBOOK_MAX_ROWS, settings.WORKBOOK_MAX_COLUMNS
    max_chars = settings.WORKBOOK_MAX_CELL_CHARS
    try:
        workbook = read_only_workbook(upload)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise unreadable() from None
    try:
        if not workbook.worksheets:
            raise unreadable()
        rows = []
        # Bounded whatever the sheet says: the scan above has refused any row or column beyond these.
        for values in workbook.worksheets[0].iter_rows(max_row=max_rows, max_col=max_columns, values_only=True):
            end = len(values)
            while end and values[end - 1] is None:
                end -= 1
            values = values[:end]
            for index, value in enumerate(values):
                if isinstance(value, str) and len(value) > max_chars:  # the scan's count, checked on the value
                    raise ValidationError(
                        _("第 %(row)d 行 %(col)s 列的单元格内容超过 %(max)d 个字符，已拒绝。")
                        % {"row": len(rows) + 1, "col": get_column_letter(index + 1), "max": max_chars},
                        code="workbook_cell_size",
                    )
            rows.append(values)
        return rows
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001
        raise unreadable() from None
    finally:
        workbook.close()


def cell_int(value) -> int | None:
    """A whole number read from a cell (a key, a version, a percent) as openpyxl gives it — int, a whole float, or
    digits typed as text (at most 18: a bigint) — else None (a boolean is not a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 19:
        return int(value.strip())
    return None


def uploaded_xlsx_rows(upload) -> list[tuple]:
    """The rows of an uploaded file that must be an .xlsx: the upload checks (content, size, archives) first, then
    `sheet_rows`; ValidationError with the messages to show otherwise."""
    checked = check_upload(upload)
    if checked.content_type != CONTENT_TYPES[XLSX]:
        raise ValidationError(_("请上传 Excel（.xlsx）文件。"))
    return sheet_rows(upload)


def choice_from_label(choices, raw) -> str:
    """A dropdown's text read back as the stored value of `choices` (a TextChoices): its label in the current
    language or in Chinese, or the value itself. Anything else is returned as typed (stripped), for the rule that
    judges it to refuse with its own message."""
    text = "" if raw is None else str(raw).strip()
    if not text or text in choices.values:
        return text
    labels = {str(label): value for value, label in choices.choices}
    with translation.override("zh-hans"):
        labels |= {str(label): value for value, label in choices.choices}
    return labels.get(text, text)
