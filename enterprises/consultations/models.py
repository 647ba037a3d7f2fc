"""产改直通车 (Yunnan 四（二）): enterprises' questions to the union and the union's answers, and the FAQ per measure.

A `Question` is asked by an enterprise's user (or a group user for a granted subsidiary), about a measure that applies
to the enterprise, an indicator or the self-assessment. Its thread (`QuestionMessage`: the question, answers,
forwards, follow-ups, the rating, escalations) is only ever added to, each message with who and when; the question row
keeps the state the thread led to (status, the union level in charge and its officers, the liaison it was forwarded
to, the due date, the rating). The database records each change of that state (reform_portal/history.py) and raises
`version` with each (the stale-edit check, reform_portal/versioning.py). An officer publishes an answer, rewritten
without names, as a `FaqEntry` of a measure. Writes go through services.py."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from measures.models import Measure
from reform_portal.history import audited, version_trigger
from reform_portal.stored_files import CheckedFile, random_name

from .choices import (
    ANSWER_TEXT_MAX_CHARS,
    BODY_MAX_CHARS,
    LEVEL_LABELS,
    RATING_MAX,
    RATING_MIN,
    TITLE_MAX_CHARS,
    FaqStatus,
    MessageKind,
    QuestionStatus,
    Topic,
)

QUESTION_AUDITED = ("status", "stage", "assignee", "due_date", "rating")
FAQ_AUDITED = ("measure", "title", "answer", "status")


def _columns(fields) -> tuple[str, ...]:
    return tuple(f"{f}_id" if f in ("assignee", "measure") else f for f in fields)


@audited(*QUESTION_AUDITED, model_name="QuestionEvent", verbose_name=_("直通车问题变更"))
class Question(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提问人"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("问题类别"), max_length=12, choices=Topic.choices)
    measure = models.ForeignKey(
        Measure, verbose_name=_("相关措施"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=TITLE_MAX_CHARS)
    body = models.TextField(_("问题内容"), max_length=BODY_MAX_CHARS)
    status = models.CharField(
        _("状态"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN, db_index=True
    )
    # The union level in charge: the index into access.officers_in_charge(enterprise)'s chain (0: the nearest), its
    # name (county, prefecture, province, named) and its officers when it was reached (told, and the queue's).
    stage = models.SmallIntegerField(_("承办层级序号"), default=0)
    level = models.CharField(_("承办层级"), max_length=12, blank=True)
    handler_ids = ArrayField(models.IntegerField(), verbose_name=_("承办人"), default=list, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转交联络员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("提问时间"), default=timezone.now)
    due_date = models.DateField(_("答复期限"))
    answered_at = models.DateTimeField(_("最近答复时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.TextField(_("评价意见"), max_length=BODY_MAX_CHARS, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("直通车问题")
        verbose_name_plural = _("直通车问题")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="question_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="question_status_due"),
            models.Index(fields=["enterprise", "status"], name="question_enterprise_status"),
            GinIndex(fields=["handler_ids"], name="question_handlers"),
        ]
        triggers = [version_trigger(name="question_version", columns=_columns(QUESTION_AUDITED))]

    def __str__(self):
        return self.title

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS.get(self.level, self.level or "—"))


class QuestionMessage(models.Model):
    """One step of a question's thread: who did what when, with its text (and files). Only added."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(_("类别"), max_length=16, choices=MessageKind.choices)
    text = models.TextField(_("内容"), max_length=ANSWER_TEXT_MAX_CHARS, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,  # the system's escalation
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转交给"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField(_("转交层级"), max_length=12, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("直通车问题记录")
        verbose_name_plural = _("直通车问题记录")
        triggers = [pgtrigger.Protect(name="question_message_append_only", operation=pgtrigger.Update)]

    def __str__(self):
        return f"{self.question_id} · {self.kind}"


def question_file_path(instance: "QuestionFile", filename: str) -> str:
    return random_name("consultations", instance.message.question.enterprise_id, filename)


class QuestionFile(CheckedFile):
    """An attachment of a message, checked by reform_portal.uploads like every evidence file; served only by a view
    that asks the access policy."""

    message = models.ForeignKey(QuestionMessage, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("文件"), upload_to=question_file_path, max_length=300)

    class Meta:
        ordering = ["id"]
        verbose_name = _("直通车附件")
        verbose_name_plural = _("直通车附件")


class QuestionEscalation(models.Model):
    """The ledger of overdue questions (services.question_escalations_run): one row per question and due date it
    passed, never two (the unique constraint, inserted ON CONFLICT DO NOTHING), so a daily run that runs twice tells
    and escalates once; a follow-up gives a new due date, which may escalate again."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="escalations")
    due_date = models.DateField(_("答复期限"))
    from_stage = models.SmallIntegerField(_("原承办层级序号"))
    to_stage = models.SmallIntegerField(_("上报层级序号"))
    level = models.CharField(_("上报层级"), max_length=12, blank=True)
    recipients = ArrayField(models.IntegerField(), verbose_name=_("通知对象"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("直通车逾期上报")
        verbose_name_plural = _("直通车逾期上报")
        constraints = [
            models.UniqueConstraint(fields=["question", "due_date"], name="question_escalation_once_per_due_date")
        ]

    def __str__(self):
        return f"{self.question_id} · {self.due_date}"


@audited(*FAQ_AUDITED, model_name="FaqEntryEvent", verbose_name=_("常见问题变更"))
class FaqEntry(models.Model):
    """A question and its answer as published for everyone the measure applies to: rewritten by the officer, with
    no asker's or enterprise's name (`question` keeps where it came from, shown to officers only)."""

    measure = models.ForeignKey(Measure, verbose_name=_("措施"), on_delete=models.PROTECT, related_name="faq_entries")
    question = models.ForeignKey(
        Question, verbose_name=_("来源问题"), null=True, blank=True, on_delete=models.SET_NULL, related_name="faq"
    )
    title = models.CharField(_("问题"), max_length=TITLE_MAX_CHARS)
    answer = models.TextField(_("答复"), max_length=ANSWER_TEXT_MAX_CHARS)
    status = models.CharField(_("状态"), max_length=10, choices=FaqStatus.choices, default=FaqStatus.PUBLISHED)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        indexes = [models.Index(fields=["measure", "status"], name="faq_measure_status")]
        triggers = [version_trigger(name="faq_entry_version", columns=_columns(FAQ_AUDITED))]

    def __str__(self):
        return self.title
