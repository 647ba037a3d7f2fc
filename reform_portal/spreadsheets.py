"""Cells for every workbook the portal writes (the register, the dashboard, the self-assessment): one writer, so
that text typed by a user never becomes a live formula in the spreadsheet of whoever opens the export.

A text cell beginning with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed is read by a spreadsheet as
a formula (formula injection, OWASP "CSV injection"): it is written as a text cell and marked with a quote prefix,
so that editing it keeps it text. Numbers (negative ones too), dates and empty cells stay what they are; only text
is touched. Characters a workbook cannot hold (control characters other than tab, CR and LF) are dropped, so an
odd name never makes an export fail."""

import datetime
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def sheet_cell(ws, value) -> WriteOnlyCell:
    """One cell of `ws` (a workbook's sheet or a write-only one's) holding `value`, never as a formula."""
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    elif value is not None and not isinstance(value, (bool, int, float, datetime.date, datetime.datetime)):
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def sheet_row(ws, values) -> list:
    """Cells for `ws.append`: numbers, dates and None as they are, every text that could be read as a formula
    written as plain text."""
    return [sheet_cell(ws, value) for value in values]
