"""Thin tasks: the outbox's flush, from beat every minute (reform_portal/schedule.py)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def outbox_flush() -> int:
    """Send the task calls still waiting in the outbox, and forget those sent long ago."""
    sent = services.flush()
    services.purge()
    return sent
