"""The orders' pages: the list (filters, pages, light badges, export), an order's page (its measures, the timeline
of replies and decisions, the reply form for the enterprise's side, accept / return for the issuer's side), the
issue form (from an enterprise's page, or for every enterprise the enterprise list's filter selects), and the reply
files. Rows are loaded through `OrderPolicy.visible` first (out of scope: 404), then the action is asked of the
policy (not allowed: 403)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.models import Enterprise
from enterprises.place_filters import prefectures_for
from measures.applicability import applicable_measures
from measures.models import Measure
from reform_portal.access import OrderPolicy
from reform_portal.audit.services import record_download, record_export
from reform_portal.paging import IdsFirstPaginator
from reform_portal.service_errors import errors_to_form
from reform_portal.versioning import StaleEdit

from . import services
from .exporting import orders_workbook
from .filters import OrderFilter
from .forms import DecisionForm, IssueForm, ReplyForm
from .models import OrderReplyFile
from .selectors import order_detail_queryset, order_rows, order_timeline, orders_visible

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refuse_unless(user, action, obj=None):
    if not OrderPolicy.can(user, action, obj):
        raise PermissionDenied


def _filtered(request) -> OrderFilter:
    return OrderFilter(
        request.GET or None,
        request=request,
        queryset=orders_visible(user=request.user),
        prefectures=prefectures_for(request.user),
    )


@login_required
@require_GET
def order_list(request):
    _refuse_unless(request.user, OrderPolicy.LIST)
    filterset = _filtered(request)
    page = IdsFirstPaginator(filterset.qs, PAGE_SIZE, fetch=order_rows).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "rows": page.object_list, "query": query.urlencode()}
    return render(request, "supervision/order_list.html", context)


@login_required
@require_GET
def order_export(request):
    """The list as filtered, every page of it (at most ORDER_EXPORT_MAX_ROWS rows), as .xlsx."""
    _refuse_unless(request.user, OrderPolicy.EXPORT)
    cap = settings.ORDER_EXPORT_MAX_ROWS
    ids = list(_filtered(request).qs.values_list("pk", flat=True)[: cap + 1])
    if len(ids) > cap:
        messages.error(request, _("导出的督办单超过 %(n)s 条，请先筛选。") % {"n": cap})
        return redirect(f"{reverse('supervision:list')}?{request.GET.urlencode()}")
    response = HttpResponse(content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''supervision-orders-{stamp}.xlsx"
    orders_workbook(ids).save(response)
    record_export(request, "supervision_orders")
    return response


def _detail_context(request, order, *, reply_form=None, decision_form=None):
    (row,) = order_rows([order.pk])
    return {
        "order": row,
        "timeline": order_timeline(order),
        "can_reply": OrderPolicy.can(request.user, OrderPolicy.REPLY, order),
        "can_decide": OrderPolicy.can(request.user, OrderPolicy.DECIDE, order) and order.status == "replied",
        "reply_form": reply_form or ReplyForm(),
        "decision_form": decision_form or DecisionForm(initial={"version": order.version, "action": "accept"}),
    }


@login_required
@require_GET
def order_detail(request, pk):
    order = get_object_or_404(order_detail_queryset(user=request.user), pk=pk)
    return render(request, "supervision/order_detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_reply(request, pk):
    order = get_object_or_404(order_detail_queryset(user=request.user), pk=pk)
    if not OrderPolicy.on_enterprise_side(request.user, order):
        raise PermissionDenied
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.order_reply(
                order=order, text=form.cleaned_data["text"], files=form.cleaned_data["files"], by=request.user
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("已回复督办单 %(number)s，等待核查。") % {"number": order.number})
            return redirect("supervision:detail", pk=order.pk)
    return render(
        request, "supervision/order_detail.html", _detail_context(request, order, reply_form=form), status=400
    )


@login_required
@require_POST
def order_decide(request, pk):
    order = get_object_or_404(order_detail_queryset(user=request.user), pk=pk)
    _refuse_unless(request.user, OrderPolicy.DECIDE, order)
    form = DecisionForm(request.POST)
    if form.is_valid():
        service = services.order_accept if form.cleaned_data["action"] == "accept" else services.order_return
        try:
            service(
                order=order,
                comment=form.cleaned_data["comment"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as stale:
            form.add_error(None, stale.message)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            done = _("已办结") if form.cleaned_data["action"] == "accept" else _("已退回整改")
            messages.success(request, _("督办单 %(number)s %(done)s。") % {"number": order.number, "done": done})
            return redirect("supervision:detail", pk=order.pk)
    order.refresh_from_db()
    context = _detail_context(request, order, decision_form=form)
    return render(request, "supervision/order_detail.html", context, status=400)


def _issue_measures(enterprise=None):
    if enterprise is not None:
        return list(applicable_measures(enterprise).order_by("document_id", "position"))
    return list(Measure.objects.tracked().select_related("document").order_by("document_id", "position"))


@login_required
@require_http_methods(["GET", "POST"])
def order_issue(request, enterprise_pk):
    """下达督办单 from an enterprise's page."""
    _refuse_unless(request.user, OrderPolicy.ISSUE)  # a role that never issues: 403
    enterprise = get_object_or_404(  # out of the issuer's scope: 404
        OrderPolicy.issuable(request.user, Enterprise.objects.select_related("region")), pk=enterprise_pk
    )
    form = IssueForm(request.POST or None, measures=_issue_measures(enterprise))
    if request.method == "POST" and form.is_valid():
        try:
            (order,) = services.order_issue(
                enterprises=[enterprise],
                measures=form.cleaned_data["measures"],
                request=form.cleaned_data["request"],
                due_date=form.cleaned_data["due_date"],
                by=request.user,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("已下达督办单 %(number)s。") % {"number": order.number})
            return redirect("supervision:detail", pk=order.pk)
    return render(request, "supervision/order_issue.html", {"form": form, "enterprise": enterprise})


