"""The orders' list as a workbook: every cell through the one formula-safe writer (reform_portal/spreadsheets.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from reform_portal.spreadsheets import sheet_row

from .selectors import order_rows

CHUNK = 500


def export_header() -> list[str]:
    return [
        _("督办单编号"), _("企业名称"), _("统一社会信用代码"), _("所在州（市）"), _("督办单位"), _("督办人"),
        _("督办措施"), _("督办要求"), _("下达时间"), _("办结期限"), _("状态"), _("红黄绿灯"), _("期限情况"),
        _("办结日期"),
    ]  # fmt: skip


def export_values(o) -> list:
    return [
        o.number,
        o.enterprise.name,
        o.enterprise.credit_code,
        o.enterprise.region.name,
        o.get_issuer_body_display(),
        o.issued_by.get_full_name() or o.issued_by.get_username(),
        "、".join(m.code for m in o.measures.all()),
        o.request,
        timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
        o.due_date,
        o.get_status_display(),
        o.light.label,
        o.light.days,
        o.closed_on,
    ]


def orders_workbook(ids: list) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("督办单"))
    sheet.append(sheet_row(sheet, export_header()))
    for start in range(0, len(ids), CHUNK):
        for o in order_rows(ids[start : start + CHUNK]):
            sheet.append(sheet_row(sheet, export_values(o)))
    return workbook
