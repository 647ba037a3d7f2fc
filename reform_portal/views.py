from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import defaults

from enterprises.models import Enterprise
from enterprises.selectors import enterprises_visible
from measures.selectors import progress_grouped
from reporting.assessments.models import Assessment, ReportingPeriod
from reporting.assessments.selectors import enterprise_count, period_for_enterprise
from reporting.assessments.services import AssessmentError, assessment_start
from reporting.home import home_figures, slowest_lagging
from reporting.work_queue import queue_for

from .access import AssessmentPolicy, EnterprisePolicy, access_for

HOME_LAGGING_ROWS = 20


@login_required
def home(request):
    """One home page per role (templates/home_<role>.html)."""
    user = request.user
    access = access_for(user)
    enterprise = access.own_enterprise
    if enterprise is not None:
        return render(
            request,
            "home_enterprise.html",
            {
                "enterprise": enterprise,
                "grouped": progress_grouped(enterprise=enterprise),
                "queue": queue_for(user),  # what needs this person first (reporting/work_queue.py)
            },
        )
    head = access.head_enterprise
    if head is not None:
        return _group_start(request) if request.method == "POST" else _group_home(request, head)
    if EnterprisePolicy.can(user, EnterprisePolicy.LIST):
        # the documents' figures and the lagging count: the rollup's, as of its moment, for a reach of whole
        # provinces, else counted live (reporting/home.py)
        figures = home_figures(user=user)
        context = {
            "summary": figures.summary,
            "as_of": figures.as_of,
            # 推进最慢的企业: those that lag, slowest first, along the summaries' index
            "enterprises": slowest_lagging(user=user, limit=HOME_LAGGING_ROWS),
            "lagging_count": figures.lagging_count,
            "enterprise_count": enterprise_count(user=user),  # kept per place by the database, not counted
            "province": access.province,
            "queue": queue_for(user),  # what needs this person first (reporting/work_queue.py)
        }
        return render(request, f"home_{access.role}.html", context)
    # No role, or a role without what it needs (an enterprise user whose profile names no enterprise): say which.
    role_label = access.profile.get_role_display() if access.has_role and access.profile is not None else None
    return render(request, "home_norole.html", {"role_label": role_label}, status=403)


def _group_home(request, head):
    """A group user's home: the subsidiaries granted to them, each with its enterprise page and its self-assessment
    of the current period (as an enterprise user's home shows theirs)."""
    subsidiaries = list(
        AssessmentPolicy.fills_in(request.user, Enterprise.objects.select_related("region__parent", "county")).order_by(
            "name"
        )
    )
    # Each province's current period (the open one, else the latest: as period_for_enterprise picks it).
    periods: dict[int, ReportingPeriod] = {}
    provinces = sorted({e.region.parent_id or e.region_id for e in subsidiaries})
    for period in ReportingPeriod.objects.filter(province_id__in=provinces).order_by("-is_open", "-year"):
        periods.setdefault(period.province_id, period)
    forms = {
        a.enterprise_id: a
        for a in Assessment.objects.filter(enterprise__in=subsidiaries, period__in=list(periods.values()))
    }
    rows = [
        {
            "enterprise": e,
            "period": periods.get(e.region.parent_id or e.region_id),
            "assessment": forms.get(e.pk),
        }
        for e in subsidiaries
    ]
    context = {"head": head, "rows": rows, "queue": queue_for(request.user)}  # reporting/work_queue.py
    return render(request, "home_group.html", context)


def _group_start(request):
    """Start the self-assessment of a granted subsidiary (POST `enterprise`) for its province's current period."""
    raw = request.POST.get("enterprise", "")
    if not raw.isdecimal():
        return HttpResponseBadRequest(_("请选择要填报的子公司。"))
    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=int(raw))
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.START, enterprise):
        raise PermissionDenied
    period = period_for_enterprise(enterprise=enterprise)
    if period is None:
        messages.error(request, _("本省尚未开放年度自评填报期。"))
        return redirect("home")
    try:
        assessment = assessment_start(period=period, enterprise=enterprise, by=request.user)
    except AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("home")
    return redirect("reporting:assessments:detail", pk=assessment.pk)


def not_found(request, exception):
    """A 404 of the API (an address no route matches, e.g. a negative id) in JSON, as DRF answers its own 404s."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)
