"""The liaisons' pages: assign / end on the enterprise's page, "我联系的企业", and the 直通车 visits (list with filters,
export, form, detail, edit). Rows are loaded through the access policy first (out of scope: 404), then the action is
asked of `LiaisonPolicy` (not allowed: 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.models import Enterprise
from enterprises.place_filters import counties_for, prefectures_for
from reform_portal.access import EnterprisePolicy, LiaisonPolicy
from reform_portal.audit.services import record_export
from reform_portal.paging import IdsFirstPaginator
from reform_portal.service_errors import errors_to_form
from reform_portal.versioning import StaleEdit

from . import services
from .exporting import export_max_rows, visits_workbook
from .filters import VisitFilter
from .forms import AssignForm, VisitForm
from .selectors import (
    assignments_visible,
    last_visits,
    my_assignments,
    visit_detail_queryset,
    visit_rows,
    visits_visible,
)

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refuse_unless(user, action, obj=None):
    if not LiaisonPolicy.can(user, action, obj):
        raise PermissionDenied


def _enterprise(request, pk):
    return get_object_or_404(
        EnterprisePolicy.visible(request.user, Enterprise.objects.select_related("region__parent", "county")), pk=pk
    )


def _back_to_enterprise(enterprise) -> str:
    return f"{reverse('enterprises:detail', args=[enterprise.pk])}#enterprise-liaisons"


# Assignments -----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def assign(request, enterprise_pk):
    enterprise = _enterprise(request, enterprise_pk)
    _refuse_unless(request.user, LiaisonPolicy.ASSIGN, enterprise)
    form = AssignForm(request.POST, people=services.assignment_choices(enterprise))
    if form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.assignment_create(
                enterprise=enterprise, user=data["user"], role=data["role"], by=request.user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("已指派 %(user)s 为“%(name)s”的%(role)s。")
                % {"user": assignment.user.username, "name": enterprise.name, "role": assignment.get_role_display()},
            )
            return redirect(_back_to_enterprise(enterprise))
    context = {"enterprise": enterprise, "form": form}
    return render(request, "liaisons/assign_form.html", context, status=400)


@login_required
@require_POST
def end(request, pk):
    assignment = get_object_or_404(
        assignments_visible(user=request.user).select_related("enterprise__region", "user"), pk=pk
    )
    _refuse_unless(request.user, LiaisonPolicy.END, assignment)
    try:
        services.assignment_end(assignment=assignment, by=request.user)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(
            request,
            _("已结束 %(user)s 的%(role)s指派。")
            % {"user": assignment.user.username, "role": assignment.get_role_display()},
        )
    return redirect(_back_to_enterprise(assignment.enterprise))


@login_required
@require_GET
def mine(request):
    """我联系的企业: the enterprises the current user is assigned to, with their last visit."""
    _refuse_unless(request.user, LiaisonPolicy.MINE)
    rows = my_assignments(user=request.user)
    last = last_visits({a.enterprise_id for a in rows})
    for a in rows:
        a.last_visit = last.get(a.enterprise_id)
        a.can_log = LiaisonPolicy.can(request.user, LiaisonPolicy.LOG, a.enterprise)
    return render(request, "liaisons/mine.html", {"rows": rows})


# Visits ----------------------------------------------------------------------------------------------------------


def _filtered(request) -> VisitFilter:
    return VisitFilter(
        request.GET or None,
        queryset=visits_visible(user=request.user),
        prefectures=prefectures_for(request.user),
        counties=counties_for(request.user),
    )


@login_required
@require_GET
def visit_list(request):
    _refuse_unless(request.user, LiaisonPolicy.VISITS)
    filterset = _filtered(request)
    page = IdsFirstPaginator(filterset.qs, PAGE_SIZE, fetch=visit_rows).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "can_mine": LiaisonPolicy.can(request.user, LiaisonPolicy.MINE),
    }
    return render(request, "liaisons/visit_list.html", context)


@login_required
@require_GET
def visit_export(request):
    """The list as filtered, every page of it (at most `export_max_rows()` rows), as .xlsx."""
    _refuse_unless(request.user, LiaisonPolicy.VISITS)
    cap = export_max_rows()
    ids = list(_filtered(request).qs.values_list("pk", flat=True)[: cap + 1])
    if len(ids) > cap:
        messages.error(request, _("导出的走访记录超过 %(n)s 条，请先筛选。") % {"n": cap})
        return redirect(f"{reverse('liaisons:visit_list')}?{request.GET.urlencode()}")
    response = HttpResponse(content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''visits-{stamp}.xlsx"
    visits_workbook(ids).save(response)
    record_export(request, "visits")
    return response


def _visit_values(data) -> dict:
    return {name: data[name] for name in services.VISIT_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request, enterprise_pk):
    enterprise = _enterprise(request, enterprise_pk)
    _refuse_unless(request.user, LiaisonPolicy.LOG, enterprise)
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_log(enterprise=enterprise, by=request.user, **_visit_values(form.cleaned_data))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已记录对“%(name)s”的走访。") % {"name": enterprise.name})
            return redirect("liaisons:visit_detail", pk=visit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "liaisons/visit_form.html", {"form": form, "enterprise": enterprise}, status=status)


def _visit(request, pk):
    _refuse_unless(request.user, LiaisonPolicy.VISITS)  # an enterprise's users: 403, as the API
    return get_object_or_404(visit_detail_queryset(user=request.user), pk=pk)


@login_required
@require_GET
def visit_detail(request, pk):
    visit = _visit(request, pk)
    context = {
        "visit": visit,
        "can_change": LiaisonPolicy.can(request.user, LiaisonPolicy.CHANGE_VISIT, visit),
    }
    return render(request, "liaisons/visit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    visit = _visit(request, pk)
    _refuse_unless(request.user, LiaisonPolicy.CHANGE_VISIT, visit)
    initial = {name: getattr(visit, name) for name in services.VISIT_FIELDS}
    form = VisitForm(request.POST or None, initial={**initial, "version": visit.version})
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_update(visit=visit, expected_version=data["version"], by=request.user, **_visit_values(data))
        except StaleEdit as exc:
            stale = exc
            form.add_error(None, exc.message)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存走访记录的修改。"))
            return redirect("liaisons:visit_detail", pk=visit.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "enterprise": visit.enterprise, "visit": visit, "stale": stale}
    return render(request, "liaisons/visit_form.html", context, status=status)
