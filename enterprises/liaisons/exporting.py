"""The visits' list as a workbook: every cell through the one formula-safe writer (reform_portal/spreadsheets.py)."""

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook

from reform_portal.spreadsheets import sheet_row

from .selectors import visit_rows

CHUNK = 500


def export_max_rows() -> int:
    """At most this many visits in one export (as the supervision orders' export); more is a filter forgotten."""
    return getattr(settings, "VISIT_EXPORT_MAX_ROWS", 20000)


def export_header() -> list[str]:
    return [
        _("走访日期"),
        _("企业名称"),
        _("统一社会信用代码"),
        _("所在州（市）"),
        _("所在县（市、区）"),
        _("走访人（记录人）"),
        _("其他走访人员"),
        _("接待人员"),
        _("解答的问题"),
        _("后续事项"),
        _("后续事项完成期限"),
    ]


def export_values(v) -> list:
    e = v.enterprise
    return [
        v.visited_on,
        e.name,
        e.credit_code,
        e.region.name,
        e.county.name if e.county_id else "",
        v.recorded_by.username if v.recorded_by_id else "",
        v.other_visitors,
        v.people_met,
        v.questions_answered,
        v.follow_ups,
        v.follow_up_due,
    ]


def visits_workbook(ids: list) -> Workbook:
    """A write-only workbook of the visits `ids`, in that order, read `CHUNK` at a time."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("直通车走访"))
    sheet.append(sheet_row(sheet, export_header()))
    for start in range(0, len(ids), CHUNK):
        for v in visit_rows(ids[start : start + CHUNK]):
            sheet.append(sheet_row(sheet, export_values(v)))
    return workbook
