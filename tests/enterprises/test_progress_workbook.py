"""The progress of many enterprises by workbook: the officer downloads one measure's rows in their charge for the
list's filter (pre-filled, a dropdown of statuses, hidden keys and versions), fills them in and uploads the file,
which a background job reads and saves (reform_portal.jobs; here the task's body runs in the test, as the register
import's tests do): the progress rule per cell, nothing saved unless every row passes, a file older than an edit
refused, rows outside the charge refused, a constant number of queries whatever the number of rows."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Region
from measures.choices import Status
from measures.models import Progress, ProgressEvent
from measures.progress_workbook import progress_workbook_apply, progress_workbook_read
from measures.services import progress_update
from reform_portal.choices import ChangeSource
from tests.enterprises.test_bulk_by_filter import enterprises_in
from tests.factories import make_officer
from tests.jobs.helpers import follow_job

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS, PERCENT, NOTE, KEY, VERSION = "D", "E", "F", "H", "I"
PAGE = reverse("enterprises:progress_workbook")
DOWNLOAD = reverse("enterprises:progress_workbook_download")


@pytest.fixture
def qujing(db):
    return Region.objects.get(code="530300")


@pytest.fixture
def yn04(db):
    from measures.models import Measure

    return Measure.objects.get(code="YN-04")


@pytest.fixture
def officer_qj(qujing):
    return make_officer("t-officer-qj", regions=[qujing])


def download(client, user, measure, **filters):
    client.force_login(user)
    response = client.get(DOWNLOAD, {"measure": measure.pk, **filters})
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the job keeps the upload there until it is read


def post(client, user, wb, query="", follow=True):
    """Upload `wb` on the page and, when the page hands it to a job, run the job and open its page (the job's
    page's context["result"] is the outcome)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    client.force_login(user)
    upload = SimpleUploadedFile("进度.xlsx", buffer.getvalue(), content_type=XLSX)
    response = client.post(PAGE + query, {"workbook": upload})
    return follow_job(client, response) if follow else response


def rows_of(ws) -> dict[int, int]:
    """{progress id: row number}."""
    return {int(ws[f"{KEY}{r}"].value.split(":")[1]): r for r in range(2, ws.max_row + 1) if ws[f"{KEY}{r}"].value}


def state(ids):
    return sorted(Progress.objects.filter(pk__in=ids).values_list("pk", "status", "percent", "note", "version"))


def test_the_download_holds_the_measures_rows_in_charge_pre_filled_with_a_status_dropdown(
    client, officer_qj, qujing, yn04
):
    made = enterprises_in(qujing, 4, yn04, status=Status.IN_PROGRESS)
    elsewhere = enterprises_in(Region.objects.get(code="530100"), 2, yn04)  # Kunming: not in the charge
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]

    expected = set(Progress.objects.filter(measure=yn04, enterprise__in=made).values_list("pk", flat=True))
    assert set(rows_of(ws)) == expected  # the charge's rows on the measure, none of Kunming's
    assert not set(rows_of(ws)) & set(Progress.objects.filter(enterprise__in=elsewhere).values_list("pk", flat=True))
    row = Progress.objects.filter(measure=yn04, enterprise__in=made).first()
    r = rows_of(ws)[row.pk]
    assert (ws[f"{STATUS}{r}"].value, ws[f"{PERCENT}{r}"].value, ws[f"{VERSION}{r}"].value) == (
        "推进中",
        40,
        row.version,
    )
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and lists[0].formula1 == '"未启动,推进中,已完成,常态化推进"'
    assert ws.column_dimensions[KEY].hidden and ws.protection.sheet


def test_a_filled_file_is_saved_in_one_go_with_the_history(client, officer_qj, qujing, yn04):
    made = enterprises_in(qujing, 5, yn04)
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]
    rows = rows_of(ws)
    for n, r in enumerate(sorted(rows.values())):
        ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"], ws[f"{NOTE}{r}"] = "推进中", 10 * (n + 1), f"第 {n} 家已部署"

    response = post(client, officer_qj, wb)

    assert response.status_code == 200 and response.context["result"].ok
    assert response.context["result"].updated == 5
    assert "已从 Excel 更新 5 条进度（0 条未改动）。" in response.content.decode()
    saved = dict(Progress.objects.filter(pk__in=rows).values_list("pk", "percent"))
    assert sorted(saved.values()) == [10, 20, 30, 40, 50]
    assert all(p.status == Status.IN_PROGRESS for p in Progress.objects.filter(pk__in=rows))
    events = ProgressEvent.objects.filter(pgh_obj_id__in=rows, source=ChangeSource.IMPORT)
    assert events.count() == len(made) and {e.changed_by_id for e in events} == {officer_qj.pk}
    assert all(v == 2 for v in Progress.objects.filter(pk__in=rows).values_list("version", flat=True))


