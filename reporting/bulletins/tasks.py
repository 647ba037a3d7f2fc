"""The build on the `jobs` queue (settings.CELERY_TASK_ROUTES): thin, the id in, the service does the work."""

from celery import shared_task
from django.conf import settings

from . import services

BUILD_TASK = "reporting.bulletins.tasks.bulletin_build_job"


@shared_task(
    ignore_result=True,
    time_limit=settings.JOB_TIME_LIMIT_SECONDS,
    soft_time_limit=max(settings.JOB_TIME_LIMIT_SECONDS - 30, 1),
)
def bulletin_build_job(bulletin_id: int) -> None:
    from .models import Bulletin

    bulletin = Bulletin.objects.filter(pk=bulletin_id).only("build_state", "status").first()
    if bulletin is None or bulletin.is_issued or not bulletin.building:
        return  # gone, issued, or built already by an earlier delivery
    try:
        services.bulletin_build(bulletin_id=bulletin_id)
    except Exception:  # recorded on the bulletin (build_state failed) by the service
        return
