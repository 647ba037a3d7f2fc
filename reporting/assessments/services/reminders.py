"""Reminding enterprises to fill in their form: a notice in the portal and an email."""

from collections.abc import Callable
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.locks import lock_first

from ..inbox_notices import notify_reminded
from ..models import AssessmentNotice, ReportingPeriod


@transaction.atomic
def reminders_send(
    *, period: ReportingPeriod, enterprises, by, enqueue_email: Callable[[int], object], message: str = ""
) -> list[AssessmentNotice]:
    """An in-portal notice for each enterprise, and an email to its users once the notices are saved: each notice's
    id goes to `enqueue_email` in this transaction (callers pass the outbox bound to
    `reporting.assessments.tasks.send_notice_email`, which records the call with the notice and sends it after
    commit, or when the broker is back; tasks import the services, never the reverse). The mail task is idempotent
    (`notice_email` claims the notice), so a call sent twice mails once."""
    from reform_portal.access import NoticePolicy

    notices = []
    default = _("请于 %(deadline)s 前完成并提交%(period)s产业工人队伍建设改革自评表。") % {
        "deadline": period.due_date,  # moved to the next working day when it falls on a day off
        "period": period.label,
    }
    for enterprise in enterprises:
        if not NoticePolicy.can(by, NoticePolicy.SEND, enterprise):
            raise PermissionDenied(_("只能提醒自己负责的企业。"))
        if enterprise.region.parent_id != period.province_id:
            raise ValidationError({"enterprises": [_("%(name)s不属于该填报期的省份。") % {"name": enterprise.name}]})
        notice = AssessmentNotice.objects.create(
            period=period, enterprise=enterprise, message=(message or "").strip() or default, sent_by=by
        )
        notices.append(notice)
        enqueue_email(notice.pk)
        notify_reminded(period=period, enterprise_ids=[enterprise.pk], message=notice.message)  # docs/inbox.md
    return notices


def notice_email(*, notice_id: int) -> int:
    """Email one notice to the enterprise's users who have an address, once; returns how many it goes to.

    A short transaction claims the notice (locks that row alone, marks it emailed, commits); the mail goes out
    after the commit, outside any transaction or lock, so a slow mail server holds up no one. A second delivery of
    the task finds the notice claimed and sends nothing; when sending fails the claim is withdrawn, so that a retry
    sends it."""
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        notice = lock_first(
            AssessmentNotice.objects.select_related("period", "enterprise"), pk=notice_id, emailed_at__isnull=True
        )
        if notice is None:  # already emailed (or claimed by a delivery of the task now sending it)
            return 0
        recipients = list(
            get_user_model()
            .objects.filter(profile__enterprise=notice.enterprise, is_active=True)
            .exclude(email="")
            .order_by("pk")
            .values_list("email", flat=True)
        )
        notice.emailed_to = recipients
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_to", "emailed_at", "updated_at"])
        if recipients:
            transaction.on_commit(partial(_deliver, notice=notice, recipients=recipients))
    return len(recipients)


def _deliver(*, notice: AssessmentNotice, recipients: list[str]) -> None:
    """Send the claimed notice (after commit); on failure withdraw the claim and let the task fail."""
    from django.conf import settings
    from django.core.mail import send_mail

    try:
        send_mail(
            subject=_("【产改通】%(period)s自评填报提醒") % {"period": notice.period.label},
            message=f"{notice.enterprise.name}：\n\n{notice.message}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception:
        AssessmentNotice.objects.filter(pk=notice.pk, emailed_at=notice.emailed_at).update(
            emailed_at=None, emailed_to=[]
        )
        raise
