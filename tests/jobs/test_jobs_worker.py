"""A real Celery worker on the `jobs` queue, against real Redis and the test database, runs an import asked for on
the page: the page answers at once, the outbox publishes the job after commit, the worker does the import."""

import time

import pytest
from django.core.management import call_command

from enterprises.models import Enterprise, EnterpriseEvent, Region
from reform_portal.choices import ChangeSource
from reform_portal.jobs.models import Job
from tests.enterprises.test_enterprise_import import row, workbook_file
from tests.factories import make_credit_code, make_officer

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _wait_finished(job_id, worker, timeout=90) -> Job:
    return worker.wait_for(
        lambda: (job := Job.objects.get(pk=job_id)).finished and job, f"job {job_id} did not finish", timeout=timeout
    )


def test_a_real_worker_runs_the_import_asked_for_on_the_page(client, jobs_worker):
    # a transactional test before this one may have flushed the regions
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    officer = make_officer("t-jobs-worker", regions=[Region.objects.get(code="530100")])
    client.force_login(officer)
    codes = [make_credit_code("530102") for _ in range(3)]

    started = time.monotonic()
    response = client.post(
        "/enterprises/import/", {"file": workbook_file([row(f"任务{n}有限公司", code) for n, code in enumerate(codes)])}
    )
    answered = time.monotonic() - started

    assert response.status_code == 302 and answered < 5  # the page does not wait for the import
    job = _wait_finished(Job.objects.get(owner=officer).pk, jobs_worker)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.summary["created"] == 3 and job.summary["ok"]
    assert Enterprise.objects.filter(credit_code__in=codes).count() == 3
    events = EnterpriseEvent.objects.filter(pgh_obj__credit_code__in=codes)
    assert events.count() == 3 and set(events.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    assert set(events.values_list("changed_by", flat=True)) == {officer.pk}
    assert "已导入：新增 3 家" in client.get(response["Location"]).content.decode()
