"""A real Celery worker on the `jobs` queue saves the self-assessment's offline workbook uploaded on the form's page:
the page answers at once with the job, the worker reads, judges and saves every answer in one go with the history
by the enterprise's user (年度自评), and the user is taken back to the form, which shows what was saved."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Region
from reform_portal.choices import ChangeSource
from reform_portal.jobs.models import Job
from reporting.assessments import services
from reporting.assessments.models import AssessmentItem, AssessmentItemEvent
from tests.conftest import make_yn_enterprise
from tests.factories import make_enterprise_user, open_period
from tests.reporting.assessments.test_xlsx_round_trip import XLSX, fill_all

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_saves_the_workbook_and_the_user_is_brought_back_to_the_form(client, jobs_worker):
    call_command("load_regions", verbosity=0)  # a transactional test before this one may have flushed them
    call_command("load_catalogue", verbosity=0)
    enterprise = make_yn_enterprise(Region.objects.get(code="530100"))
    user = make_enterprise_user("t-jobs-assessment", enterprise=enterprise)
    period = open_period(province_id=enterprise.region.parent_id)
    form = services.assessment_start(period=period, enterprise=enterprise, by=user)
    client.force_login(user)
    wb = load_workbook(io.BytesIO(client.get(reverse("reporting:assessments:workbook", args=[form.pk])).content))
    fill_all(wb.worksheets[0], form)
    buffer = io.BytesIO()
    wb.save(buffer)

    started = time.monotonic()
    response = client.post(
        reverse("reporting:assessments:workbook_upload", args=[form.pk]),
        {"workbook": SimpleUploadedFile("自评表.xlsx", buffer.getvalue(), content_type=XLSX)},
    )
    answered = time.monotonic() - started

    assert response.status_code == 302 and answered < 5  # the page does not wait for the save
    job = jobs_worker.wait_for(
        lambda: (j := Job.objects.get(owner=user)).finished and j, "the workbook's job did not finish"
    )
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.summary["ok"] and job.summary["saved"] > form.items.count() and job.summary["missing"] == 0
    items = AssessmentItem.objects.filter(assessment=form)
    assert set(items.values_list("self_rating", "claimed_status", "claimed_percent")) == {
        ("fairly_good", "in_progress", 60)
    }
    events = AssessmentItemEvent.objects.filter(pgh_obj__assessment=form, pgh_label="update")
    assert events.count() == items.count()
    assert set(events.values_list("changed_by", "source")) == {(user.pk, ChangeSource.ASSESSMENT)}
    # the page the upload sent the user to takes them back to the form, which says what was saved
    back = client.get(response["Location"])
    assert back.status_code == 302 and back["Location"].endswith(f"?workbook={job.pk}")
    page = client.get(back["Location"]).content.decode()
    assert f"已从 Excel 保存 {job.summary['saved']} 项答案" in page and "自评表已填写完整，可以提交。" in page
