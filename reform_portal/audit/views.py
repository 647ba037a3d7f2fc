from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reform_portal.access import AuditPolicy
from reform_portal.jobs.models import Job
from reform_portal.jobs.services import export_is_large, job_submit

from .choices import LABELS
from .exports import entries_workbook
from .selectors import audit_entries
from .services import record_export

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def entry_list(request):
    if not AuditPolicy.can(request.user, AuditPolicy.VIEW):
        raise PermissionDenied
    filterset = audit_entries(user=request.user, params=request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), "labels": LABELS}
    return render(request, "audit/entry_list.html", context)


@login_required
@require_GET
def entry_export(request):
    if not AuditPolicy.can(request.user, AuditPolicy.EXPORT):
        raise PermissionDenied
    filterset = audit_entries(user=request.user, params=request.GET)
    if export_is_large(filterset.qs):  # written by a worker (reform_portal/jobs/), followed on the job's page
        filters = {k: v[0] if len(v) == 1 else v for k, v in request.GET.lists()}
        job = job_submit(kind=Job.Kind.AUDIT_EXPORT, owner=request.user, parameters={"filters": filters})
        record_export(request, "audit", target=job)
        return redirect("jobs:detail", pk=job.pk)
    content = entries_workbook(filterset.qs)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    record_export(request, "audit")
    return response
