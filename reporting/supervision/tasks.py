"""Thin tasks: ids in, a service or the notifications' delivery called (reform_portal/celery.py enters the task's
history context)."""

from celery import shared_task


# A mail server that fails (smtplib's errors are OSErrors) is tried again, with growing pauses.
@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def order_notify(*, event: str, ids: list[int]) -> int:
    from .notifications import deliver

    return deliver(event=event, ids=ids)


@shared_task(acks_late=True)
def order_escalations_send() -> dict:
    """From beat every morning (reform_portal/schedule.py): the escalations of overdue orders due today, each once."""
    from .services import order_escalations_run

    return {"escalations": order_escalations_run()}
