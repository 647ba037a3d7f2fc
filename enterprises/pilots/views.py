"""The pilots' pages: the list (filters, pages, export), a pilot's page (its funds, the form to record one, the end of
the pilot), and the designation form (from the enterprise's page or the list). Rows are loaded through
`PilotPolicy.visible` first (out of scope: 404), then the action is asked of the policy (not allowed: 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.models import Enterprise, Region
from enterprises.place_filters import prefectures_for
from reform_portal.access import EnterprisePolicy, PilotPolicy
from reform_portal.audit.services import record_export
from reform_portal.paging import IdsFirstPaginator
from reform_portal.service_errors import errors_to_form
from reform_portal.versioning import StaleEdit

from . import services
from .exporting import EXPORT_MAX_ROWS, pilots_workbook
from .filters import PilotFilter
from .forms import DesignationForm, EndForm, FindForm, FundForm
from .selectors import (
    applicable_measures_for,
    funds_of,
    pilot_detail_queryset,
    pilot_rows,
    pilots_visible,
    totals_of,
)

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refuse_unless_may_list(request):
    if not PilotPolicy.can(request.user, PilotPolicy.LIST):
        raise PermissionDenied


def _filtered(request) -> PilotFilter:
    return PilotFilter(
        request.GET or None,
        queryset=pilots_visible(user=request.user),
        prefectures=prefectures_for(request.user),
    )


@login_required
@require_GET
def pilot_list(request):
    _refuse_unless_may_list(request)
    filterset = _filtered(request)
    qs = filterset.qs
    page = IdsFirstPaginator(qs, PAGE_SIZE, fetch=pilot_rows).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "can_designate": PilotPolicy.can(request.user, PilotPolicy.DESIGNATE),
        "find_form": FindForm(),
    }
    return render(request, "pilots/pilot_list.html", context)


@login_required
@require_GET
def pilot_export(request):
    """The list as filtered, every page of it (at most EXPORT_MAX_ROWS rows), as .xlsx."""
    _refuse_unless_may_list(request)
    filterset = _filtered(request)
    qs = filterset.qs
    ids = list(qs.values_list("pk", flat=True)[: EXPORT_MAX_ROWS + 1])
    if len(ids) > EXPORT_MAX_ROWS:
        messages.error(request, _("导出的试点超过 %(n)s 条，请先筛选。") % {"n": EXPORT_MAX_ROWS})
        return redirect(f"{reverse('pilots:list')}?{request.GET.urlencode()}")
    response = HttpResponse(content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''pilots-{stamp}.xlsx"
    pilots_workbook(ids).save(response)
    record_export(request, "pilots")
    return response


@login_required
@require_GET
def pilot_find(request):
    """The list's "认定试点企业": an enterprise the user may designate, by its credit code."""
    if not PilotPolicy.can(request.user, PilotPolicy.DESIGNATE):
        raise PermissionDenied
    form = FindForm(request.GET)
    if form.is_valid():
        enterprise = (
            EnterprisePolicy.visible(request.user, Enterprise.objects.filter(credit_code=form.cleaned_data["code"]))
            .select_related("region")
            .first()
        )
        if enterprise is not None and PilotPolicy.can(request.user, PilotPolicy.DESIGNATE, enterprise):
            return redirect("pilots:designate", enterprise_pk=enterprise.pk)
        messages.error(request, _("未找到该信用代码的企业，或您不能认定该企业为试点（不在您负责的省或州（市））。"))
    else:
        messages.error(request, _("请填写企业的统一社会信用代码。"))
    return redirect("pilots:list")


def _designation_form(request, enterprise, *, designation=None):
    regions = Region.objects.filter(pk__in=PilotPolicy.designating_region_ids(request.user, enterprise)).order_by(
        "code"
    )
    measures = applicable_measures_for(enterprise)
    if designation is not None and request.method != "POST":
        initial = {
            "region": designation.region_id,
            "document_number": designation.document_number,
            "designated_on": designation.designated_on,
            "measures": [m.pk for m in designation.measures.all()],
            "note": designation.note,
            "version": designation.version,
        }
        return DesignationForm(initial=initial, regions=regions, measures=measures)
    initial = {"designated_on": timezone.localdate()}
    data = request.POST if request.method == "POST" else None
    return DesignationForm(data, initial=initial, regions=regions, measures=measures)


