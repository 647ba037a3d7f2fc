"""The pilots' list as a workbook: every cell through the one formula-safe writer (reform_portal/spreadsheets.py)."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from reform_portal.spreadsheets import sheet_row

from .selectors import pilot_rows

EXPORT_MAX_ROWS = 5000  # a province's pilots are hundreds; more is a filter forgotten
CHUNK = 500


def export_header() -> list[str]:
    return [
        _("企业名称"),
        _("统一社会信用代码"),
        _("所在州（市）"),
        _("认定单位"),
        _("认定文号"),
        _("认定日期"),
        _("状态"),
        _("结束日期"),
        _("试点措施"),
        _("试点措施完成数"),
        _("试点措施适用数"),
        _("完成率（%）"),
        _("下达经费（元）"),
        _("拨付经费（元）"),
        _("备注"),
    ]


def export_values(d) -> list:
    return [
        d.enterprise.name,
        d.enterprise.credit_code,
        d.enterprise.region.name,
        d.region.name,
        d.document_number,
        d.designated_on,
        d.get_status_display(),
        d.ends_on,
        d.scope_codes,
        d.progress.done,
        d.progress.applicable,
        d.progress.percent,
        d.granted,
        d.paid,
        d.note,
    ]


def pilots_workbook(ids: list) -> Workbook:
    """A write-only workbook of the designations `ids`, in that order, read `CHUNK` at a time."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("试点企业"))
    sheet.append(sheet_row(sheet, export_header()))
    for start in range(0, len(ids), CHUNK):
        for d in pilot_rows(ids[start : start + CHUNK]):
            sheet.append(sheet_row(sheet, export_values(d)))
    return workbook
