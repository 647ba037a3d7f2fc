"""A real Celery worker on the `jobs` queue runs an officer's progress workbook asked for on the page: the page
answers at once, the worker reads, checks and saves every row in one go, the history says who and from where."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from enterprises.models import Region
from measures.models import Measure, Progress, ProgressEvent
from reform_portal.choices import ChangeSource
from reform_portal.jobs.models import Job
from tests.enterprises.test_bulk_by_filter import enterprises_in
from tests.enterprises.test_progress_workbook import DOWNLOAD, PAGE, PERCENT, STATUS, XLSX, rows_of
from tests.factories import make_officer

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_saves_the_progress_workbook_asked_for_on_the_page(client, jobs_worker):
    call_command("load_regions", verbosity=0)  # a transactional test before this one may have flushed them
    call_command("load_catalogue", verbosity=0)
    qujing, measure = Region.objects.get(code="530300"), Measure.objects.get(code="YN-04")
    officer = make_officer("t-jobs-progress", regions=[qujing])
    enterprises_in(qujing, 30, measure)
    client.force_login(officer)
    wb = load_workbook(io.BytesIO(client.get(DOWNLOAD, {"measure": measure.pk}).content))
    ws = wb.worksheets[0]
    rows = rows_of(ws)
    for r in rows.values():
        ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"] = "推进中", 25
    buffer = io.BytesIO()
    wb.save(buffer)

    started = time.monotonic()
    response = client.post(PAGE, {"workbook": SimpleUploadedFile("进度.xlsx", buffer.getvalue(), content_type=XLSX)})
    answered = time.monotonic() - started

    assert response.status_code == 302 and answered < 5  # the page does not wait for the save
    job = jobs_worker.wait_for(
        lambda: (j := Job.objects.get(owner=officer)).finished and j, "the progress workbook's job did not finish"
    )
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.summary["ok"] and job.summary["updated"] == 30 and (job.done, job.total) == (30, 30)
    assert set(Progress.objects.filter(pk__in=rows).values_list("status", "percent")) == {("in_progress", 25)}
    events = ProgressEvent.objects.filter(pgh_obj_id__in=rows, source=ChangeSource.IMPORT)  # besides their creation
    assert events.count() == 30 and set(events.values_list("changed_by", flat=True)) == {officer.pk}
    assert "已从 Excel 更新 30 条进度（0 条未改动）。" in client.get(response["Location"]).content.decode()
