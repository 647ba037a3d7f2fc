"""The portal behind a real pgbouncer in transaction mode (DATABASE_POOLER=pgbouncer): a full rollup (advisory
locks, SET LOCAL, temporary tables: all transaction-local), pages, and an export that reads through iterator().
Without the setting the export's server-side cursor (declared WITH HOLD, fetched in a later transaction) is lost."""

import json
import os
import re
import subprocess
import sys

import pytest
import redis
from django.db import connection
from django.test import Client

from enterprises.models import Region
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory, make_sasac

from .pgbouncer import PgBouncer
from .portal import ROOT, PortalServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]

SERVER_REDIS = "redis://127.0.0.1:6379/7"

WORK = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from reform_portal.jobs import services, tasks
from reform_portal.jobs.models import Job
from reporting.models import RollupRun, RollupSnapshot

if os.environ.get("ROLLUP"):
    call_command("rollup", verbosity=0)
owner = get_user_model().objects.get(username=os.environ["EXPORT_OWNER"])
job = services.job_submit(kind=Job.Kind.ENTERPRISE_EXPORT, owner=owner, parameters={"filters": {}})
tasks.enterprise_export_job(job.pk)  # what the jobs worker runs, here in this process
job.refresh_from_db()
run = RollupRun.objects.order_by("-pk").first()
print(json.dumps({
    "run": run.status if run else None,
    "snapshots": RollupSnapshot.objects.count(),
    "export": job.status,
    "rows": (job.summary or {}).get("rows"),
    "error": job.error,
}))
"""


@pytest.fixture
def pgbouncer():
    db = connection.settings_dict
    bouncer = PgBouncer({"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432), "user": db["USER"]})
    bouncer.start()
    bouncer.warm(db["NAME"])
    yield bouncer
    bouncer.stop()
    redis.Redis.from_url(SERVER_REDIS).delete("jobs")  # the exports' messages the outbox published


def work(bouncer, tmp_path, **env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", WORK],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DATABASE_URL": bouncer.url(connection.settings_dict["NAME"]),
            "REDIS_URL": SERVER_REDIS,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "DEBUG": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:] + bouncer.log()
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "log": result.stderr}


def test_rollup_pages_and_an_iterator_export_through_pgbouncer_in_transaction_mode(pgbouncer, tmp_path):
    # given enterprises of 昆明 with their progress rows and SASAC staff of 云南
    kunming = Region.objects.get(code="530100")
    names = [f"连接池测试{n}机械有限公司" for n in range(3)]
    for name in names:
        progress_ensure(enterprise=EnterpriseFactory(name=name, region=kunming))
    sasac = make_sasac("pgbouncer-sasac", province_code="530000")
    # when the full rollup and a register export run with DATABASE_POOLER=pgbouncer through pgbouncer
    done = work(pgbouncer, tmp_path, ROLLUP="1", DATABASE_POOLER="pgbouncer", EXPORT_OWNER=sasac.username)
    # then the rollup succeeded and the export wrote every enterprise
    assert done["run"] == "succeeded" and done["snapshots"] > 0
    assert done["export"] == "succeeded" and done["rows"] == 3, done
    # and the portal served through pgbouncer shows SASAC staff the figures and the list
    server = PortalServer(
        tmp_path,
        {"DATABASE_URL": pgbouncer.url(connection.settings_dict["NAME"])}
        | {
            "DATABASE_POOLER": "pgbouncer",
            "REDIS_URL": SERVER_REDIS,
        },
    )
    try:
        client = Client()
        client.force_login(sasac)
        browser = server.session(client.cookies)
        for _ in range(3):  # several requests: each may get another server connection
            dashboard = browser.get(f"{server.url}/reporting/dashboard/")
            assert dashboard.status_code == 200 and "尚无汇总数据" not in dashboard.text
            listed = browser.get(f"{server.url}/enterprises/")
            assert listed.status_code == 200 and all(name in listed.text for name in names)
    finally:
        server.stop()


def test_without_the_setting_an_iterator_export_fails_behind_pgbouncer(pgbouncer, tmp_path):
    # given an enterprise and SASAC staff
    progress_ensure(enterprise=EnterpriseFactory(region=Region.objects.get(code="530100")))
    sasac = make_sasac("pgbouncer-sasac-2", province_code="530000")
    # when the export runs through pgbouncer without DATABASE_POOLER
    failed = work(pgbouncer, tmp_path, EXPORT_OWNER=sasac.username)
    # then its server-side cursor was gone by the time it fetched (what the setting prevents)
    assert failed["export"] == "failed", failed
    assert re.search(r'cursor "_django_curs_\w+" does not exist', failed["log"]), failed["log"][-3000:]
