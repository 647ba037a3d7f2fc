"""Every export that may be large runs as a job by the one rule (`export_is_large`): the dashboard workbook whose
lagging list exceeds the threshold, the audit log; the job's file holds what the immediate export holds for the
same filters; its rows are read in chunks without a query per row and written in constant memory; the job reports
its progress (throttled) and the import reports the rows it checked."""

import io
import tracemalloc
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import Region
from measures.models import PolicyDocument
from reform_portal.audit.choices import PERMISSION_DENIED
from reform_portal.audit.models import AuditEntry
from reform_portal.jobs import services
from reform_portal.jobs.models import Job
from reform_portal.outbox.models import OutboxMessage
from reporting import rollup
from reporting.exports import PANELS, dashboard_export_write, dashboard_workbook, export_parameters
from reporting.selectors import Filters, dashboard_scope
from tests.enterprises.test_enterprise_import import row, workbook_file
from tests.factories import make_credit_code
from tests.jobs.helpers import run_job
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def rolled(users):
    make_enterprises(40, province_codes=("530000",))
    rollup.rollup_full_now()
    cache.clear()
    return users


def _cells(content: bytes) -> dict:
    workbook = load_workbook(io.BytesIO(content))
    return {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in workbook.worksheets}


def _lagging_names(cells: dict) -> list:
    return [r[0] for r in cells["滞后企业"][1:]]


