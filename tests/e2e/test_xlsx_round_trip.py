"""The self-assessment's offline round trip in real Chromium: download the pre-filled workbook, fill it in outside
the portal (openpyxl) with one bad cell, upload it: the page hands the file to a job that a real Celery worker runs,
and the job's page (polling) shows the error by its row and column with nothing saved; back on the form, fix the
cell, upload again: saved, and the user is brought back to the form, which says so."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from reporting.assessments import services
from reporting.assessments.models import AssessmentItem, ReportingPeriod
from tests.celery_worker import celery_worker
from tests.reporting.assessments.test_xlsx_round_trip import PERCENT, fill_all, rows_by_key, snapshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def period(portal):
    call_command("seed_assessment_demo", verbosity=0)
    return ReportingPeriod.objects.get(province__code="530000", year=timezone.localdate().year)


@pytest.fixture
def jobs_worker(settings, tmp_path, portal):
    """A worker on the `jobs` queue with the live server's database and MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_worker(tmp_path / "worker", queues=["jobs"], env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        yield worker


def test_download_fill_one_bad_cell_upload_see_it_fix_and_save(login, portal, period, jobs_worker, tmp_path):
    enterprise_user = get_user_model().objects.get(username="enterprise-yn")
    form = services.assessment_start(period=period, enterprise=enterprise_user.profile.enterprise, by=enterprise_user)
    page = login("enterprise-yn")
    page.goto(f"{portal}/reporting/assessments/{form.pk}/")

    # download the pre-filled workbook from the form page
    page.locator("#workbook-card summary").click()
    with page.expect_download() as info:
        page.locator("#workbook-card a").click()
    path = tmp_path / "自评表.xlsx"
    info.value.save_as(path)

    # fill it in without the portal, one percent out of range
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    fill_all(ws, form)
    bad = form.items.order_by("pk")[1]
    row = rows_by_key(ws)[f"item:{bad.pk}"]
    ws[f"{PERCENT}{row}"] = 150
    wb.save(path)
    before = snapshot(form)

    page.set_input_files("#workbook-upload-form input[name=workbook]", str(path))
    page.locator("#workbook-upload").click()
    page.wait_for_url(f"{portal}/jobs/*/**")  # the page answers with the job at once
    page.wait_for_selector("#workbook-problems", timeout=60_000)  # the job's page polls until the worker is done

    # the error is shown by its cell, and nothing was saved
    problem = page.locator(f'#workbook-problems tr[data-cell="{PERCENT}{row}"]')
    assert problem.count() == 1
    assert f"第 {row} 行 F 列：完成百分比应在 0 到 100 之间。" in problem.inner_text()
    assert page.locator("#workbook-problems tr.workbook-problem").count() == 1
    assert snapshot(form) == before

    # back on the form (the problems listed above the upload), fix the cell and upload again: saved, and the user
    # is brought back to the form, complete
    page.locator("text=返回自评表，改正后重新上传").click()
    page.wait_for_selector("#workbook-upload-form")
    assert page.locator("#workbook-problems tr.workbook-problem").count() == 1
    ws[f"{PERCENT}{row}"] = 60
    wb.save(path)
    page.set_input_files("#workbook-upload-form input[name=workbook]", str(path))
    page.locator("#workbook-upload").click()
    page.wait_for_url(f"{portal}/reporting/assessments/{form.pk}/?workbook=*", timeout=60_000)
    page.wait_for_selector("#workbook-saved")
    assert page.locator("#workbook-problems").count() == 0
    assert "已从 Excel 保存" in page.content() and "自评表已填写完整，可以提交。" in page.content()
    saved = AssessmentItem.objects.get(pk=bad.pk)
    assert (saved.claimed_status, saved.claimed_percent, saved.self_rating) == ("in_progress", 60, "fairly_good")
    assert services.assessment_problems(assessment=form) == []
    assert page.console_errors == []
