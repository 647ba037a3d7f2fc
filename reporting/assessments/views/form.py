"""The enterprise's side: start the form, autosave each answer, submit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reform_portal.access import AssessmentPolicy, access_for

from .. import services
from ..forms import IndicatorForm, ItemForm
from ..selectors import periods_visible
from ._common import INDICATOR_MET, answer_or_404, assessment_or_404, item_or_404, posted, refuse, save_in_place
from .page import assessment_page

ITEM_FIELDS = ("self_rating", "status", "percent", "what_done")


@login_required
@require_POST
def start(request, period_pk):
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.START):
        raise PermissionDenied
    enterprise = access_for(request.user).own_enterprise
    period = get_object_or_404(periods_visible(user=request.user), pk=period_pk)
    try:
        assessment = services.assessment_start(period=period, enterprise=enterprise, by=request.user)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("reporting:assessments:index")
    return redirect("reporting:assessments:detail", pk=assessment.pk)


@login_required
@require_POST
def item_save(request, pk, item_pk):
    assessment = assessment_or_404(request, pk)
    item = item_or_404(assessment, item_pk)
    data = posted(ItemForm.for_item(item, data=request.POST))
    anchor = services.item_anchor(item.measure)
    response = save_in_place(
        request,
        assessment,
        save=lambda: services.item_save(
            item=item,
            by=request.user,
            self_rating=data.get("self_rating", ""),
            what_done=data.get("what_done", ""),
            status=data.get("claimed_status", ""),
            percent=data.get("claimed_percent", ""),
            expected_version=data.get("version"),
        ),
        key=item.measure.code,
        fields=ITEM_FIELDS,
        invalid_anchor=anchor,
        saved_anchor=anchor,
        saved_message=_("已保存“%(title)s”。") % {"title": item.measure.title},
    )
    return _with_counts(request, assessment, response)


@login_required
@require_POST
def indicator_save(request, pk, answer_pk):
    assessment = assessment_or_404(request, pk)
    answer = answer_or_404(assessment, answer_pk)
    data = posted(IndicatorForm.for_answer(answer, data=request.POST))
    response = save_in_place(
        request,
        assessment,
        save=lambda: services.indicator_save(
            answer=answer, by=request.user, value=data.get("value", ""), expected_version=data.get("version")
        ),
        key=answer.indicator.code,
        fields=("value",),
        saved_anchor=services.indicator_anchor(answer.indicator),
        also=INDICATOR_MET,
    )
    return _with_counts(request, assessment, response)


def _with_counts(request, assessment, response):
    """An autosave's answer (htmx) also carries the page's "已填 x/n" per section and in all, counted after it."""
    if not request.htmx or response.status_code != 200:
        return response
    counts = services.section_counts(assessment=assessment)
    context = {
        "sections": counts,
        "filled": sum(row["filled"] for row in counts),
        "total": sum(row["total"] for row in counts),
        "oob": True,
    }
    response.content += render(request, "assessments/partials/section_counts.html", context).content
    return response


@login_required
@require_POST
def submit(request, pk):
    assessment = assessment_or_404(request, pk)
    try:
        services.assessment_submit(assessment=assessment, by=request.user)
    except services.IncompleteAssessment as exc:
        return assessment_page(request, assessment_or_404(request, pk), problems=exc.problems)
    except services.AssessmentError as exc:
        return refuse(request, assessment, exc.message)
    messages.success(request, _("自评表已提交，等待工会干部审核。"))
    return redirect("reporting:assessments:detail", pk=pk)
