"""The assessment page: the enterprise's form while it may edit, otherwise the read-only view, with the
officer's review controls while the form awaits review."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from measures.derived import derived_value
from measures.indicator_values import value_display
from measures.models import Progress
from reform_portal.access import AssessmentPolicy

from .. import services
from ..choices import SELF_RATING_HELP, AssessmentStatus, SelfRating
from ..forms import DecisionForm, EvidenceForm, IndicatorForm, ItemForm, ReviewIndicatorForm, ReviewItemForm
from ..selectors import last_return, progress_changes_from, round_changes
from ..services.values import DERIVED, NOT_APPLICABLE, answer_role, applicable_ids
from ._common import assessment_or_404


@login_required
def detail(request, pk):
    return assessment_page(request, assessment_or_404(request, pk))


def assessment_page(request, assessment, *, problems=None, decision_error=None, status=200):
    user = request.user
    editing = assessment.is_editable and AssessmentPolicy.can(user, AssessmentPolicy.EDIT, assessment)
    reviewing = assessment.status == AssessmentStatus.SUBMITTED and AssessmentPolicy.can(
        user, AssessmentPolicy.REVIEW, assessment
    )
    items, answers = _decorate(assessment, editing=editing, reviewing=reviewing)
    context = {
        "assessment": assessment,
        "period": assessment.period,
        "enterprise": assessment.enterprise,
        "items": items,
        "answers": answers,
        "editing": editing,
        "reviewing": reviewing,
        "problems": problems,
        "refusal": assessment.period.submission_refusal() if editing else None,
        "last_return": last_return(assessment=assessment),
        "transitions": assessment.transitions.all(),
        "rating_help": [(label, SELF_RATING_HELP[value]) for value, label in SelfRating.choices],
        "decision_form": DecisionForm(initial={"version": assessment.version}),
        "decision_error": decision_error or {},
        "corrected": sum(1 for i in items if i.is_corrected),
        "progress_changes": progress_changes_from(assessment=assessment),
    }
    template = "assessments/assessment_form.html" if editing else "assessments/assessment_detail.html"
    return render(request, template, context, status=status)


def _decorate(assessment, *, editing: bool, reviewing: bool):
    """Attach forms, current progress and last-round changes to the items for the templates."""
    changes = round_changes(assessment=assessment)
    progress = {
        p.measure_id: p
        for p in Progress.objects.filter(enterprise_id=assessment.enterprise_id).only("measure_id", "status", "percent")
    }
    items = list(assessment.items.all())
    for item in items:
        item.anchor = services.item_anchor(item.measure)
        item.progress = progress.get(item.measure_id)
        item.changes = changes["items"].get(item.pk, [])
        if editing:
            item.form = ItemForm.for_item(item)
            item.evidence_form = EvidenceForm(prefix=f"ev-{item.measure.code}")
        if reviewing:
            item.review_form = ReviewItemForm.for_item(item)
    # Only the indicators that apply to the enterprise; a derived one shows the register's value (live while the
    # form may change, as submitted afterwards) and is never typed in (services.values.answer_role).
    applicable = applicable_ids(assessment.enterprise)
    answers = []
    for answer in assessment.indicator_answers.all():
        answer.asked_as = answer_role(answer.indicator, applicable)
        if answer.asked_as == NOT_APPLICABLE:
            continue
        answers.append(answer)
        answer.anchor = services.indicator_anchor(answer.indicator)
        answer.changes = [
            (field, value_display(answer.indicator, old), value_display(answer.indicator, new))
            for field, old, new in changes["indicators"].get(answer.pk, [])
        ]
        if answer.asked_as == DERIVED:
            if assessment.is_editable:
                answer.claimed_value, answer.claimed_text = derived_value(answer.indicator, assessment.enterprise), ""
            continue
        if editing:
            answer.form = IndicatorForm.for_answer(answer)
        if reviewing:
            answer.review_form = ReviewIndicatorForm.for_answer(answer)
    by_measure: dict[int, list] = {}
    for answer in answers:
        by_measure.setdefault(answer.indicator.measure_id, []).append(answer)
    for item in items:
        item.answers = by_measure.get(item.measure_id, [])
    return items, answers
