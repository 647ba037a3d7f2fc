"""The life of a job: asked for on a page (`job_submit`, which hands it to a worker through the outbox), claimed by
the worker (`job_claim`: 排队中 → 进行中), its progress and heartbeat, its end (已完成 with a summary and a file, or
失败 with the reason), the dead-worker check (`jobs_expire_stale`) and the deletion of old jobs and their files
(`jobs_purge`). The work of each kind is in `work.py`; the tasks (tasks.py) only call these."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.access import JobPolicy
from reform_portal.outbox.services import enqueue

from .models import Job

log = logging.getLogger(__name__)

# The task of each kind, by name: web code hands work to the workers through the outbox, never by importing a task.
TASKS = {
    Job.Kind.ENTERPRISE_IMPORT: "reform_portal.jobs.tasks.enterprise_import_job",
    Job.Kind.ENTERPRISE_EXPORT: "reform_portal.jobs.tasks.enterprise_export_job",
    Job.Kind.DASHBOARD_EXPORT: "reform_portal.jobs.tasks.dashboard_export_job",
    Job.Kind.AUDIT_EXPORT: "reform_portal.jobs.tasks.audit_export_job",
    Job.Kind.PROGRESS_WORKBOOK: "reform_portal.jobs.tasks.progress_workbook_job",
    Job.Kind.ASSESSMENT_WORKBOOK: "reform_portal.jobs.tasks.assessment_workbook_job",
}


def export_is_large(rows) -> bool:
    """The one rule for every export: more than `EXPORT_JOB_THRESHOLD_ROWS` rows run as a job, fewer are answered
    at once. `rows`: the queryset the export would write. Counts at most threshold + 1 rows (`COUNT(*)` over a
    `LIMIT`), so the check costs the same at 3,000 rows or a million."""
    limit = settings.EXPORT_JOB_THRESHOLD_ROWS
    return rows.order_by()[: limit + 1].count() > limit


def job_submit(*, kind: str, owner, parameters: dict | None = None, upload=None) -> Job:
    """Record the job (with the owner's sight now, which its file's download checks again) and hand it to a worker
    once committed. `upload`: a file the job reads (an import's), stored under the job."""
    parameters = {**(parameters or {}), "sight": JobPolicy.sight(owner)}
    with transaction.atomic():
        job = Job(kind=kind, owner=owner, parameters=parameters)
        if upload is not None:
            job.upload_name = upload.name.rsplit("/", 1)[-1][:255]
            upload.seek(0)
            job.upload.save(job.upload_name, File(upload), save=False)
        job.save()
        enqueue(TASKS[kind], job.pk)
    return job


def job_claim(job_id: int) -> Job | None:
    """排队中 → 进行中, once: a task delivered twice, or late after its job was failed, finds nothing to do."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    return Job.objects.select_related("owner").get(pk=job_id) if claimed else None


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    """Record progress and a sign of life (the dead-worker check reads it)."""
    job.done = done
    fields = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        job.total = fields["total"] = total
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**fields)


class ProgressMeter:
    """`meter(done, total=None)` after each row: writes the job's progress (and its sign of life) at most once every
    `interval` seconds, so a worker writing 100,000 rows in seconds updates the row a few times, not 100,000 times,
    while a slow import still moves every second. `meter.flush()` writes the last count."""

    def __init__(self, job: Job, *, interval: float = 1.0, clock=time.monotonic):
        self.job, self.interval, self.clock = job, interval, clock
        self.last = clock()
        self.pending: tuple[int, int | None] | None = None
        self.writes = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        self.pending = (done, total if total is not None else (self.pending[1] if self.pending else None))
        if total is not None and total != self.job.total or self.clock() - self.last >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self.pending is not None:
            job_progress(self.job, *self.pending)
            self.pending = None
            self.writes += 1
        self.last = self.clock()


def _finish(job: Job, status: str, **fields) -> bool:
    now = timezone.now()
    fields |= {
        "status": status,
        "finished_at": now,
        "heartbeat_at": now,
        "expires_at": now + timedelta(days=settings.JOB_KEEP_DAYS),
    }
    # only a running job ends: one failed meanwhile by the dead-worker check stays failed
    return bool(Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**fields))


def job_succeed(job: Job, *, summary: dict, result_path: str = "", result_name: str = "") -> bool:
    return _finish(
        job,
        Job.Status.SUCCEEDED,
        summary=summary,
        result_file=result_path,
        result_name=result_name,
        done=job.total or job.done,
    )


def job_fail(job: Job, error: str) -> bool:
    return _finish(job, Job.Status.FAILED, error=error[:4000])


def jobs_expire_stale(*, now=None) -> int:
    """Mark failed every job still 进行中 with no sign of life for longer than its time limit plus a minute: its
    worker died (killed, out of memory, the machine restarted)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_TIME_LIMIT_SECONDS + 60)
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
    count = stale.update(
        status=Job.Status.FAILED,
        finished_at=now,
        expires_at=now + timedelta(days=settings.JOB_KEEP_DAYS),
        error=_("处理任务的工作进程已中止（超过时限没有进展），请重新提交。"),
    )
    if count:
        log.warning("jobs: %d running jobs without a sign of life marked failed", count)
    return count


def jobs_purge(*, now=None) -> int:
    """Delete the jobs whose keeping time is over, with their files."""
    now = now or timezone.now()
    count = 0
    for job in Job.objects.filter(expires_at__lt=now).iterator():
        _delete_files(job)
        job.delete()
        count += 1
    return count


def _delete_files(job: Job) -> None:
    for stored in (job.upload, job.result_file):
        if stored:
            stored.storage.delete(stored.name)


def drop_upload(job: Job) -> None:
    """An import's file is not kept once read: the report says what was in it."""
    if job.upload:
        job.upload.storage.delete(job.upload.name)
        Job.objects.filter(pk=job.pk).update(upload="")
