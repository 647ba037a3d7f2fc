"""Reads of the 直通车: every list starts from the access policy (QuestionPolicy, FaqPolicy)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from enterprises.liaisons.selectors import liaison_users
from enterprises.models import Enterprise, Region
from measures.applicability import applicable_measures
from reform_portal.access import FaqPolicy, QuestionPolicy, RegionPolicy, access_for

from . import sla
from .choices import AWAITING_STATUSES, FaqStatus, QuestionStatus
from .models import FaqEntry, Question, QuestionFile, QuestionMessage

FAQ_BESIDE_A_MEASURE = 3  # entries listed beside a measure (the rest: the FAQ page, filtered by it)
FAQ_BESIDE_MAX_ROWS = 500  # entries read for one page's measures


def questions_visible(*, user) -> QuerySet:
    return QuestionPolicy.visible(user, Question.objects.all()).order_by("-asked_at", "-id")


def question_rows(qs: QuerySet) -> QuerySet:
    return qs.select_related("enterprise__region", "measure", "asked_by")


def question_detail_queryset(*, user) -> QuerySet:
    return question_rows(questions_visible(user=user)).select_related("assignee", "enterprise__county")


def thread(question) -> list[QuestionMessage]:
    files = Prefetch("files", queryset=QuestionFile.objects.order_by("id"))
    return list(question.messages.select_related("by", "to_user").prefetch_related(files).order_by("at", "id"))


def question_file_queryset(*, user) -> QuerySet:
    """Attachments of the questions the user sees."""
    visible = questions_visible(user=user).values("pk")
    return QuestionFile.objects.select_related("message__question").filter(message__question__in=visible)


def awaiting_me_q(user) -> Q:
    """Questions waiting for `user`'s answer: they are among its handlers, or it was forwarded to them."""
    return Q(status__in=AWAITING_STATUSES) & (Q(handler_ids__contains=[user.pk]) | Q(assignee_id=user.pk))


def queue_counts(user) -> dict[str, int]:
    """The work queue's counts (one query): `awaiting` (waiting for the user's answer), `overdue` (of those, past
    their due date), `answered` (the enterprise side's questions answered, to read and rate)."""
    qs = questions_visible(user=user).order_by()
    if QuestionPolicy.can(user, QuestionPolicy.RESPOND):
        return qs.aggregate(answered=Count("pk", filter=Q(status=QuestionStatus.ANSWERED)))
    return qs.filter(awaiting_me_q(user)).aggregate(awaiting=Count("pk"), overdue=Count("pk", filter=sla.overdue_q()))


def question_prefectures(*, user) -> QuerySet:
    return RegionPolicy.visible(user, Region.objects.filter(level="prefecture")).order_by("code")


def askable_enterprises(*, user) -> QuerySet:
    """The enterprises the user may ask for (its own, a group user's granted subsidiaries)."""
    return Enterprise.objects.filter(pk__in=sorted(access_for(user).fills_in_ids)).select_related("region")


def measures_for(enterprise) -> list:
    return list(applicable_measures(enterprise).order_by("document_id", "position"))


def liaison_choices(question) -> list:
    """The 联络员 / 指导员 assigned to the question's enterprise (enterprises/liaisons), to forward it to."""
    return list(liaison_users(question.enterprise))


# ---- the FAQ ----------------------------------------------------------------------------------------------------


def faq_visible(*, user) -> QuerySet:
    qs = FaqEntry.objects.select_related("measure__document")
    return FaqPolicy.visible(user, qs).order_by("-published_at", "-id")


def faq_published(*, user) -> QuerySet:
    return faq_visible(user=user).filter(status=FaqStatus.PUBLISHED)


def faq_beside(*, user, measure_ids=None) -> dict[int, list[FaqEntry]]:
    """Per measure (of `measure_ids`, or every one), the newest published entries the user sees (at most
    FAQ_BESIDE_A_MEASURE each): one query for the page."""
    result: dict[int, list[FaqEntry]] = {}
    rows = faq_published(user=user).select_related(None).only("pk", "measure_id", "title")
    if measure_ids is not None:
        rows = rows.filter(measure_id__in=sorted(set(measure_ids)))
    for entry in rows[:FAQ_BESIDE_MAX_ROWS]:
        listed = result.setdefault(entry.measure_id, [])
        if len(listed) < FAQ_BESIDE_A_MEASURE:
            listed.append(entry)
    return result
