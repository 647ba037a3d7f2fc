"""Time and peak memory of the export jobs at scale, outside the tests (issue 12 item 3; docs/security/jobs.md).

Runs one kind of export job exactly as the worker does (`reform_portal.jobs.work`: the job's queryset read in
chunks by reform_portal.chunked, the workbook streamed to a file by spreadsheets.StreamedWorkbook, progress through
the meter) against whatever database DATABASE_URL names, e.g. after `manage.py generate_load --enterprises 100000`:

    DATABASE_URL=postgres://…/db .venv/bin/python scripts/measure_export_jobs.py enterprises --user admin
    DATABASE_URL=postgres://…/db .venv/bin/python scripts/measure_export_jobs.py dashboard --user sasac-yn
    DATABASE_URL=postgres://…/db .venv/bin/python scripts/measure_export_jobs.py enterprises --tracemalloc

Prints the rows written, the seconds taken (and the CPU seconds of this process: on a machine shared with other
work the wall time says little), the process's peak RSS growth over its size before the job (MB,
getrusage) and, with --tracemalloc (slower), Python's peak traced allocation during the job. One kind per process,
so that each peak is its own. The job and its file are deleted afterwards.
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from measures.models import PolicyDocument  # noqa: E402
from reform_portal.jobs import work  # noqa: E402
from reform_portal.jobs.models import Job  # noqa: E402
from reporting.exports import PANELS, export_parameters  # noqa: E402
from reporting.selectors import Filters, dashboard_scope  # noqa: E402

RUNS = {
    Job.Kind.ENTERPRISE_EXPORT: work.enterprise_export_run,
    Job.Kind.DASHBOARD_EXPORT: work.dashboard_export_run,
    Job.Kind.AUDIT_EXPORT: work.audit_export_run,
}


def _parameters(kind: str, user, province: str) -> dict:
    if kind == Job.Kind.DASHBOARD_EXPORT:
        scope = dashboard_scope(user=user, province_code=province)
        document = PolicyDocument.objects.filter(province=scope.province).order_by("issued_on").first()
        return export_parameters(scope, Filters(document=document), PANELS)
    return {"filters": {}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["enterprises", "dashboard", "audit"])
    parser.add_argument("--user", default="admin")
    parser.add_argument("--province", default="530000")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    kind = {"enterprises": Job.Kind.ENTERPRISE_EXPORT, "dashboard": Job.Kind.DASHBOARD_EXPORT}.get(
        args.kind, Job.Kind.AUDIT_EXPORT
    )
    user = get_user_model().objects.get(username=args.user)
    parameters = _parameters(kind, user, args.province)
    job = Job.objects.create(kind=kind, owner=user, status=Job.Status.RUNNING, parameters=parameters)
    job = Job.objects.select_related("owner").get(pk=job.pk)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.tracemalloc:
        tracemalloc.start()
    started, cpu_started = time.monotonic(), time.process_time()
    try:
        RUNS[kind](job)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu_started
        traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        job.refresh_from_db()
        size = job.result_file.size if job.result_file else 0
        print(
            f"{args.kind}: {job.status}, {job.summary.get('rows')} rows, {seconds:.1f} s ({cpu:.1f} s CPU), "
            f"file {size / 1e6:.1f} MB, "
            f"peak RSS {before / 1024:.0f} → {after / 1024:.0f} MB (+{(after - before) / 1024:.0f} MB)"
            + (f", tracemalloc peak {traced / 1e6:.1f} MB" if traced is not None else "")
            + (f", error: {job.error}" if job.error else "")
        )
    finally:
        job.refresh_from_db()
        if job.result_file:
            job.result_file.storage.delete(job.result_file.name)
        job.delete()


if __name__ == "__main__":
    main()
