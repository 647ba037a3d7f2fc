"""The confirmed list of a round as a workbook: every cell through the one formula-safe writer."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from reform_portal.spreadsheets import sheet_row


def export_header() -> list[str]:
    return [
        _("州（市）"),
        _("排名"),
        _("企业名称"),
        _("统一社会信用代码"),
        _("总分"),
        _("得分说明"),
        _("确认人"),
        _("确认时间"),
    ]


def confirmed_workbook(award_round, candidates, decisions) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("确认名单"))
    as_of = _("截至 %(time)s") % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    sheet.append(sheet_row(sheet, [award_round.name, award_round.level, award_round.year, as_of]))
    sheet.append(sheet_row(sheet, export_header()))
    for c in candidates:
        d = decisions[c.enterprise.pk]
        explanation = "；".join(f"{line.fact} {line.value} → {line.points}" for line in c.lines)
        sheet.append(
            sheet_row(
                sheet,
                [
                    c.enterprise.region.name,
                    c.rank,
                    c.enterprise.name,
                    c.enterprise.credit_code,
                    float(c.total),
                    explanation,
                    d.by.get_username() if d.by else "",
                    d.at.astimezone().replace(tzinfo=None),
                ],
            )
        )
    return workbook
