"""One assessment as a PDF (to print and sign) or an Excel workbook."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from ..exports import assessment_pdf, assessment_xlsx
from ._common import assessment_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def pdf(request, pk):
    assessment = assessment_or_404(request, pk)
    return _document(assessment_pdf(assessment), "application/pdf", "inline", _filename(assessment, "pdf"))


@login_required
def xlsx(request, pk):
    assessment = assessment_or_404(request, pk)
    return _document(assessment_xlsx(assessment), XLSX, "attachment", _filename(assessment, "xlsx"))


def _filename(assessment, extension: str) -> str:
    return f"assessment-{assessment.period.year}-{assessment.pk}.{extension}"


def _document(data, content_type: str, disposition: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
