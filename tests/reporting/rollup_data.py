"""Data for the rollup tests, and an independent computation of the figures in plain Python."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone

from enterprises.choices import Industry, Ownership, SupervisionLevel
from enterprises.models import Enterprise, Region
from measures.choices import TRACKED_ADDRESSEES, Comparison, Status
from measures.lagging import LAGGING_DAYS
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress
from tests.factories import make_credit_code
from tests.reporting.tally_oracle import applies, meets

STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.ONGOING]


def make_enterprises(n: int, *, seed: int = 5, province_codes=("530000", "610000")) -> list[Enterprise]:
    """`n` enterprises spread over the prefectures of both provinces, with progress, old and fresh updates,
    and indicator values of this year (met and unmet)."""
    rng = random.Random(seed)
    prefectures = list(Region.objects.filter(parent__code__in=province_codes))
    enterprises = []
    for i in range(n):
        region = prefectures[i % len(prefectures)]
        soe = rng.random() < 0.5
        ownership = rng.choice([Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED]) if soe else Ownership.PRIVATE
        employees = rng.choice([80, 100, 600])
        enterprises.append(
            Enterprise(
                name=f"汇总测试企业{seed}-{i:05d}",
                credit_code=make_credit_code(region.code, rng),
                region=region,
                ownership=ownership,
                supervision_level=SupervisionLevel.PROVINCIAL if soe else SupervisionLevel.NONE,
                supervisor="sasac" if soe else "",
                industry=rng.choice([Industry.B, Industry.C, Industry.D]),
                size_class="large" if employees > 100 and rng.random() < 0.5 else "medium",
                above_scale=rng.random() < 0.5,
                leading=rng.random() < 0.2,
                has_board=rng.random() < 0.6,
                employees=employees,
                frontline_workers=50,
                union_members=40,
                party_members=5,
                skilled_workers=20,
                highly_skilled_workers=5,
            )
        )
    enterprises = Enterprise.objects.bulk_create(enterprises)
    enterprises = list(Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]).select_related("region"))
    measures = list(Measure.objects.tracked().select_related("scope"))
    progress = []
    for e in enterprises:
        for m in measures:
            # Leave a few applicable rows out: the rollup must count them as 未启动.
            if applies(m.scope, e) and rng.random() > 0.05:
                status = rng.choice(STATUSES)
                percent = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: rng.randint(1, 99)}.get(status, 100)
                progress.append(Progress(enterprise=e, measure=m, status=status, percent=percent))
    # One statement: the database records the history and the tallies of all the rows at once.
    models.QuerySet(Progress).bulk_create(progress, batch_size=2000)
    # Some enterprises have not updated in a long time.
    old = timezone.now() - timedelta(days=LAGGING_DAYS + 10)
    stale_ids = [e.pk for e in enterprises if rng.random() < 0.3]
    models.QuerySet(Progress).filter(enterprise_id__in=stale_ids).update(updated_at=old)
    year = timezone.localdate().year
    values = []
    for indicator in Indicator.objects.exclude(comparison=Comparison.INFO).select_related("measure"):
        for e in enterprises:
            if rng.random() < 0.6:
                target = indicator.target if indicator.target is not None else Decimal(1)
                value = rng.choice([target, target + 1, target - 1, Decimal(0), Decimal(1)])
                values.append(IndicatorValue(enterprise=e, indicator=indicator, year=year, value=value))
    for indicator in Indicator.objects.filter(comparison=Comparison.INFO):
        values.extend(
            IndicatorValue(enterprise=e, indicator=indicator, year=year, value=Decimal(3)) for e in enterprises[:5]
        )
    IndicatorValue.objects.bulk_create(values, batch_size=2000)
    return enterprises


def expected_figures(document: PolicyDocument, *, prefecture=None, measure=None, ownership=None, industry=None):
    """The figures of one scope, computed row by row in Python."""
    now = timezone.now()
    measures = list(Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    if measure is not None:
        measures = [m for m in measures if m.pk == measure.pk]
    enterprises = [
        e
        for e in Enterprise.objects.select_related("region")
        if applies(document.scope, e)
        and (prefecture is None or e.region_id == prefecture.pk)
        and (ownership is None or e.ownership == ownership)
        and (industry is None or e.industry == industry)
    ]
    ids = {e.pk for e in enterprises}
    rows = {(p.enterprise_id, p.measure_id): p for p in Progress.objects.filter(enterprise_id__in=ids)}
    all_rows = list(Progress.objects.filter(enterprise_id__in=ids))
    counts = dict.fromkeys(STATUSES, 0)
    percent_sum = 0
    records = 0
    for e in enterprises:
        for m in measures:
            if not applies(m.scope, e):
                continue
            records += 1
            p = rows.get((e.pk, m.pk))
            counts[p.status if p else Status.NOT_STARTED] += 1
            percent_sum += p.percent if p else 0
    lagging = 0
    every_measure = {m.pk: m for m in Measure.objects.select_related("scope")}
    for e in enterprises:
        mine = [p for p in all_rows if p.enterprise_id == e.pk and applies(every_measure[p.measure_id].scope, e)]
        last = max((p.updated_at for p in mine), default=None)
        if (
            any(p.status == Status.NOT_STARTED for p in mine)
            or last is None
            or last < now - timedelta(days=LAGGING_DAYS)
        ):
            lagging += 1
    year = timezone.localdate().year
    indicators = list(
        Indicator.objects.filter(measure__in=measures).exclude(comparison=Comparison.INFO).select_related("scope")
    )
    values = {
        (v.enterprise_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(enterprise_id__in=ids, year=year)
    }
    asked = [(e, i) for e in enterprises for i in indicators if applies(i.scope, e)]
    met = sum(1 for e, i in asked if meets(i.comparison, i.target, values.get((e.pk, i.pk))))
    targets = len(asked)
    return {
        "applicable": len(enterprises),
        "records": records,
        "not_started": counts[Status.NOT_STARTED],
        "in_progress": counts[Status.IN_PROGRESS],
        "done": counts[Status.DONE],
        "ongoing": counts[Status.ONGOING],
        "completion_rate": (counts[Status.DONE] + counts[Status.ONGOING]) / records if records else None,
        "mean_percent": percent_sum / records if records else None,
        "attainment_rate": met / targets if targets else None,
        "lagging": lagging,
    }


FIGURES = (
    "applicable",
    "records",
    "not_started",
    "in_progress",
    "done",
    "ongoing",
    "completion_rate",
    "mean_percent",
    "attainment_rate",
    "lagging",
)


def snapshot_figures(snapshot) -> dict:
    return {f: getattr(snapshot, f) for f in FIGURES}


def assert_figures_equal(actual: dict, expected: dict):
    for key in FIGURES:
        a, e = actual[key], expected[key]
        if isinstance(e, float) or isinstance(a, float):
            assert a is not None and e is not None and abs(a - e) < 1e-9, (key, a, e)
        else:
            assert a == e, (key, a, e)
