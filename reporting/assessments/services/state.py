"""Lock an assessment, check that its state and the user allow a change, and record the change in the trail.

Every write locks the assessment row before deciding anything, so an edit racing a submission cannot
slip in after it.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from reform_portal.access import AssessmentPolicy
from reform_portal.locks import lock_one

from ..choices import EDITABLE_STATUSES, AssessmentStatus
from ..models import Assessment, AssessmentTransition
from .errors import IllegalTransition


def lock(assessment) -> Assessment:
    """The assessment row, locked; its period and enterprise are read with it but not locked (the period is the
    whole province's: locking it would make every enterprise's autosave wait for the others)."""
    return lock_one(Assessment.objects.select_related("period", "enterprise"), assessment.pk)


def require_editable(assessment, by) -> Assessment:
    if not AssessmentPolicy.can(by, AssessmentPolicy.EDIT, assessment):
        raise PermissionDenied(_("只有本企业的填报人员可以修改自评表。"))
    locked = lock(assessment)
    if locked.status not in EDITABLE_STATUSES:
        raise IllegalTransition(
            _("自评表%(status)s，不能再修改。") % {"status": locked.get_status_display()}
            if locked.status == AssessmentStatus.ACCEPTED
            else _("自评表已提交，等待审核，不能再修改。")
        )
    return locked


def require_reviewable(assessment, by) -> Assessment:
    if not AssessmentPolicy.can(by, AssessmentPolicy.REVIEW, assessment):
        raise PermissionDenied(_("只有负责该企业的工会干部可以审核自评表。"))
    locked = lock(assessment)
    if locked.status != AssessmentStatus.SUBMITTED:
        raise IllegalTransition(
            _("自评表当前状态为“%(status)s”，只有已提交的自评表可以审核。") % {"status": locked.get_status_display()}
        )
    return locked


def record_transition(assessment, *, action, from_status, by, comment="", details=None):
    return AssessmentTransition.objects.create(
        assessment=assessment,
        action=action,
        from_status=from_status,
        to_status=assessment.status,
        by=by,
        round=assessment.round,
        comment=comment,
        details=details or {},
    )
