"""The 直通车's pages: the questions' list, the ask form, a question's page (its thread and the actions the user may
take), an attachment's download, and the FAQ (search, an entry, publish / edit / withdraw). Rows are loaded through
the access policy first (out of scope: 404), then the action is asked of it (not allowed: 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from measures.models import Measure
from reform_portal.access import FaqPolicy, QuestionPolicy
from reform_portal.audit.services import record_download
from reform_portal.paging import IdsFirstPaginator, in_order
from reform_portal.service_errors import errors_to_form
from reform_portal.versioning import StaleEdit

from . import services, sla
from .filters import FaqFilter, QuestionFilter
from .forms import AnswerForm, AskForm, FaqForm, FollowUpForm, ForwardLiaisonForm, ForwardUpForm, RateForm
from .models import FaqEntry
from .selectors import (
    askable_enterprises,
    faq_visible,
    liaison_choices,
    measures_for,
    question_detail_queryset,
    question_file_queryset,
    question_prefectures,
    question_rows,
    questions_visible,
    thread,
)

PAGE_SIZE = 25


def _refuse_unless(user, action, obj=None, policy=QuestionPolicy):
    if not policy.can(user, action, obj):
        raise PermissionDenied


def _with_sla(rows):
    today = sla.today()
    for row in rows:
        row.sla = sla.sla_view(row, today)
    return rows


# ---- questions --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def question_list(request):
    _refuse_unless(request.user, QuestionPolicy.LIST)
    filterset = QuestionFilter(
        request.GET or None,
        queryset=questions_visible(user=request.user),
        request=request,
        prefectures=question_prefectures(user=request.user).select_related("parent"),
    )

    def fetch(ids):
        return _with_sla(in_order(question_rows(questions_visible(user=request.user)), ids))

    page = IdsFirstPaginator(filterset.qs, PAGE_SIZE, fetch=fetch).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "can_ask": QuestionPolicy.can(request.user, QuestionPolicy.ASK),
        "union_side": not QuestionPolicy.can(request.user, QuestionPolicy.RESPOND),  # the place filters
    }
    return render(request, "consultations/question_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def question_ask(request):
    _refuse_unless(request.user, QuestionPolicy.ASK)
    enterprises = list(askable_enterprises(user=request.user))
    chosen = request.POST.get("enterprise") or request.GET.get("enterprise")
    enterprise = next((e for e in enterprises if str(e.pk) == chosen), enterprises[0] if enterprises else None)
    measures = measures_for(enterprise) if enterprise else []
    initial = {"enterprise": getattr(enterprise, "pk", None)}
    wanted = request.GET.get("measure")
    if wanted:
        initial.update({"measure": next((m.pk for m in measures if m.code == wanted), None), "topic": "measure"})
    form = AskForm(
        request.POST or None, request.FILES or None, enterprises=enterprises, measures=measures, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_ask(
                enterprise=enterprise,
                topic=form.cleaned_data["topic"],
                measure=form.cleaned_data["measure"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                by=request.user,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("问题已提交，将在 %(due)s 前答复。") % {"due": question.due_date})
            return redirect("consultations:detail", pk=question.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "sla_workdays": sla.sla_workdays()}
    return render(request, "consultations/question_ask.html", context, status=status)


def _question(request, pk):
    return get_object_or_404(question_detail_queryset(user=request.user), pk=pk)


def _detail_context(request, question, **forms) -> dict:
    user = request.user
    version = {"version": question.version}
    can = {
        action: QuestionPolicy.can(user, action, question)
        for action in (QuestionPolicy.ANSWER, QuestionPolicy.FORWARD, QuestionPolicy.RESPOND, QuestionPolicy.PUBLISH)
    }
    liaisons = liaison_choices(question) if can[QuestionPolicy.FORWARD] else []
    context = {
        "question": question,
        "sla": sla.sla_view(question),
        "messages_": thread(question),
        "can_answer": can[QuestionPolicy.ANSWER],
        "can_forward": can[QuestionPolicy.FORWARD],
        "can_respond": can[QuestionPolicy.RESPOND],
        "can_rate": can[QuestionPolicy.RESPOND] and question.rating is None,
        "can_publish": can[QuestionPolicy.PUBLISH],
        "answer_form": AnswerForm(initial=version),
        "forward_form": ForwardUpForm(initial=version),
        "liaison_form": ForwardLiaisonForm(initial=version, users=liaisons) if liaisons else None,
        "follow_up_form": FollowUpForm(initial=version),
        "rate_form": RateForm(initial=version),
        "union_side": QuestionPolicy.can(user, QuestionPolicy.ANSWER),
    }
    context.update(forms)
    return context


@login_required
@require_GET
def question_detail(request, pk):
    question = _question(request, pk)
    return render(request, "consultations/question_detail.html", _detail_context(request, question))


def _act(request, pk, *, action, form_class, form_name, run, done, form_kwargs=None):
    """One action on a question from its page: load (404), ask the policy (403), run the service with the form's
    values; a refusal or a stale version shows the page again with the form's errors."""
    question = _question(request, pk)
    _refuse_unless(request.user, action, question)
    form = form_class(request.POST, request.FILES or None, **(form_kwargs(question) if form_kwargs else {}))
    if form.is_valid():
        try:
            run(question, form.cleaned_data)
        except StaleEdit as stale:
            form.add_error(None, stale.message)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, done)
            return redirect("consultations:detail", pk=question.pk)
    question.refresh_from_db()
    context = _detail_context(request, question, **{form_name: form})
    return render(request, "consultations/question_detail.html", context, status=400)


