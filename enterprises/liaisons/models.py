"""产改联络员 / 指导员 (Yunnan 四（二）): officers assigned to enterprises.

An assignment ties one officer (a union user) to one enterprise in one role (联络员 or 指导员). It is active while
`ended_at` is empty; at most one active assignment per enterprise, user and role (a database constraint). Ending an
assignment keeps the row (who was assigned when). A visit (产改直通车走访) is logged by an officer or an assigned
liaison. Writes go through `services.py`; reads through `selectors.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from reform_portal.history import audited, version_trigger
from reform_portal.models import TimeStampedModel
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS

from .choices import PEOPLE_MET_MAX_CHARS, VISITORS_MAX_CHARS, LiaisonRole


class LiaisonAssignment(TimeStampedModel):
    """One officer assigned to one enterprise as its 联络员 or 指导员, from `assigned_at` until `ended_at`."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="liaison_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="liaison_assignments"
    )
    role = models.CharField(_("角色"), max_length=12, choices=LiaisonRole.choices)
    assigned_at = models.DateTimeField(_("指派时间"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结束人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["enterprise_id", "role", "assigned_at", "id"]
        verbose_name = _("产改联络员指派")
        verbose_name_plural = _("产改联络员指派")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user", "role"],
                condition=Q(ended_at__isnull=True),
                name="liaison_one_active_assignment",
                violation_error_message=_("该人员已是该企业的同一角色，不能重复指派。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("assigned_at")),
                name="liaison_ends_after_assigned",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "ended_at"], name="liaison_user_active"),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.get_role_display()} · {self.user}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class LiaisonQualification(TimeStampedModel):
    """An officer (a union user) marked as able to serve as 联络员 or 指导员 (one row per role). Only a qualified
    officer whose charge covers an enterprise may be assigned to it in that role (reform_portal.access.LiaisonPolicy).
    Kept beside the profile (enterprises.models.Profile), not on it, so that the people's table stays as it is."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="liaison_qualifications",
    )
    role = models.CharField(_("角色"), max_length=12, choices=LiaisonRole.choices)

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("产改联络员资格")
        verbose_name_plural = _("产改联络员资格")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="liaison_one_qualification_per_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


VISIT_AUDITED = (
    "visited_on",
    "other_visitors",
    "people_met",
    "questions_answered",
    "follow_ups",
    "follow_up_due",
)


@audited(*VISIT_AUDITED, model_name="VisitEvent", verbose_name=_("直通车走访记录变更"))
class Visit(TimeStampedModel):
    """One 产改直通车 visit to an enterprise: when, who went (the officer who logs it, `recorded_by`, and others by
    name), whom they met, the questions answered on the spot and what is to follow, by when. `version` rises with
    each change (the stale-edit check, reform_portal/versioning.py)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人（记录人）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    other_visitors = models.CharField(_("其他走访人员"), max_length=VISITORS_MAX_CHARS, blank=True)
    people_met = models.CharField(_("接待人员"), max_length=PEOPLE_MET_MAX_CHARS)
    questions_answered = models.TextField(_("解答的问题"), max_length=ANSWER_MAX_CHARS)
    follow_ups = models.TextField(_("后续事项"), max_length=NOTE_MAX_CHARS, blank=True)
    follow_up_due = models.DateField(_("后续事项完成期限"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("直通车走访")
        verbose_name_plural = _("直通车走访")
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_due__isnull=True) | Q(follow_up_due__gte=models.F("visited_on")),
                name="visit_follow_up_after_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["visited_on", "id"], name="visit_visited"),
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise"),
        ]
        triggers = [version_trigger(name="visit_version", columns=VISIT_AUDITED)]

    def __str__(self):
        return f"{self.enterprise} · {self.visited_on:%Y-%m-%d}"
