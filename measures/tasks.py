from celery import shared_task

from enterprises.models import Enterprise

from .services import progress_ensure


@shared_task
def progress_ensure_all() -> int:
    """Create the missing progress rows of every enterprise; idempotent."""
    created = 0
    for enterprise in Enterprise.objects.select_related("region").iterator():
        created += progress_ensure(enterprise=enterprise)
    return created
