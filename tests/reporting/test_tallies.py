"""The tallies the database keeps (reporting/tallies.py, triggers declared in reporting/triggers.py) equal a count of
the source rows made in Python (tests/reporting/tally_oracle.py) after every kind of write, under concurrency too,
and folding them changes no figure."""

import random
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from enterprises.choices import Industry, Ownership, SupervisionLevel
from enterprises.models import Enterprise, Region
from measures.choices import Comparison, Status
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress, Scope
from measures.services import progress_ensure
from reporting import tallies
from reporting.models import IndicatorTally, ProgressSummary, ProgressTally, ScopeTally
from tests.concurrency import writer_in_another_transaction
from tests.factories import EnterpriseFactory
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import assert_tallies_match_rows

pytestmark = pytest.mark.django_db


def assert_counted():
    """The tallies equal the rows counted in Python, and `tallies.drift` (what `rollup --check-tallies` runs) finds
    no difference either."""
    assert_tallies_match_rows()
    assert tallies.drift() == {"progress": {}, "indicators": {}, "scopes": {}, "summaries": {}}


def _progress_figures() -> dict[tuple, tuple]:
    """{(measure, cell…): (in_progress, done, ongoing, percent_sum)} summed over the tally rows."""
    sums = {"a": models.Sum("in_progress"), "b": models.Sum("done"), "c": models.Sum("ongoing")}
    rows = ProgressTally.objects.values("measure_id", *tallies.CELL).annotate(**sums, d=models.Sum("percent_sum"))
    figures = {tuple(r[k] for k in tallies.PROGRESS_KEY): (r["a"], r["b"], r["c"], r["d"]) for r in rows}
    return {key: f for key, f in figures.items() if any(f)}


def test_every_kind_of_progress_write_is_counted(kunming):
    # given enterprises with progress through the ORM's bulk paths
    make_enterprises(12, seed=3)
    assert ProgressTally.objects.exists() and ProgressSummary.objects.exists()
    assert_counted()
    row = Progress.objects.filter(status=Status.NOT_STARTED).first()
    # save()
    row.status, row.percent = Status.IN_PROGRESS, 40
    row.save()
    assert_counted()
    # QuerySet.update(), including one that moves updated_at back (the lagging rule's input)
    Progress.objects.filter(measure__code="YN-02").update(status=Status.DONE, percent=100)
    Progress.objects.filter(enterprise=row.enterprise).update(updated_at=timezone.now() - timedelta(days=120))
    assert_counted()
    # bulk_update()
    rows = list(Progress.objects.filter(status=Status.IN_PROGRESS)[:5])
    for r in rows:
        r.status, r.percent = Status.ONGOING, 100
    Progress.objects.bulk_update(rows, ["status", "percent"])
    assert_counted()
    # delete(), down to an enterprise with no progress at all (its summary goes)
    Progress.objects.filter(pk=rows[0].pk).delete()
    Progress.objects.filter(enterprise=row.enterprise).delete()
    assert not ProgressSummary.objects.filter(enterprise=row.enterprise).exists()
    assert_counted()
    # bulk_create() and the portal's own service
    e = EnterpriseFactory(region=kunming)
    progress_ensure(enterprise=e)
    assert ProgressSummary.objects.get(enterprise=e).not_started == Progress.objects.filter(enterprise=e).count()
    assert_counted()


def test_indicator_values_and_targets_are_counted():
    make_enterprises(10, seed=4)
    assert IndicatorTally.objects.exists()
    indicator = Indicator.objects.filter(comparison=Comparison.GTE).exclude(target=None).first()
    value = IndicatorValue.objects.filter(indicator=indicator).first()
    # a value changed, values changed in bulk, a value deleted, a value added
    value.value = indicator.target + 5
    value.save()
    IndicatorValue.objects.filter(indicator=indicator).update(value=F("value") - 1)
    IndicatorValue.objects.filter(pk=value.pk).delete()
    assert_counted()
    # the indicator's target moves: every value is judged again
    met_before = IndicatorTally.objects.filter(indicator=indicator).aggregate(n=models.Sum("met"))["n"] or 0
    indicator.target = Decimal(0)
    indicator.save()
    met_after = IndicatorTally.objects.filter(indicator=indicator).aggregate(n=models.Sum("met"))["n"]
    assert met_after == IndicatorValue.objects.filter(indicator=indicator, value__gte=0).count() > met_before
    assert_counted()
    # a 仅统计 indicator's values are never "met"
    info = Indicator.objects.filter(comparison=Comparison.INFO).first()
    IndicatorValue.objects.update_or_create(
        enterprise=Enterprise.objects.last(), indicator=info, year=2026, defaults={"value": Decimal(9)}
    )
    assert not IndicatorTally.objects.filter(indicator=info).exists()
    assert_counted()


