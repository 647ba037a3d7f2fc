"""One assessment as a PDF (to print and sign) or an Excel workbook."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from reform_portal.audit.services import record_export

from ..exports import NoCJKFont, assessment_pdf, assessment_xlsx
from ._common import assessment_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def pdf(request, pk):
    assessment = assessment_or_404(request, pk)
    try:
        data = assessment_pdf(assessment)
    except NoCJKFont:
        messages.error(request, _("服务器缺少中文字体，暂时无法生成 PDF，请改用 Excel 下载并联系管理员。"))
        return redirect("reporting:assessments:detail", pk=pk)
    record_export(request, "assessment_pdf", target=assessment)
    return _document(data, "application/pdf", "inline", _filename(assessment, "pdf"))


@login_required
def xlsx(request, pk):
    assessment = assessment_or_404(request, pk)
    record_export(request, "assessment_xlsx", target=assessment)
    return _document(assessment_xlsx(assessment), XLSX, "attachment", _filename(assessment, "xlsx"))


def _filename(assessment, extension: str) -> str:
    return f"assessment-{assessment.period.year}-{assessment.pk}.{extension}"


def _document(data, content_type: str, disposition: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
