"""The officer's progress workbook in real Chromium: from the enterprise list, download one measure's rows in the
charge, fill them in outside the portal with one bad cell, upload: the page hands the file to a job that a real
Celery worker runs, and the job's page (polling) shows the error by its cell with nothing saved; fix it, upload
again: saved."""

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from enterprises.models import Enterprise
from measures.models import Measure, Progress
from reform_portal.access import EnterprisePolicy
from tests.celery_worker import celery_worker
from tests.enterprises.test_progress_workbook import KEY, NOTE, PERCENT, STATUS, rows_of, state

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jobs_worker(settings, tmp_path, portal):
    """A worker on the `jobs` queue with the live server's database and MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_worker(tmp_path / "worker", queues=["jobs"], env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        yield worker


def test_download_one_bad_cell_upload_fix_and_save(login, portal, jobs_worker, tmp_path):
    officer = get_user_model().objects.get(username="officer-yn")
    measure = Measure.objects.get(code="YN-04")
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/")
    page.locator("#progress-workbook").click()
    page.select_option("select[name=measure]", str(measure.pk))
    with page.expect_download() as info:
        page.locator("#progress-workbook-download button").click()
    path = tmp_path / "进度.xlsx"
    info.value.save_as(path)

    wb = load_workbook(path)
    ws = wb.worksheets[0]
    rows = rows_of(ws)
    # the rows are the measure's rows of the officer's charge (an independent reading of the charge)
    in_charge = EnterprisePolicy.visible(officer, Enterprise.objects.all())
    expected = set(Progress.objects.filter(measure=measure, enterprise__in=in_charge).values_list("pk", flat=True))
    assert rows and set(rows) == expected
    numbers = sorted(rows.values())[:3]
    for r in numbers:  # with a note of its own: the demo's row may be further on (a move back needs one)
        ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"], ws[f"{NOTE}{r}"] = "推进中", 50, "按季度核对后调整"
    bad = numbers[1]
    ws[f"{STATUS}{bad}"], ws[f"{PERCENT}{bad}"] = "常态化推进", 80
    wb.save(path)
    before = state(rows)

    page.set_input_files("#progress-workbook-upload input[name=workbook]", str(path))
    page.locator("#progress-workbook-upload button").click()
    page.wait_for_url(f"{portal}/jobs/*/")  # the page answers with the job at once
    page.wait_for_selector("#workbook-problems", timeout=60_000)  # the job's page polls until the worker is done
    problem = page.locator(f'#workbook-problems tr[data-cell="{PERCENT}{bad}"]')
    text = problem.inner_text()
    assert "状态为“常态化推进”时完成百分比应为 100。" in text
    assert f"第 {bad} 行" in text and "完成百分比（E 列）" in text and "进度" in text
    assert state(rows) == before

    page.locator("text=修改后重新上传").click()
    page.wait_for_selector("#progress-workbook-upload")

    ws[f"{PERCENT}{bad}"] = 100
    wb.save(path)
    page.set_input_files("#progress-workbook-upload input[name=workbook]", str(path))
    page.locator("#progress-workbook-upload button").click()
    page.wait_for_url(f"{portal}/jobs/*/")
    page.wait_for_selector(".progress-workbook-done", timeout=60_000)
    assert "已从 Excel 更新 3 条进度" in page.content()
    assert page.console_errors == []
    changed = {ws[f"{KEY}{r}"].value.split(":")[1] for r in numbers}
    saved = Progress.objects.filter(pk__in=[int(pk) for pk in changed])
    assert sorted((p.status, p.percent) for p in saved) == sorted(
        [("in_progress", 50), ("in_progress", 50), ("ongoing", 100)]
    )
