"""Export the (filtered) enterprise list to Excel, in the import template's columns so that an exported
file can be corrected and imported again (the parent company by its credit code, the county and the prefecture by
name); each enterprise's version follows (版本（勿改）: the import refuses a row whose enterprise changed since), then
the parent's name and progress summary columns, which the import ignores."""

from django.db import models
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from reform_portal.spreadsheets import StreamedWorkbook, sheet_row

from .importing import VERSION_HEADER, headers
from .models import HEADCOUNT_FIELDS, Enterprise
from .services import display_of

# Written as numbers and dates, so that they stay numbers and dates in Excel.
NATIVE_FIELDS = {*HEADCOUNT_FIELDS, "union_founded_on"}
SUMMARY_HEADERS = ["上级集团（母公司）名称", "适用措施数", "已完成措施数", "平均进度（%）", "最近更新"]
# A foreign key as the import reads it back: the parent company by its credit code, a place by its name.
RELATED_SHOWN = {"parent": "parent__credit_code", "region": "region__name", "county": "county__name"}


def header_row() -> list:
    return [h for _f, h in headers()] + [VERSION_HEADER] + SUMMARY_HEADERS


def _by_value_fields() -> frozenset:
    # Fields whose display depends on the value alone (a choice's label, 是/否): `display_of` is asked once per
    # distinct value of an export, not once per row (a choice label is a lazy translation, costly to resolve).
    return frozenset(
        f.name
        for f in Enterprise._meta.concrete_fields
        if f.name not in NATIVE_FIELDS and (f.choices or isinstance(f, models.BooleanField))
    )


BY_VALUE = _by_value_fields()
COLUMNS = tuple(f for f, _h in headers())  # the register fields, in the import template's order
# What one row reads (the id first, then the columns in header_row()'s order): values, not model instances (three
# per row cost a 100,000-row export a third of its time). The summary's names are `with_progress_summary`'s.
ROW_VALUES = (
    "pk",
    *(RELATED_SHOWN.get(f, f) for f in COLUMNS),
    "version",
    "parent__name",
    "applicable_count",
    "done_count",
    "mean_percent",
    "last_update",
)


def export_values(enterprises):
    """`enterprises` (a queryset annotated by `selectors.with_progress_summary`) as the rows `export_row` takes."""
    return enterprises.values_list(*ROW_VALUES)


def export_row(values: tuple, shown: dict) -> list:
    """One enterprise's cells from its `export_values` row. `shown`: a dict kept across the rows of one export, the
    displays of values already seen (`display_of`, the one rule, asked once per field and value)."""
    row = []
    for name, value in zip(COLUMNS, values[1:], strict=False):
        if name in NATIVE_FIELDS:
            row.append(value)  # numbers and dates stay numbers and dates in Excel
        elif name in RELATED_SHOWN:
            row.append(value or "")
        elif name in BY_VALUE:
            key = (name, value)
            if key not in shown:
                shown[key] = display_of(name, value)
            row.append(shown[key])
        else:
            row.append(display_of(name, value))
    version, parent_name, applicable, done, mean_percent, last = values[1 + len(COLUMNS) :]
    row += [
        version,
        parent_name or "",
        applicable,
        done,
        round(mean_percent or 0, 1),
        timezone.localtime(last).replace(tzinfo=None) if last else None,
    ]
    return row


def enterprises_workbook(enterprises) -> Workbook:
    """`enterprises`: a queryset annotated by `selectors.with_progress_summary`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    columns = headers()
    ws.append(sheet_row(ws, header_row()))
    shown = {}
    for values in export_values(enterprises):
        ws.append(sheet_row(ws, export_row(values, shown)))  # a name beginning with = is text, never a formula
    ws.freeze_panes = "A2"
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 16
    ws.column_dimensions[get_column_letter(len(columns) + 1)].width = 10  # the version: not for people
    return wb


def enterprises_workbook_stream(rows, path, *, progress=None) -> int:
    """The same workbook written to `path` by the streamed writer (`spreadsheets.StreamedWorkbook`): constant
    memory whatever the number of rows (`rows`: `export_values` rows, e.g. `export_values(qs).iterator(2000)`).
    `progress(n)` is called after each row (a job's meter writes it at most once a second). Returns the number of
    rows written."""
    columns = headers()
    top = header_row()
    widths = [16] * len(top)
    widths[len(columns)] = 10  # the version: not for people
    count = 0
    shown = {}
    with StreamedWorkbook(path) as book:
        sheet = book.sheet("企业名录", widths=widths, freeze_header=True)
        sheet.append(top)
        for values in rows:
            sheet.append(export_row(values, shown))
            count += 1
            if progress is not None:
                progress(count)
    return count
