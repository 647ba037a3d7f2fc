from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from measures.forms import BulkProgressForm, IndicatorValueForm
from measures.selectors import group_progress, indicator_rows, progress_for_enterprise
from measures.services import progress_bulk_update
from reform_portal.access import EnterprisePolicy, GroupGrantPolicy
from reform_portal.audit.services import record_export
from reform_portal.inbox.choices import VisitedPage
from reform_portal.inbox.visits import visit
from reform_portal.jobs.models import Job
from reform_portal.jobs.services import export_is_large, job_submit
from reform_portal.paging import IdsFirstPaginator
from reform_portal.service_errors import errors_to_form
from reform_portal.versioning import StaleEdit

from .activity import activity_page
from .changed_since import changed_ids
from .exporting import enterprises_workbook
from .filters import EnterpriseFilter, list_segments, sort_headers
from .forms import ActivityFilterForm, EnterpriseForm, ImportForm
from .importing import template_workbook
from .selectors import (
    enterprise_changes,
    enterprises_in_charge,
    enterprises_listed,
    enterprises_visible,
    rows_shown,
    subsidiaries_visible,
)
from .services import enterprise_create, enterprise_update, register_differences

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 25
HISTORY_PREVIEW = 50  # changes shown on the enterprise page; the rest on its history page
HISTORY_PAGE_SIZE = 50

# The form picks the prefecture through the county: the service's `region` is the form's `county`.
FORM_NAMES = {"region": "county"}


def _refuse_unless_may_list(request):
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.LIST):
        raise PermissionDenied


def _filtered(request) -> EnterpriseFilter:
    qs = enterprises_in_charge(user=request.user).order_by("region__code", "name")
    return EnterpriseFilter(request.GET or None, queryset=qs, request=request)


def _xlsx_response(workbook, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    workbook.save(response)
    return response


@login_required
def enterprise_list(request):
    _refuse_unless_may_list(request)
    # Filter, sort and page the ids, then read the page's rows and figures by their ids (reform_portal/paging.py).
    qs = enterprises_listed(user=request.user).order_by("region__code", "name", "pk")
    # "changed since my last visit": this visit noted, the one before compared with (marks, `?changed=1`)
    request.last_visit = visit(user=request.user, page=VisitedPage.ENTERPRISES)
    filterset = EnterpriseFilter(request.GET or None, queryset=qs, request=request)
    segments = partial(list_segments, prefectures=filterset.prefectures())
    fetch = partial(_rows_marked, since=request.last_visit)
    paginator = IdsFirstPaginator(filterset.qs, PAGE_SIZE, fetch=fetch, segments=segments, counted=filterset.kept_count)
    # "next" and "previous" carry the boundary row of this page: the neighbour is sought from it, not skipped to
    page = paginator.get_page(request.GET.get("page"), after=request.GET.get("after"), before=request.GET.get("before"))
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    can_update = EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "sort_headers": sort_headers(request.GET),
        "can_update": can_update,
        "can_add": EnterprisePolicy.can(request.user, EnterprisePolicy.ADD),
        "bulk_form": BulkProgressForm() if can_update else None,
        "last_visit": request.last_visit,
    }
    return render(request, "enterprises/enterprise_list.html", context)


def _rows_marked(ids, *, since):
    """The page's rows, those changed since the last visit marked (`changed_since_visit`; one query more)."""
    rows = rows_shown(ids)
    changed = changed_ids(ids, since)
    for row in rows:
        row.changed_since_visit = row.pk in changed
    return rows


@login_required
def enterprise_export(request):
    """The list as filtered on the page, every page of it, as .xlsx."""
    _refuse_unless_may_list(request)
    filterset = _filtered(request)
    if export_is_large(filterset.qs):
        # too many rows to write while a web worker waits: a worker writes the file (reform_portal/jobs/)
        filters = {k: v[0] if len(v) == 1 else v for k, v in request.GET.lists()}
        job = job_submit(kind=Job.Kind.ENTERPRISE_EXPORT, owner=request.user, parameters={"filters": filters})
        record_export(request, "enterprises", target=job)
        return redirect("jobs:detail", pk=job.pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = _xlsx_response(enterprises_workbook(filterset.qs), f"enterprises-{stamp}.xlsx")
    record_export(request, "enterprises")
    return response


@login_required
def enterprise_import_template(request):
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.ADD):
        raise PermissionDenied
    response = _xlsx_response(template_workbook(user=request.user), "enterprise-template.xlsx")
    record_export(request, "enterprise_import_template")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.ADD):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # the file's size and type are checked here (ImportForm); a worker reads, checks and writes its rows, all
        # or nothing (enterprises_import), and the job's page shows the report (reform_portal/jobs/)
        job = job_submit(kind=Job.Kind.ENTERPRISE_IMPORT, owner=request.user, upload=form.cleaned_data["file"])
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "enterprises/enterprise_import.html", {"form": form, "result": None})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create_view(request):
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.ADD):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = enterprise_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            errors_to_form(form, exc, renamed=FORM_NAMES)
        else:
            messages.success(request, _("已新增企业“%(name)s”。") % {"name": enterprise.name})
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": None})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, pk):
    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=pk)
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.CHANGE, enterprise):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, instance=enterprise, user=request.user)
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enterprise_update(enterprise=enterprise, data=data, by=request.user, expected_version=data["version"])
        except StaleEdit as exc:
            # Show the newer values beside the officer's own; the form keeps the officer's values but now
            # carries the newer version, so submitting it again means “keep mine” knowingly.
            stale = _stale_context(exc.current, data)
            initial = {f: v for f, v in data.items() if f in form.fields}
            # The location the officer chose: their county, or the prefecture when it has none.
            initial["county"] = data.get("county") or data.get("region")
            form = EnterpriseForm(
                instance=exc.current,
                initial={**initial, "version": exc.current.version},
                user=request.user,
                keep_mine=True,
            )
        except ValidationError as exc:
            errors_to_form(form, exc, renamed=FORM_NAMES)
        else:
            messages.success(request, _("已保存企业信息。"))
            return redirect("enterprises:detail", enterprise.pk)
    enterprise.refresh_from_db()
    context = {"form": form, "enterprise": enterprise, "stale": stale}
    return render(request, "enterprises/enterprise_form.html", context, status=409 if stale else 200)


