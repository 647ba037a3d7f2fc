"""Pages of the self-assessment cycle. Each starts from the access-narrowed queryset (out of scope:
404), lets the services refuse what the user may not do (403) or what the state forbids (a message),
and renders; htmx posts get fragments that update the page in place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise, Region
from measures.models import Progress
from reform_portal.access import ADMIN, ENTERPRISE, OFFICER, SASAC, EnterprisePolicy, profile_of, role_of

from . import services
from .access import AssessmentPolicy, PeriodPolicy
from .choices import LATE_STATES, SELF_RATING_HELP, AssessmentStatus
from .exports import assessment_pdf, assessment_xlsx
from .forms import (
    DecisionForm,
    EvidenceForm,
    IndicatorForm,
    ItemForm,
    PeriodForm,
    PeriodUpdateForm,
    ReviewIndicatorForm,
    ReviewItemForm,
)
from .models import Assessment, AssessmentEvidence, AssessmentIndicator, AssessmentItem
from .selectors import (
    STATE_LABELS,
    assessment_for_page,
    current_period,
    last_return,
    own_assessment,
    period_for_enterprise,
    periods_visible,
    progress_changes_from,
    round_changes,
    submissions_overview,
)


def _assessment(request, pk) -> Assessment:
    try:
        return assessment_for_page(user=request.user, pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


# ---------------------------------------------------------------- entry points


@login_required
def index(request):
    """Enterprise users go to their form; officers, SASAC staff and administrators get the overview."""
    role = role_of(request.user)
    if role == ENTERPRISE:
        enterprise = profile_of(request.user).enterprise
        period = period_for_enterprise(enterprise=enterprise)
        assessment = own_assessment(user=request.user, period=period)
        if assessment:
            return redirect("reporting:assessments:detail", pk=assessment.pk)
        return render(
            request,
            "assessments/assessment_start.html",
            {"period": period, "enterprise": enterprise, "refusal": period.submission_refusal() if period else None},
        )
    if role not in (OFFICER, SASAC, ADMIN):
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
        context.update(submissions_overview(user=request.user, period=period, state=state))
        context["can_remind"] = role in (OFFICER, ADMIN)
        context["late_states"] = LATE_STATES
        context["state_labels"] = STATE_LABELS
    return render(request, "assessments/assessment_overview.html", context)


@login_required
@require_POST
def start(request, period_pk):
    if role_of(request.user) != ENTERPRISE:
        raise PermissionDenied
    enterprise = profile_of(request.user).enterprise
    period = get_object_or_404(periods_visible(user=request.user), pk=period_pk)
    try:
        assessment = services.assessment_start(period=period, enterprise=enterprise, by=request.user)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("reporting:assessments:index")
    return redirect("reporting:assessments:detail", pk=assessment.pk)


# ---------------------------------------------------------------- the form and the review page


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
    answers = list(assessment.indicator_answers.all())
    for answer in answers:
        answer.anchor = services.indicator_anchor(answer.indicator)
        answer.changes = changes["indicators"].get(answer.pk, [])
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


def _page(request, assessment, *, problems=None, status=200):
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
        "rating_help": [(label, SELF_RATING_HELP[value]) for value, label in _rating_choices()],
        "decision_form": DecisionForm(initial={"version": assessment.version}),
        "corrected": sum(1 for i in items if i.is_corrected),
        "progress_changes": progress_changes_from(assessment=assessment),
    }
    template = "assessments/assessment_form.html" if editing else "assessments/assessment_detail.html"
    return render(request, template, context, status=status)


def _rating_choices():
    from .choices import SelfRating

    return SelfRating.choices


@login_required
def detail(request, pk):
    return _page(request, _assessment(request, pk))


def _refusal(request, assessment, message, anchor=""):
    """A refused plain (non-htmx) post: say why and go back to the page."""
    messages.error(request, message)
    return redirect(reverse("reporting:assessments:detail", args=[assessment.pk]) + (f"#{anchor}" if anchor else ""))


def _saved_fragment(request, *, key, obj=None, errors=None, message="", fields=()):
    """Out-of-band updates for one autosaved form: saved time, new version, errors per field."""
    errors = errors or {}
    context = {
        "key": key,
        "obj": obj,
        "saved_at": timezone.localtime(obj.updated_at) if obj is not None and not errors and not message else None,
        "message": message or "; ".join(str(m) for m in errors.get("__all__", [])),
        "field_errors": [(f, errors.get(f, [])) for f in fields],
        "clear_carried": not key.startswith("review-"),
    }
    return render(request, "assessments/partials/saved_oob.html", context)


ITEM_FIELDS = ("self_rating", "status", "percent", "what_done")


@login_required
@require_POST
def item_save(request, pk, item_pk):
    assessment = _assessment(request, pk)
    item = get_object_or_404(
        AssessmentItem.objects.select_related("measure", "assessment"), pk=item_pk, assessment=assessment
    )
    form = ItemForm.for_item(item, data=request.POST)
    form.is_valid()
    data = form.cleaned_data
    key = item.measure.code
    try:
        item = services.item_save(
            item=item,
            by=request.user,
            self_rating=data.get("self_rating", ""),
            what_done=data.get("what_done", ""),
            status=data.get("claimed_status", ""),
            percent=data.get("claimed_percent", ""),
            expected_version=data.get("version"),
        )
    except ValidationError as exc:
        if not request.htmx:
            return _refusal(request, assessment, "；".join(exc.messages), services.item_anchor(item.measure))
        return _saved_fragment(request, key=key, errors=_errors(exc), fields=ITEM_FIELDS)
    except services.AssessmentError as exc:
        if not request.htmx:
            return _refusal(request, assessment, exc.message)
        return _saved_fragment(request, key=key, message=exc.message, fields=ITEM_FIELDS)
    if not request.htmx:
        messages.success(request, _("已保存“%(title)s”。") % {"title": item.measure.title})
        return redirect(reverse("reporting:assessments:detail", args=[pk]) + f"#{services.item_anchor(item.measure)}")
    return _saved_fragment(request, key=key, obj=item, fields=ITEM_FIELDS)


@login_required
@require_POST
def indicator_save(request, pk, answer_pk):
    assessment = _assessment(request, pk)
    answer = get_object_or_404(
        AssessmentIndicator.objects.select_related("indicator", "assessment"), pk=answer_pk, assessment=assessment
    )
    form = IndicatorForm.for_answer(answer, data=request.POST)
    form.is_valid()
    key = answer.indicator.code
    try:
        answer = services.indicator_save(
            answer=answer,
            by=request.user,
            value=form.cleaned_data.get("value", ""),
            expected_version=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        if not request.htmx:
            return _refusal(request, assessment, "；".join(exc.messages))
        return _saved_fragment(request, key=key, errors=_errors(exc), fields=("value",))
    except services.AssessmentError as exc:
        if not request.htmx:
            return _refusal(request, assessment, exc.message)
        return _saved_fragment(request, key=key, message=exc.message, fields=("value",))
    if not request.htmx:
        return redirect(
            reverse("reporting:assessments:detail", args=[pk]) + f"#{services.indicator_anchor(answer.indicator)}"
        )
    response = _saved_fragment(request, key=key, obj=answer, fields=("value",))
    met = render(request, "assessments/partials/indicator_met.html", {"answer": answer, "oob": True})
    response.content += met.content
    return response


def _evidence_block(request, item, *, form=None, error=""):
    item.evidence_form = form or EvidenceForm(prefix=f"ev-{item.measure.code}")
    context = {"item": item, "assessment": item.assessment, "editing": True, "evidence_error": error}
    return render(request, "assessments/partials/evidence_block.html", context)


@login_required
@require_POST
def evidence_upload(request, pk, item_pk):
    assessment = _assessment(request, pk)
    item = get_object_or_404(
        AssessmentItem.objects.select_related("measure", "assessment"), pk=item_pk, assessment=assessment
    )
    form = EvidenceForm(request.POST, request.FILES, prefix=f"ev-{item.measure.code}")
    error = ""
    if form.is_valid():
        try:
            services.evidence_add(
                item=item,
                upload=form.cleaned_data["file"],
                by=request.user,
                valid_until=form.cleaned_data["valid_until"],
            )
            form = None
        except ValidationError as exc:
            error = "；".join(exc.messages)
        except services.AssessmentError as exc:
            error = exc.message
    else:
        error = "；".join(m for errs in form.errors.values() for m in errs)
    if not request.htmx:
        if error:
            return _refusal(request, assessment, error, services.item_anchor(item.measure))
        return redirect(reverse("reporting:assessments:detail", args=[pk]) + f"#{services.item_anchor(item.measure)}")
    return _evidence_block(request, item, form=form, error=error)


@login_required
@require_POST
def evidence_delete(request, pk, evidence_pk):
    assessment = _assessment(request, pk)
    evidence = get_object_or_404(
        AssessmentEvidence.objects.select_related("item", "item__measure", "item__assessment"),
        pk=evidence_pk,
        item__assessment=assessment,
    )
    item = evidence.item
    error = ""
    try:
        services.evidence_remove(evidence=evidence, by=request.user)
    except services.AssessmentError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            return _refusal(request, assessment, error)
        return redirect(reverse("reporting:assessments:detail", args=[pk]) + f"#{services.item_anchor(item.measure)}")
    return _evidence_block(request, item, error=error)


@login_required
def evidence_download(request, pk, evidence_pk):
    assessment = _assessment(request, pk)
    evidence = get_object_or_404(AssessmentEvidence, pk=evidence_pk, item__assessment=assessment)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=evidence.content_type)


@login_required
@require_POST
def submit(request, pk):
    assessment = _assessment(request, pk)
    try:
        services.assessment_submit(assessment=assessment, by=request.user)
    except services.IncompleteAssessment as exc:
        return _page(request, _assessment(request, pk), problems=exc.problems)
    except services.AssessmentError as exc:
        return _refusal(request, assessment, exc.message)
    messages.success(request, _("自评表已提交，等待工会干部审核。"))
    return redirect("reporting:assessments:detail", pk=pk)


# ---------------------------------------------------------------- review


REVIEW_FIELDS = ("verified_status", "verified_percent", "officer_comment")


@login_required
@require_POST
def review_item(request, pk, item_pk):
    assessment = _assessment(request, pk)
    item = get_object_or_404(
        AssessmentItem.objects.select_related("measure", "assessment"), pk=item_pk, assessment=assessment
    )
    form = ReviewItemForm.for_item(item, data=request.POST)
    form.is_valid()
    data = form.cleaned_data
    key = f"review-{item.measure.code}"
    try:
        item = services.review_item_save(
            item=item,
            by=request.user,
            verified_status=data.get("verified_status", ""),
            verified_percent=data.get("verified_percent", ""),
            comment=data.get("officer_comment", ""),
            expected_version=data.get("version"),
        )
    except ValidationError as exc:
        if not request.htmx:
            return _refusal(request, assessment, "；".join(exc.messages))
        return _saved_fragment(request, key=key, errors=_errors(exc), fields=REVIEW_FIELDS)
    except services.AssessmentError as exc:
        if not request.htmx:
            return _refusal(request, assessment, exc.message)
        return _saved_fragment(request, key=key, message=exc.message, fields=REVIEW_FIELDS)
    if not request.htmx:
        return redirect(reverse("reporting:assessments:detail", args=[pk]) + f"#{services.item_anchor(item.measure)}")
    response = _saved_fragment(request, key=key, obj=item, fields=REVIEW_FIELDS)
    response.content += render(request, "assessments/partials/item_gap.html", {"item": item, "oob": True}).content
    return response


@login_required
@require_POST
def review_indicator(request, pk, answer_pk):
    assessment = _assessment(request, pk)
    answer = get_object_or_404(
        AssessmentIndicator.objects.select_related("indicator", "assessment"), pk=answer_pk, assessment=assessment
    )
    form = ReviewIndicatorForm.for_answer(answer, data=request.POST)
    form.is_valid()
    key = f"review-{answer.indicator.code}"
    try:
        answer = services.review_indicator_save(
            answer=answer,
            by=request.user,
            verified_value=form.cleaned_data.get("verified_value", ""),
            expected_version=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        if not request.htmx:
            return _refusal(request, assessment, "；".join(exc.messages))
        return _saved_fragment(request, key=key, errors=_errors(exc), fields=("verified_value",))
    except services.AssessmentError as exc:
        if not request.htmx:
            return _refusal(request, assessment, exc.message)
        return _saved_fragment(request, key=key, message=exc.message, fields=("verified_value",))
    if not request.htmx:
        return redirect("reporting:assessments:detail", pk=pk)
    response = _saved_fragment(request, key=key, obj=answer, fields=("verified_value",))
    response.content += render(
        request, "assessments/partials/indicator_met.html", {"answer": answer, "oob": True}
    ).content
    return response


def _decide(request, pk, service, success):
    assessment = _assessment(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        service(
            assessment=assessment,
            by=request.user,
            comment=form.cleaned_data.get("comment", ""),
            expected_version=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        return _refusal(request, assessment, "；".join(exc.messages))
    except services.AssessmentError as exc:
        return _refusal(request, assessment, exc.message)
    messages.success(request, success)
    return redirect("reporting:assessments:detail", pk=pk)


@login_required
@require_POST
def return_assessment(request, pk):
    return _decide(request, pk, services.assessment_return, _("已退回企业修改。"))


@login_required
@require_POST
def accept(request, pk):
    return _decide(request, pk, services.assessment_accept, _("已审核通过，核实结果已写入企业推进情况。"))


# ---------------------------------------------------------------- documents


@login_required
def pdf(request, pk):
    assessment = _assessment(request, pk)
    data = assessment_pdf(assessment)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="assessment-{assessment.period.year}-{assessment.pk}.pdf"'
    return response


@login_required
def xlsx(request, pk):
    assessment = _assessment(request, pk)
    data = assessment_xlsx(assessment)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.period.year}-{assessment.pk}.xlsx"'
    return response


# ---------------------------------------------------------------- reminders and periods


@login_required
@require_POST
def remind(request, period_pk):
    period = get_object_or_404(periods_visible(user=request.user), pk=period_pk)
    ids = [int(i) for i in request.POST.getlist("enterprise") if i.isdigit()]
    enterprises = list(
        EnterprisePolicy.visible(request.user, Enterprise.objects.filter(pk__in=ids)).select_related("region")
    )
    url = reverse("reporting:assessments:index") + f"?period={period.pk}"
    if not enterprises:
        messages.error(request, _("请先勾选要提醒的企业。"))
        return redirect(url)
    try:
        notices = services.reminders_send(
            period=period, enterprises=enterprises, by=request.user, message=request.POST.get("message", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(url)
    messages.success(request, _("已向 %(n)s 家企业发送提醒（站内通知和邮件）。") % {"n": len(notices)})
    return redirect(url)


@login_required
def period_list(request):
    user = request.user
    if role_of(user) is None:
        raise PermissionDenied
    can_manage = PeriodPolicy.can_manage(user)
    provinces = Region.objects.filter(level="province")
    if role_of(user) == SASAC:
        provinces = provinces.filter(pk=profile_of(user).province_id)
    form = PeriodForm(provinces=provinces) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = PeriodForm(request.POST, provinces=provinces)
        if form.is_valid():
            try:
                period = services.period_open(by=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in _errors(exc).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("已开放%(period)s。") % {"period": period})
                return redirect("reporting:assessments:periods")
    periods = list(periods_visible(user=user))
    for period in periods:
        period.can_manage = can_manage and PeriodPolicy.can_manage(user, period.province_id)
        period.update_form = PeriodUpdateForm(initial={"deadline": period.deadline, "is_open": period.is_open})
    return render(request, "assessments/period_list.html", {"periods": periods, "form": form})


@login_required
@require_POST
def period_update(request, pk):
    period = get_object_or_404(periods_visible(user=request.user), pk=pk)
    form = PeriodUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(m for errs in form.errors.values() for m in errs))
        return redirect("reporting:assessments:periods")
    try:
        services.period_update(
            period=period, by=request.user, deadline=form.cleaned_data["deadline"], is_open=form.cleaned_data["is_open"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已更新%(period)s。") % {"period": period})
    return redirect("reporting:assessments:periods")