def _download(client, job) -> bytes:
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_dashboard_export_with_a_large_lagging_list_is_a_job_whose_file_is_the_immediate_one(
    client, rolled, settings
):
    sasac = rolled["sasac-yn"]
    client.force_login(sasac)
    qujing = Region.objects.get(code="530300")
    query = {"province": "530000", "prefecture": qujing.pk}
    immediate = client.get(reverse("reporting:export"), query)
    assert immediate.status_code == 200
    expected = _cells(immediate.content)
    assert len(_lagging_names(expected)) >= 2

    settings.EXPORT_JOB_THRESHOLD_ROWS = 1
    response = client.get(reverse("reporting:export"), query)

    job = Job.objects.get(owner=sasac, kind=Job.Kind.DASHBOARD_EXPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.QUEUED and job.parameters["prefecture"] == qujing.pk
    assert OutboxMessage.objects.filter(task="reform_portal.jobs.tasks.dashboard_export_job", args=[job.pk]).exists()
    job = run_job(job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result_name == immediate["Content-Disposition"].split('"')[1]
    assert _cells(_download(client, job)) == expected  # every panel, the prefecture's filter kept
    assert job.summary["rows"] == job.done == job.total == len(_lagging_names(expected))
    # an independent reading of the lagging list: no enterprise outside 曲靖
    names = set(_lagging_names(expected))
    assert set(Region.objects.filter(enterprises__name__in=names).values_list("code", flat=True)) == {"530300"}


def test_a_dashboard_export_without_the_lagging_panel_stays_immediate(client, rolled, settings):
    settings.EXPORT_JOB_THRESHOLD_ROWS = 0
    client.force_login(rolled["sasac-yn"])
    response = client.get(reverse("reporting:export"), {"province": "530000", "panel": "measures"})
    assert response.status_code == 200 and not Job.objects.exists()


def test_the_threshold_rule_counts_at_most_one_row_past_it(users, settings):
    from enterprises.models import Enterprise

    make_enterprises(12, province_codes=("530000",))
    qs = Enterprise.objects.all()
    settings.EXPORT_JOB_THRESHOLD_ROWS = qs.count()
    assert not services.export_is_large(qs)
    settings.EXPORT_JOB_THRESHOLD_ROWS = qs.count() - 1
    with CaptureQueriesContext(connection) as queries:
        assert services.export_is_large(qs)
    [sql] = [q["sql"] for q in queries.captured_queries]
    assert f"LIMIT {qs.count()}" in sql and "ORDER BY" not in sql


def _dashboard_job_queries(sasac, count_lagging: int) -> int:
    scope = dashboard_scope(user=sasac, province_code="530000")
    document = PolicyDocument.objects.get(province__code="530000")
    parameters = export_parameters(scope, Filters(document=document), PANELS)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        written, _name = dashboard_export_write(user=sasac, parameters=parameters, out=io.BytesIO())
    assert written == count_lagging
    return len(queries.captured_queries)


def test_the_dashboard_export_job_reads_its_rows_without_a_query_per_row(rolled):
    from reporting.selectors import lagging_queryset

    sasac = rolled["sasac-yn"]
    scope = dashboard_scope(user=sasac, province_code="530000")
    filters = Filters(document=PolicyDocument.objects.get(province__code="530000"))
    few = lagging_queryset(user=sasac, scope=scope, filters=filters).count()
    small = _dashboard_job_queries(sasac, few)
    make_enterprises(40, seed=9, province_codes=("530000",))
    rollup.rollup_full_now()
    many = lagging_queryset(user=sasac, scope=scope, filters=filters).count()
    assert many >= few + 20
    assert _dashboard_job_queries(sasac, many) == small


def test_the_audit_export_above_the_threshold_is_a_job_with_every_entry_filtered(client, users, settings):
    admin = users["admin"]
    for other in ("officer-yn", "sasac-yn", "enterprise-yn"):
        client.force_login(users[other])
        client.get(reverse("audit:list"))  # refused: an entry each
    client.force_login(admin)
    settings.EXPORT_JOB_THRESHOLD_ROWS = 1
    response = client.get(reverse("audit:export"), {"action": PERMISSION_DENIED})
    job = Job.objects.get(owner=admin, kind=Job.Kind.AUDIT_EXPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    job = run_job(job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    rows = _cells(_download(client, job))["审计记录"][1:]
    expected = list(AuditEntry.objects.filter(action=PERMISSION_DENIED).order_by("-id").values_list("pk", flat=True))
    assert [r[0] for r in rows] == expected and len(expected) >= 3
    assert job.summary["rows"] == len(expected)
    # an administrator who is no longer one gets no file
    admin.is_superuser = False
    admin.save()
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 403


def test_the_owner_who_lost_the_dashboard_gets_no_file(client, rolled, settings):
    sasac = rolled["sasac-yn"]
    settings.EXPORT_JOB_THRESHOLD_ROWS = 0
    client.force_login(sasac)
    client.get(reverse("reporting:export"), {"province": "530000"})
    job = run_job(Job.objects.get(owner=sasac).pk)
    download = reverse("jobs:download", args=[job.pk])
    assert client.get(download).status_code == 200
    for other in ("officer-yn", "sasac-sx", "enterprise-yn"):
        client.force_login(rolled[other])
        assert client.get(download).status_code == 404
    sasac.profile.province = Region.objects.get(code="610000")
    sasac.profile.save()
    client.force_login(sasac)
    assert client.get(download).status_code == 403


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_progress_meter_writes_at_most_once_a_second(users):
    job = Job.objects.create(kind=Job.Kind.ENTERPRISE_EXPORT, owner=users["officer-yn"], status=Job.Status.RUNNING)
    clock = FakeClock()
    meter = services.ProgressMeter(job, clock=clock)
    meter(0, 100_000)  # a new total is written at once
    assert Job.objects.get(pk=job.pk).total == 100_000 and meter.writes == 1
    for n in range(1, 100_001):
        clock.now = n / 25_000  # 100,000 rows in 4 seconds
        meter(n)
    meter.flush()
    assert 4 <= meter.writes <= 6
    stored = Job.objects.get(pk=job.pk)
    assert (stored.done, stored.total) == (100_000, 100_000) and stored.heartbeat_at


def test_the_import_job_reports_the_rows_it_checked(client, users, monkeypatch):
    written = []
    real = services.job_progress
    monkeypatch.setattr(
        services, "job_progress", lambda job, done, total=None: written.append((done, total)) or real(job, done, total)
    )
    monkeypatch.setattr(services.ProgressMeter, "__init__", _meter_every_call(services.ProgressMeter.__init__))
    client.force_login(users["officer-yn"])
    rows = [row(f"进度{n}公司", make_credit_code("530102")) for n in range(5)]
    client.post("/enterprises/import/", {"file": workbook_file(rows)})
    job = run_job(Job.objects.get(owner=users["officer-yn"]).pk)
    assert job.status == Job.Status.SUCCEEDED and job.summary["created"] == 5
    assert [d for d, _t in written[:6]] == [0, 1, 2, 3, 4, 5] and written[0][1] == 5
    assert (job.done, job.total) == (5, 5)


def _meter_every_call(init):
    def every_call(self, job, *, interval=1.0, clock=None):
        init(self, job, interval=0.0)  # each call written: the test reads every step

    return every_call


def test_the_job_pages_show_progress_while_running_and_the_download_link_when_done(client, users, settings):
    owner = users["officer-yn"]
    settings.EXPORT_JOB_THRESHOLD_ROWS = 0
    client.force_login(owner)
    response = client.get("/enterprises/export/")
    job = Job.objects.get(owner=owner)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=3, total=10, heartbeat_at=timezone.now())

    page = client.get(response["Location"]).content.decode()
    assert "已处理 3 / 10" in page and 'hx-trigger="every 2s"' in page and "job-download" not in page
    listing = client.get(reverse("jobs:list")).content.decode()
    assert "3 / 10" in listing and 'hx-trigger="every 2s"' in listing
    poll = client.get(reverse("jobs:list"), headers={"HX-Request": "true"}).content.decode()
    assert poll.startswith('<div id="job-rows"') and "3 / 10" in poll and "<html" not in poll

    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0, total=0)
    job = run_job(job.pk)
    page = client.get(reverse("jobs:detail", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    download = reverse("jobs:download", args=[job.pk])
    assert f'href="{download}"' in page and "hx-trigger" not in page
    listing = client.get(reverse("jobs:list")).content.decode()
    assert f'href="{download}"' in listing and "hx-trigger" not in listing
    assert client.get(download).status_code == 200


def _synthetic_lagging(n: int):
    last = timezone.now() - timedelta(days=200)
    region = SimpleNamespace(name="昆明市")
    for i in range(n):
        yield SimpleNamespace(
            name=f"内存测试企业{i:06d}有限责任公司",
            region=region,
            ownership="state_sole",
            get_ownership_display=lambda: "国有独资",
            last_progress_update=last,
            has_not_started=bool(i % 2),
        )


def _peak_writing(n: int, path) -> int:
    tracemalloc.start()
    try:
        written = dashboard_workbook(
            data={}, title="t", panels=("lagging",), lagging_rows=_synthetic_lagging(n), out=str(path)
        )
        assert written == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_workbook_is_written_in_constant_memory(tmp_path):
    small = _peak_writing(500, tmp_path / "small.xlsx")
    large = _peak_writing(10_000, tmp_path / "large.xlsx")
    # an in-memory workbook grows by ~10 MB for 10,000 such rows; the write-only one streams them to disk
    assert large - small < 1_000_000, (small, large)
    sheet = load_workbook(tmp_path / "large.xlsx", read_only=True)["滞后企业"]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 10_001
