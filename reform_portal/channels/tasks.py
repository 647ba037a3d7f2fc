"""Thin tasks: a delivery's id in, one attempt (services.delivery_attempt), and the retry it asks for."""

from celery import shared_task

from . import services


# Queue `notifications` (settings.CELERY_TASK_ROUTES). Retries are scheduled by the service's answer (the pauses of
# CHANNEL_RETRY_DELAYS, CHANNEL_MAX_ATTEMPTS attempts, counted on the delivery), not by Celery's counter.
@shared_task(bind=True, acks_late=True, ignore_result=True)
def channel_deliver(self, delivery_id: int) -> str:
    outcome = services.delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status
