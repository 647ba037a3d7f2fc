"""The settings of several machines, read by a fresh process as a server would: without DATABASE_REPLICA_URL and
DATABASE_POOLER nothing changes; with them, the replica alias (a test mirror of the primary), its router and
middleware, and no server-side cursors behind pgbouncer. A replica that cannot be reached costs no page."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.celery_worker import database_url

from .portal import PortalServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PRIMARY = "postgres://postgres@127.0.0.1:5432/reform_portal_settings_probe"  # never connected to

SETUP = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
django.setup()
"""
SHOW = """
import json
from django.conf import settings
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "routers": settings.DATABASE_ROUTERS,
    "middleware": [m for m in settings.MIDDLEWARE if "replica" in m],
    "mirror": settings.DATABASES.get("replica", {}).get("TEST", {}).get("MIRROR"),
    "replica_port": settings.DATABASES.get("replica", {}).get("PORT"),
    "no_cursors": {a: d.get("DISABLE_SERVER_SIDE_CURSORS", False) for a, d in settings.DATABASES.items()},
}))
"""


def settings_with(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "DATABASE_POOLER"}}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", SETUP + SHOW],
        cwd=ROOT,
        env={**base, "DATABASE_URL": PRIMARY, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_replica_or_a_pooler_nothing_changes():
    found = settings_with()
    assert found["aliases"] == ["default"]
    assert found["routers"] == [] and found["middleware"] == []
    assert found["no_cursors"] == {"default": False}


def test_a_replica_url_adds_the_alias_as_a_test_mirror_with_its_router_and_middleware():
    found = settings_with(DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/reform_portal")
    assert found["aliases"] == ["default", "replica"] and found["replica_port"] == 5433
    assert found["mirror"] == "default"  # pytest-django creates the test database on the primary only
    assert found["routers"] == ["reform_portal.replica.ReplicaRouter"]
    assert found["middleware"] == ["reform_portal.replica.ReplicaReadsMiddleware"]


def test_behind_pgbouncer_no_database_uses_server_side_cursors():
    found = settings_with(DATABASE_POOLER="pgbouncer", DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/x")
    assert found["no_cursors"] == {"default": True, "replica": True}


def test_an_unknown_pooler_is_refused():
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, "DATABASE_URL": PRIMARY, "DEBUG": "1", "DATABASE_POOLER": "pgpool"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DATABASE_POOLER" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_replica_that_cannot_be_reached_costs_no_page(catalogue, tmp_path, users):
    # given the portal configured with a replica on a port where nothing listens
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"
    server = PortalServer(tmp_path, {"DATABASE_URL": database_url(), "DATABASE_REPLICA_URL": dead})
    try:
        client = Client()
        client.force_login(users["sasac-yn"])
        browser = server.session(client.cookies)
        # then the dashboard and the list answer from the primary, twice (the second without trying again)
        for _ in range(2):
            assert browser.get(f"{server.url}/reporting/dashboard/").status_code == 200
            assert browser.get(f"{server.url}/enterprises/").status_code == 200
    finally:
        server.stop()
    assert server.log.read_text().count("replica unreachable") == 1
