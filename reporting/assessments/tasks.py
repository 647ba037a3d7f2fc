"""Thin tasks: ids in, a service call."""

from celery import shared_task


@shared_task(acks_late=True)
def send_notice_email(notice_id: int) -> int:
    from .services import notice_email

    return notice_email(notice_id=notice_id)
