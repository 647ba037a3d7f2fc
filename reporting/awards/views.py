"""The award rounds' pages: the list with the form to create a round, a round's shortlist one prefecture at a time
(points, explanations, exclusions, confirm / strike; `?prefecture=<code>&page=<n>`), the confirmed list's export.
Rounds are loaded through `AwardPolicy.visible` (out of scope: 404), then the action is asked of the policy (not
allowed: 403).

The round's page is computed in the request but bounded: ranks within a prefecture do not depend on the others, so
a request ranks one prefecture (a constant number of queries, `ranking.shortlist`) and shows `PAGE_SIZE` of its
candidates; the export ranks only the prefectures holding a confirmed candidate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.choices import RegionLevel
from enterprises.models import Enterprise, Region
from reform_portal.access import AwardPolicy
from reform_portal.audit.services import record_export

from . import services
from .exporting import confirmed_workbook
from .forms import DecisionForm, RoundForm
from .ranking import shortlist
from .selectors import (
    ROUNDS_SHOWN,
    confirmed,
    confirmed_prefecture_ids,
    latest_decisions,
    rounds_visible,
    shortlist_page,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(request, pk):
    if not AwardPolicy.can(request.user, AwardPolicy.LIST):
        raise Http404
    return get_object_or_404(rounds_visible(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request):
    if not AwardPolicy.can(request.user, AwardPolicy.LIST):
        raise Http404
    may_create = AwardPolicy.can(request.user, AwardPolicy.MANAGE)
    provinces = AwardPolicy.managed_provinces(request.user, Region.objects.filter(level=RegionLevel.PROVINCE))
    provinces = list(provinces.order_by("code")) if may_create else []
    form = RoundForm(request.POST if request.method == "POST" else None, provinces=provinces)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                award_round = services.round_create(
                    name=data["name"],
                    year=data["year"],
                    level=data["level"],
                    province=Region.objects.get(pk=data["province"]),
                    quota=data["quota"],
                    by=request.user,
                )
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                messages.success(request, _("已创建评优推荐轮次。"))
                return redirect("awards:detail", pk=award_round.pk)
    rounds = list(rounds_visible(request.user)[:ROUNDS_SHOWN])
    return render(request, "awards/round_list.html", {"rounds": rounds, "form": form, "may_create": may_create})


def _detail_context(request, award_round, prefecture_code=None, page_number=None):
    part = shortlist_page(
        request.user,
        award_round,
        prefecture_code=prefecture_code or request.GET.get("prefecture"),
        page_number=page_number or request.GET.get("page"),
    )
    return {
        "award_round": award_round,
        "part": part,
        "prefectures": part.prefectures,
        "prefecture": part.prefecture,
        "page": part.page,
        "quota": part.quota,
        "excluded": part.excluded,
        "may_manage": AwardPolicy.can(request.user, AwardPolicy.MANAGE, award_round),
        "weights": award_round.weights,
    }


@login_required
@require_GET
def round_detail(request, pk):
    award_round = _round(request, pk)
    return render(request, "awards/round_detail.html", _detail_context(request, award_round))


@login_required
@require_POST
def round_decide(request, pk):
    award_round = _round(request, pk)
    if not AwardPolicy.can(request.user, AwardPolicy.MANAGE, award_round):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    enterprise = None
    if form.is_valid():
        enterprise = (
            Enterprise.objects.filter(pk=form.cleaned_data["enterprise"], region__parent_id=award_round.province_id)
            .select_related("region")
            .first()
        )
        ranked, _excluded = shortlist(award_round, [enterprise.region_id]) if enterprise else ({}, [])
        if not any(c.enterprise.pk == getattr(enterprise, "pk", None) for cs in ranked.values() for c in cs):
            form.add_error("enterprise", _("该企业不在本轮的推荐名单中。"))
    if form.is_valid():
        services.decide(
            award_round=award_round,
            enterprise=enterprise,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
        messages.success(request, _("已记录决定。"))
        back = reverse("awards:detail", args=[award_round.pk])
        page = request.POST.get("page", "")
        query = urlencode({"prefecture": enterprise.region.code, "page": page if page.isdigit() else 1})
        return redirect(f"{back}?{query}#enterprise-{enterprise.pk}")
    context = _detail_context(
        request,
        award_round,
        prefecture_code=enterprise.region.code if enterprise else None,
        page_number=request.POST.get("page"),
    )
    context["decision_form"] = form
    context["decision_enterprise"] = form.data.get("enterprise")
    return render(request, "awards/round_detail.html", context, status=400)


@login_required
@require_GET
def round_export(request, pk):
    award_round = _round(request, pk)
    shown = AwardPolicy.prefecture_ids(request.user, award_round)
    wanted = confirmed_prefecture_ids(award_round)
    ranked, _excluded = shortlist(award_round, wanted if shown is None else wanted & shown) if wanted else ({}, [])
    decisions = latest_decisions(award_round)
    response = HttpResponse(content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''award-round-{award_round.pk}.xlsx"
    confirmed_workbook(award_round, confirmed(award_round, ranked), decisions).save(response)
    record_export(request, "awards")
    return response
