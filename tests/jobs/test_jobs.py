"""Imports and large exports as background jobs: the page queues the job, the job's task (run here as the worker
runs it) does the work the synchronous code did, the job's page shows progress and the report, its file is handed
out to its owner only while the owner still sees the data, and old or dead jobs are cleaned up."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.importing import headers
from enterprises.models import Enterprise, Region
from enterprises.selectors import enterprise_change_history
from enterprises.services import enterprise_update
from reform_portal.choices import ChangeSource
from reform_portal.jobs import services
from reform_portal.jobs.models import Job
from reform_portal.outbox.models import OutboxMessage
from tests.enterprises.test_enterprise_import import row, workbook_file
from tests.enterprises.test_import_stale import edit_cells, export, upload
from tests.factories import EnterpriseFactory, make_credit_code, make_officer
from tests.jobs.helpers import run_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def test_an_import_through_the_page_is_a_job_whose_result_is_the_synchronous_import(client, users):
    officer = users["officer-yn"]
    client.force_login(officer)
    codes = [make_credit_code("530102") for _ in range(2)]

    response = client.post(
        "/enterprises/import/", {"file": workbook_file([row("甲公司", codes[0]), row("乙公司", codes[1])])}
    )

    # the page answers at once: the job is queued through the outbox, nothing is written yet
    job = Job.objects.get(owner=officer)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.QUEUED and job.kind == Job.Kind.ENTERPRISE_IMPORT and job.upload
    assert OutboxMessage.objects.filter(task="reform_portal.jobs.tasks.enterprise_import_job", args=[job.pk]).exists()
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()

    job = run_job(job.pk)

    assert job.status == Job.Status.SUCCEEDED and job.summary["created"] == 2 and not job.upload
    created = Enterprise.objects.filter(credit_code__in=codes)
    assert set(created.values_list("name", flat=True)) == {"甲公司", "乙公司"}
    for enterprise in created:
        [event] = enterprise_change_history(enterprise=enterprise)
        assert (event.action, event.source, event.changed_by) == ("created", ChangeSource.IMPORT, officer)
    page = client.get(response["Location"]).content.decode()
    assert "已导入：新增 2 家" in page and "hx-trigger" not in page  # finished: no more polling
    # the task delivered twice does the work once
    run_job(job.pk)
    assert Enterprise.objects.filter(credit_code__in=codes).count() == 2


def test_a_bad_file_type_is_refused_on_the_page_without_a_job(client, users):
    client.force_login(users["officer-yn"])
    response = client.post("/enterprises/import/", {"file": workbook_file([], name="名录.pdf")})
    assert response.status_code == 200 and not Job.objects.exists()


def test_the_job_page_polls_with_progress_then_shows_the_stale_row_report(client, kunming):
    wuhua = Region.objects.get(code="530102")
    a, b = make_officer("t-job-a", regions=[kunming]), make_officer("t-job-b", regions=[kunming])
    target = EnterpriseFactory(name="昆明任务测试有限公司", region=kunming, county=wuhua, employees=300)
    old = export(client, a)
    enterprise_update(enterprise=target, data={"employees": 350}, by=b)

    response = client.post("/enterprises/import/", {"file": upload(edit_cells(old, target.credit_code, name="改名"))})
    job = Job.objects.get(owner=a)
    # while a worker runs it: the status block polls every 2 s (htmx, no inline script) and shows the progress
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=3, total=10)
    poll = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in poll and "已处理 3 / 10" in poll and "<script" not in poll
    assert "<html" not in poll  # the block alone

    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0, total=0)
    run_job(job.pk)
    page = client.get(response["Location"])
    html = page.content.decode()
    [problem] = page.context["result"].errors
    assert ("职工总数", "350", "300") in problem.differences
    assert "stale-differences" in html and "导出后已被他人修改" in html and "未保存任何数据" in html
    assert Enterprise.objects.get(pk=target.pk).name == "昆明任务测试有限公司"  # nothing written


def _export_rows(content: bytes):
    ws = load_workbook(io.BytesIO(content)).active
    return list(ws.iter_rows(min_row=2))


def test_a_large_export_is_a_job_and_its_workbook_holds_the_filters_rows_and_no_formula(
    client, users, kunming, settings
):
    settings.EXPORT_JOB_THRESHOLD_ROWS = 5
    officer = users["officer-yn"]
    qujing = Region.objects.get(code="530300")
    for n in range(6):
        EnterpriseFactory(name=f"昆明导出{n}有限公司", region=kunming)
    EnterpriseFactory(name='=HYPERLINK("http://x")有限公司', region=kunming)
    EnterpriseFactory(name="曲靖导出有限公司", region=qujing)  # in the officer's province, not in the filter
    client.force_login(officer)

    response = client.get("/enterprises/export/", {"region": kunming.pk})

    job = Job.objects.get(owner=officer, kind=Job.Kind.ENTERPRISE_EXPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.parameters["filters"] == {"region": str(kunming.pk)}
    job = run_job(job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    rows = _export_rows(b"".join(download.streaming_content))
    code_column = [f for f, _h in headers()].index("credit_code")
    expected = set(
        Enterprise.objects.filter(region=kunming).values_list("credit_code", flat=True)
    )  # an independent reading of the filter
    assert {r[code_column].value for r in rows} == expected and len(rows) == len(expected) >= 7
    assert job.summary["rows"] == len(expected)
    assert all(cell.data_type != "f" for r in rows for cell in r)
    assert any(str(cell.value).startswith("=HYPERLINK") for r in rows for cell in r)  # kept, as text
    # small exports stay immediate
    settings.EXPORT_JOB_THRESHOLD_ROWS = 2000
    assert client.get("/enterprises/export/", {"region": kunming.pk}).status_code == 200


def _finished_export(client, owner, settings):
    settings.EXPORT_JOB_THRESHOLD_ROWS = 0
    client.force_login(owner)
    client.get("/enterprises/export/")
    job = run_job(Job.objects.filter(owner=owner).latest("pk").pk)
    client.logout()
    return job


def test_only_the_owner_and_administrators_see_a_job_and_the_owner_who_lost_the_charge_gets_no_file(
    client, users, settings, kunming, yn_enterprise
):
    owner = users["officer-yn"]
    job = _finished_export(client, owner, settings)
    detail, download = reverse("jobs:detail", args=[job.pk]), reverse("jobs:download", args=[job.pk])
    for other in ("officer-sx", "sasac-yn", "enterprise-yn"):
        client.force_login(users[other])
        assert client.get(detail).status_code == 404, other
        assert client.get(download).status_code == 404, other
        assert job.pk not in [j.pk for j in client.get(reverse("jobs:list")).context["page"]]
    client.force_login(users["admin"])
    assert client.get(download).status_code == 200
    client.force_login(owner)
    assert client.get(download).status_code == 200
    assert [j.pk for j in client.get(reverse("jobs:list")).context["page"]] == [job.pk]

    # the owner no longer has Kunming in charge: the file made from it is not handed out any more
    owner.profile.charge_regions.set([Region.objects.get(code="530300")])
    client.force_login(owner)
    assert client.get(download).status_code == 403
    assert "不能再下载" in client.get(detail).content.decode()


def test_expiry_deletes_the_job_and_its_file(client, users, settings):
    job = _finished_export(client, users["officer-yn"], settings)
    path = Path(job.result_file.path)
    assert path.exists()
    assert job.expires_at - job.finished_at == timedelta(days=settings.JOB_KEEP_DAYS)
    assert services.jobs_purge(now=job.expires_at - timedelta(minutes=1)) == 0
    assert services.jobs_purge(now=job.expires_at + timedelta(minutes=1)) == 1
    assert not Job.objects.filter(pk=job.pk).exists() and not path.exists()


def test_a_running_job_without_a_sign_of_life_is_marked_failed(users, settings):
    now = timezone.now()
    limit = timedelta(seconds=settings.JOB_TIME_LIMIT_SECONDS + 60)
    dead = Job.objects.create(
        kind=Job.Kind.ENTERPRISE_IMPORT, owner=users["officer-yn"], status=Job.Status.RUNNING, heartbeat_at=now - limit
    )
    alive = Job.objects.create(
        kind=Job.Kind.ENTERPRISE_IMPORT, owner=users["officer-yn"], status=Job.Status.RUNNING, heartbeat_at=now
    )
    assert services.jobs_expire_stale(now=now + timedelta(seconds=1)) == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.FAILED and "中止" in dead.error and dead.expires_at
    assert alive.status == Job.Status.RUNNING
    # its late task finishing does not reopen it
    assert not services.job_succeed(dead, summary={})
    assert Job.objects.get(pk=dead.pk).status == Job.Status.FAILED