def _met(indicator) -> int:
    return IndicatorTally.objects.filter(indicator=indicator).aggregate(n=models.Sum("met"))["n"] or 0


def test_values_at_either_side_of_the_target_are_counted_by_the_comparison(kunming):
    # given one indicator of each comparison, all with a target of 5 (an "eq" one made from a 仅统计 one)
    # (of Yunnan's indicators asked of every Yunnan enterprise: the Kunming enterprise below is asked them)
    every_enterprise = PolicyDocument.objects.get(province__code="530000").scope
    asked = Indicator.objects.filter(scope=every_enterprise).order_by("pk")
    gte, lte, yes, info = (
        asked.filter(comparison=c).first() for c in (Comparison.GTE, Comparison.LTE, Comparison.TRUE, Comparison.INFO)
    )
    eq = asked.filter(comparison=Comparison.INFO).exclude(pk=info.pk).first()
    Indicator.objects.filter(pk=eq.pk).update(comparison=Comparison.EQ)
    Indicator.objects.filter(pk__in=[gte.pk, lte.pk, eq.pk, info.pk]).update(target=Decimal(5))
    e = EnterpriseFactory(region=kunming)
    # when values just under, on and just over the target are written (是: 0, 1, 2)
    for year, value in zip((2024, 2025, 2026), (4, 5, 6), strict=True):
        for indicator in (gte, lte, eq, info):
            IndicatorValue.objects.create(enterprise=e, indicator=indicator, year=year, value=Decimal(value))
        IndicatorValue.objects.create(enterprise=e, indicator=yes, year=year, value=Decimal(value - 4))
    # then ≥ counts 5 and 6, ≤ counts 4 and 5, = counts 5, 是 counts 1 and 2, 仅统计 nothing
    assert [_met(i) for i in (gte, lte, eq, yes, info)] == [2, 2, 1, 2, 0]
    assert_counted()
    # when the value on the target moves just under it, and the ≥ target moves up to 6
    IndicatorValue.objects.filter(indicator__in=[gte, lte, eq], year=2025).update(value=Decimal("4.99"))
    assert [_met(i) for i in (gte, lte, eq)] == [1, 2, 0]
    Indicator.objects.filter(pk=gte.pk).update(target=Decimal(6))
    assert _met(gte) == 1
    Indicator.objects.filter(pk=gte.pk).update(target=Decimal("6.01"))
    assert _met(gte) == 0
    assert_counted()


def test_an_enterprise_that_changes_cell_moves_its_counts():
    # given an enterprise with progress and indicator values
    make_enterprises(8, seed=5)
    e = Enterprise.objects.filter(progress__isnull=False, indicator_values__isnull=False).distinct().first()
    before = _progress_figures()
    # when it moves prefecture, industry, ownership and supervision level
    other = Region.objects.filter(parent=e.region.parent).exclude(pk=e.region_id).first()
    Enterprise.objects.filter(pk=e.pk).update(
        region=other, industry=Industry.A, ownership=Ownership.STATE_SOLE, supervision_level=SupervisionLevel.COUNTY
    )
    # then the tallies, the enterprise counts and its summary's cell follow it
    assert _progress_figures() != before
    summary = ProgressSummary.objects.get(enterprise=e)
    assert (summary.region_id, summary.industry, summary.supervision_level) == (other.pk, "A", "county")
    assert ScopeTally.objects.filter(region=other, industry="A").aggregate(n=models.Sum("enterprises"))["n"] >= 1
    assert_counted()
    # and an enterprise created or deleted (with what hangs on it) is counted
    EnterpriseFactory(region=other)
    Enterprise.objects.filter(pk=e.pk).delete()
    assert_counted()


