"""Exports and imports through gunicorn: an export answered at once is timed to its first byte and its end, with
the peak memory of the web worker that wrote it; one handed to a job (a redirect to /jobs/<pk>/) is followed to its
end on the real Celery worker of the `jobs` queue, with that worker's peak memory, and its file downloaded."""

import io
import re
import time

from bench_http import download
from bench_server import PeakMemory

MB = 1024 * 1024


JOB_TIMEOUT = 900  # seconds; scripts/bench.py lowers it at a million enterprises


def wait_for_job(pk: int, timeout: float | None = None) -> "Job":  # noqa: F821
    from reform_portal.jobs.models import Job

    timeout = timeout or JOB_TIMEOUT
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=pk)
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            return job
        time.sleep(0.1)
    raise RuntimeError(f"job {pk} not finished after {timeout:.0f} s")


def _job_pk(location: str) -> int | None:
    match = re.search(r"/jobs/(\d+)/", location)
    return int(match.group(1)) if match else None


def export(client, processes, path: str, keep_file: bool = False) -> dict:
    """Ask for an export as `client`; follow a job to its file. Returns the figures (seconds, bytes)."""
    session = client.session()
    t = time.perf_counter()
    with PeakMemory(processes.web_worker_pids) as web:
        answer = download(session, client.base + path)
    figures = {"web_first_byte": answer["first_byte"], "web_total": answer["total"], "web_peak": web.worst()}
    pk = _job_pk(answer["location"]) if answer["status"] in (301, 302, 303) else None
    if answer["status"] == 200:
        figures |= {"mode": "immediate", "bytes": answer["bytes"]}
        return figures
    if pk is None:
        raise RuntimeError(f"GET {path} answered {answer['status']} {answer['location']}")
    with PeakMemory(processes.job_worker_pids) as worker:
        job = wait_for_job(pk)
    end_to_end = time.perf_counter() - t
    if job.status != job.Status.SUCCEEDED:
        raise RuntimeError(f"job {pk} failed: {job.error}")
    file = download(session, f"{client.base}/jobs/{pk}/download/")
    figures |= {
        "mode": "job",
        "job": pk,
        "rows": (job.summary or {}).get("rows", job.total),
        "job_seconds": (job.finished_at - job.created_at).total_seconds(),
        "end_to_end": end_to_end,
        "worker_peak": worker.worst(),
        "download_first_byte": file["first_byte"],
        "download_total": file["total"],
        "bytes": file["bytes"],
    }
    if keep_file:
        figures["content"] = session.get(f"{client.base}/jobs/{pk}/download/", timeout=600).content
    return figures


def import_workbook(content: bytes, rows: int, column: str) -> tuple[bytes, int]:
    """A register workbook of `rows` rows as an officer edits it: their export, the column `column` (a header)
    lowered by one in every row (raised from 0 to 1), the rest as exported (the version column included, as the
    import asks). Lowered, not raised: a raised 工会会员数 passes 职工总数 where they were equal, so a second bench on
    the same database (whose first import stays) would have every row refused."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    out = Workbook(write_only=True)
    sheet = out.create_sheet("企业名录")
    written = 0
    for number, row in enumerate(source.iter_rows(values_only=True)):
        if number == 0:
            header = list(row)
            index = header.index(column)
            sheet.append(header)
            continue
        if written == rows:
            break
        row = list(row)
        row[index] = row[index] - 1 if row[index] else 1
        sheet.append(row)
        written += 1
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue(), written


def import_job(client, content: bytes) -> dict:
    """Upload through the import page (its form, with its CSRF token), then follow the job to its end."""
    session = client.session()
    page = session.get(client.base + "/enterprises/import/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    csrf_cookie = page.cookies.get("csrftoken", "")
    if token is None:
        raise RuntimeError(f"no CSRF token on the import page ({page.status_code})")
    session.headers["Cookie"] = f"{client.cookie}; csrftoken={csrf_cookie}" if csrf_cookie else client.cookie
    t = time.perf_counter()
    answer = session.post(
        client.base + "/enterprises/import/",
        data={"csrfmiddlewaretoken": token.group(1)},
        files={"file": ("bench.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        headers={"Referer": client.base + "/enterprises/import/"},
        allow_redirects=False,
        timeout=600,
    )
    queued = time.perf_counter() - t
    pk = _job_pk(answer.headers.get("Location", ""))
    if pk is None:
        raise RuntimeError(f"the import page answered {answer.status_code}, not a job")
    job = wait_for_job(pk)
    summary = job.summary or {}
    return {
        "queued": queued,
        "end_to_end": time.perf_counter() - t,
        "job_seconds": (job.finished_at - job.created_at).total_seconds() if job.finished_at else None,
        "status": job.status,
        "ok": summary.get("ok"),
        "updated": summary.get("updated", 0),
        "created": summary.get("created", 0),
        "errors": [e.get("message", str(e)) for e in summary.get("errors", [])][:3],
        "error": job.error,
    }
