"""Writes of the 产改直通车: questions, their thread, the daily escalation of overdue ones, and the FAQ.
Keyword-only, one transaction each; a refusal of what was typed is a ValidationError naming the field
({field: [message]}) and saves nothing; an action the user may not take is PermissionDenied (the pages and the API
ask QuestionPolicy first); an edit based on an old version is StaleEdit (reform_portal/versioning.py). Every step of
a question adds a QuestionMessage (who, when, what); the question row keeps the state it led to."""

from datetime import date
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.liaisons.selectors import liaison_users
from enterprises.models import Enterprise
from measures.applicability import applicable_measures
from measures.models import Measure
from reform_portal.access import FaqPolicy, QuestionPolicy, officers_in_charge
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one
from reform_portal.stored_files import store_checked
from reform_portal.uploads import check_upload
from reform_portal.versioning import check_version

from . import notifications, sla
from .choices import (
    ANSWER_TEXT_MAX_CHARS,
    BODY_MAX_CHARS,
    FILE_MAX_BYTES,
    MAX_FILES,
    RATING_MAX,
    RATING_MIN,
    TITLE_MAX_CHARS,
    FaqStatus,
    MessageKind,
    QuestionStatus,
    Topic,
)
from .models import FaqEntry, Question, QuestionEscalation, QuestionFile, QuestionMessage

ESCALATION_BATCH = 500


def _add(problems: dict, name: str, message) -> None:
    problems.setdefault(name, []).append(str(message))


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


def _text(problems: dict, name: str, value, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        _add(problems, name, _("请填写%(label)s。") % {"label": label})
    elif len(value) > limit:
        _add(problems, name, _("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": limit})
    return value


def _checked_files(problems: dict, files) -> list:
    """Each upload checked as every evidence file is (reform_portal/uploads.py), at most MAX_FILES of at most
    FILE_MAX_BYTES each."""
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        _add(problems, "files", _("最多上传 %(n)s 个附件。") % {"n": MAX_FILES})
        return []
    checked = []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload, max_bytes=FILE_MAX_BYTES)))
        except ValidationError as error:
            _add(problems, "files", f"{upload.name}：{' '.join(error.messages)}")
    return checked


def _message(question, *, kind: str, by, text: str = "", checked=(), to_user=None, level: str = "") -> QuestionMessage:
    message = QuestionMessage.objects.create(
        question=question, kind=kind, text=text, by=by, to_user=to_user, level=level, at=timezone.now()
    )
    store_checked(partial(QuestionFile, message=message), checked)
    return message


def _chain(enterprise) -> list[tuple[str, list[int]]]:
    """The union levels in charge of `enterprise` (its `region` loaded), nearest first (access.officers_in_charge)."""
    return officers_in_charge([enterprise]).get(enterprise.pk, [])


def _locked(question) -> Question:
    return lock_one(Question.objects.select_related("enterprise__region"), pk=question.pk)


def _save(question, fields: list[str], by, source=ChangeSource.MANUAL) -> None:
    with change_context(by=by, source=source):
        question.save(update_fields=fields)


def _label(question):
    return lambda: question.title


# ---- asking ---------------------------------------------------------------------------------------------------


def applicable_measure_ids(enterprise) -> set[int]:
    return set(applicable_measures(enterprise).values_list("pk", flat=True))


