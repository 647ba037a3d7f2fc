"""Supervision orders (督办单): an order to an enterprise about some measures, with a request and a due date; the
enterprise's replies with evidence; the issuer's decisions (accept: closed; return: 退回整改); the ledger of the
escalations of overdue orders. Replies, their files, decisions and ledger rows are only ever added. The database
records each order's creation and each change of its state, due date or request (reform_portal/history.py) and
raises its `version` with each (the stale-edit check, reform_portal/versioning.py). Writes go through services.py."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from measures.models import Measure
from reform_portal.history import audited, version_trigger
from reform_portal.numbering import YearlySequence
from reform_portal.stored_files import CheckedFile, random_name
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS

from .choices import DecisionAction, IssuerBody, OrderStatus

ORDER_AUDITED = ("status", "due_date", "request", "closed_at")


class OrderNumber(YearlySequence):
    """The last sequence number given to an order of a province in a year (云督〔2026〕3号), reserved for a whole
    batch by one statement (reform_portal.numbering.reserve)."""

    class Meta:
        ordering = ["province", "year"]
        verbose_name = _("督办单编号")
        verbose_name_plural = _("督办单编号")
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="order_number_per_province_year")]


@audited(*ORDER_AUDITED, model_name="SupervisionOrderEvent", verbose_name=_("督办单变更"))
class SupervisionOrder(models.Model):
    number = models.CharField(_("督办单编号"), max_length=30, unique=True)
    province = models.ForeignKey(Region, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督办人"), on_delete=models.PROTECT, related_name="+"
    )
    issuer_body = models.CharField(_("督办单位"), max_length=10, choices=IssuerBody.choices)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    measures = models.ManyToManyField(Measure, verbose_name=_("督办措施"), related_name="supervision_orders")
    request = models.TextField(_("督办要求"), max_length=NOTE_MAX_CHARS)
    due_date = models.DateField(_("办结期限"))
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    batch = models.UUIDField(_("批次"), default=uuid.uuid4, db_index=True)
    created_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    replied_at = models.DateTimeField(_("最近回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)  # closed_at's local date (the light's rule)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "sequence"], name="order_sequence_per_province"),
            models.CheckConstraint(
                condition=Q(status=OrderStatus.CLOSED, closed_on__isnull=False)
                | (~Q(status=OrderStatus.CLOSED) & Q(closed_on__isnull=True)),
                name="order_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="order_status_due"),
            models.Index(fields=["enterprise", "status"], name="order_enterprise_status"),
        ]
        triggers = [version_trigger(name="supervision_order_version", columns=ORDER_AUDITED)]

    def __str__(self):
        return self.number


class OrderReply(models.Model):
    """What the enterprise did, with evidence (OrderReplyFile). Only added."""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.PROTECT, related_name="replies")
    text = models.TextField(_("办理情况"), max_length=ANSWER_MAX_CHARS)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回复人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("回复时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("督办单回复")
        verbose_name_plural = _("督办单回复")

    def __str__(self):
        return f"{self.order_id} · {self.at:%Y-%m-%d %H:%M}"


def reply_file_path(instance: "OrderReplyFile", filename: str) -> str:
    return random_name("supervision", instance.reply.order.enterprise_id, filename)


class OrderReplyFile(CheckedFile):
    """An evidence file of a reply, checked by reform_portal.uploads like every evidence file. Served only by a view
    that asks the access policy."""

    reply = models.ForeignKey(OrderReply, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("文件"), upload_to=reply_file_path, max_length=300)

    class Meta:
        ordering = ["id"]
        verbose_name = _("回复佐证材料")
        verbose_name_plural = _("回复佐证材料")


class OrderDecision(models.Model):
    """The issuer's decision on a reply: accept (the order is closed) or return (退回整改, open again). Only added."""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(_("核查结果"), max_length=10, choices=DecisionAction.choices)
    comment = models.TextField(_("核查意见"), max_length=NOTE_MAX_CHARS, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("核查时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("督办单核查")
        verbose_name_plural = _("督办单核查")

    def __str__(self):
        return f"{self.order_id} · {self.action}"


class OrderEscalation(models.Model):
    """The ledger of the escalations of overdue orders (services.order_escalations_run): one row per order and
    stage, never two (the unique constraint; inserted ON CONFLICT DO NOTHING in the transaction that records its
    mail in the outbox). Stage 0 goes to the officers in charge, stage k to the k-th union level above."""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="escalations")
    stage = models.SmallIntegerField(_("督促阶段"))
    level = models.CharField(_("督促层级"), max_length=20)
    recipients = ArrayField(models.IntegerField(), verbose_name=_("督促对象"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    emailed_to = models.JSONField(_("邮件收件人"), default=list, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("督办单逾期督促")
        verbose_name_plural = _("督办单逾期督促")
        constraints = [models.UniqueConstraint(fields=["order", "stage"], name="order_escalation_once_per_stage")]

    def __str__(self):
        return f"{self.order_id} · {self.stage}"
