"""The offline round trip: the form as a pre-filled workbook, and that workbook uploaded (reporting/assessments/
workbook.py reads it, workbook_apply saves it with the form's own services, all or nothing)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reform_portal.access import AssessmentPolicy
from reform_portal.audit.services import record_export

from .. import services
from ..services.workbook import CellProblem, WorkbookRefused, workbook_apply
from ..workbook import assessment_workbook, workbook_read
from ._common import assessment_or_404, refuse
from .exports import XLSX, _document
from .page import assessment_page

UPLOAD_FIELD = "workbook"


@login_required
def workbook_download(request, pk):
    """Anyone who sees the form may take it offline; only those who fill it in may upload it back."""
    assessment = assessment_or_404(request, pk)
    record_export(request, "assessment_workbook", target=assessment)
    filename = f"self-assessment-{assessment.period.year}-{assessment.pk}-v{assessment.version}.xlsx"
    return _document(assessment_workbook(assessment), XLSX, "attachment", filename)


@login_required
@require_POST
def workbook_upload(request, pk):
    assessment = assessment_or_404(request, pk)
    # the role, before the file is read (as the autosaves refuse before the body is judged)
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.EDIT, assessment):
        raise PermissionDenied
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        problems = [CellProblem(0, "", _("请选择要上传的 Excel 文件。"))]
        return _refused(request, assessment, problems, status=400)
    try:
        form_pk, form_version, rows = workbook_read(upload)
        if form_pk != assessment.pk:
            raise WorkbookRefused([CellProblem(0, "", _("这份文件是另一份自评表的，请从本页下载后再填写。"))])
        result = workbook_apply(assessment=assessment, by=request.user, form_version=form_version, rows=rows)
    except WorkbookRefused as exc:
        return _refused(request, assessment, exc.problems, status=409 if exc.stale else 400, stale=exc.stale)
    except services.AssessmentError as exc:
        return refuse(request, assessment, exc.message)
    messages.success(
        request,
        _("已从 Excel 保存 %(saved)d 项答案（%(same)d 项与网页上相同，未改动）。")
        % {"saved": result.saved, "same": result.unchanged},
    )
    # the completeness check, shown as after a refused submission: each problem at its field
    problems = services.assessment_problems(assessment=assessment)
    if problems:
        return assessment_page(request, assessment_or_404(request, pk), problems=problems)
    messages.info(request, _("自评表已填写完整，可以提交。"))
    return redirect("reporting:assessments:detail", pk=pk)


def _refused(request, assessment, problems, *, status: int, stale: bool = False):
    """The form page with the file's problems listed above it, by row and column; nothing was saved."""
    return assessment_page(
        request,
        assessment_or_404(request, assessment.pk),
        workbook_problems=problems,
        workbook_stale=stale,
        status=status,
    )