@transaction.atomic
def question_ask(*, enterprise: Enterprise, topic: str, title: str, body: str, measure=None, files=(), by) -> Question:
    """An enterprise's question (by one of its users, or a group user for a granted subsidiary), to the officers in
    charge of it (the nearest union level, access.officers_in_charge); due in QUESTION_SLA_WORKDAYS working days."""
    problems: dict[str, list[str]] = {}
    if enterprise is None or not QuestionPolicy.can(by, QuestionPolicy.ASK, enterprise):
        _add(problems, "enterprise", _("您不能代表该企业提问。"))
        _raise(problems)
    if topic not in Topic.values:
        _add(problems, "topic", _("请选择问题类别。"))
    measure_id = getattr(measure, "pk", measure)
    if measure_id is not None and measure_id not in applicable_measure_ids(enterprise):
        _add(problems, "measure", _("所选措施不适用于该企业。"))
    elif topic == Topic.MEASURE and measure_id is None:
        _add(problems, "measure", _("请选择所问的措施。"))
    title = _text(problems, "title", title, label=_("标题"), limit=TITLE_MAX_CHARS)
    body = _text(problems, "body", body, label=_("问题内容"), limit=BODY_MAX_CHARS)
    checked = _checked_files(problems, files)
    _raise(problems)
    enterprise = Enterprise.objects.select_related("region").get(pk=enterprise.pk)
    chain = _chain(enterprise)
    level, handlers = chain[0] if chain else ("", [])
    now = timezone.now()
    with change_context(by=by, source=ChangeSource.MANUAL):
        question = Question.objects.create(
            enterprise=enterprise,
            asked_by=by,
            topic=topic,
            measure_id=measure_id,
            title=title,
            body=body,
            stage=0,
            level=level,
            handler_ids=handlers,
            asked_at=now,
            due_date=sla.due_date_for(timezone.localtime(now).date()),
        )
    _message(question, kind=MessageKind.ASK, by=by, text=body, checked=checked, level=level)
    notifications.question_asked(question)
    return question


# ---- the union's side -----------------------------------------------------------------------------------------


@transaction.atomic
def question_answer(*, question: Question, text: str, files=(), by, expected_version: int | None) -> QuestionMessage:
    """An answer (by an officer in charge, a handler or the liaison it was forwarded to): 已答复, the asker told."""
    current = _locked(question)
    if not QuestionPolicy.can(by, QuestionPolicy.ANSWER, current):
        raise PermissionDenied
    check_version(current, expected_version, label=_label(current))
    problems: dict[str, list[str]] = {}
    text = _text(problems, "text", text, label=_("答复内容"), limit=ANSWER_TEXT_MAX_CHARS)
    checked = _checked_files(problems, files)
    _raise(problems)
    message = _message(current, kind=MessageKind.ANSWER, by=by, text=text, checked=checked)
    current.status, current.answered_at = QuestionStatus.ANSWERED, message.at
    _save(current, ["status", "answered_at"], by)
    notifications.question_answered(current)
    return message


def _move_up(question, chain) -> tuple[str, list[int]] | None:
    """Give the question to the next union level of `chain` (its officers become its handlers); None at the top."""
    if question.stage + 1 >= len(chain):
        return None
    question.stage += 1
    question.level, question.handler_ids = chain[question.stage]
    question.assignee = None
    question.status = QuestionStatus.FORWARDED
    return chain[question.stage]


@transaction.atomic
def question_forward_up(*, question: Question, note: str = "", by, expected_version: int | None) -> QuestionMessage:
    """转交上级: the next union level above the one in charge (county → prefecture → province) takes the question."""
    current = _locked(question)
    if not QuestionPolicy.can(by, QuestionPolicy.FORWARD, current):
        raise PermissionDenied
    check_version(current, expected_version, label=_label(current))
    problems: dict[str, list[str]] = {}
    note = _text(problems, "note", note, label=_("转交说明"), limit=BODY_MAX_CHARS, required=False)
    _raise(problems)
    moved = _move_up(current, _chain(current.enterprise))
    if moved is None:
        raise ValidationError({"note": [_("已是最高一级工会，没有可转交的上级。")]})
    level, handlers = moved
    message = _message(current, kind=MessageKind.FORWARD_UP, by=by, text=note, level=level)
    _save(current, ["stage", "level", "handler_ids", "assignee", "status"], by)
    notifications.question_forwarded(current, handlers)
    return message


@transaction.atomic
def question_forward_to_liaison(
    *, question: Question, user, note: str = "", by, expected_version: int | None
) -> QuestionMessage:
    """转交联络员: to a 产改联络员 / 指导员 assigned to the enterprise (enterprises/liaisons), who then sees and answers
    it; the handlers stay in charge (it stays in their queue, and the escalation's)."""
    current = _locked(question)
    if not QuestionPolicy.can(by, QuestionPolicy.FORWARD, current):
        raise PermissionDenied
    check_version(current, expected_version, label=_label(current))
    problems: dict[str, list[str]] = {}
    note = _text(problems, "note", note, label=_("转交说明"), limit=BODY_MAX_CHARS, required=False)
    user_id = getattr(user, "pk", user)
    target = liaison_users(current.enterprise).filter(pk=user_id).first() if user_id is not None else None
    if target is None:
        _add(problems, "user", _("请选择该企业的产改联络员或指导员。"))
    _raise(problems)
    message = _message(current, kind=MessageKind.FORWARD_LIAISON, by=by, text=note, to_user=target)
    current.assignee, current.status = target, QuestionStatus.FORWARDED
    _save(current, ["assignee", "status"], by)
    notifications.question_forwarded(current, [target.pk])
    return message