def test_one_bad_cell_is_reported_at_its_cell_and_nothing_is_saved(client, officer_qj, qujing, yn04):
    enterprises_in(qujing, 3, yn04)
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]
    rows = rows_of(ws)
    for r in rows.values():
        ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"] = "推进中", 30
    bad = sorted(rows.values())[1]
    ws[f"{STATUS}{bad}"], ws[f"{PERCENT}{bad}"] = "已完成", 50
    before = state(rows)

    response = post(client, officer_qj, wb)

    result = response.context["result"]
    assert not result.ok and not result.stale
    problems = result.problems
    assert [(p.sheet, p.row, p.letter, p.column) for p in problems] == [("进度", bad, PERCENT, "完成百分比")]
    assert str(problems[0]) == f"第 {bad} 行 E 列：状态为“已完成”时完成百分比应为 100。"
    page = response.content.decode()
    assert f'data-cell="{PERCENT}{bad}"' in page and "状态为“已完成”时完成百分比应为 100。" in page
    assert state(rows) == before


def test_a_move_back_needs_its_own_note_in_the_file(client, officer_qj, qujing, yn04):
    enterprises_in(qujing, 1, yn04, status=Status.IN_PROGRESS)
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]
    ((pk, r),) = rows_of(ws).items()
    ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"] = "未启动", 0

    response = post(client, officer_qj, wb)

    assert not response.context["result"].ok
    assert [(p.row, p.letter, p.message) for p in response.context["result"].problems] == [
        (r, NOTE, "状态或百分比回退时必须填写说明。")
    ]


def test_a_file_older_than_an_edit_is_refused_and_nothing_saved(client, officer_qj, qujing, yn04):
    enterprises_in(qujing, 3, yn04)
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]
    rows = rows_of(ws)
    for r in rows.values():
        ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"] = "推进中", 30
    changed = sorted(rows)[0]
    row = Progress.objects.get(pk=changed)
    progress_update(progress=row, status="in_progress", percent=70, note="", by=officer_qj, expected_version=1)
    before = state(rows)

    response = post(client, officer_qj, wb)

    result = response.context["result"]
    assert not result.ok and result.stale
    assert [p.row for p in result.problems] == [rows[changed]]
    assert "推进中 70%" in result.problems[0].message
    assert "下载后有进度在别处被修改" in response.content.decode()
    assert state(rows) == before


def test_rows_outside_the_charge_are_refused_and_roles_that_may_not_update_never_reach_it(
    client, officer_qj, qujing, yn04, users
):
    enterprises_in(qujing, 2, yn04)
    wb = download(client, officer_qj, yn04)
    rows = rows_of(wb.worksheets[0])
    for r in rows.values():
        wb.worksheets[0][f"{STATUS}{r}"], wb.worksheets[0][f"{PERCENT}{r}"] = "推进中", 30
    before = state(rows)
    # an officer of Xi'an uploads Qujing's file: every row refused, nothing about them told, nothing saved
    response = post(client, users["officer-sx"], wb)
    problems = response.context["result"].problems
    assert not response.context["result"].ok and len(problems) == len(rows)
    assert all("不是您负责的" in p.message for p in problems)
    # an enterprise's user: refused before the file is read
    assert post(client, users["enterprise-yn"], wb).status_code == 403
    client.force_login(users["enterprise-yn"])
    assert client.get(DOWNLOAD, {"measure": yn04.pk}).status_code == 403
    assert state(rows) == before


