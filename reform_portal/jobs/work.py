"""What each kind of job does, called by its task (tasks.py) once the job is claimed."""

import dataclasses
import json
import os
import uuid
from operator import itemgetter
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy

from enterprises.exporting import enterprises_workbook_stream, export_values
from enterprises.filters import EnterpriseFilter
from enterprises.importing import ImportProblem, ImportResult, enterprises_import
from enterprises.selectors import enterprises_in_charge
from measures.progress_workbook import (
    CellProblem,
    ProgressWorkbookRefused,
    progress_workbook_apply,
    progress_workbook_read,
    sheet_name,
)
from reform_portal.audit.exports import entries_workbook
from reform_portal.audit.selectors import audit_entries
from reform_portal.chunked import in_chunks
from reform_portal.replica import replica_reads
from reporting.assessments.workbook import WorkbookOutcome, workbook_import
from reporting.exports import dashboard_export_write

from . import services
from .models import Job

EXPORT_CHUNK = 2000
NO_RIGHT = gettext_lazy("您已无权更新进度，文件未保存。")


def enterprise_import_run(job: Job) -> None:
    """The register import, all or nothing, exactly as the synchronous one (`enterprises_import`): the job's
    summary is its report."""
    meter = services.ProgressMeter(job)
    with open(job.upload.path, "rb") as handle:
        result = enterprises_import(upload=File(handle, name=job.upload_name), by=job.owner, progress=meter)
    meter.flush()
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


def progress_workbook_run(job: Job) -> None:
    """The officers' progress workbook (measures.progress_workbook): read with the bounded reader, every row checked
    (progress per row), then written in one transaction, all or nothing, history by the owner, source 导入. A file
    refused is a finished job whose summary lists each problem at its sheet, row and column (nothing saved)."""
    meter = services.ProgressMeter(job)
    summary = {"ok": True, "updated": 0, "unchanged": 0, "stale": False, "problems": []}
    sheet = ""  # the worksheet's name is read only from a file the bounded reader accepted
    with open(job.upload.path, "rb") as handle:
        upload = File(handle, name=job.upload_name)
        try:
            rows = progress_workbook_read(upload)
            sheet = sheet_name(upload)
            result = progress_workbook_apply(user=job.owner, rows=rows, progress=meter)
        except PermissionDenied:  # the owner lost the right to update progress since asking
            summary |= {"ok": False, "problems": [{"sheet": "", "row": 0, "letter": "", "message": str(NO_RIGHT)}]}
        except ProgressWorkbookRefused as exc:
            if not sheet and any(p.row for p in exc.problems):  # a problem at a row: the file was read
                sheet = sheet_name(upload)
            summary |= {
                "ok": False,
                "stale": exc.stale,
                "problems": [
                    {"sheet": sheet if p.row else "", "row": p.row, "letter": p.letter, "message": str(p.message)}
                    for p in exc.problems
                ],
            }
        else:
            summary |= {"updated": result.updated, "unchanged": result.unchanged}
    meter.flush()
    services.drop_upload(job)
    services.job_succeed(job, summary=summary)


def assessment_workbook_run(job: Job) -> None:
    """The self-assessment's offline workbook (reporting.assessments.workbook): the form as the owner reaches it now,
    the file read with the bounded reader, every answer judged (progress per row), then saved all or nothing in one
    transaction, history by the owner, source 年度自评. A file refused is a finished job whose summary lists each
    problem at its sheet, row and column (nothing saved)."""
    meter = services.ProgressMeter(job)
    with open(job.upload.path, "rb") as handle:
        outcome = workbook_import(
            upload=File(handle, name=job.upload_name),
            assessment_pk=job.parameters.get("assessment"),
            by=job.owner,
            progress=meter,
        )
    meter.flush()
    services.drop_upload(job)
    services.job_succeed(job, summary=outcome.as_summary())