@login_required
@require_http_methods(["GET", "POST"])
def pilot_designate(request, enterprise_pk):
    enterprise = get_object_or_404(
        EnterprisePolicy.visible(request.user, Enterprise.objects.select_related("region__parent")), pk=enterprise_pk
    )
    if not PilotPolicy.can(request.user, PilotPolicy.DESIGNATE, enterprise):
        raise PermissionDenied
    form = _designation_form(request, enterprise)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            designation = services.pilot_designate(
                enterprise=enterprise,
                region=data["region"],
                document_number=data["document_number"],
                designated_on=data["designated_on"],
                measures=data["measures"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已认定“%(name)s”为试点企业。") % {"name": enterprise.name})
            return redirect("pilots:detail", pk=designation.pk)
    return render(request, "pilots/pilot_form.html", {"form": form, "enterprise": enterprise, "designation": None})


def _designation(request, pk):
    return get_object_or_404(pilot_detail_queryset(user=request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def pilot_edit(request, pk):
    designation = _designation(request, pk)
    if not PilotPolicy.can(request.user, PilotPolicy.CHANGE, designation):
        raise PermissionDenied
    enterprise = designation.enterprise
    form = _designation_form(request, enterprise, designation=designation)
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pilot_update(
                designation=designation,
                expected_version=data["version"],
                region=data["region"],
                document_number=data["document_number"],
                designated_on=data["designated_on"],
                measures=data["measures"],
                note=data["note"],
                by=request.user,
            )
        except StaleEdit as exc:
            stale = exc
            form.add_error(None, exc.message)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存试点认定的修改。"))
            return redirect("pilots:detail", pk=designation.pk)
    context = {"form": form, "enterprise": enterprise, "designation": designation, "stale": stale}
    return render(request, "pilots/pilot_form.html", context)


def _detail_context(request, designation, **forms):
    can_change = PilotPolicy.can(request.user, PilotPolicy.CHANGE, designation)
    today = timezone.localdate()
    return {
        "designation": designation,
        "row": pilot_rows([designation.pk])[0],
        "funds": funds_of(designation),
        "totals": totals_of(designation),
        "can_change": can_change,
        "fund_form": forms.get("fund_form") or (FundForm(initial={"on_date": today}) if can_change else None),
        "end_form": forms.get("end_form")
        or (EndForm(initial={"ends_on": today, "version": designation.version}) if can_change else None),
    }


@login_required
@require_GET
def pilot_detail(request, pk):
    designation = _designation(request, pk)
    return render(request, "pilots/pilot_detail.html", _detail_context(request, designation))


@login_required
@require_POST
def pilot_fund_add(request, pk):
    designation = _designation(request, pk)
    if not PilotPolicy.can(request.user, PilotPolicy.CHANGE, designation):
        raise PermissionDenied
    form = FundForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.fund_record(
                designation=designation,
                kind=data["kind"],
                amount=data["amount"],
                on_date=data["on_date"],
                purpose=data["purpose"],
                by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已记录试点工作经费。"))
            return redirect("pilots:detail", pk=designation.pk)
    context = _detail_context(request, designation, fund_form=form)
    return render(request, "pilots/pilot_detail.html", context, status=400)


@login_required
@require_POST
def pilot_end(request, pk):
    designation = _designation(request, pk)
    if not PilotPolicy.can(request.user, PilotPolicy.CHANGE, designation):
        raise PermissionDenied
    form = EndForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.pilot_end(
                designation=designation,
                expected_version=data["version"],
                ends_on=data["ends_on"],
                note=data["note"] or None,
                by=request.user,
            )
        except StaleEdit as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("试点已结束。"))
            return redirect("pilots:detail", pk=designation.pk)
    context = _detail_context(request, designation, end_form=form)
    return render(request, "pilots/pilot_detail.html", context, status=400)
