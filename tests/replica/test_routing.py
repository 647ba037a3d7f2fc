"""Which reads reform_portal/replica.py sends to the replica, request by request (in this process, through the test
client). The router is wrapped so that it records where it would send each read and still answers the primary:
this process has no replica (tests/replica/test_replica_reads.py runs the portal on a real one)."""

import time

import pytest
from django.db import OperationalError, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import resolve

from enterprises.models import Enterprise
from reform_portal import replica
from reform_portal.replica import REPLICA, STICKY_COOKIE, ReplicaRouter, primary_reads, replica_reads
from reporting.models import RollupSnapshot

decisions: list[tuple[str, str]] = []  # (app_label.Model, alias) of every read routed


class RecordingRouter(ReplicaRouter):
    def db_for_read(self, model, **hints):
        decisions.append((model._meta.label, super().db_for_read(model, **hints)))
        return "default"


def to_replica() -> set[str]:
    return {label for label, alias in decisions if alias == REPLICA}


@pytest.fixture
def routed(settings, monkeypatch):
    """The middleware and the recording router installed, the replica taken as reachable."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "reform_portal.replica.ReplicaReadsMiddleware"]
    settings.DATABASE_ROUTERS = ["tests.replica.test_routing.RecordingRouter"]
    settings.REPLICA_STICKY_SECONDS = 1.5
    monkeypatch.setattr(replica, "_replica_usable", lambda: True)
    decisions.clear()
    yield
    decisions.clear()


def get(client, url, **extra):
    decisions.clear()
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response


# In these tests the request runs outside the test's transaction, as in production: every read inside one stays on
# the primary.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]


def test_the_dashboard_and_its_drilldowns_read_the_replica_but_never_who_is_signed_in(routed, client, users):
    client.force_login(users["sasac-yn"])
    get(client, "/reporting/dashboard/")
    assert {"reporting.RollupSnapshot", "enterprises.Region"} & to_replica()
    get(client, "/reporting/dashboard/figure/?figure=lagging")
    assert "enterprises.Enterprise" in to_replica()
    assert not {label for label in to_replica() if label.split(".")[0] in ("sessions", "auth", "accounts", "axes")}
    client.force_login(users["officer-yn"])
    get(client, "/reporting/dashboard/")
    assert to_replica()


def test_lists_read_the_replica_for_users_who_change_nothing_only(routed, client, users):
    client.force_login(users["sasac-yn"])
    get(client, "/enterprises/")
    assert "enterprises.Enterprise" in to_replica()
    client.force_login(users["officer-yn"])  # an officer's list shows colleagues' edits at once
    get(client, "/enterprises/")
    assert not to_replica()


def test_pages_not_declared_read_the_primary(routed, client, users, yn_enterprise):
    client.force_login(users["sasac-yn"])
    get(client, f"/enterprises/{yn_enterprise.pk}/")
    get(client, "/")
    assert not to_replica()


def test_a_browser_that_wrote_reads_the_primary_for_a_few_seconds(routed, client, users):
    client.force_login(users["sasac-yn"])
    # when SASAC staff ask for today's figures now (a POST, which writes the run)
    decisions.clear()
    response = client.post("/reporting/dashboard/refresh/")
    assert response.status_code == 302
    assert decisions and not to_replica()  # it read (the scope, the province), on the primary
    assert STICKY_COOKIE in response.cookies  # the test client keeps it, as a browser does
    # then their dashboard reads the primary (it shows the queued run) while the cookie is fresh
    get(client, "/reporting/dashboard/")
    assert not to_replica()
    # and the replica again after REPLICA_STICKY_SECONDS
    time.sleep(1.6)
    get(client, "/reporting/dashboard/")
    assert to_replica()


def test_a_forged_or_stale_cookie_changes_nothing_but_the_readers_own_reads(routed, client, users):
    client.force_login(users["sasac-yn"])
    client.cookies[STICKY_COOKIE] = "not a time"
    get(client, "/reporting/dashboard/")
    assert to_replica()
    client.cookies[STICKY_COOKIE] = str(time.time() - 60)
    get(client, "/reporting/dashboard/")
    assert to_replica()


def test_a_write_sends_the_rest_of_the_request_to_the_primary(routed, rf, users, yn_enterprise):
    # given the middleware's block for a lag-tolerant page
    request = rf.get("/reporting/dashboard/")
    request.user = users["sasac-yn"]
    seen = {}

    def view(request):
        list(Enterprise.objects.filter(pk=yn_enterprise.pk))
        seen["before"] = to_replica()
        decisions.clear()
        Enterprise.objects.filter(pk=yn_enterprise.pk).update(name=yn_enterprise.name)  # a write
        list(Enterprise.objects.filter(pk=yn_enterprise.pk))
        seen["after"] = to_replica()
        return HttpResponse()

    middleware = replica.ReplicaReadsMiddleware(lambda r: _dispatch(middleware, r, view))
    response = middleware(request)
    assert seen == {"before": {"enterprises.Enterprise"}, "after": set()}
    assert STICKY_COOKIE in response.cookies  # a GET that wrote makes the browser read the primary too


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_a_request_other_than_get_reads_the_primary_even_on_a_lag_tolerant_url(routed, rf, users, method):
    request = getattr(rf, method)("/reporting/dashboard/")
    request.user = users["sasac-yn"]

    def view(request):
        decisions.clear()
        list(Enterprise.objects.all()[:1])
        return HttpResponse()

    middleware = replica.ReplicaReadsMiddleware(lambda r: _dispatch(middleware, r, view))
    response = middleware(request)
    assert decisions and not to_replica()
    assert STICKY_COOKIE in response.cookies


def _dispatch(middleware, request, view):
    request.resolver_match = resolve(request.path_info)
    middleware.process_view(request, view, (), {})
    return view(request)


def test_replica_reads_in_a_task_stay_on_the_replica_after_a_write_but_never_in_a_transaction(routed, yn_enterprise):
    with replica_reads():
        decisions.clear()
        list(Enterprise.objects.all()[:1])
        assert to_replica() == {"enterprises.Enterprise"}
        RollupSnapshot.objects.filter(pk=-1).delete()  # the job's progress, say: a write
        decisions.clear()
        list(Enterprise.objects.all()[:1])
        assert to_replica() == {"enterprises.Enterprise"}
        decisions.clear()
        with transaction.atomic():
            list(Enterprise.objects.all()[:1])
        with primary_reads():
            list(Enterprise.objects.all()[:1])
        assert not to_replica()
    decisions.clear()
    list(Enterprise.objects.all()[:1])
    assert not to_replica()


def test_the_router_never_migrates_the_replica_and_writes_the_primary():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "measures") is False
    assert router.allow_migrate("default", "measures") is None
    assert router.db_for_write(Enterprise) == "default"
    with replica_reads():  # no replica configured in this process: nothing changes
        assert router.db_for_read(Enterprise) == "default"


class _Unreachable:
    def __init__(self):
        self.tries = 0

    def ensure_connection(self):
        self.tries += 1
        raise OperationalError("connection refused")


def test_an_unreachable_replica_is_tried_once_then_left_alone_for_a_while(settings, monkeypatch):
    # given a configured replica that refuses connections
    settings.REPLICA_RETRY_SECONDS = 30
    unreachable = _Unreachable()
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "connections", {REPLICA: unreachable})
    monkeypatch.setattr(replica, "_down_until", [0.0])
    # then reads stay on the primary, and the next requests do not try it again before REPLICA_RETRY_SECONDS
    assert replica._replica_usable() is False
    assert replica._replica_usable() is False
    assert unreachable.tries == 1
    replica._down_until[0] = 0.0  # the time has passed
    assert replica._replica_usable() is False and unreachable.tries == 2


def test_waiting_for_a_replica_that_is_the_primary_itself_returns_at_once(monkeypatch):
    # the test mirror: the alias reads the primary, which is never behind itself
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "REPLICA", "default")
    assert replica.wait_for_replica(timeout=0) is True


def test_without_a_replica_there_is_nothing_to_wait_for():
    assert replica.wait_for_replica(timeout=0) is True


def test_a_streamed_body_read_after_the_view_returned_reads_the_replica_too(routed, rf, users, yn_enterprise):
    request = rf.get("/reporting/dashboard/export.xlsx")
    request.user = users["sasac-yn"]

    def rows():
        for enterprise in Enterprise.objects.filter(pk=yn_enterprise.pk):
            yield enterprise.name.encode()

    middleware = replica.ReplicaReadsMiddleware(
        lambda r: _dispatch(middleware, r, lambda r: StreamingHttpResponse(rows()))
    )
    response = middleware(request)
    decisions.clear()
    assert b"".join(response.streaming_content) == yn_enterprise.name.encode()
    assert to_replica() == {"enterprises.Enterprise"}


def test_a_reachable_replica_is_used(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "REPLICA", "default")  # any database that answers
    monkeypatch.setattr(replica, "_down_until", [0.0])
    assert replica._replica_usable() is True


def test_an_export_job_reads_its_rows_on_the_replica_and_records_its_result_on_the_primary(routed, users):
    from reform_portal.jobs.models import Job
    from reform_portal.jobs.services import job_submit
    from tests.jobs.helpers import run_job

    job = job_submit(kind=Job.Kind.ENTERPRISE_EXPORT, owner=users["sasac-yn"], parameters={"filters": {}})
    decisions.clear()
    job = run_job(job.pk)
    assert job.status == Job.Status.SUCCEEDED
    assert "enterprises.Enterprise" in to_replica()  # the rows exported
    assert "jobs.Job" not in to_replica()  # the job's own state is read where it is written