def test_a_random_mix_of_writes_leaves_no_drift():
    rng = random.Random(11)
    make_enterprises(30, seed=6)
    enterprises = list(Enterprise.objects.all())
    prefectures = list(Region.objects.filter(parent__code="530000"))
    indicators = list(Indicator.objects.exclude(comparison=Comparison.INFO))
    statuses = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.ONGOING]
    for _ in range(60):
        kind = rng.randrange(5)
        e = rng.choice(enterprises)
        if kind == 0:
            Progress.objects.filter(enterprise=e, measure__position=rng.randint(1, 6)).update(
                status=rng.choice(statuses), percent=rng.randint(0, 100)
            )
        elif kind == 1:
            Enterprise.objects.filter(pk=e.pk).update(region=rng.choice(prefectures), industry=rng.choice("ABCDE"))
        elif kind == 2:
            indicator = rng.choice(indicators)
            IndicatorValue.objects.update_or_create(
                enterprise=e, indicator=indicator, year=2026, defaults={"value": Decimal(rng.randint(0, 3))}
            )
        elif kind == 3:
            Progress.objects.filter(enterprise=e, measure__position=rng.randint(1, 13)).delete()
        else:
            measure = rng.choice(list(Measure.objects.tracked().filter(document__province__code="530000")))
            Progress.objects.get_or_create(enterprise=e, measure=measure)
    assert_counted()


def test_a_truncate_empties_what_the_truncated_tables_counted():
    # given tallies of every kind
    make_enterprises(6, seed=12)
    assert ProgressTally.objects.exists() and IndicatorTally.objects.exists() and ScopeTally.objects.exists()
    # when the enterprises are truncated, and with them (CASCADE) their progress and indicator values
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a TRUNCATE waits for no deferred foreign-key check
        cursor.execute("TRUNCATE enterprises_enterprise CASCADE")
    # then nothing is counted any more
    assert not Enterprise.objects.exists()
    assert not (ProgressTally.objects.exists() or IndicatorTally.objects.exists() or ScopeTally.objects.exists())
    assert not ProgressSummary.objects.exists()
    assert_counted()


def test_rebuild_repairs_what_was_written_around_the_triggers():
    make_enterprises(6, seed=7)
    # given a tally row nobody's change explains (as if written with the triggers disabled)
    t = ProgressTally.objects.first()
    ProgressTally.objects.create(
        measure_id=t.measure_id,
        region_id=t.region_id,
        ownership=t.ownership,
        industry=t.industry,
        supervision_level=t.supervision_level,
        in_progress=3,
        done=0,
        ongoing=0,
        percent_sum=90,
    )
    assert tallies.drift()["progress"]
    # when / then
    tallies.rebuild()
    assert_counted()


def _all_figures() -> tuple:
    met = IndicatorTally.objects.values(*tallies.INDICATOR_KEY).annotate(n=models.Sum("met"))
    enterprises = ScopeTally.objects.values("scope_id", *tallies.CELL).annotate(n=models.Sum("enterprises"))
    return (
        _progress_figures(),
        {tuple(r[k] for k in tallies.INDICATOR_KEY): r["n"] for r in met if r["n"]},
        {tuple(r[k] for k in ("scope_id", *tallies.CELL)): r["n"] for r in enterprises if r["n"]},
    )


def _tally_rows() -> int:
    return ProgressTally.objects.count() + IndicatorTally.objects.count() + ScopeTally.objects.count()


def test_fold_merges_rows_and_keeps_every_figure():
    # given tallies with several rows per key: progress changed twice, values changed, enterprises moved
    make_enterprises(10, seed=8)
    Progress.objects.filter(measure__code="YN-03").update(status=Status.DONE, percent=100)
    Progress.objects.filter(measure__code="YN-03").update(status=Status.IN_PROGRESS, percent=30)
    IndicatorValue.objects.update(value=F("value") + 1)
    Enterprise.objects.update(industry="A")
    before, rows_before = _all_figures(), _tally_rows()
    # when
    with connection.cursor() as cursor:
        tallies.fold_progress(cursor, Measure.objects.values_list("pk", flat=True))
        tallies.fold_indicators(cursor, Indicator.objects.values_list("pk", flat=True))
        tallies.fold_scopes(cursor, Scope.objects.values_list("pk", flat=True))
    # then one row per key, fewer rows, the same figures
    assert _tally_rows() < rows_before
    for model, key in (
        (ProgressTally, tallies.PROGRESS_KEY),
        (IndicatorTally, tallies.INDICATOR_KEY),
        (ScopeTally, ("scope_id", *tallies.CELL)),
    ):
        assert model.objects.values(*key).distinct().count() == model.objects.count(), model
    assert _all_figures() == before
    assert_counted()


