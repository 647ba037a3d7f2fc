"""Thin tasks on the `jobs` queue (settings.CELERY_TASK_ROUTES): claim the job, do its kind's work (work.py),
record a failure; and, from beat (reform_portal/schedule.py), the dead-worker check and the deletion of old jobs."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from . import services, work

log = logging.getLogger(__name__)

LIMITS = {
    "time_limit": settings.JOB_TIME_LIMIT_SECONDS,
    "soft_time_limit": max(settings.JOB_TIME_LIMIT_SECONDS - 30, 1),
}


def _run(job_id: int, do) -> None:
    job = services.job_claim(job_id)
    if job is None:  # delivered twice, or failed before a worker took it
        return
    try:
        do(job)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        services.job_fail(job, _("任务执行出错（%(error)s），请重新提交。") % {"error": type(exc).__name__})


@shared_task(ignore_result=True, **LIMITS)
def enterprise_import_job(job_id: int) -> None:
    _run(job_id, work.enterprise_import_run)


@shared_task(ignore_result=True, **LIMITS)
def enterprise_export_job(job_id: int) -> None:
    _run(job_id, work.enterprise_export_run)


@shared_task(ignore_result=True, **LIMITS)
def dashboard_export_job(job_id: int) -> None:
    _run(job_id, work.dashboard_export_run)


@shared_task(ignore_result=True, **LIMITS)
def audit_export_job(job_id: int) -> None:
    _run(job_id, work.audit_export_run)


@shared_task(ignore_result=True, **LIMITS)
def progress_workbook_job(job_id: int) -> None:
    _run(job_id, work.progress_workbook_run)


@shared_task(ignore_result=True, **LIMITS)
def assessment_workbook_job(job_id: int) -> None:
    _run(job_id, work.assessment_workbook_run)


@shared_task(ignore_result=True)
def jobs_housekeeping() -> None:
    """Fail the jobs whose worker died, delete those past their keeping time with their files."""
    services.jobs_expire_stale()
    services.jobs_purge()
