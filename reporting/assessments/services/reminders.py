"""Reminding enterprises to fill in their form: a notice in the portal and an email."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AssessmentNotice, ReportingPeriod


@transaction.atomic
def reminders_send(*, period: ReportingPeriod, enterprises, by, message: str = "") -> list[AssessmentNotice]:
    """An in-portal notice for each enterprise, and an email to its users once the notices are saved."""
    from reform_portal.access import EnterprisePolicy

    from ..tasks import send_notice_email

    notices = []
    default = _("请于 %(deadline)s 前完成并提交%(period)s产业工人队伍建设改革自评表。") % {
        "deadline": period.deadline,
        "period": period.label,
    }
    for enterprise in enterprises:
        if not EnterprisePolicy.can(by, EnterprisePolicy.UPDATE_PROGRESS, enterprise):
            raise PermissionDenied(_("只能提醒自己负责的企业。"))
        if enterprise.region.parent_id != period.province_id:
            raise ValidationError({"enterprises": [_("%(name)s不属于该填报期的省份。") % {"name": enterprise.name}]})
        notice = AssessmentNotice.objects.create(
            period=period, enterprise=enterprise, message=(message or "").strip() or default, sent_by=by
        )
        notices.append(notice)
        send_notice_email.delay_on_commit(notice.pk)
    return notices


def notice_email(*, notice_id: int) -> int:
    """Email one notice to the enterprise's users who have an address; idempotent (sent once)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    with transaction.atomic():
        notice = AssessmentNotice.objects.select_for_update().select_related("period", "enterprise").get(pk=notice_id)
        if notice.emailed_at:
            return 0
        recipients = list(
            get_user_model()
            .objects.filter(profile__enterprise=notice.enterprise, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if recipients:
            send_mail(
                subject=_("【产改通】%(period)s自评填报提醒") % {"period": notice.period.label},
                message=f"{notice.enterprise.name}：\n\n{notice.message}\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        notice.emailed_to = recipients
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_to", "emailed_at", "updated_at"])
        return len(recipients)