def _stale_context(current, data) -> dict:
    last = enterprise_changes(enterprise=current, limit=1)
    return {
        "current": current,
        "changed_by": last[0].changed_by if last else None,
        "differences": register_differences(current=current, data=data),
    }


@login_required
def enterprise_detail(request, pk):
    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=pk)
    can_update = EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, enterprise)
    rows = list(progress_for_enterprise(enterprise=enterprise))
    year = timezone.localdate().year
    # One more than shown, to know whether to link to the full history.
    changes = enterprise_changes(enterprise=enterprise, limit=HISTORY_PREVIEW + 1)
    subsidiaries = list(subsidiaries_visible(enterprise=enterprise, user=request.user))
    parent = enterprise.parent
    context = {
        "enterprise": enterprise,
        # The parent's page is linked only for those who may open it; its name is part of this entry either way.
        "parent_visible": parent is not None and EnterprisePolicy.can(request.user, EnterprisePolicy.VIEW, parent),
        "subsidiaries": subsidiaries,
        # Officers and admins manage which subsidiaries the group's users fill in for (enterprises.group_views).
        "can_manage_group": bool(subsidiaries) and GroupGrantPolicy.can(request.user, GroupGrantPolicy.MANAGE),
        "can_list": EnterprisePolicy.can(request.user, EnterprisePolicy.LIST),
        "grouped": group_progress(rows),
        "can_update": can_update,
        "can_change": can_update and EnterprisePolicy.can(request.user, EnterprisePolicy.CHANGE, enterprise),
        "year": year,
        "indicators": indicator_rows(enterprise=enterprise, year=year, progress_rows=rows),
        "indicator_form": IndicatorValueForm() if can_update else None,
        "changes": changes[:HISTORY_PREVIEW],
        "more_changes": len(changes) > HISTORY_PREVIEW,
        "done": sum(1 for p in rows if p.status in ("done", "ongoing")),
        "applicable": len(rows),
    }
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
@require_GET
def enterprise_history(request, pk):
    """The enterprise's 全部记录: its activity feed (enterprises.activity), filtered and paginated; visible to
    whoever may see the enterprise page (the self-assessment's rows to whoever may see the form)."""
    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=pk)
    form = ActivityFilterForm(request.GET or None, enterprise=enterprise)
    page = activity_page(
        enterprise=enterprise,
        user=request.user,
        filters=form.filters(),
        number=request.GET.get("page"),
        per_page=HISTORY_PAGE_SIZE,
    )
    context = {"enterprise": enterprise, "page": page, "form": form, "filtered": form.is_bound and form.has_changed()}
    return render(request, "enterprises/enterprise_history.html", context)


@login_required
@require_POST
def bulk_progress(request):
    """One measure's status for the enterprises ticked on the list: all of them or none."""
    # Refused before the body is validated: only roles that may update progress (officers, administrators: as
    # on the list page), and only for enterprises in their charge. The service checks both again as it writes.
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS):
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("enterprises") if v.isdecimal()]
    if enterprises_visible(user=request.user).filter(pk__in=ids).count() != len(set(ids)):
        raise PermissionDenied
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("enterprises:list")
    form = BulkProgressForm(request.POST, enterprise_ids=ids)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect(back)
    data = form.cleaned_data
    try:
        result = progress_bulk_update(
            user=request.user,
            enterprise_ids=data["enterprises"],
            measure=data["measure"],
            status=data["status"],
            percent=data["percent"],
            note=data["note"],
        )
    except ValidationError as exc:
        messages.error(request, _("批量更新未执行，以下企业需要先处理：") + "；".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("已将 %(code)s 更新到 %(n)d 家企业（%(same)d 家原已是该状态）。")
        % {"code": data["measure"].code, "n": len(result.updated), "same": len(result.unchanged)},
    )
    return redirect(back)
