"""The job's page (polled by htmx while it runs), its file, and the user's list of jobs."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from reform_portal.access import JobPolicy
from reform_portal.audit.services import record_download

from .models import Job
from .work import job_result

PAGE_SIZE = 20
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job(request, pk) -> Job:
    return get_object_or_404(JobPolicy.visible(request.user, Job.objects.select_related("owner")), pk=pk)


@login_required
def job_list(request):
    jobs = Job.objects.filter(owner=request.user).order_by("-created_at", "-pk")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    # the rows refresh themselves (htmx) while a job of the page is queued or running
    context = {"page": page, "running": any(not job.finished for job in page)}
    if getattr(request, "htmx", False):
        return render(request, "jobs/partials/job_rows.html", context)
    return render(request, "jobs/job_list.html", context)


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    result = job_result(job)
    then = getattr(result, "then", "")
    # A job done that takes its user back where they came from (the self-assessment's workbook, saved): the answer
    # to the page's poll while it ran, or to the page the upload sent them to (`?then=1`). Opened later (我的任务),
    # the page shows the outcome with the way back.
    if then and job.owner_id == request.user.pk:
        if getattr(request, "htmx", False):
            return HttpResponse(headers={"HX-Redirect": then})
        if request.GET.get("then"):
            return redirect(then)
    context = {
        "job": job,
        "result": result,
        "may_download": JobPolicy.can(request.user, JobPolicy.DOWNLOAD, job),
    }
    if getattr(request, "htmx", False):  # the poll: the status block alone
        return render(request, "jobs/partials/job_status.html", context)
    return render(request, "jobs/job_detail.html", context)


@login_required
def job_download(request, pk):
    job = _job(request, pk)
    if not job.result_file:
        raise Http404
    if not JobPolicy.can(request.user, JobPolicy.DOWNLOAD, job):
        raise PermissionDenied
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(request, f"job:{job.kind}", target=job)
    return FileResponse(handle, as_attachment=True, filename=job.result_name or "result.xlsx", content_type=XLSX_TYPE)
