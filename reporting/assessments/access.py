"""Who may see and act on self-assessments, built on `reform_portal.access.EnterprisePolicy`.

- the enterprise's own users fill in and submit (only while the assessment is a draft or returned);
- officers in charge of the enterprise (and administrators) review: correct, comment, return, accept;
- SASAC staff of the province read every submitted assessment and its trail, and change nothing;
- officers in charge may look at a draft (to help, and to be told why it cannot be accepted yet); SASAC
  staff see only that one exists (the overview) until it is submitted;
- administrators manage every period, SASAC staff those of their own province.
"""

from django.db.models import QuerySet

from reform_portal.access import ADMIN, ENTERPRISE, SASAC, EnterprisePolicy, profile_of, province_ids_of, role_of

from .choices import AssessmentStatus


class AssessmentPolicy:
    VIEW = "view"
    EDIT = "edit"  # the enterprise's answers and the submission
    REVIEW = "review"  # the officer's corrections, comments, return and acceptance

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        qs = EnterprisePolicy.visible(user, qs, prefix="enterprise__")
        if role_of(user) == SASAC:
            return qs.exclude(status=AssessmentStatus.DRAFT)
        return qs

    @staticmethod
    def can(user, action: str, assessment) -> bool:
        role = role_of(user)
        if action == AssessmentPolicy.VIEW:
            from .models import Assessment

            return AssessmentPolicy.visible(user, Assessment.objects.filter(pk=assessment.pk)).exists()
        if action == AssessmentPolicy.EDIT:
            return role == ENTERPRISE and profile_of(user).enterprise_id == assessment.enterprise_id
        if action == AssessmentPolicy.REVIEW:
            return EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, assessment.enterprise)
        return False

    @staticmethod
    def can_start(user, enterprise) -> bool:
        profile = profile_of(user)
        return role_of(user) == ENTERPRISE and profile.enterprise_id == enterprise.pk


class PeriodPolicy:
    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        if role_of(user) == ADMIN:
            return qs
        return qs.filter(province_id__in=province_ids_of(user))

    @staticmethod
    def can_manage(user, province=None) -> bool:
        role = role_of(user)
        if role == ADMIN:
            return True
        if role != SASAC:
            return False
        return province is None or profile_of(user).province_id == getattr(province, "pk", province)
