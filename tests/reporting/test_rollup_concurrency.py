"""One rollup of a part at a time: two runs of the same document and day, started together on two connections,
end with one snapshot per scope and the figures of a single run (the advisory lock makes the second wait)."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from measures.models import PolicyDocument
from reporting import rollup
from reporting.models import RollupSnapshot
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db(transaction=True)

VOLATILE = {"id", "computed_at", "run_id"}


def _figures(day, document) -> dict[str, dict]:
    rows = RollupSnapshot.objects.filter(day=day, document=document).values()
    return {row["scope_key"]: {k: v for k, v in row.items() if k not in VOLATILE} for row in rows}


def test_two_concurrent_rollups_of_the_same_part_leave_one_snapshot_per_scope():
    # given the catalogue (a transactional test before this one may have flushed it), enterprises, and the figures
    # of a single run of Yunnan's document
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    make_enterprises(40, seed=17)
    today = timezone.localdate()
    document = PolicyDocument.objects.get(province__code="530000")
    rollup.rollup_document(document=document, day=today)
    single = _figures(today, document)
    assert len(single) > 10
    # when two threads, each on its own connection, roll up the same part at the same moment
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    results = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(rollup.rollup_document(document=document, day=today))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # then both succeeded, each scope has one snapshot, and the figures are a single run's
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(results) == 2 and results[0].rows == results[1].rows == len(single)
    duplicates = RollupSnapshot.objects.values("day", "scope_key").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    assert _figures(today, document) == single


def test_the_full_rollup_command_runs_the_parts_side_by_side(monkeypatch):
    from tests.reporting.rollup_data import assert_figures_equal, expected_figures, snapshot_figures

    # given committed data (outside any transaction, as for the `rollup` command)
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    make_enterprises(30, seed=19)
    threads = []
    real = rollup.rollup_document

    def spy(**kwargs):
        threads.append(threading.current_thread().name)
        return real(**kwargs)

    monkeypatch.setattr(rollup, "rollup_document", spy)
    # when
    run, results = rollup.rollup_full_now()
    # then each part ran on its own thread, the run closed, and the figures are right
    assert len(threads) == 2 and len(set(threads)) == 2 and all(t.startswith("rollup-part") for t in threads)
    assert run.status == "succeeded" and run.parts_done == 2 and len(results) == 2
    today = timezone.localdate()
    for document in PolicyDocument.objects.all():
        snapshot = RollupSnapshot.objects.get(
            day=today, document=document, prefecture=None, measure=None, ownership=None, industry=None
        )
        assert_figures_equal(snapshot_figures(snapshot), expected_figures(document))
