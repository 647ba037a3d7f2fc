"""A real streaming replica on this machine (pg_basebackup, another port) behind the portal served by gunicorn with
DATABASE_REPLICA_URL: the dashboard and its drill-downs read the replica; an officer's edit is read back from the
primary. Replay on the replica is paused, so what the primary has and the replica lacks shows where a page read."""

import os
import subprocess
import sys
import time

import pytest
import redis
from django.db import connection
from django.test import Client

from enterprises.models import Region
from measures.models import Progress
from measures.services import progress_ensure
from reform_portal.replica import STICKY_COOKIE
from reporting import rollup
from reporting.models import RollupSnapshot
from tests.celery_worker import database_url
from tests.factories import EnterpriseFactory, make_officer, make_sasac

from .portal import ROOT, PortalServer

pytestmark = pytest.mark.django_db(transaction=True)

SERVER_REDIS = "redis://127.0.0.1:6379/7"  # the server's cache (and broker): its own, emptied when a test asks
NO_FIGURES = "尚无汇总数据"


def signed_in(server: PortalServer, user):
    client = Client()
    client.force_login(user)
    return server.session(client.cookies)


def replica_clients(replica_server, dbname: str) -> int:
    """Connections of the portal's server to the test database on the replica."""
    return replica_server.sql(
        f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
    )


@pytest.fixture
def portal(replica_server, tmp_path):
    dbname = connection.settings_dict["NAME"]
    env = {"DATABASE_URL": database_url(), "DATABASE_REPLICA_URL": replica_server.url(dbname)}
    env |= {"REDIS_URL": SERVER_REDIS, "REPLICA_MAX_LAG_SECONDS": "3600"}  # the paused replica is read all along
    server = PortalServer(tmp_path, env)
    yield server
    server.stop()
    replica_server.resume_replay()


def test_the_dashboard_reads_the_replica_and_an_officers_edit_is_read_back_from_the_primary(
    replica_server, portal, catalogue
):
    cache = redis.Redis.from_url(SERVER_REDIS)
    # given an enterprise of 昆明 with its progress rows, SASAC staff of 云南, an officer in charge of 昆明, and today's
    # figures, all on the replica too
    kunming = Region.objects.get(code="530100")
    enterprise = EnterpriseFactory(name="昆明副本测试机械有限公司", region=kunming)
    progress_ensure(enterprise=enterprise)
    progress = Progress.objects.filter(enterprise=enterprise).applicable().select_related("measure").first()
    sasac = signed_in(portal, make_sasac("replica-sasac", province_code="530000"))
    officer = signed_in(portal, make_officer("replica-officer", regions=[kunming]))
    rollup.rollup_full_now()
    assert RollupSnapshot.objects.exists()
    replica_server.wait_caught_up()
    assert replica_server.sql("SELECT pg_is_in_recovery()")

    # when replay pauses on the replica and the primary loses today's figures
    replica_server.pause_replay()
    RollupSnapshot.objects.all().delete()
    cache.flushdb()
    # then SASAC staff's dashboard shows the figures: it read the replica
    page = sasac.get(f"{portal.url}/reporting/dashboard/")
    assert page.status_code == 200, page.text[-2000:]
    assert NO_FIGURES not in page.text and 'id="lagging-table"' in page.text
    assert replica_clients(replica_server, connection.settings_dict["NAME"]) >= 1
    # and the same page for a browser that has just written reads the primary, which has no figures
    cache.flushdb()
    fresh = sasac.get(f"{portal.url}/reporting/dashboard/", cookies={STICKY_COOKIE: str(time.time())})
    assert NO_FIGURES in fresh.text

    # when the officer moves a measure of the enterprise to 推进中 (through the API, as their browser would)
    measure = progress.measure
    officer.get(f"{portal.url}/reporting/dashboard/")  # the CSRF cookie
    answer = officer.patch(
        f"{portal.url}/api/progress/{progress.pk}/",
        json={"status": "in_progress", "percent": 40, "version": progress.version},
        headers={"X-CSRFToken": officer.cookies["csrftoken"]},
    )
    assert answer.status_code == 200, answer.text
    assert STICKY_COOKIE in answer.cookies  # the browser's next reads stay on the primary
    # then the drill-down behind "推进中" of that measure shows the officer their edit: read from the primary
    drill = (
        f"{portal.url}/reporting/dashboard/figure/?province=530000&document={measure.document_id}"
        f"&figure=in_progress&measure={measure.pk}"
    )
    assert enterprise.name in officer.get(drill).text
    # while SASAC staff, who wrote nothing, read the same drill-down from the replica, still without it
    assert enterprise.name not in sasac.get(drill).text
    # and a portal that tolerates a second of lag reads the primary from this replica, whose replay is held up
    strict = PortalServer(portal.log.parent / "strict", {**portal.env, "REPLICA_MAX_LAG_SECONDS": "1"})
    try:
        assert enterprise.name in strict.session(sasac.cookies).get(drill.replace(portal.url, strict.url)).text
        assert "replica too far behind" in strict.log.read_text()
    finally:
        strict.stop()
    # and once the replica replays the edit, they see it too
    replica_server.resume_replay()
    replica_server.wait_caught_up()
    assert enterprise.name in sasac.get(drill).text


def _with_replica(replica_server, *args, **env):
    dbname = connection.settings_dict["NAME"]
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DATABASE_URL": database_url(),
            "DATABASE_REPLICA_URL": replica_server.url(dbname),
            "REDIS_URL": SERVER_REDIS,
            "DEBUG": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


WAIT = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
django.setup()
from reform_portal.replica import wait_for_replica
print(wait_for_replica(timeout=float(os.environ["WAIT_SECONDS"])))
"""


def test_a_rollup_changes_the_dashboards_generation_only_once_the_replica_has_its_figures(replica_server, catalogue):
    # given replay paused on the replica and a change on the primary
    replica_server.wait_caught_up()
    replica_server.pause_replay()
    try:
        EnterpriseFactory(name="副本延迟测试有限公司", region=Region.objects.get(code="530100"))
        # then waiting for the replica gives up after its timeout
        assert _with_replica(replica_server, "-c", WAIT, WAIT_SECONDS="1").stdout.split()[-1] == "False"
        # and a rollup waits for it (REPLICA_WAIT_SECONDS) before the dashboard's cache generation changes
        rolled = _with_replica(replica_server, "manage.py", "rollup", REPLICA_WAIT_SECONDS="1")
        assert rolled.returncode == 0, rolled.stderr[-3000:]
        assert "replica still behind" in rolled.stderr
    finally:
        replica_server.resume_replay()
    # and once replay resumes, the replica catches up and the wait returns
    assert _with_replica(replica_server, "-c", WAIT, WAIT_SECONDS="300").stdout.split()[-1] == "True"
    rolled = _with_replica(replica_server, "manage.py", "rollup", REPLICA_WAIT_SECONDS="300")
    assert rolled.returncode == 0 and "replica still behind" not in rolled.stderr
