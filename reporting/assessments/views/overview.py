"""The entry point: enterprise users see their form (or the start page), officers and staff the overview
of submissions, from which officers send reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise
from reform_portal.access import AssessmentPolicy, EnterprisePolicy, NoticePolicy, access_for
from reform_portal.outbox.services import bound
from reform_portal.paging import IdsFirstPaginator
from reform_portal.text_limits import NOTE_MAX_CHARS

from .. import services
from ..choices import LATE_STATES
from ..selectors import (
    STATE_LABELS,
    current_period,
    overview_rows,
    own_assessment,
    period_for_enterprise,
    periods_visible,
    submissions_overview,
)
from ..tasks import send_notice_email
from ._common import joined

OVERVIEW_PAGE_SIZE = 50
_SAMPLE_PK = 987654321  # a number no other part of the detail route holds


@login_required
def index(request):
    """Enterprise users go to their form; officers, SASAC staff and administrators get the overview."""
    if AssessmentPolicy.can(request.user, AssessmentPolicy.START):
        return _enterprise_entry(request)
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.OVERVIEW):
        raise PermissionDenied
    periods = list(periods_visible(user=request.user))
    period = None
    if request.GET.get("period"):
        period = next((p for p in periods if str(p.pk) == request.GET["period"]), None)
        if period is None:
            raise Http404
    period = period or current_period(user=request.user)
    state = request.GET.get("state") or None
    context = {"periods": periods, "period": period, "state": state, "can_remind": False}
    if period:
        overview = submissions_overview(user=request.user, period=period, state=state)
        context.update(overview)
        # One page of enterprises at a time (a province has 100,000): the page's ids, then their rows by id; the
        # number of rows is known from the counts. The links keep the period and state.
        paginator = IdsFirstPaginator(
            overview["rows"], OVERVIEW_PAGE_SIZE, fetch=lambda ids: overview_rows(period=period, ids=ids)
        )
        paginator.count = overview["rows_count"]
        context["page"] = paginator.get_page(request.GET.get("page"))
        context["rows"] = context["page"].object_list
        # each row's link to its form: the route reversed once, not once per row (a third of the page's rendering)
        sample = reverse("reporting:assessments:detail", args=[_SAMPLE_PK])
        for e in context["rows"]:
            e.detail_url = sample.replace(str(_SAMPLE_PK), str(e.assessment_id)) if e.assessment_id else None
        context["can_remind"] = NoticePolicy.can(request.user, NoticePolicy.SEND)
        context["late_states"] = LATE_STATES
        context["state_labels"] = STATE_LABELS
    return render(request, "assessments/assessment_overview.html", context)


def _enterprise_entry(request):
    enterprise = access_for(request.user).own_enterprise
    period = period_for_enterprise(enterprise=enterprise)
    assessment = own_assessment(user=request.user, period=period)
    if assessment:
        return redirect("reporting:assessments:detail", pk=assessment.pk)
    return render(
        request,
        "assessments/assessment_start.html",
        {"period": period, "enterprise": enterprise, "refusal": period.submission_refusal() if period else None},
    )


@login_required
@require_POST
def remind(request, period_pk):
    period = get_object_or_404(periods_visible(user=request.user), pk=period_pk)
    # Refused whatever the body: only officers (for the enterprises in their charge, checked by the service)
    # and administrators send reminders, as the overview offers them.
    if not NoticePolicy.can(request.user, NoticePolicy.SEND):
        raise PermissionDenied
    ids = [int(i) for i in request.POST.getlist("enterprise") if i.isdecimal()]
    enterprises = list(
        EnterprisePolicy.visible(request.user, Enterprise.objects.filter(pk__in=ids)).select_related("region")
    )
    overview = reverse("reporting:assessments:index") + f"?period={period.pk}"
    if not enterprises:
        messages.error(request, _("请先勾选要提醒的企业。"))
        return redirect(overview)
    if len(request.POST.get("message", "")) > NOTE_MAX_CHARS:
        messages.error(request, _("提醒内容不能超过 %(n)s 个字。") % {"n": NOTE_MAX_CHARS})
        return redirect(overview)
    enqueue_email = bound(send_notice_email)  # recorded with the notices, sent after commit
    try:
        notices = services.reminders_send(
            period=period,
            enterprises=enterprises,
            by=request.user,
            message=request.POST.get("message", ""),
            enqueue_email=enqueue_email,
        )
    except ValidationError as exc:
        messages.error(request, joined(exc.messages))
        return redirect(overview)
    if enqueue_email.held:
        messages.warning(
            request,
            _("已向 %(n)s 家企业发送站内提醒；邮件服务的任务队列暂时不可用，邮件将在恢复后自动发出。")
            % {"n": len(notices)},
        )
    else:
        messages.success(request, _("已向 %(n)s 家企业发送提醒（站内通知和邮件）。") % {"n": len(notices)})
    return redirect(overview)