@login_required
@require_http_methods(["GET", "POST"])
def order_issue_by_filter(request):
    """对筛选出的企业下达督办单: the enterprise list's filter (its query string), the count shown first."""
    _refuse_unless(request.user, OrderPolicy.ISSUE)
    from enterprises.bulk_selection import enterprise_filter, filter_params

    filterset = enterprise_filter(request, filter_params(request.GET))
    count, error = None, None
    try:
        ids = services.issue_selection(filterset=filterset)
        count = len(ids)
    except ValidationError as problem:
        error = " ".join(problem.messages)
    too_many = count is not None and count > services.issue_max_enterprises()
    form = IssueForm(request.POST or None, measures=_issue_measures())
    if request.method == "POST" and form.is_valid() and error is None:
        try:
            orders = services.order_issue_by_filter(
                filterset=filterset,
                measures=form.cleaned_data["measures"],
                request=form.cleaned_data["request"],
                due_date=form.cleaned_data["due_date"],
                by=request.user,
            )
        except ValidationError as problem:
            errors_to_form(form, problem)
        else:
            messages.success(request, _("已向 %(n)s 家企业下达督办单。") % {"n": len(orders)})
            return redirect(f"{reverse('supervision:list')}")
    context = {
        "form": form,
        "count": count,
        "too_many": too_many,
        "cap": services.issue_max_enterprises(),
        "error": error,
        "query": request.GET.urlencode(),
    }
    return render(request, "supervision/order_issue_by_filter.html", context)


@login_required
@require_GET
def reply_file_download(request, pk):
    """A reply's evidence file, only after the access check (never from MEDIA_URL)."""
    row = get_object_or_404(
        OrderReplyFile.objects.filter(reply__order__in=orders_visible(user=request.user).values("pk")), pk=pk
    )
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(request, "supervision_reply_file", target=row)
    return FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)
