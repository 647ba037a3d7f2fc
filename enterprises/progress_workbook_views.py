"""The progress of many enterprises by workbook (measures/progress_workbook.py): the officer picks a measure for the
enterprise list's current filter, downloads the rows in their charge pre-filled, fills them in without the portal
and uploads the file: every row judged by the progress rule, each problem at its cell, nothing saved unless all
pass, a file older than an edit refused (409). Only roles that may update progress reach it; the rows never leave
their charge (the list's own scope, checked again on upload)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from measures.models import Measure
from measures.progress_workbook import (
    MAX_ROWS,
    CellProblem,
    ProgressWorkbookRefused,
    progress_workbook,
    progress_workbook_apply,
    progress_workbook_read,
)
from reform_portal.access import EnterprisePolicy
from reform_portal.audit.services import record_export

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
        upload = request.FILES.get("workbook")
        try:
            if upload is None:
                raise ProgressWorkbookRefused([CellProblem(0, "", _("请选择要上传的 Excel 文件。"))])
            result = progress_workbook_apply(user=request.user, rows=progress_workbook_read(upload))
        except ProgressWorkbookRefused as exc:
            context["problems"] = exc.problems
            context["stale"], status = exc.stale, 409 if exc.stale else 400
        else:
            messages.success(
                request,
                _("已从 Excel 更新 %(n)d 条进度（%(same)d 条未改动）。")
                % {"n": result.updated, "same": result.unchanged},
            )
            return redirect(context["list_url"])
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
