"""The assessment as a printable PDF (Chinese text embedded with a CJK font) and as an Excel workbook.

Indicator values read as on the pages (measures.indicator_values: 是/否, plain numbers, shares with %, dates and
texts); a 仅统计 indicator says 仅统计, never 未达标. Every text cell of the workbook that a spreadsheet would read
as a formula (= + - @ …) is written as plain text (`sheet_row`)."""

import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from measures.choices import Status
from measures.indicator_values import (
    derived_source,
    sheet_format,
    sheet_value,
    value_display,
    verdict_display,
)
from measures.models import measure_label
from reform_portal.spreadsheets import sheet_row

from .choices import SelfRating
from .models import AssessmentItemEvent
from .services.values import NOT_APPLICABLE, answer_role, applicable_ids

# WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei, TrueType outlines) first: fpdf2 embeds it with a ToUnicode
# map that text extraction reads back exactly. fpdf2 does embed Noto Sans CJK (CFF outlines; index 2 of the
# collection is the Simplified Chinese face) and it prints correctly, but its text extracts with a NUL before
# every character, so it is only the fallback. ASSESSMENT_PDF_FONT in the settings may name another file.
FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
]


# The fields of an answer the officer writes in review (services/review.py: review_item_save).
REVIEW_FIELDS = ("verified_status", "verified_percent", "officer_comment")


class NoCJKFont(RuntimeError):
    """No font on this machine can print Chinese: the PDF cannot be made (the Excel export still can)."""


def _font() -> tuple[str, int]:
    configured = getattr(settings, "ASSESSMENT_PDF_FONT", "")
    candidates = [(configured, 0)] if configured else FONT_CANDIDATES
    for path, index in candidates:
        if Path(path).exists():
            return path, index
    raise NoCJKFont("No CJK font for the PDF: install Debian's fonts-wqy-zenhei (make fonts does)")


def _status(value) -> str:
    return str(Status(value).label) if value else "—"


def _rating(value) -> str:
    return str(SelfRating(value).label) if value else "—"


def _answers(assessment) -> list:
    """The answers the form asks for: those of the indicators that apply to the enterprise (services.values)."""
    applicable = applicable_ids(assessment.enterprise)
    return [a for a in assessment.indicator_answers.all() if answer_role(a.indicator, applicable) != NOT_APPLICABLE]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _reviews(assessment) -> dict[int, object]:
    """{item id: the latest event that changed the officer's verification (verified status or percent, or the
    comment)}: who verified each measure and when (the answer's history, reform_portal/history.py)."""
    latest: dict[int, object] = {}
    events = AssessmentItemEvent.objects.filter(pgh_obj__assessment=assessment).select_related("changed_by")
    for event in events.order_by("pgh_created_at", "pgh_id"):
        if any((getattr(event, f) or None) != (getattr(event, f"old_{f}") or None) for f in REVIEW_FIELDS):
            latest[event.pgh_obj_id] = event
    return latest


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else "—"


def _documents(assessment) -> list:
    """The policy documents whose measures the form answers, in the form's order."""
    seen = {}
    for item in assessment.items.all():
        seen.setdefault(item.measure.document_id, item.measure.document)
    return list(seen.values())


class _PDF(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("cjk", size=8)
        # {nb} is fpdf2's alias for the page count, filled in when the document is finished.
        self.cell(0, 6, _("第 %(page)s 页 共 %(pages)s 页") % {"page": self.page_no(), "pages": "{nb}"}, align="C")


def assessment_pdf(assessment) -> bytes:
    """Every measure with its answer, the officer's verification beside the claim, indicators, trail."""
    path, index = _font()
    pdf = _PDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.set_title(f"{assessment.enterprise.name} {assessment.period.label}")
    pdf.add_page()
    width = pdf.epw

    def line(text, size=10, height=6, gap=0):
        pdf.set_font("cjk", size=size)
        pdf.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            pdf.ln(gap)

    enterprise, period = assessment.enterprise, assessment.period
    line(_("%(period)s产业工人队伍建设改革自评表") % {"period": period.label}, size=16, height=10, gap=2)
    line(_("企业名称：%(name)s") % {"name": enterprise.name}, size=12, height=8)
    for document in _documents(assessment):
        line(_("政策依据：%(number)s《%(title)s》") % {"number": document.number, "title": document.title})
    line(_("统一社会信用代码：%(code)s") % {"code": enterprise.credit_code})
    line(_("所在地区：%(province)s %(region)s") % {"province": period.province.name, "region": enterprise.region.name})
    line(
        _("状态：%(status)s　提交轮次：%(round)s　提交时间：%(submitted)s　通过时间：%(accepted)s")
        % {
            "status": assessment.get_status_display(),
            "round": assessment.round,
            "submitted": _when(assessment.submitted_at),
            "accepted": _when(assessment.accepted_at),
        },
        gap=0 if assessment.accepted_by else 4,
    )
    if assessment.accepted_by:
        line(_("审核人：%(who)s") % {"who": _who(assessment.accepted_by)}, gap=4)

    reviews = _reviews(assessment)
    answers_by_measure: dict[int, list] = {}
    for answer in _answers(assessment):
        answers_by_measure.setdefault(answer.indicator.measure_id, []).append(answer)
    for item in assessment.items.all():
        measure = item.measure
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1)
        line(measure.label, size=12, height=7)
        line(
            _("自评等级：%(rating)s　填报状态：%(status)s　填报完成：%(percent)s%%")
            % {
                "rating": _rating(item.self_rating),
                "status": _status(item.claimed_status),
                "percent": "—" if item.claimed_percent is None else item.claimed_percent,
            }
        )
        if item.verified_status or item.verified_percent is not None:
            line(
                _("核实状态：%(status)s　核实完成：%(percent)s%%　差额：%(gap)s 个百分点")
                % {
                    "status": _status(item.final_status),
                    "percent": item.final_percent,
                    "gap": item.percent_gap,
                }
            )
        review = reviews.get(item.pk)
        if review is not None:
            line(
                _("核实人：%(who)s　核实时间：%(when)s")
                % {"who": _who(review.changed_by), "when": _when(review.changed_at)}
            )
        line(_("主要工作：%(text)s") % {"text": item.what_done or "—"})
        evidence = [e.name for e in item.evidence.all()]
        if evidence:
            line(_("佐证材料：%(names)s") % {"names": "、".join(evidence)})
        for answer in answers_by_measure.get(measure.pk, []):
            indicator = answer.indicator
            verified = (
                _("，核实值 %(v)s") % {"v": value_display(indicator, answer.verified)}
                if not answer.verified.is_blank
                else ""
            )
            source = _("，来自企业信息") if indicator.derived_from else ""
            line(
                _("指标 %(name)s：填报值 %(value)s%(verified)s%(source)s（目标 %(target)s，%(verdict)s）")
                % {
                    "name": indicator.name,
                    "value": value_display(indicator, answer.claimed) or "—",
                    "verified": verified,
                    "source": source,
                    "target": indicator.target_display,
                    "verdict": verdict_display(indicator, answer.final) or "—",
                }
            )
        if item.officer_comment:
            line(_("审核意见：%(text)s") % {"text": item.officer_comment})
        pdf.ln(2)

    line(_("流转记录"), size=12, height=8)
    for t in assessment.transitions.all():
        who = (t.by.get_full_name() or t.by.username) if t.by else _("系统")
        text = f"{_when(t.at)}  {t.get_action_display()}  {who}"
        if t.comment:
            text += f"：{t.comment}"
        line(text, size=9, height=5)
    _signatures(pdf)
    return bytes(pdf.output())


