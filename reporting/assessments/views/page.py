"""The assessment page: the enterprise's form while it may edit, otherwise the read-only view, with the
officer's review controls while the form awaits review."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.derived import derived_value
from measures.indicator_values import value_display
from measures.models import Progress
from reform_portal.access import AssessmentPolicy

from .. import services
from ..choices import SELF_RATING_HELP, AssessmentStatus, PrefillSource, SelfRating, TransitionAction
from ..forms import DecisionForm, EvidenceForm, IndicatorForm, ItemForm, ReviewIndicatorForm, ReviewItemForm
from ..review_times import level_times
from ..selectors import last_return, progress_changes_from, round_changes
from ..services.values import DERIVED, NOT_APPLICABLE, answer_role, applicable_ids
from ..workbook import workbook_job_outcome
from ._common import assessment_or_404

# A problem's field (services.submission) → the item form's field that shows it.
ITEM_FORM_FIELDS = {"self_rating": "self_rating", "status": "claimed_status", "percent": "claimed_percent"}
ITEM_FORM_FIELDS["what_done"] = "what_done"


def last_reviewer_return(transitions):
    """The province union's last return to the first level (its reasons per measure), if that was the last step
    of the review."""
    for step in reversed(transitions):
        if step.action == TransitionAction.RETURN_TO_REVIEWER:
            return step
        if step.action in (TransitionAction.FORWARD, TransitionAction.RETURN, TransitionAction.ACCEPT):
            return None
    return None


@login_required
def detail(request, pk):
    assessment = assessment_or_404(request, pk)
    # back from the workbook's upload job (`?workbook=<job>`): what it saved and, as after a refused submission, each
    # problem still keeping the form from being submitted at its field; or, refused, the file's problems by cell
    outcome = workbook_job_outcome(user=request.user, assessment=assessment, job_id=request.GET.get("workbook"))
    if outcome is None:
        return assessment_page(request, assessment)
    if not outcome.ok:
        return assessment_page(
            request, assessment, workbook_problems=list(outcome.problems), workbook_stale=outcome.stale
        )
    problems = services.assessment_problems(assessment=assessment) if assessment.is_editable else []
    return assessment_page(request, assessment, problems=problems or None, workbook_outcome=outcome)


def assessment_page(
    request,
    assessment,
    *,
    problems=None,
    decision_error=None,
    status=200,
    workbook_problems=None,
    workbook_stale=False,
    workbook_outcome=None,
):
    user = request.user
    editing = assessment.is_editable and AssessmentPolicy.can(user, AssessmentPolicy.EDIT, assessment)
    reviewing = assessment.status == AssessmentStatus.SUBMITTED and AssessmentPolicy.can(
        user, AssessmentPolicy.REVIEW, assessment
    )
    two_levels = assessment.period.two_levels
    # the buttons each level sees (access.AssessmentPolicy decides who; the services check again)
    can_forward = reviewing and two_levels and AssessmentPolicy.can(user, AssessmentPolicy.FORWARD, assessment)
    accept_from = (
        (AssessmentStatus.FORWARDED,) if two_levels else (AssessmentStatus.SUBMITTED, AssessmentStatus.FORWARDED)
    )
    can_accept = assessment.status in accept_from and AssessmentPolicy.can(user, AssessmentPolicy.ACCEPT, assessment)
    second_reviewing = (
        two_levels
        and assessment.status == AssessmentStatus.FORWARDED
        and AssessmentPolicy.can(user, AssessmentPolicy.RETURN_TO_REVIEWER, assessment)
    )
    transitions = list(assessment.transitions.all())
    items, answers = _decorate(assessment, editing=editing, reviewing=reviewing)
    form_state = _form_state(assessment, items, problems) if editing else {}
    context = {
        "assessment": assessment,
        "period": assessment.period,
        "enterprise": assessment.enterprise,
        "items": items,
        "answers": answers,
        "editing": editing,
        "reviewing": reviewing,
        "two_levels": two_levels,
        "can_forward": can_forward,
        "can_accept": can_accept,
        "second_reviewing": second_reviewing,
        "reviewer_return": last_reviewer_return(transitions)
        if assessment.status == AssessmentStatus.SUBMITTED
        else None,
        "level_times": level_times(transitions, two_levels=two_levels)
        if any(t.action == TransitionAction.SUBMIT for t in transitions)
        else [],
        "reasons_typed": (decision_error or {}).get("reasons", {}),
        "problems": problems,
        "refusal": assessment.period.submission_refusal() if editing else None,
        "last_return": last_return(assessment=assessment),
        "transitions": transitions,
        "rating_help": [(label, SELF_RATING_HELP[value]) for value, label in SelfRating.choices],
        "decision_form": DecisionForm(initial={"version": assessment.version}),
        "decision_error": decision_error or {},
        "corrected": sum(1 for i in items if i.is_corrected),
        "progress_changes": progress_changes_from(assessment=assessment),
        "workbook_problems": workbook_problems or [],
        "workbook_stale": workbook_stale,
        "workbook_outcome": workbook_outcome,
        **form_state,
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


def _form_state(assessment, items, problems) -> dict:
    """What the enterprise's form shows besides its answers: the filled-in count per section, the sources of the
    pre-filled answers and, after a refused submission, each problem at its field (`aria-invalid`, the message
    under it), the first one to jump to and a short summary (one line per answer)."""
    all_problems = services.assessment_problems(assessment=assessment)
    counts = services.section_counts(assessment=assessment, problems=all_problems)
    by_section = {row["section"].pk: {**row, "items": []} for row in counts}
    for item in items:
        by_section[item.measure.section_id]["items"].append(item)
        item.prefill_labels = _prefill_labels(item.prefilled, ("status", "percent", "self_rating", "what_done"))
        item.field_errors, item.confirm_errors = {}, []
        for answer in item.answers:
            answer.prefill_labels = _prefill_labels(answer.prefilled, ("value",))
            answer.field_errors = []
    state = {
        "sections": list(by_section.values()),
        "filled": sum(row["filled"] for row in counts),
        "total": sum(row["total"] for row in counts),
        "field_errors": {},
    }
    if not problems:
        return state
    order = {item.measure.code: n for n, item in enumerate(items)}
    problems = sorted(problems, key=lambda p: order.get(p.measure, len(order)))  # page order (stable within)
    summary: dict[str, dict] = {}
    for p in problems:
        state["field_errors"].setdefault(f"{p.key}-{p.field or 'confirm'}", []).append(p.message)
        line = summary.setdefault(p.anchor, {"anchor": p.anchor, "label": p.label, "messages": []})
        line["messages"].append(p.message)
    _mark_invalid(items, state["field_errors"])
    first = problems[0]
    if not first.field:
        state["first_problem"] = f"confirm-{first.key}"
    elif first.field == "value":
        state["first_problem"] = f"id_{first.key}-value"
    else:
        state["first_problem"] = f"id_{first.key}-{ITEM_FORM_FIELDS.get(first.field, first.field)}"
    state["problem_summary"] = list(summary.values())
    return state


PREFILL_FIELD_LABELS = {
    "status": gettext_lazy("推进状态"),
    "percent": gettext_lazy("完成百分比"),
    "self_rating": gettext_lazy("自评等级"),
    "what_done": gettext_lazy("主要工作"),
}


def _prefill_labels(prefilled: dict, fields) -> list[str]:
    """Where an answer's pre-filled fields came from, one line per source in the form's order: "推进状态、完成百分比
    取自当前进度", "沿用上年" (an indicator's one value is not named)."""
    by_source: dict[str, list[str]] = {}
    for field in fields:
        source = prefilled.get(field)
        if source in PrefillSource.values:
            by_source.setdefault(source, []).append(str(PREFILL_FIELD_LABELS.get(field, "")))
    labels = []
    for source, names in by_source.items():
        label = str(PrefillSource(source).label)
        if prefilled.get("year"):
            label += _("（%(year)s年）") % {"year": prefilled["year"]}
        names = [n for n in names if n]
        labels.append(("、".join(names) + " " if names else "") + label)
    return labels


def _mark_invalid(items, field_errors: dict) -> None:
    """Each problem's message under its input (`field_errors` on the item or answer), with `aria-invalid` and the
    message's id on the input."""
    for item in items:
        code = item.measure.code
        item.confirm_errors = field_errors.get(f"{code}-confirm", [])
        for field, name in ITEM_FORM_FIELDS.items():
            if f"{code}-{field}" in field_errors:
                item.field_errors[field] = field_errors[f"{code}-{field}"]
                _invalid(item.form.fields[name].widget, f"err-{code}-{field}")
        for answer in item.answers:
            key = f"{answer.indicator.code}-value"
            if getattr(answer, "form", None) is not None and key in field_errors:
                answer.field_errors = field_errors[key]
                _invalid(answer.form.fields["value"].widget, f"err-{key}")


def _invalid(widget, message_id: str) -> None:
    widget.attrs.update({"aria-invalid": "true", "aria-describedby": message_id})
    widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
