"""The officer's side: correct and comment on each answer, then return the form or accept it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms import DecisionForm, ReviewIndicatorForm, ReviewItemForm
from ._common import (
    INDICATOR_MET,
    ITEM_GAP,
    answer_or_404,
    assessment_or_404,
    item_or_404,
    joined,
    posted,
    refuse,
    save_in_place,
)
from .page import assessment_page

REVIEW_FIELDS = ("verified_status", "verified_percent", "officer_comment")


@login_required
@require_POST
def review_item(request, pk, item_pk):
    assessment = assessment_or_404(request, pk)
    item = item_or_404(assessment, item_pk)
    data = posted(ReviewItemForm.for_item(item, data=request.POST))
    return save_in_place(
        request,
        assessment,
        save=lambda: services.review_item_save(
            item=item,
            by=request.user,
            verified_status=data.get("verified_status", ""),
            verified_percent=data.get("verified_percent", ""),
            comment=data.get("officer_comment", ""),
            expected_version=data.get("version"),
        ),
        key=f"review-{item.measure.code}",
        fields=REVIEW_FIELDS,
        saved_anchor=services.item_anchor(item.measure),
        also=ITEM_GAP,
    )


@login_required
@require_POST
def review_indicator(request, pk, answer_pk):
    assessment = assessment_or_404(request, pk)
    answer = answer_or_404(assessment, answer_pk)
    data = posted(ReviewIndicatorForm.for_answer(answer, data=request.POST))
    return save_in_place(
        request,
        assessment,
        save=lambda: services.review_indicator_save(
            answer=answer,
            by=request.user,
            verified_value=data.get("verified_value", ""),
            expected_version=data.get("version"),
        ),
        key=f"review-{answer.indicator.code}",
        fields=("verified_value",),
        also=INDICATOR_MET,
    )


@login_required
@require_POST
def return_assessment(request, pk):
    return _decide(request, pk, services.assessment_return, _("已退回企业修改。"), form_id="return")


@login_required
@require_POST
def accept(request, pk):
    return _decide(
        request, pk, services.assessment_accept, _("已审核通过，核实结果已写入企业推进情况。"), form_id="accept"
    )


@login_required
@require_POST
def forward(request, pk):
    return _decide(request, pk, services.assessment_forward, _("已初审通过并上报省级工会审核。"), form_id="forward")


# a measure's reason for returning a forwarded form to the first level: `reason-<measure code>`
REASON_PREFIX = "reason-"
REASONS_MAX = 200  # a form has a few dozen measures


@login_required
@require_POST
def return_to_reviewer(request, pk):
    reasons = {
        key.removeprefix(REASON_PREFIX): value
        for key, value in list(request.POST.items())[: REASONS_MAX + 10]
        if key.startswith(REASON_PREFIX) and value.strip()
    }
    return _decide(
        request,
        pk,
        services.assessment_return_to_reviewer,
        _("已退回初审，等待负责的工会干部核实后重新上报。"),
        form_id="return_to_reviewer",
        extra={"reasons": reasons},
    )


def _decide(request, pk, service, success, *, form_id, extra=None):
    assessment = assessment_or_404(request, pk)
    data = posted(DecisionForm(request.POST))
    try:
        service(
            assessment=assessment,
            by=request.user,
            comment=data.get("comment", ""),
            expected_version=data.get("version"),
            **(extra or {}),
        )
    except ValidationError as exc:
        # shown next to the button that was pressed, with the comment (and the reasons) typed so far kept
        return assessment_page(
            request,
            assessment_or_404(request, pk),
            decision_error={
                "form": form_id,
                "message": joined(exc.messages),
                "comment": data.get("comment", ""),
                **(extra or {}),
            },
            status=400,
        )
    except (services.AssessmentError, services.StaleEdit) as exc:
        return refuse(request, assessment, exc.message)
    messages.success(request, success)
    return redirect("reporting:assessments:detail", pk=pk)