def _file(ws_rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    for values in ws_rows:
        wb.active.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("进度.xlsx", buffer.getvalue(), content_type=XLSX)


def test_the_write_costs_a_constant_number_of_queries(officer_qj, qujing, yn04):
    def apply(n):
        made = enterprises_in(qujing, n, yn04)
        rows = Progress.objects.filter(enterprise__in=made, measure=yn04).order_by("pk")
        header = ["名称", "代码", "措施", "状态", "百分比", "说明", "更新", "键", "版本"]
        data = [header] + [["x", "y", "z", "推进中", 20, "开展", None, f"progress:{p.pk}", p.version] for p in rows]
        parsed = progress_workbook_read(_file(data))
        with CaptureQueriesContext(connection) as queries:
            result = progress_workbook_apply(user=officer_qj, rows=parsed)
        assert result.updated == n
        return len(queries)

    apply(2)  # the user's reach read once (access_for)
    assert apply(3) == apply(60) <= 8


# ---- the upload as a job ----------------------------------------------------------------------------------------


def test_the_page_answers_at_once_with_the_job_and_nothing_is_saved_before_a_worker_runs_it(
    client, officer_qj, qujing, yn04
):
    from reform_portal.jobs.models import Job
    from reform_portal.outbox.models import OutboxMessage

    enterprises_in(qujing, 2, yn04)
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]
    rows = rows_of(ws)
    for r in rows.values():
        ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"] = "推进中", 30
    before = state(rows)

    response = post(client, officer_qj, wb, query="?region=530300", follow=False)

    job = Job.objects.get(owner=officer_qj)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.kind == Job.Kind.PROGRESS_WORKBOOK and job.status == Job.Status.QUEUED and job.upload
    assert job.parameters["back"] == reverse("enterprises:list") + "?region=530300"
    assert OutboxMessage.objects.filter(task="reform_portal.jobs.tasks.progress_workbook_job").exists()
    assert state(rows) == before  # the request wrote nothing

    page = follow_job(client, response)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and (job.done, job.total) == (2, 2)
    assert not job.upload  # the file is not kept once read
    assert page.context["result"].updated == 2
    assert 'href="/enterprises/?region=530300"' in page.content.decode()


def test_a_file_that_is_not_a_workbook_is_refused_by_the_page_without_a_job(client, officer_qj):
    from reform_portal.jobs.models import Job

    client.force_login(officer_qj)
    text = SimpleUploadedFile("进度.xlsx", b"not a workbook at all", content_type=XLSX)
    response = client.post(PAGE, {"workbook": text})
    assert response.status_code == 400
    disguised = "文件内容与扩展名“xlsx”不符，可能是改名的其他文件，已拒绝。"
    assert [p.message for p in response.context["problems"]] == [disguised]
    pdf = SimpleUploadedFile("进度.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    response = client.post(PAGE, {"workbook": pdf})
    assert response.status_code == 400
    assert [p.message for p in response.context["problems"]] == ["请上传 Excel（.xlsx）文件。"]
    response = client.post(PAGE, {})
    assert response.status_code == 400
    assert [p.message for p in response.context["problems"]] == ["请选择要上传的 Excel 文件。"]
    assert not Job.objects.filter(owner=officer_qj).exists()


def test_a_workbook_with_its_keys_altered_is_refused_by_the_job_at_its_cells(client, officer_qj, qujing, yn04):
    enterprises_in(qujing, 2, yn04)
    wb = download(client, officer_qj, yn04)
    ws = wb.worksheets[0]
    ws[f"{KEY}2"] = "something else"

    result = post(client, officer_qj, wb).context["result"]

    assert not result.ok
    assert [(p.sheet, p.row, p.letter) for p in result.problems] == [("进度", 2, KEY)]


def test_the_job_costs_the_same_number_of_queries_for_10_and_200_rows(client, officer_qj, qujing, yn04, monkeypatch):
    import functools

    from reform_portal.jobs import services as job_services
    from reform_portal.jobs.models import Job
    from tests.jobs.helpers import run_job

    # the progress row is written when the total is known and at the end, not by the clock (a loaded machine)
    monkeypatch.setattr(job_services, "ProgressMeter", functools.partial(job_services.ProgressMeter, clock=lambda: 0.0))

    def upload(n):
        made = enterprises_in(qujing, n, yn04)
        rows = Progress.objects.filter(enterprise__in=made, measure=yn04).order_by("pk")
        header = ["名称", "代码", "措施", "状态", "百分比", "说明", "更新", "键", "版本"]
        data = [header] + [["x", "y", "z", "推进中", 20, "开展", None, f"progress:{p.pk}", p.version] for p in rows]
        client.force_login(officer_qj)
        response = client.post(PAGE, {"workbook": _file(data)})
        job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        with CaptureQueriesContext(connection) as queries:
            job = run_job(job_id)
        assert job.status == Job.Status.SUCCEEDED and job.summary["updated"] == n, job.summary
        assert ProgressEvent.objects.filter(pgh_obj__enterprise__in=made, source=ChangeSource.IMPORT).count() == n
        return len(queries)

    upload(2)  # warm: the user's reach, content types
    assert upload(10) == upload(200) <= 20
