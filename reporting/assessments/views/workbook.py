"""The offline round trip: the form as a pre-filled workbook, and that workbook uploaded (reporting/assessments/
workbook.py reads it, workbook_apply saves it with the form's own rules, all or nothing, in a background job)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reform_portal.access import AssessmentPolicy
from reform_portal.audit.services import record_export
from reform_portal.jobs.models import Job
from reform_portal.jobs.services import job_submit
from reform_portal.uploads import CONTENT_TYPES, check_upload
from reform_portal.uploads import XLSX as XLSX_EXTENSION

from ..services.state import not_editable_reason
from ..services.workbook import CellProblem
from ..workbook import assessment_workbook
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
    """The upload is a background job (reform_portal.jobs, kind 上传自评离线填报表): the page checks what is cheap —
    who, the form's state, the file's size and that it is an .xlsx by its content (`uploads.check_upload`: archives'
    members, ratios) — stores the file under a job and sends the user to the job's page; a worker reads, judges and
    saves it (`workbook.workbook_import`), and the user is taken back to the form."""
    assessment = assessment_or_404(request, pk)
    # the role, before the file is read (as the autosaves refuse before the body is judged)
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.EDIT, assessment):
        raise PermissionDenied
    reason = not_editable_reason(assessment)
    if reason:  # submitted: nothing to upload into (the worker checks again, under the form's lock)
        return refuse(request, assessment, reason)
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        problems = [CellProblem(0, "", _("请选择要上传的 Excel 文件。"))]
        return _refused(request, assessment, problems, status=400)
    try:
        if check_upload(upload).content_type != CONTENT_TYPES[XLSX_EXTENSION]:
            raise ValidationError(_("请上传 Excel（.xlsx）文件。"))
    except ValidationError as exc:
        return _refused(request, assessment, [CellProblem(0, "", m) for m in exc.messages], status=400)
    job = job_submit(
        kind=Job.Kind.ASSESSMENT_WORKBOOK,
        owner=request.user,
        parameters={"assessment": assessment.pk, "back": reverse("reporting:assessments:detail", args=[pk])},
        upload=upload,
    )
    return redirect(reverse("jobs:detail", args=[job.pk]) + "?then=1")


def _refused(request, assessment, problems, *, status: int, stale: bool = False):
    """The form page with the file's problems listed above it, by row and column; nothing was saved."""
    return assessment_page(
        request,
        assessment_or_404(request, assessment.pk),
        workbook_problems=problems,
        workbook_stale=stale,
        status=status,
    )
