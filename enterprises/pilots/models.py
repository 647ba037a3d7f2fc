"""Pilot enterprises (试点) and their working funds.

Yunnan 四（三）: "对积极主动贯彻落实改革措施并取得一定成效的企业，及时将其列为试点，给予一定的工作经费支持". The
provincial union or a prefecture's union designates an enterprise as a pilot by a document (文号), for some measures
(its scope), and records the working funds granted (下达) and paid (拨付) to it. The database records every
designation, change and fund entry (reform_portal/history.py), and raises a designation's `version` with each change
(the stale-edit check, reform_portal/versioning.py). Writes go through `services.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from measures.models import Measure
from reform_portal.history import audited, version_trigger
from reform_portal.models import TimeStampedModel

from .choices import AMOUNT_MAX, DOCUMENT_NUMBER_MAX_CHARS, PURPOSE_MAX_CHARS, FundKind, PilotStatus

DESIGNATION_AUDITED = ("region", "document_number", "designated_on", "scope_codes", "status", "ends_on", "note")


@audited(*DESIGNATION_AUDITED, model_name="PilotDesignationEvent", verbose_name=_("试点认定变更"))
class PilotDesignation(TimeStampedModel):
    """One enterprise designated a pilot by one union (the province's or a prefecture's) by one document.

    `measures` are the measures it pilots (each applies to the enterprise); `scope_codes` spells them out (their codes,
    in catalogue order), kept by the services with `measures`, so that the history records a change of scope and a
    change of scope raises the version."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="pilot_designations"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("认定单位"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("认定试点的工会：省总工会或州（市）总工会"),
    )
    document_number = models.CharField(_("认定文号"), max_length=DOCUMENT_NUMBER_MAX_CHARS)
    designated_on = models.DateField(_("认定日期"))
    measures = models.ManyToManyField(Measure, verbose_name=_("试点措施"), related_name="pilot_designations")
    scope_codes = models.CharField(_("试点措施"), max_length=1000, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=PilotStatus.choices, default=PilotStatus.ACTIVE)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        ordering = ["-designated_on", "-id"]
        verbose_name = _("试点企业认定")
        verbose_name_plural = _("试点企业认定")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "document_number"],
                condition=Q(status=PilotStatus.ACTIVE),
                name="pilot_one_active_per_document",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("designated_on")),
                name="pilot_ends_after_designation",
            ),
        ]
        indexes = [
            # the list's order (newest designation first), and the dashboard's pilots of a province
            models.Index(fields=["designated_on", "id"], name="pilot_designated"),
            models.Index(fields=["enterprise", "status"], name="pilot_enterprise_status"),
        ]
        triggers = [
            version_trigger(
                name="pilot_designation_version",
                columns=tuple("region_id" if c == "region" else c for c in DESIGNATION_AUDITED),
            )
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.document_number}"

    @property
    def is_active(self) -> bool:
        return self.status == PilotStatus.ACTIVE


@audited("kind", "amount", "on_date", "purpose", model_name="PilotFundEvent", verbose_name=_("试点工作经费记录"))
class PilotFund(TimeStampedModel):
    """One entry of a pilot's working funds: an amount granted (下达) or paid (拨付) on a date, in yuan. Entries are
    only added; the paid total never exceeds the granted total (services.fund_record)."""

    designation = models.ForeignKey(
        PilotDesignation, verbose_name=_("试点认定"), on_delete=models.PROTECT, related_name="funds"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=FundKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=11, decimal_places=2)
    on_date = models.DateField(_("日期"))
    purpose = models.CharField(_("用途"), max_length=PURPOSE_MAX_CHARS)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["on_date", "id"]
        verbose_name = _("试点工作经费")
        verbose_name_plural = _("试点工作经费")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount__lte=AMOUNT_MAX), name="pilot_fund_amount_bounded"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"
