"""The progress of many enterprises by workbook (measures/progress_workbook.py): the officer picks a measure for the
enterprise list's current filter, downloads the rows in their charge pre-filled, fills them in without the portal
and uploads the file. The upload runs as a background job (reform_portal.jobs, issue 12): the page checks the file
(size, an .xlsx by its content) and stores it under a job; a worker reads it, judges every row by the progress rule
and saves all or nothing (measures.progress_workbook); the job's page shows the rows changed or each problem at its
cell (a file older than an edit: nothing saved, download again). Only roles that may update progress reach it; the
rows never leave their charge (the list's own scope, checked again by the job as the user)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from measures.models import Measure
from measures.progress_workbook import MAX_ROWS, CellProblem, progress_workbook
from reform_portal.access import EnterprisePolicy
from reform_portal.audit.services import record_export
from reform_portal.jobs.models import Job
from reform_portal.jobs.services import job_submit
from reform_portal.uploads import CONTENT_TYPES, check_upload
from reform_portal.uploads import XLSX as XLSX_EXTENSION

from .bulk_selection import BulkValues, enterprise_filter, filter_is_valid, filter_params, selected_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MeasureChoiceForm(forms.Form):
    measure = forms.ModelChoiceField(
        label=gettext_lazy("措施"),
        queryset=Measure.objects.tracked().select_related("document").order_by("document__issued_on", "position"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].label_from_instance = lambda m: m.label


class UploadForm(forms.Form):
    workbook = forms.FileField(error_messages={"required": gettext_lazy("请选择要上传的 Excel 文件。")})

    def clean_workbook(self):
        """The cheap checks, before the job is queued: size, and that it is an .xlsx by content (the worker reads
        the rows)."""
        upload = self.cleaned_data["workbook"]
        if check_upload(upload).content_type != CONTENT_TYPES[XLSX_EXTENSION]:
            raise ValidationError(_("请上传 Excel（.xlsx）文件。"))
        return upload


def _refuse_role(request):
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def progress_workbook_page(request):
    _refuse_role(request)  # before anything is read or validated
    params = filter_params(request.GET)
    query = params.urlencode()
    context = {
        "query": query,
        "list_url": reverse("enterprises:list") + (f"?{query}" if query else ""),
        "form": MeasureChoiceForm(request.GET if "measure" in request.GET else None),
        "problems": [],
        "stale": False,
        "max_rows": MAX_ROWS,
        "filter_valid": filter_is_valid(enterprise_filter(request, params)),
    }
    status = 200
    if request.method == "POST":
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            job = job_submit(
                kind=Job.Kind.PROGRESS_WORKBOOK,
                owner=request.user,
                parameters={"back": context["list_url"], "query": query},
                upload=upload.cleaned_data["workbook"],
            )
            return redirect("jobs:detail", pk=job.pk)
        context["problems"] = [CellProblem(0, "", m) for m in upload.errors.get("workbook", [])]
        status = 400
    return render(request, "enterprises/progress_workbook.html", context, status=status)


@login_required
def progress_workbook_download(request):
    _refuse_role(request)
    params = filter_params(request.GET)
    filterset = enterprise_filter(request, params)
    form = MeasureChoiceForm(request.GET)
    back = reverse("enterprises:progress_workbook") + (f"?{params.urlencode()}" if params else "")
    if not filter_is_valid(filterset) or not form.is_valid():
        messages.error(request, _("请先选择措施（筛选条件无效时请回到企业列表重新筛选）。"))
        return redirect(back)
    measure = form.cleaned_data["measure"]
    rows = selected_rows(filterset, BulkValues(measure=measure, current="", status="", percent=0, note=""))
    rows = rows.annotate(credit_code=F("enterprise__credit_code")).only(
        "id", "enterprise_id", "status", "percent", "note", "version", "updated_at"
    )
    rows = list(rows.order_by("enterprise_name", "pk")[: MAX_ROWS + 1])
    if len(rows) > MAX_ROWS:
        messages.error(request, _("筛选结果超过 %(n)d 条，请缩小筛选范围后再下载。") % {"n": MAX_ROWS})
        return redirect(back)
    record_export(request, "progress_workbook")
    response = HttpResponse(progress_workbook(rows, measure=measure), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="progress-{measure.code}.xlsx"'
    return response
