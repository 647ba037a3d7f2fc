"""A real Celery worker, against real Redis and the test database, runs the fanned-out rollup."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from measures.models import PolicyDocument
from reporting.models import RollupRun, RollupSnapshot
from reporting.tasks import rollup_full
from tests.reporting.rollup_data import assert_figures_equal, expected_figures, make_enterprises, snapshot_figures

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("REDIS_URL must point at a real Redis for the worker test")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        # The worker reads the environment, not the test's settings: the same grace period as the suite's fixture.
        "LAGGING_GRACE_DAYS": str(settings.LAGGING_GRACE_DAYS),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "reform_portal",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _wait_for(run_id, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = RollupRun.objects.get(pk=run_id)
        if run.finished_at:
            return run
        if proc.poll() is not None:
            pytest.fail("worker died:\n" + proc.stdout.read())
        time.sleep(0.3)
    pytest.fail(f"rollup run {run_id} did not finish in {timeout}s")


def test_a_real_worker_computes_the_same_figures_as_python(worker):
    # given the catalogue (a transactional test before this one may have flushed it) and enterprises with progress
    # and indicator values, committed
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    make_enterprises(40, seed=11)
    today = timezone.localdate()
    # when the full rollup task goes through Redis to the worker, which fans it out as a group
    run_id = rollup_full.delay(today.isoformat()).get(timeout=90)
    run = _wait_for(run_id, worker)
    # then every part succeeded and the figures equal an independent computation over the same rows
    assert run.status == "succeeded", run.error
    assert run.parts_total == run.parts_done == PolicyDocument.objects.count()
    for document in PolicyDocument.objects.all():
        snapshot = RollupSnapshot.objects.get(
            day=today, document=document, prefecture=None, measure=None, ownership=None, industry=None
        )
        assert_figures_equal(snapshot_figures(snapshot), expected_figures(document))
        assert snapshot.run_id == run.pk
    # and running the same day again leaves one snapshot per scope
    count = RollupSnapshot.objects.filter(day=today).count()
    run2 = _wait_for(rollup_full.delay(today.isoformat()).get(timeout=90), worker)
    assert run2.status == "succeeded"
    assert RollupSnapshot.objects.filter(day=today).count() == count
    assert not RollupSnapshot.objects.values("day", "scope_key").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert set(RollupSnapshot.objects.filter(day=today).values_list("run_id", flat=True)) == {run2.pk}
