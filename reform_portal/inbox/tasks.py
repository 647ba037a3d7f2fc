from celery import shared_task

from .services import notices_purge


@shared_task
def notices_purge_daily() -> int:
    """Delete the notices older than a year (in batches); returns how many."""
    return notices_purge()