@login_required
@require_POST
def question_answer(request, pk):
    def run(question, data):
        services.question_answer(
            question=question,
            text=data["text"],
            files=data["files"],
            by=request.user,
            expected_version=data["version"],
        )

    return _act(
        request,
        pk,
        action=QuestionPolicy.ANSWER,
        form_class=AnswerForm,
        form_name="answer_form",
        run=run,
        done=_("已答复。"),
    )


@login_required
@require_POST
def question_forward(request, pk):
    def run(question, data):
        services.question_forward_up(
            question=question, note=data["note"], by=request.user, expected_version=data["version"]
        )

    return _act(
        request,
        pk,
        action=QuestionPolicy.FORWARD,
        form_class=ForwardUpForm,
        form_name="forward_form",
        run=run,
        done=_("已转交上一级工会。"),
    )


@login_required
@require_POST
def question_forward_liaison(request, pk):
    def run(question, data):
        services.question_forward_to_liaison(
            question=question, user=data["user"], note=data["note"], by=request.user, expected_version=data["version"]
        )

    return _act(
        request,
        pk,
        action=QuestionPolicy.FORWARD,
        form_class=ForwardLiaisonForm,
        form_name="liaison_form",
        run=run,
        done=_("已转交产改联络员。"),
        form_kwargs=lambda question: {"users": liaison_choices(question)},
    )


@login_required
@require_POST
def question_follow_up(request, pk):
    def run(question, data):
        services.question_follow_up(
            question=question, text=data["text"], files=data["files"], by=request.user, expected_version=data["version"]
        )

    return _act(
        request,
        pk,
        action=QuestionPolicy.RESPOND,
        form_class=FollowUpForm,
        form_name="follow_up_form",
        run=run,
        done=_("已追问，等待答复。"),
    )


@login_required
@require_POST
def question_rate(request, pk):
    def run(question, data):
        services.question_rate(
            question=question,
            rating=data["rating"],
            comment=data["comment"],
            by=request.user,
            expected_version=data["version"],
        )

    return _act(
        request,
        pk,
        action=QuestionPolicy.RESPOND,
        form_class=RateForm,
        form_name="rate_form",
        run=run,
        done=_("感谢您的评价。"),
    )


@login_required
@require_GET
def question_file(request, pk):
    """An attachment, only after the access check (never from MEDIA_URL)."""
    row = get_object_or_404(question_file_queryset(user=request.user), pk=pk)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(request, "consultation_file", target=row)
    return FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)


# ---- the FAQ ----------------------------------------------------------------------------------------------------


def _faq_measures(user) -> list:
    """The measures an officer may publish an FAQ entry of: those of the provinces they manage."""
    measures = Measure.objects.tracked().select_related("document").order_by("document_id", "position")
    return [m for m in measures if FaqPolicy.can(user, FaqPolicy.MANAGE, FaqEntry(measure=m))]


@login_required
@require_GET
def faq_list(request):
    _refuse_unless(request.user, FaqPolicy.LIST, policy=FaqPolicy)
    filterset = FaqFilter(request.GET or None, queryset=faq_visible(user=request.user))
    qs = filterset.qs.select_related("measure")
    page = IdsFirstPaginator(qs, PAGE_SIZE, fetch=lambda ids: in_order(qs, ids)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "can_manage": FaqPolicy.can(request.user, FaqPolicy.MANAGE),
    }
    return render(request, "consultations/faq_list.html", context)


@login_required
@require_GET
def faq_detail(request, pk):
    entry = get_object_or_404(faq_visible(user=request.user), pk=pk)
    context = {"entry": entry, "can_manage": FaqPolicy.can(request.user, FaqPolicy.MANAGE, entry)}
    return render(request, "consultations/faq_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def faq_publish(request, pk):
    """发布到常见问题 from an answered question: the form starts from its title and its last answer, for the officer
    to rewrite without names."""
    question = _question(request, pk)
    _refuse_unless(request.user, QuestionPolicy.PUBLISH, question)
    answers = [m.text for m in thread(question) if m.kind == "answer"]
    initial = {"measure": question.measure_id, "title": question.title, "answer": answers[-1] if answers else ""}
    form = FaqForm(request.POST or None, initial=initial, measures=_faq_measures(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.faq_publish(
                question=question,
                measure=form.cleaned_data["measure"],
                title=form.cleaned_data["title"],
                answer=form.cleaned_data["answer"],
                by=request.user,
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("已发布到常见问题。"))
            return redirect("consultations:faq_detail", pk=entry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "consultations/faq_form.html", {"form": form, "question": question}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def faq_edit(request, pk):
    entry = get_object_or_404(faq_visible(user=request.user), pk=pk)
    _refuse_unless(request.user, FaqPolicy.MANAGE, entry, policy=FaqPolicy)
    initial = {"measure": entry.measure_id, "title": entry.title, "answer": entry.answer, "version": entry.version}
    form = FaqForm(request.POST or None, initial=initial, measures=_faq_measures(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.faq_update(
                entry=entry,
                measure=form.cleaned_data["measure"],
                title=form.cleaned_data["title"],
                answer=form.cleaned_data["answer"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as stale:
            form.add_error(None, stale.message)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("consultations:faq_detail", pk=entry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "consultations/faq_form.html", {"form": form, "entry": entry}, status=status)


@login_required
@require_POST
def faq_withdraw(request, pk):
    entry = get_object_or_404(faq_visible(user=request.user), pk=pk)
    _refuse_unless(request.user, FaqPolicy.MANAGE, entry, policy=FaqPolicy)
    try:
        services.faq_withdraw(entry=entry, by=request.user, expected_version=_int(request.POST.get("version")))
    except (StaleEdit, ValidationError) as problem:
        messages.error(request, getattr(problem, "message", None) or " ".join(problem.messages))
    else:
        messages.success(request, _("已撤回该常见问题。"))
    return redirect("consultations:faq_detail", pk=entry.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
