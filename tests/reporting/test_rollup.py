from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from enterprises.choices import Ownership
from measures.applicability import enterprises_for_document
from measures.models import Measure, PolicyDocument, Progress
from reporting import rollup
from reporting.choices import RunStatus
from reporting.models import RollupRun, RollupSnapshot
from tests.reporting.rollup_data import assert_figures_equal, expected_figures, make_enterprises, snapshot_figures

pytestmark = pytest.mark.django_db


def _snapshot(day, document, **keys):
    return RollupSnapshot.objects.get(
        day=day, document=document, **{k: keys.get(k) for k in ("prefecture", "measure", "ownership", "industry")}
    )


def test_full_rollup_equals_an_independent_computation():
    # given
    make_enterprises(60)
    today = timezone.localdate()
    # when
    run, results = rollup.rollup_full_now(day=today)
    # then
    assert run.status == RunStatus.SUCCEEDED and run.parts_done == run.parts_total == 2
    checked = 0
    for document in PolicyDocument.objects.all():
        assert_figures_equal(snapshot_figures(_snapshot(today, document)), expected_figures(document))
        prefecture = enterprises_for_document(document).order_by("pk").first().region
        measure = Measure.objects.tracked().filter(document=document).last()
        for keys in (
            {"prefecture": prefecture},
            {"measure": measure},
            {"prefecture": prefecture, "measure": measure},
            {"ownership": Ownership.STATE_SOLE},
            {"industry": "C"},
            {"industry": "C", "measure": measure},
            {"prefecture": prefecture, "ownership": Ownership.STATE_SOLE},
        ):
            expected = expected_figures(document, **keys)
            if expected["applicable"] == 0:  # no enterprise in that scope: no row either
                with pytest.raises(RollupSnapshot.DoesNotExist):
                    _snapshot(today, document, **keys)
                continue
            checked += 1
            assert_figures_equal(snapshot_figures(_snapshot(today, document, **keys)), expected)
    assert checked >= 12


def test_rerunning_a_day_replaces_its_figures():
    # given
    make_enterprises(20)
    today = timezone.localdate()
    rollup.rollup_full_now(day=today)
    first_count = RollupSnapshot.objects.filter(day=today).count()
    Progress.objects.filter(status="not_started").update(status="done", percent=100)
    # when
    rollup.rollup_full_now(day=today)
    # then one row per scope, holding the new figures
    assert RollupSnapshot.objects.filter(day=today).count() == first_count
    dupes = RollupSnapshot.objects.values("day", "scope_key").annotate(n=Count("pk")).filter(n__gt=1)
    assert not dupes.exists()
    for document in PolicyDocument.objects.all():
        snap = _snapshot(today, document)
        assert snap.not_started == expected_figures(document)["not_started"]
        assert_figures_equal(snapshot_figures(snap), expected_figures(document))


def test_a_rollup_failing_half_way_leaves_the_previous_figures(monkeypatch):
    # given yesterday's figures
    make_enterprises(20)
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    rollup.rollup_full_now(day=yesterday)
    before = {s.scope_key: snapshot_figures(s) for s in RollupSnapshot.objects.filter(day=yesterday)}
    # and today's rollup dying after some of its inserts
    real_insert = rollup._insert_groupings
    calls = {"n": 0}

    def dying_insert(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the first part's second statement: its first one's rows are written
            raise RuntimeError("worker killed")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(rollup, "_insert_groupings", dying_insert)
    # when
    with pytest.raises(RuntimeError):
        rollup.rollup_full_now(day=today)
    # then nothing of today's half-run is stored, yesterday's figures are intact and the dashboard serves them
    assert calls["n"] == 2
    assert not RollupSnapshot.objects.filter(day=today).exists()
    assert {s.scope_key: snapshot_figures(s) for s in RollupSnapshot.objects.filter(day=yesterday)} == before
    run = RollupRun.objects.order_by("-pk").first()
    assert run.parts_failed == 1 and "worker killed" in run.error
    from reporting.selectors import latest_day

    document = PolicyDocument.objects.get(province__code="530000")
    assert latest_day(document=document) == yesterday


def test_refresh_recomputes_only_documents_that_changed():
    # given a successful full rollup
    make_enterprises(20)
    run, _ = rollup.rollup_full_now()
    assert rollup.changed_documents(since=run.started_at) == []
    # when one Shaanxi progress row changes
    sx = PolicyDocument.objects.get(province__code="610000")
    progress = Progress.objects.filter(measure__document=sx).first()
    progress.status = "done"
    progress.percent = 100
    progress.save()
    # then only Shaanxi's document needs recomputing
    assert rollup.changed_documents(since=run.started_at) == [sx]
