"""Thin tasks: ids in, a service call."""

from celery import shared_task


# A mail server that fails (smtplib's errors are OSErrors; the notice's claim is then withdrawn) is tried again,
# with growing pauses.
@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_notice_email(notice_id: int) -> int:
    from .services import notice_email

    return notice_email(notice_id=notice_id)
