"""A real Celery worker on the `jobs` queue (tests/celery_worker.py), against real Redis and the test database, runs
the dashboard and audit exports asked for on their pages: the page answers at once with the job, the outbox
publishes after commit, the worker writes the file, the job's page offers it, and it holds what the immediate
export holds."""

import io
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Region
from reform_portal.audit.choices import PERMISSION_DENIED
from reform_portal.audit.models import AuditEntry
from reform_portal.jobs.models import Job
from reporting import rollup
from tests.factories import make_admin, make_officer, make_sasac
from tests.reporting.rollup_data import make_enterprises

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _cells(content: bytes) -> dict:
    workbook = load_workbook(io.BytesIO(content))
    return {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in workbook.worksheets}


def _asked_and_done(client, worker, url, query) -> tuple[Job, float, bytes]:
    started = time.monotonic()
    response = client.get(url, query)
    answered = time.monotonic() - started
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    job = worker.wait_for(lambda: (j := Job.objects.get(pk=pk)).finished and j, f"job {pk} did not finish")
    assert job.status == Job.Status.SUCCEEDED, job.error
    page = client.get(response["Location"]).content.decode()
    download = reverse("jobs:download", args=[pk])
    assert f'href="{download}"' in page and "hx-trigger" not in page
    content = client.get(download)
    assert content.status_code == 200
    return job, answered, b"".join(content.streaming_content)


def test_a_real_worker_writes_the_dashboard_and_audit_exports_asked_for_on_their_pages(client, jobs_worker, settings):
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    make_enterprises(30, province_codes=("530000",))
    rollup.rollup_full_now()
    cache.clear()
    sasac = make_sasac("t-jobs-sasac", province_code="530000")
    client.force_login(sasac)
    query = {"province": "530000", "prefecture": Region.objects.get(code="530300").pk}
    expected = _cells(client.get(reverse("reporting:export"), query).content)
    assert len(expected["滞后企业"]) >= 3

    settings.EXPORT_JOB_THRESHOLD_ROWS = 1
    job, answered, content = _asked_and_done(client, jobs_worker, reverse("reporting:export"), query)
    assert answered < 5  # the page does not wait for the file
    assert _cells(content) == expected
    assert job.kind == Job.Kind.DASHBOARD_EXPORT and job.done == job.total == len(expected["滞后企业"]) - 1

    for _n in range(3):
        client.force_login(make_officer(f"t-jobs-refused-{_n}", regions=[]))
        client.get(reverse("audit:list"))  # refused: recorded
    client.force_login(make_admin("t-jobs-admin"))
    job, _answered, content = _asked_and_done(
        client, jobs_worker, reverse("audit:export"), {"action": PERMISSION_DENIED}
    )
    ids = [r[0] for r in _cells(content)["审计记录"][1:]]
    assert ids == list(AuditEntry.objects.filter(action=PERMISSION_DENIED).order_by("-id").values_list("pk", flat=True))
    assert len(ids) >= 3 and job.done == job.total == len(ids)
