"""Thin tasks: ids in, a service call."""

from celery import shared_task


# A mail server that fails (smtplib's errors are OSErrors; the notice's claim is then withdrawn) is tried again,
# with growing pauses.
@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_notice_email(notice_id: int) -> int:
    from .services import notice_email

    return notice_email(notice_id=notice_id)


# A mail server that fails is tried again, as for the notices (the claim is withdrawn on failure).
@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_escalation_email(reminder_ids: list[int]) -> int:
    from .services import escalation_email

    return escalation_email(reminder_ids=reminder_ids)


@shared_task(acks_late=True)
def deadline_reminders_send(batch: int | None = None) -> dict:
    """From beat every morning (reform_portal/schedule.py): the reminders and escalations due today, each once."""
    from reform_portal.outbox.services import bound

    from .services import deadline_reminders_run
    from .services.deadline_reminders import BATCH

    return deadline_reminders_run(
        enqueue_notice_email=bound(send_notice_email),
        enqueue_escalation_email=bound(send_escalation_email),
        batch=batch or BATCH,
    )


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_value_question_email(review_id: int) -> int:
    """An officer's question about a value changed since its acceptance, mailed to whoever changed it."""
    from .services.accepted_changes import value_question_email

    return value_question_email(review_id=review_id)
