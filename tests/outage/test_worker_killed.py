"""A real Celery worker SIGKILLed in the middle of a rollup part: its run stays 进行中 until the periodic check marks
it failed, and the next refresh then recomputes the part it did not finish."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from enterprises.models import Region
from measures.models import PolicyDocument
from reform_portal.outbox.services import enqueue
from reporting import rollup, tasks
from reporting.models import RollupRun

from .test_outbox_worker import start_outage_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _waiting_for_the_lock(blocker) -> bool:
    """A part is in its transaction, waiting for the held advisory lock."""
    with blocker.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return cursor.fetchone()[0] > 0


def test_a_run_whose_worker_was_killed_mid_part_is_failed_and_its_part_redone(own_redis, tmp_path):
    # given the catalogue, and one document's part held up mid-way (its advisory lock taken by another session)
    if not Region.objects.exists():
        call_command("load_regions", verbosity=0)
    if not PolicyDocument.objects.exists():
        call_command("load_catalogue", verbosity=0)
    held = PolicyDocument.objects.order_by("pk").first()
    blocker = connections.create_connection("default")
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [rollup.LOCK_NAMESPACE, held.pk])
    worker = start_outage_worker(own_redis.url, tmp_path, tmp_path, new_session=True)
    try:
        # when a real worker runs the full rollup and is killed (SIGKILL, its pool too) while that part waits
        enqueue(tasks.rollup_full)
        worker.wait_for(lambda: _waiting_for_the_lock(blocker), "the part is not waiting mid-way", timeout=40)
        worker.kill()
    finally:
        worker.kill()
        blocker.close()
    run = RollupRun.objects.get()
    # then the run is left 进行中, with the held part not done
    assert run.status == "running" and held.pk not in run.parts_seen
    # and the periodic check leaves it alone while it may still be alive, then marks it failed with the reason
    assert tasks.rollup_runs_expire() == []
    later = timezone.now() + rollup.run_time_limit() + rollup.EXPIRY_GRACE + timedelta(seconds=1)
    assert [r.pk for r in rollup.rollup_runs_expire(now=later)] == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "工作进程可能已中止" in run.error
    # and the next refresh recomputes the part the dead worker did not finish
    assert held in rollup.changed_documents(since=rollup.refresh_watermarks(day=timezone.localdate()))