@dataclasses.dataclass(frozen=True)
class ProgressWorkbookOutcome:
    """A finished progress workbook's result as its page shows it."""

    ok: bool
    updated: int
    unchanged: int
    stale: bool
    problems: list[CellProblem]
    back: str  # the enterprise list the officer came from
    back_query: str  # its filter, for the upload page again


def job_result(job: Job):
    """What a finished job's page shows besides its status: an import's report, a workbook's outcome. A result with
    a `then` takes the user there once the job is done (views.job_detail)."""
    if job.status != Job.Status.SUCCEEDED:
        return None
    if job.kind == Job.Kind.ENTERPRISE_IMPORT:
        return import_result(job)
    if job.kind == Job.Kind.PROGRESS_WORKBOOK:
        summary = job.summary
        return ProgressWorkbookOutcome(
            ok=summary.get("ok", False),
            updated=summary.get("updated", 0),
            unchanged=summary.get("unchanged", 0),
            stale=summary.get("stale", False),
            problems=[CellProblem(**p) for p in summary.get("problems", [])],
            back=job.parameters.get("back", ""),
            back_query=job.parameters.get("query", ""),
        )
    if job.kind == Job.Kind.ASSESSMENT_WORKBOOK:
        # saved: the user is taken back to the form, which shows what was saved and what is still missing
        back = job.parameters.get("back", "")
        outcome = WorkbookOutcome.from_summary(job.summary, back=back)
        return dataclasses.replace(outcome, then=f"{back}?workbook={job.pk}") if outcome.ok and back else outcome
    return None


def query_dict(filters: dict) -> QueryDict:
    """A page's query string kept on a job ({name: value or [values]}), as the page read it."""
    data = QueryDict(mutable=True)
    for key, value in (filters or {}).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def export_queryset(user, filters: dict):
    """The register list as the page filters it for `user` (enterprises.views._filtered), from stored filters."""
    data = query_dict(filters)
    qs = enterprises_in_charge(user=user).order_by("region__code", "name")
    return EnterpriseFilter(data or None, queryset=qs, request=SimpleNamespace(user=user)).qs


def _export(job: Job, write) -> None:
    """An export written by `write(path, meter)` → (rows, file name) to a new file under MEDIA_ROOT/jobs/ (never
    into memory: each writer streams its rows through spreadsheets.StreamedWorkbook), then the job succeeds."""
    name = f"jobs/{uuid.uuid4().hex}.xlsx"
    path = default_storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    meter = services.ProgressMeter(job)
    try:
        # An export tolerates seconds of lag: its rows are read on the replica when there is one (the job's own
        # progress and result still go to the primary).
        with replica_reads():
            written, result_name = write(path, meter)
    except BaseException:
        if os.path.exists(path):
            os.remove(path)  # no half-written file left behind by a failed job
        raise
    meter.flush()
    services.job_progress(job, written)
    services.job_succeed(job, summary={"rows": written}, result_path=name, result_name=result_name)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def enterprise_export_run(job: Job) -> None:
    """The register export, streamed to a file in constant memory."""

    def write(path, meter):
        qs = export_queryset(job.owner, job.parameters.get("filters", {}))
        meter(0, qs.count())
        rows = in_chunks(export_values(qs), EXPORT_CHUNK, key=itemgetter(0))  # the id first
        written = enterprises_workbook_stream(rows, path, progress=meter)
        return written, f"enterprises-{_stamp()}.xlsx"

    _export(job, write)


def dashboard_export_run(job: Job) -> None:
    """The dashboard's workbook (reporting.exports), its lagging list read in chunks."""

    def write(path, meter):
        return dashboard_export_write(user=job.owner, parameters=job.parameters, out=path, progress=meter)

    _export(job, write)


def audit_export_run(job: Job) -> None:
    """The audit log as the administrators' page filtered it (reform_portal.audit), read in chunks."""

    def write(path, meter):
        qs = audit_entries(user=job.owner, params=query_dict(job.parameters.get("filters", {}))).qs
        meter(0, qs.count())
        return entries_workbook(qs, out=path, progress=meter), f"audit-{_stamp()}.xlsx"

    _export(job, write)