def _signatures(pdf) -> None:
    """The block the printed form is signed and sealed in: the enterprise's responsible person, the enterprise's
    seal and the union's, each dated; kept on one page."""
    height = 48
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font("cjk", size=11)
    half = pdf.epw / 2
    rows = [
        (_("企业负责人（签字）："), _("工会负责人（签字）：")),
        (_("企业（盖章）"), _("工会（盖章）")),
        (_("日期：　　年　　月　　日"), _("日期：　　年　　月　　日")),
    ]
    for left, right in rows:
        pdf.cell(half, 12, left)
        pdf.cell(half, 12, right, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def assessment_xlsx(assessment) -> bytes:
    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    ws.title = _("措施")
    enterprise, period = assessment.enterprise, assessment.period
    ws.append(
        sheet_row(
            ws, [_("企业名称"), enterprise.name, _("年度"), period.year, _("状态"), assessment.get_status_display()]
        )
    )
    ws.append([])
    header = [
        _("编号"),
        _("措施"),
        _("自评等级"),
        _("填报状态"),
        _("填报完成百分比"),
        _("核实状态"),
        _("核实完成百分比"),
        _("差额（百分点）"),
        _("主要工作"),
        _("佐证材料"),
        _("审核意见"),
    ]
    ws.append(sheet_row(ws, header))
    for cell in ws[3]:
        cell.font = bold
    for item in assessment.items.all():
        ws.append(
            sheet_row(
                ws,
                [
                    item.measure.code,
                    measure_label(code="", number=item.measure.number, title=item.measure.title),
                    _rating(item.self_rating),
                    _status(item.claimed_status),
                    item.claimed_percent,
                    _status(item.final_status),
                    item.final_percent,
                    item.percent_gap,
                    item.what_done,
                    "、".join(e.name for e in item.evidence.all()),
                    item.officer_comment,
                ],
            )
        )
    for column, width in zip("ABCDEFGHIJK", (9, 36, 9, 11, 9, 11, 9, 9, 50, 30, 30), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=4):
        row[8].alignment = Alignment(wrap_text=True, vertical="top")

    ws2 = wb.create_sheet(_("指标"))
    ws2.append(
        sheet_row(
            ws2,
            [_("指标"), _("类型"), _("单位"), _("目标"), _("填报值"), _("核实值"), _("差额"), _("是否达标"), _("来源")],
        )
    )
    for cell in ws2[1]:
        cell.font = bold
    for answer in _answers(assessment):
        indicator = answer.indicator
        ws2.append(
            sheet_row(
                ws2,
                [
                    indicator.name,
                    indicator.get_kind_display(),
                    indicator.display_unit,
                    indicator.target_display,
                    sheet_value(indicator, answer.claimed),
                    sheet_value(indicator, answer.verified),
                    answer.gap,
                    verdict_display(indicator, answer.final) or "—",
                    _("来自企业信息（%(source)s）") % {"source": derived_source(indicator)}
                    if indicator.derived_from
                    else _("企业填报"),
                ],
            )
        )
        for cell in ws2[ws2.max_row][4:7]:
            cell.number_format = sheet_format(indicator)
    ws2.column_dimensions["A"].width = 40
    ws2.column_dimensions["I"].width = 30

    ws3 = wb.create_sheet(_("流转记录"))
    ws3.append(sheet_row(ws3, [_("时间"), _("操作"), _("原状态"), _("新状态"), _("操作人"), _("轮次"), _("意见")]))
    for cell in ws3[1]:
        cell.font = bold
    for t in assessment.transitions.all():
        ws3.append(
            sheet_row(
                ws3,
                [
                    _when(t.at),
                    t.get_action_display(),
                    t.get_from_status_display() if t.from_status else "",
                    t.get_to_status_display(),
                    t.by.username if t.by else "",
                    t.round,
                    t.comment,
                ],
            )
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