def test_the_rollup_folds_a_tally_once_its_rows_outgrow_its_keys(monkeypatch):
    from reporting import rollup

    make_enterprises(10, seed=10)
    monkeypatch.setattr(rollup, "FOLD_SLACK", 0)
    yn = Measure.objects.get(code="YN-04").document
    # given many changes: far more tally rows than keys
    for percent in range(1, 6):
        Progress.objects.filter(measure__document=yn).update(status=Status.IN_PROGRESS, percent=percent)
    rows_before = ProgressTally.objects.count()
    # when the rollup of the document runs
    rollup.rollup_document(document=yn, day=timezone.localdate())
    # then the document's progress tally was folded, and nothing drifted
    assert ProgressTally.objects.count() < rows_before
    assert_counted()


@pytest.fixture
def committed_catalogue(transactional_db):
    # A transactional test before this one may have flushed the catalogue the session loaded.
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)


def test_concurrent_writers_in_one_cell_do_not_wait_and_both_count(committed_catalogue):
    # given two enterprises of the same cell
    kunming = Region.objects.get(code="530100")
    a, b = (EnterpriseFactory(region=kunming, industry="C") for _ in range(2))
    for e in (a, b):
        progress_ensure(enterprise=e)
    release = threading.Event()
    thread, written, errors = writer_in_another_transaction(
        lambda: Progress.objects.filter(enterprise=a).update(status=Status.DONE, percent=100), release
    )
    try:
        assert written.wait(timeout=20)
        # when a second writer counts into the same cell while the first is still open
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            Progress.objects.filter(enterprise=b).update(status=Status.ONGOING, percent=100)
    finally:
        release.set()
        thread.join(timeout=30)
    # then neither waited for the other, and both are counted
    assert errors == []
    assert_counted()
    done = ProgressTally.objects.filter(region=kunming).aggregate(d=models.Sum("done"), o=models.Sum("ongoing"))
    tracked = Measure.objects.tracked().filter(document__province__code="530000").count()
    assert (done["d"], done["o"]) == (tracked, tracked)


def test_an_enterprise_moving_while_its_progress_is_written_is_counted_once(committed_catalogue):
    kunming, qujing = Region.objects.get(code="530100"), Region.objects.get(code="530300")
    e = EnterpriseFactory(region=kunming)
    progress_ensure(enterprise=e)
    release = threading.Event()
    thread, written, errors = writer_in_another_transaction(
        lambda: Progress.objects.filter(enterprise=e).update(status=Status.DONE, percent=100), release
    )
    assert written.wait(timeout=20)
    # when the enterprise moves prefecture meanwhile (it waits for the writer, then moves what the writer counted)
    threading.Timer(0.5, release.set).start()
    Enterprise.objects.filter(pk=e.pk).update(region=qujing)
    thread.join(timeout=30)
    # then everything is counted in the new cell, once
    assert errors == []
    assert_counted()
    assert ProgressTally.objects.filter(region=kunming).aggregate(n=models.Sum("done"))["n"] in (0, None)
    tracked = Measure.objects.tracked().filter(document__province__code="530000").count()
    assert ProgressTally.objects.filter(region=qujing).aggregate(n=models.Sum("done"))["n"] == tracked


def test_the_weekly_check_rebuilds_tallies_that_drifted(caplog):
    from reporting.tasks import tallies_check

    make_enterprises(5, seed=9)
    assert tallies_check() == {"progress": 0, "indicators": 0, "scopes": 0, "summaries": 0}
    # given a summary that no longer matches its enterprise's rows
    ProgressSummary.objects.filter(pk=ProgressSummary.objects.first().pk).update(not_started=99)
    # when / then: reported, logged and repaired
    assert tallies_check()["summaries"] == 1
    assert "tallies differ" in caplog.text
    assert_counted()