# ---- the enterprise's side ------------------------------------------------------------------------------------


@transaction.atomic
def question_follow_up(*, question: Question, text: str, files=(), by, expected_version: int | None) -> QuestionMessage:
    """追问 on an answered (or closed) question: it waits for an answer again (待答复), with a new due date."""
    current = _locked(question)
    if not QuestionPolicy.can(by, QuestionPolicy.RESPOND, current):
        raise PermissionDenied
    check_version(current, expected_version, label=_label(current))
    problems: dict[str, list[str]] = {}
    text = _text(problems, "text", text, label=_("追问内容"), limit=BODY_MAX_CHARS)
    checked = _checked_files(problems, files)
    _raise(problems)
    message = _message(current, kind=MessageKind.FOLLOW_UP, by=by, text=text, checked=checked)
    current.status = QuestionStatus.OPEN
    current.due_date = sla.due_date_for(timezone.localtime(message.at).date())
    _save(current, ["status", "due_date"], by)
    notifications.question_followed_up(current)
    return message


@transaction.atomic
def question_rate(
    *, question: Question, rating, comment: str = "", by, expected_version: int | None
) -> QuestionMessage:
    """The asker's side rates the answer (1–5, with an optional comment), once; the question is closed (已关闭). A
    later follow-up reopens it, but the rating stays the one given."""
    current = _locked(question)
    if not QuestionPolicy.can(by, QuestionPolicy.RESPOND, current):
        raise PermissionDenied
    check_version(current, expected_version, label=_label(current))
    problems: dict[str, list[str]] = {}
    if current.rating is not None:
        _add(problems, "rating", _("该问题已评价过，不能重复评价。"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = None
    if rating is None or not RATING_MIN <= rating <= RATING_MAX:
        _add(problems, "rating", _("请给出 %(lo)s 到 %(hi)s 分的评价。") % {"lo": RATING_MIN, "hi": RATING_MAX})
    comment = _text(problems, "comment", comment, label=_("评价意见"), limit=BODY_MAX_CHARS, required=False)
    _raise(problems)
    message = _message(current, kind=MessageKind.RATE, by=by, text=comment)
    current.rating, current.rating_comment, current.status = rating, comment, QuestionStatus.CLOSED
    _save(current, ["rating", "rating_comment", "status"], by)
    return message


# ---- the daily escalation of overdue questions -----------------------------------------------------------------


def question_escalations_run(*, today: date | None = None, batch: int = ESCALATION_BATCH) -> int:
    """Each question waiting past its due date is, once per due date (the QuestionEscalation ledger, unique per
    question and due date), told to the officers in charge and escalated one union level up (its officers become
    the handlers; at the top level it stays). Returns how many questions were escalated; a second run the same day
    (or any later day, for the same due date) escalates none."""
    today = today or sla.today()
    done, last = 0, 0
    passed = QuestionEscalation.objects.filter(question=OuterRef("pk"), due_date=OuterRef("due_date"))
    pending = Question.objects.filter(sla.overdue_q(today)).filter(~Exists(passed))
    while True:
        ids = list(pending.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        last = ids[-1]
        for pk in ids:
            done += _escalate_one(pk=pk, today=today)


@transaction.atomic
def _escalate_one(*, pk: int, today: date) -> int:
    question = lock_one(Question.objects.select_related("enterprise__region"), pk=pk)
    if not sla.is_overdue(question, today):
        return 0
    before = list(question.handler_ids)
    from_stage = question.stage
    chain = _chain(question.enterprise)
    moved = _move_up(question, chain)
    try:
        with transaction.atomic():
            QuestionEscalation.objects.create(
                question=question,
                due_date=question.due_date,
                from_stage=from_stage,
                to_stage=question.stage,
                level=question.level,
                recipients=sorted(set(before) | set(question.handler_ids)),
            )
    except IntegrityError:  # another run escalated it for this due date meanwhile
        return 0
    text = _("逾期未答复（答复期限 %(due)s），已上报上一级工会。") if moved else _("逾期未答复（答复期限 %(due)s）。")
    _message(question, kind=MessageKind.ESCALATE, by=None, text=text % {"due": question.due_date}, level=question.level)
    if moved:
        _save(question, ["stage", "level", "handler_ids", "assignee", "status"], None, source=ChangeSource.SYSTEM)
    notifications.question_escalated(question, overdue_to=before, escalated_to=question.handler_ids if moved else [])
    return 1


# ---- the FAQ ----------------------------------------------------------------------------------------------------


def _faq_problems(*, title: str, answer: str, measure) -> tuple[dict, str, str]:
    problems: dict[str, list[str]] = {}
    title = _text(problems, "title", title, label=_("问题"), limit=TITLE_MAX_CHARS)
    answer = _text(problems, "answer", answer, label=_("答复"), limit=ANSWER_TEXT_MAX_CHARS)
    if measure is None:
        _add(problems, "measure", _("请选择常见问题所属的措施。"))
    return problems, title, answer


def _measure(measure) -> Measure | None:
    pk = getattr(measure, "pk", measure)
    return Measure.objects.select_related("document").filter(pk=pk).first() if pk is not None else None


@transaction.atomic
def faq_publish(*, question: Question | None, measure, title: str, answer: str, by) -> FaqEntry:
    """Publish a question and its answer, as the officer rewrote them without the asker's or the enterprise's name,
    to the FAQ of `measure` (from an answered question the officer sees, or written afresh)."""
    measure = _measure(measure)
    if question is not None:
        question = Question.objects.select_related("enterprise__region").get(pk=question.pk)
        if not QuestionPolicy.can(by, QuestionPolicy.PUBLISH, question):
            raise PermissionDenied
    problems, title, answer = _faq_problems(title=title, answer=answer, measure=measure)
    entry = FaqEntry(measure=measure, question=question, title=title, answer=answer, published_by=by)
    if measure is not None and not FaqPolicy.can(by, FaqPolicy.MANAGE, entry):
        _add(problems, "measure", _("您不能发布该省措施的常见问题。"))
    _raise(problems)
    with change_context(by=by, source=ChangeSource.MANUAL):
        entry.save()
    return entry


@transaction.atomic
def faq_update(*, entry: FaqEntry, measure, title: str, answer: str, by, expected_version: int | None) -> FaqEntry:
    current = lock_one(FaqEntry.objects.select_related("measure__document"), pk=entry.pk)
    if not FaqPolicy.can(by, FaqPolicy.MANAGE, current):
        raise PermissionDenied
    check_version(current, expected_version, label=lambda: current.title)
    measure = _measure(measure)
    problems, title, answer = _faq_problems(title=title, answer=answer, measure=measure)
    if measure is not None and not FaqPolicy.can(by, FaqPolicy.MANAGE, FaqEntry(measure=measure)):
        _add(problems, "measure", _("您不能发布该省措施的常见问题。"))
    _raise(problems)
    current.measure, current.title, current.answer = measure, title, answer
    with change_context(by=by, source=ChangeSource.MANUAL):
        current.save(update_fields=["measure", "title", "answer"])
    return current


@transaction.atomic
def faq_withdraw(*, entry: FaqEntry, by, expected_version: int | None) -> FaqEntry:
    current = lock_one(FaqEntry.objects.select_related("measure__document"), pk=entry.pk)
    if not FaqPolicy.can(by, FaqPolicy.MANAGE, current):
        raise PermissionDenied
    check_version(current, expected_version, label=lambda: current.title)
    if current.status == FaqStatus.WITHDRAWN:
        raise ValidationError({"status": [_("该常见问题已撤回。")]})
    current.status = FaqStatus.WITHDRAWN
    with change_context(by=by, source=ChangeSource.MANUAL):
        current.save(update_fields=["status"])
    return current
