"""Lock an assessment, check that its state and the user allow a change, and record the change in the trail.

Every write locks the assessment row before deciding anything, so an edit racing a submission cannot
slip in after it.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from reform_portal.access import AssessmentPolicy
from reform_portal.locks import lock_one

from ..choices import EDITABLE_STATUSES, AssessmentStatus, ReviewLevel
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
    reason = not_editable_reason(locked)
    if reason:
        raise IllegalTransition(reason)
    return locked


def not_editable_reason(assessment) -> str:
    """Why the form, in the state it was read in, takes no change from the enterprise ("" when it does): the one
    message of `require_editable`, also for a page that refuses before it stores anything (the workbook upload)."""
    if assessment.status in EDITABLE_STATUSES:
        return ""
    if assessment.status == AssessmentStatus.ACCEPTED:
        return _("自评表%(status)s，不能再修改。") % {"status": assessment.get_status_display()}
    return _("自评表已提交，等待审核，不能再修改。")


def require_reviewable(assessment, by) -> Assessment:
    """The corrections, comments and the return to the enterprise: a submitted form, by its first-level reviewer."""
    return require_step(assessment, by, AssessmentPolicy.REVIEW)


# What each review step needs: the states it starts from (one level, two levels) and why a user is refused.
_STEP_STATES = {
    AssessmentPolicy.REVIEW: ((AssessmentStatus.SUBMITTED,), (AssessmentStatus.SUBMITTED,)),
    AssessmentPolicy.FORWARD: ((), (AssessmentStatus.SUBMITTED,)),
    # a form forwarded before the province went back to one level is accepted as a submitted one
    AssessmentPolicy.ACCEPT: ((AssessmentStatus.SUBMITTED, AssessmentStatus.FORWARDED), (AssessmentStatus.FORWARDED,)),
    AssessmentPolicy.RETURN_TO_REVIEWER: ((), (AssessmentStatus.FORWARDED,)),
}


def _refusal(action, two_levels: bool) -> str:
    if not two_levels:
        if action in (AssessmentPolicy.FORWARD, AssessmentPolicy.RETURN_TO_REVIEWER):
            return _("本省自评实行一级审核，没有初审上报和退回初审。")
        return _("只有负责该企业的工会干部可以审核自评表。")
    if action in (AssessmentPolicy.REVIEW, AssessmentPolicy.FORWARD):
        return _("本省自评实行两级审核：由负责该企业的县级或州（市）级工会干部初审并上报。")
    return _("本省自评实行两级审核：初审上报后由省级工会审核通过或退回初审。")


def require_step(assessment, by, action) -> Assessment:
    """Lock the assessment and check that `by` may take the review step `action` (access.AssessmentPolicy) and that
    the form is in a state the step starts from; raise otherwise."""
    two_levels = assessment.period.review_levels == ReviewLevel.SECOND
    if not AssessmentPolicy.can(by, action, assessment):
        raise PermissionDenied(_refusal(action, two_levels))
    locked = lock(assessment)
    two_levels = locked.period.review_levels == ReviewLevel.SECOND
    states = _STEP_STATES[action][1 if two_levels else 0]
    if not states:
        raise IllegalTransition(_refusal(action, two_levels))
    if locked.status not in states:
        if action == AssessmentPolicy.REVIEW and locked.status == AssessmentStatus.FORWARDED:
            message = _("自评表已初审上报，等待省级工会审核；如需修改，请等待退回初审。")
        elif two_levels and action == AssessmentPolicy.ACCEPT and locked.status == AssessmentStatus.SUBMITTED:
            message = _("自评表尚未初审上报：本省实行两级审核，须由县级或州（市）级工会干部初审上报后再审核通过。")
        else:
            message = _("自评表当前状态为“%(status)s”，不能进行此项审核操作。") % {
                "status": locked.get_status_display()
            }
        raise IllegalTransition(message)
    return locked


def record_transition(assessment, *, action, from_status, by, comment="", details=None, level=None):
    return AssessmentTransition.objects.create(
        assessment=assessment,
        action=action,
        from_status=from_status,
        to_status=assessment.status,
        by=by,
        round=assessment.round,
        level=level,
        comment=comment,
        details=details or {},
    )
