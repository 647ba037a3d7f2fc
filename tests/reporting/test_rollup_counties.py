"""County figures in the rollup: one row per county and per (county, measure), counted from the source rows."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import Enterprise, Region
from measures.models import Measure, PolicyDocument, Progress
from reporting import rollup
from reporting.models import RollupSnapshot
from tests.reporting.county_data import (
    FULL_PREFECTURES,
    MIXED_PREFECTURES,
    SNAPSHOT_FIGURES,
    add_up,
    assert_same,
    enterprise_figures,
    figures_of,
    make_county_data,
)
from tests.reporting.tally_oracle import applies

pytestmark = pytest.mark.django_db

COUNTS = tuple(f for f in SNAPSHOT_FIGURES if not f.endswith("_rate") and f != "mean_percent")


@pytest.fixture
def grace(settings):
    # A few enterprises of the data are inside the grace period: they must not lag.
    settings.LAGGING_GRACE_DAYS = 30


@pytest.fixture
def rolled(grace):
    enterprises = make_county_data(90)
    today = timezone.localdate()
    rollup.rollup_full_now(day=today)
    return enterprises, today


def _county_rows(day, document):
    return RollupSnapshot.objects.filter(day=day, document=document, county__isnull=False)


def _prefecture_rows(day, document):
    return RollupSnapshot.objects.filter(
        day=day, document=document, prefecture__isnull=False, county=None, ownership=None, industry=None
    )


def test_county_rows_equal_a_count_of_the_enterprises_of_each_county(rolled):
    # given enterprises with and without a county, and the rollup of today
    _enterprises, today = rolled
    checked = 0
    for document in PolicyDocument.objects.all():
        enterprises = list(Enterprise.objects.filter(region__parent=document.province).select_related("region"))
        each = enterprise_figures(document, enterprises)
        county_of = {e.pk: e.county_id for e in enterprises}
        expected: dict = {}
        for (enterprise_id, measure_id), f in each.items():
            if county_of[enterprise_id] is not None:
                expected.setdefault((county_of[enterprise_id], measure_id), []).append(f)
        rows = {(r.county_id, r.measure_id): r for r in _county_rows(today, document)}
        # then one row per county with an enterprise the document addresses, and per (county, measure) of it
        assert set(rows) == set(expected), document
        for key, row in rows.items():
            assert_same(figures_of(row), add_up(expected[key]), (document.number, key))
            assert row.prefecture_id == Region.objects.get(pk=key[0]).parent_id
            assert row.ownership is None and row.industry is None
            key_text = rollup.scope_key(
                province_id=document.province_id,
                document_id=document.pk,
                prefecture_id=row.prefecture_id,
                measure_id=row.measure_id,
                county_id=row.county_id,
            )
            assert row.scope_key == key_text
            checked += 1
    assert checked > 50
    # the data exercises every figure: lagging and not, submitted, targets met, a measure not asked of everyone
    rows = RollupSnapshot.objects.filter(day=today, county__isnull=False)
    assert rows.filter(lagging__gt=0).exists() and rows.filter(lagging__lt=F("applicable")).exists()
    assert rows.filter(submitted__gt=0).exists() and rows.filter(indicator_met__gt=0).exists()
    narrowed = Measure.objects.get(conditions={"above_scale": True})
    assert rows.filter(measure=narrowed).exclude(records=F("applicable")).exists()


def test_county_rows_add_up_to_the_prefecture_rows_of_the_enterprises_with_a_county(rolled):
    # given today's figures, of prefectures where every enterprise has a county and where some have none
    _enterprises, today = rolled
    before = {r.scope_key: figures_of(r) for r in RollupSnapshot.objects.filter(day=today, county__isnull=False)}
    without_county = Enterprise.objects.filter(county__isnull=True, name__startswith="县级测试企业")
    assert without_county.filter(region__code__in=MIXED_PREFECTURES).exists()
    assert not Enterprise.objects.filter(region__code__in=FULL_PREFECTURES, county__isnull=True).exists()
    # where every enterprise has a county, the counties add up to the prefecture (each measure and all)
    for document in PolicyDocument.objects.all():
        for prefecture in Region.objects.filter(code__in=FULL_PREFECTURES, parent=document.province):
            _assert_counties_add_up(today, document, prefecture)
    # when the enterprises without a county are taken away and the day rolled up again
    Progress.objects.filter(enterprise__in=without_county).delete()
    without_county.delete()
    rollup.rollup_full_now(day=today)
    # then the county rows have not moved (no enterprise without a county was in one)
    after = {r.scope_key: figures_of(r) for r in RollupSnapshot.objects.filter(day=today, county__isnull=False)}
    assert after == before
    # and they add up to what the prefecture rows now say, in every prefecture
    for document in PolicyDocument.objects.all():
        for prefecture in Region.objects.filter(
            code__in=FULL_PREFECTURES + MIXED_PREFECTURES, parent=document.province
        ):
            _assert_counties_add_up(today, document, prefecture)


def _assert_counties_add_up(day, document, prefecture):
    prefecture_rows = {r.measure_id: r for r in _prefecture_rows(day, document).filter(prefecture=prefecture)}
    assert prefecture_rows, (document.number, prefecture.name)
    county_rows = _county_rows(day, document).filter(prefecture=prefecture)
    for measure_id, row in prefecture_rows.items():
        counties = [r for r in county_rows if r.measure_id == measure_id]
        for figure in COUNTS:
            assert row.__dict__[figure] == sum(r.__dict__[figure] for r in counties), (
                prefecture.name,
                measure_id,
                figure,
            )


def test_an_enterprise_without_a_county_is_in_no_county_row(grace):
    # given one enterprise, addressed by Yunnan's document, without a county
    make_county_data(12, seed=4)
    Enterprise.objects.filter(name__startswith="县级测试企业").update(county=None)
    today = timezone.localdate()
    # when
    rollup.rollup_full_now(day=today)
    # then no county row, but the prefecture rows count them
    assert not RollupSnapshot.objects.filter(day=today, county__isnull=False).exists()
    assert _prefecture_rows(today, PolicyDocument.objects.get(province__code="530000")).filter(applicable__gt=0)


def test_county_figures_follow_a_progress_update(rolled):
    # given a county's figures of today, and a 未启动 record there that the measure asks of its enterprise
    _enterprises, today = rolled
    yn = PolicyDocument.objects.get(province__code="530000")
    candidates = Progress.objects.filter(
        status="not_started", enterprise__county__isnull=False, measure__document=yn
    ).select_related("enterprise__region", "measure__scope")
    progress = next(p for p in candidates.order_by("pk") if applies(p.measure.scope, p.enterprise))
    key = dict(day=today, document=yn, county_id=progress.enterprise.county_id, measure=progress.measure)
    row = RollupSnapshot.objects.get(**key)
    county = RollupSnapshot.objects.get(**{**key, "measure": None})
    # when it moves to 已完成 and the day is rolled up again
    progress.status, progress.percent = "done", 100
    progress.save()
    rollup.rollup_full_now(day=today)
    # then that county's rows say so
    again = RollupSnapshot.objects.get(**key)
    assert (again.done, again.not_started, again.records) == (row.done + 1, row.not_started - 1, row.records)
    county_again = RollupSnapshot.objects.get(**{**key, "measure": None})
    assert (county_again.done, county_again.not_started) == (county.done + 1, county.not_started - 1)


def test_the_county_rows_are_one_statement_per_part(rolled):
    # given the data rolled up once
    _enterprises, today = rolled
    document = PolicyDocument.objects.get(province__code="530000")
    # when one part runs again
    with CaptureQueriesContext(connection) as queries:
        rollup.rollup_document(document=document, day=today)
    # then one INSERT wrote every county row of the part (both groupings)
    writes = [q["sql"] for q in queries if "county_cell" in q["sql"] and q["sql"].lstrip().startswith("WITH")]
    assert len(writes) == 1
    rows = _county_rows(today, document)
    assert rows.filter(measure__isnull=True).exists() and rows.filter(measure__isnull=False).exists()


def test_groupings_and_keys_name_the_county():
    assert ("county_id",) in rollup.GROUPINGS and ("county_id", "measure_id") in rollup.GROUPINGS
    assert rollup.stored_dims(("county_id", "measure_id")) == {"county_id", "prefecture_id", "measure_id"}
    assert rollup.scope_key(province_id=1, document_id=2, prefecture_id=3, county_id=4) == "1|2|3||||4"
    assert rollup.scope_key(province_id=1, document_id=2) == "1|2|||||"
