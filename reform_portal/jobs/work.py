"""What each kind of job does, called by its task (tasks.py) once the job is claimed."""

import dataclasses
import json
import os
import uuid
from types import SimpleNamespace

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.utils import timezone

from enterprises.exporting import enterprises_workbook_stream
from enterprises.filters import EnterpriseFilter
from enterprises.importing import ImportProblem, ImportResult, enterprises_import
from enterprises.selectors import enterprises_in_charge

from . import services
from .models import Job

EXPORT_CHUNK = 2000


def enterprise_import_run(job: Job) -> None:
    """The register import, all or nothing, exactly as the synchronous one (`enterprises_import`): the job's
    summary is its report."""
    services.job_progress(job, 0, 1)
    with open(job.upload.path, "rb") as handle:
        result = enterprises_import(upload=File(handle, name=job.upload_name), by=job.owner)
    summary = {
        "ok": result.ok,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        # messages may be lazy translations: stored as the text they give now
        "errors": json.loads(json.dumps([dataclasses.asdict(p) for p in result.errors], default=str)),
    }
    services.drop_upload(job)
    services.job_succeed(job, summary=summary)


def import_result(job: Job) -> ImportResult | None:
    """A finished import's report, as the synchronous import returns it (for its page and its template partial)."""
    if job.kind != Job.Kind.ENTERPRISE_IMPORT or job.status != Job.Status.SUCCEEDED:
        return None
    summary = job.summary
    errors = [
        ImportProblem(**{**p, "differences": tuple(tuple(d) for d in p.get("differences", ()))})
        for p in summary.get("errors", [])
    ]
    return ImportResult(
        created=summary.get("created", 0),
        updated=summary.get("updated", 0),
        unchanged=summary.get("unchanged", 0),
        errors=errors,
    )


def export_queryset(user, filters: dict):
    """The register list as the page filters it for `user` (enterprises.views._filtered), from stored filters."""
    data = QueryDict(mutable=True)
    for key, value in (filters or {}).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    qs = enterprises_in_charge(user=user).order_by("region__code", "name")
    return EnterpriseFilter(data or None, queryset=qs, request=SimpleNamespace(user=user)).qs


def enterprise_export_run(job: Job) -> None:
    """The register export, streamed to a file under MEDIA_ROOT/jobs/ in constant memory."""
    qs = export_queryset(job.owner, job.parameters.get("filters", {}))
    total = qs.count()
    services.job_progress(job, 0, total)
    name = f"jobs/{uuid.uuid4().hex}.xlsx"
    path = default_storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    written = enterprises_workbook_stream(
        qs.iterator(chunk_size=EXPORT_CHUNK), path, progress=lambda n: services.job_progress(job, n)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    services.job_progress(job, written)
    services.job_succeed(job, summary={"rows": written}, result_path=name, result_name=f"enterprises-{stamp}.xlsx")
