"""A real Celery worker, against real Redis and the test database, runs the fanned-out rollup."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from measures.models import PolicyDocument
from reporting.models import RollupRun, RollupSnapshot
from reporting.tasks import rollup_full
from tests.celery_worker import celery_worker
from tests.reporting.rollup_data import assert_figures_equal, expected_figures, make_enterprises, snapshot_figures

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    """A worker on the rollups queue (and the default one, where nothing of the rollup goes)."""
    with celery_worker(tmp_path, queues=["rollups", "celery"], concurrency=2) as started:
        yield started


def _wait_for(run_id, worker, timeout=90):
    return worker.wait_for(
        lambda: RollupRun.objects.filter(pk=run_id, finished_at__isnull=False).first(),
        f"rollup run {run_id} did not finish",
        timeout=timeout,
    )


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
