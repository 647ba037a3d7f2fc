"""An award round (评优推荐轮次) and the officers' decisions on its candidates (append-only: the latest counts).
Both are in the history (reform_portal/history.py `@audited`: the database writes an event per row created or
changed, with who and from where)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reform_portal.history import audited

from .choices import Decision

ROUND_AUDITED = ("name", "year", "level", "quota", "weights")
DECISION_AUDITED = ("decision", "reason")


@audited(*ROUND_AUDITED, model_name="AwardRoundEvent", verbose_name=_("评优推荐轮次变更"))
class AwardRound(models.Model):
    """A round: its year, level and quota per prefecture; the weights copied from data/weights.json at creation, so
    that the same data give the same shortlist whatever the file says later (ranking.shortlist)."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("级别"), max_length=20)
    province = models.ForeignKey(
        "enterprises.Region", verbose_name=_("省份"), on_delete=models.PROTECT, related_name="award_rounds"
    )
    quota = models.JSONField(_("各州（市）名额"), default=dict)  # {prefecture code: n}
    weights = models.JSONField(_("计分权重"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("评优推荐轮次")
        verbose_name_plural = _("评优推荐轮次")

    def __str__(self):
        return self.name


@audited(*DECISION_AUDITED, model_name="AwardCandidateDecisionEvent", verbose_name=_("候选决定记录"))
class AwardCandidateDecision(models.Model):
    """An officer's confirmation or striking of a candidate (a strike with its reason). Rows are only added."""

    round = models.ForeignKey(AwardRound, on_delete=models.CASCADE, related_name="decisions")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("理由"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("候选决定")
        verbose_name_plural = _("候选决定")
        indexes = [models.Index(fields=["round", "enterprise", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decision="strike") | ~models.Q(reason=""), name="award_strike_has_reason"
            )
        ]

    def __str__(self):
        return f"{self.round_id}: {self.enterprise_id} {self.decision}"
