"""Thin tasks: a service called (reform_portal/celery.py enters the task's history context)."""

from celery import shared_task


@shared_task(acks_late=True)
def question_escalations_send() -> dict:
    """From beat every morning (reform_portal/schedule.py): overdue questions told and escalated, once per due date."""
    from .services import question_escalations_run

    return {"escalations": question_escalations_run()}
