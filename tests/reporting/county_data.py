"""Data with counties and groups for the county rollup, group figure and dashboard tests, and the figures of a county
counted again in Python, enterprise by enterprise. The oracle calls none of the code under test: what applies and
what meets a target come from tests/reporting/tally_oracle.py (written out there), the lagging rule is written out
below."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from enterprises.choices import Industry, Ownership, SizeClass, SupervisionLevel, Supervisor
from enterprises.models import Enterprise, Region
from measures.choices import TRACKED_ADDRESSEES, Comparison, Status
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress
from reporting.assessments.models import Assessment
from tests.factories import make_credit_code, open_period
from tests.reporting.tally_oracle import applies, meets

STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.ONGOING]
# Prefectures whose enterprises all have a county, and prefectures where some have none.
FULL_PREFECTURES = ("530100", "610100")
MIXED_PREFECTURES = ("530300", "610300")
ASSESSMENT_STATUSES = ("submitted", "accepted", "returned", "draft")


def _facts(rng: random.Random) -> dict:
    state = rng.random() < 0.6
    employees = rng.choice([30, 80, 100, 150, 600, 2000])
    return {
        "ownership": rng.choice([Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED])
        if state
        else rng.choice([Ownership.PRIVATE, Ownership.COLLECTIVE, Ownership.STATE_MINORITY]),
        "supervision_level": rng.choice(
            [SupervisionLevel.PROVINCIAL, SupervisionLevel.MUNICIPAL, SupervisionLevel.COUNTY]
        )
        if state
        else SupervisionLevel.NONE,
        "supervisor": rng.choice([Supervisor.SASAC, Supervisor.SASAC, Supervisor.OTHER]) if state else "",
        "industry": rng.choice([Industry.B, Industry.C, Industry.D]),
        "size_class": rng.choice([SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL]),
        "above_scale": rng.random() < 0.5,
        "leading": rng.random() < 0.3,
        "has_board": rng.random() < 0.5,
        "employees": employees,
        "frontline_workers": employees // 2,
        "union_members": employees // 3,
        "party_members": employees // 10,
        "skilled_workers": employees // 4,
        "highly_skilled_workers": employees // 20,
    }


def make_county_data(n: int = 90, *, seed: int = 11, name: str = "县级测试企业") -> list[Enterprise]:
    """`n` enterprises in two prefectures of each province where every one has a county and two where about a
    third have none, with varied facts (so that documents, measures and indicators apply to different ones), progress
    on every tracked measure of their province (applicable or not; some rows left out, some stale), indicator values
    of this year and last, and self-assessments of this year in every status. One Yunnan measure asks only 规模以上
    enterprises, so that what a measure applies to differs from what its document addresses."""
    rng = random.Random(seed)
    measure = Measure.objects.tracked().filter(document__province__code="530000").order_by("position")[2]
    measure.conditions = {"above_scale": True}
    measure.save()
    counties = defaultdict(list)
    for county in Region.objects.filter(parent__code__in=FULL_PREFECTURES + MIXED_PREFECTURES).order_by("code"):
        counties[county.parent_id].append(county)
    prefectures = list(Region.objects.filter(code__in=FULL_PREFECTURES + MIXED_PREFECTURES).order_by("code"))
    rows = []
    for i in range(n):
        prefecture = prefectures[i % len(prefectures)]
        county = rng.choice(counties[prefecture.pk][:4])
        if prefecture.code in MIXED_PREFECTURES and rng.random() < 0.35:
            county = None
        rows.append(
            Enterprise(
                name=f"{name}{seed}-{i:04d}",
                credit_code=make_credit_code(prefecture.code, rng),
                region=prefecture,
                county=county,
                **_facts(rng),
            )
        )
    created = Enterprise.objects.bulk_create(rows)
    ids = [e.pk for e in created]
    # Registered long ago, but for a few inside the lagging grace period.
    models.QuerySet(Enterprise).filter(pk__in=ids).update(created_at=timezone.now() - timedelta(days=400))
    models.QuerySet(Enterprise).filter(pk__in=ids[::9]).update(created_at=timezone.now() - timedelta(days=3))
    enterprises = list(Enterprise.objects.filter(pk__in=ids).select_related("region").order_by("pk"))
    measures = list(Measure.objects.tracked().select_related("document"))
    progress = []
    for e in enterprises:
        for m in measures:
            if m.document.province_id == e.region.parent_id and rng.random() < 0.85:
                status = rng.choice(STATUSES)
                percent = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: rng.randint(1, 99)}.get(status, 100)
                progress.append(Progress(enterprise=e, measure=m, status=status, percent=percent))
    models.QuerySet(Progress).bulk_create(progress, batch_size=2000)
    stale = [e.pk for e in enterprises if rng.random() < 0.3]
    models.QuerySet(Progress).filter(enterprise_id__in=stale).update(updated_at=timezone.now() - timedelta(days=120))
    year = timezone.localdate().year
    values = []
    for indicator in Indicator.objects.select_related("measure__document"):
        for e in enterprises:
            if indicator.measure.document.province_id != e.region.parent_id or rng.random() > 0.6:
                continue
            target = indicator.target if indicator.target is not None else Decimal(1)
            value = rng.choice([target, target + 1, target - 1, Decimal(0), Decimal(1)])
            values.append(
                IndicatorValue(enterprise=e, indicator=indicator, year=rng.choice([year, year, year - 1]), value=value)
            )
    IndicatorValue.objects.bulk_create(values, batch_size=2000)
    periods = {code: open_period(province_id=Region.objects.get(code=code).pk) for code in ("530000", "610000")}
    Assessment.objects.bulk_create(
        Assessment(period=periods[e.region.parent.code], enterprise=e, status=ASSESSMENT_STATUSES[e.pk % 4])
        for e in enterprises
        if rng.random() < 0.6
    )
    return enterprises


def make_groups(province_code: str = "530000", *, seed: int = 3) -> dict:
    """Provincial groups (集团) among the enterprises of `make_county_data` in one province: two heads with
    subsidiaries two and three levels deep (a subsidiary under provincial supervision heading some of them), a
    provincial enterprise without subsidiaries (no group) and a municipal head (not 省属). Returns the heads, the
    enterprises that are no group and, per head, the ids of every enterprise below it."""
    rng = random.Random(seed)
    enterprises = list(
        Enterprise.objects.filter(region__parent__code=province_code, name__startswith="县级测试企业").order_by("pk")
    )
    rng.shuffle(enterprises)
    head_a, head_b, lone, municipal, *rest = enterprises
    provincial = {"ownership": Ownership.STATE_SOLE, "supervisor": Supervisor.SASAC}
    for enterprise in (head_a, head_b, lone, rest[0]):
        Enterprise.objects.filter(pk=enterprise.pk).update(supervision_level=SupervisionLevel.PROVINCIAL, **provincial)
    Enterprise.objects.filter(pk=municipal.pk).update(supervision_level=SupervisionLevel.MUNICIPAL, **provincial)
    a_children, a_grandchildren, a_great = rest[0:5], rest[5:9], rest[9:11]
    b_children, b_grandchildren = rest[11:15], rest[15:17]
    links = [(c, head_a) for c in a_children]
    links += [(g, a_children[i % 2]) for i, g in enumerate(a_grandchildren)]
    links += [(x, a_grandchildren[0]) for x in a_great]
    links += [(c, head_b) for c in b_children]
    links += [(g, b_children[0]) for g in b_grandchildren]
    links += [(c, municipal) for c in rest[17:19]]
    for child, parent in links:
        Enterprise.objects.filter(pk=child.pk).update(parent=parent)
    return {
        "heads": [Enterprise.objects.get(pk=head_a.pk), Enterprise.objects.get(pk=head_b.pk)],
        "not_groups": [lone, municipal, rest[0]],
        "members": {
            head_a.pk: {e.pk for e in a_children + a_grandchildren + a_great},
            head_b.pk: {e.pk for e in b_children + b_grandchildren},
        },
    }


def make_group_data(*, seed: int = 5) -> dict:
    """`make_groups` in both provinces, {province code: what it returns}, with the groups' progress settled so that
    whichever progress rows a lagging face reads (all of an enterprise's, or only those that apply) it judges the
    same: progress of a measure that does not apply to its enterprise is made 已完成 and older than the rest (it
    would count as done if the figures did not ask what applies), and half of the subsidiaries catch up (nothing
    未启动, updated now)."""
    made = {code: make_groups(code, seed=seed) for code in ("530000", "610000")}
    old = timezone.now() - timedelta(days=200)
    for p in Progress.objects.select_related("measure__scope", "enterprise__region"):
        if not applies(p.measure.scope, p.enterprise):
            Progress.objects.filter(pk=p.pk).update(status="done", percent=100, updated_at=old)
    members = set().union(*(m for g in made.values() for m in g["members"].values()))
    Progress.objects.filter(enterprise_id__in=[pk for pk in members if pk % 2], status="not_started").update(
        status="in_progress", percent=10, updated_at=timezone.now()
    )
    return made


# The oracle ------------------------------------------------------------------------------------------------------


def lags_now(e, rows, now) -> bool:
    """The lagging rule written out: past the grace period, and some applicable progress still 未启动, or the latest
    update more than 90 days ago, or no progress at all (`e` is one the document addresses)."""
    if e.created_at > now - timedelta(days=settings.LAGGING_GRACE_DAYS):
        return False
    if not rows:
        return True
    return any(p.status == Status.NOT_STARTED for p in rows) or max(p.updated_at for p in rows) < now - timedelta(
        days=90
    )


def enterprise_figures(document: PolicyDocument, enterprises, *, now=None) -> dict:
    """{(enterprise id, measure id or None): figures} of the enterprises `document` addresses, one enterprise at a
    time: add them up for any scope."""
    now = now or timezone.now()
    year = timezone.localdate(now).year
    measures = list(Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    indicators = defaultdict(list)
    for i in Indicator.objects.filter(measure__in=measures).exclude(comparison=Comparison.INFO).select_related("scope"):
        indicators[i.measure_id].append(i)
    ids = [e.pk for e in enterprises]
    progress = defaultdict(list)
    for p in Progress.objects.filter(enterprise_id__in=ids).select_related("measure__scope"):
        progress[p.enterprise_id].append(p)
    values = {
        (v.enterprise_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(enterprise_id__in=ids, year=year)
    }
    submitted = set(
        Assessment.objects.filter(
            period__year=year, status__in=("submitted", "accepted"), enterprise_id__in=ids
        ).values_list("enterprise_id", flat=True)
    )
    out = {}
    for e in enterprises:
        if not applies(document.scope, e):
            continue
        mine = [p for p in progress[e.pk] if applies(p.measure.scope, e)]
        whole = {"applicable": 1, "lagging": int(lags_now(e, mine, now)), "submitted": int(e.pk in submitted)}
        whole.update(dict.fromkeys(("records", "not_started", "in_progress", "done", "ongoing", "sum_percent"), 0))
        whole.update(met=0, targets=0)
        for m in measures:
            f = {"applicable": 1, "lagging": whole["lagging"], "submitted": whole["submitted"]}
            row = next((p for p in mine if p.measure_id == m.pk), None)
            asked = applies(m.scope, e)
            status = row.status if row else Status.NOT_STARTED
            f["records"] = int(asked)
            for s in STATUSES:
                f[s.value] = int(asked and status == s)
            f["sum_percent"] = row.percent if asked and row else 0
            mine_indicators = [i for i in indicators[m.pk] if applies(i.scope, e)]
            f["targets"] = len(mine_indicators)
            f["met"] = sum(meets(i.comparison, i.target, values.get((e.pk, i.pk))) for i in mine_indicators)
            out[(e.pk, m.pk)] = f
            for k in ("records", "not_started", "in_progress", "done", "ongoing", "sum_percent", "met", "targets"):
                whole[k] += f[k]
        out[(e.pk, None)] = whole
    return out


def add_up(figures: list[dict]) -> dict:
    """The figures of several enterprises' rows (of one measure, or each of all measures) added up, with the rates."""
    keys = ("applicable", "lagging", "submitted", "records", "not_started", "in_progress", "done", "ongoing")
    total = {k: sum(f[k] for f in figures) for k in (*keys, "sum_percent", "met", "targets")}
    records = total["records"]
    return {
        **{k: total[k] for k in keys},
        "indicator_met": total["met"],
        "indicator_targets": total["targets"],
        "completion_rate": (total["done"] + total["ongoing"]) / records if records else None,
        "mean_percent": total["sum_percent"] / records if records else None,
        "attainment_rate": total["met"] / total["targets"] if total["targets"] else None,
        "submission_rate": total["submitted"] / total["applicable"] if total["applicable"] else None,
    }


SNAPSHOT_FIGURES = (
    "applicable",
    "lagging",
    "submitted",
    "records",
    "not_started",
    "in_progress",
    "done",
    "ongoing",
    "indicator_met",
    "indicator_targets",
    "completion_rate",
    "mean_percent",
    "attainment_rate",
    "submission_rate",
)


def figures_of(snapshot) -> dict:
    return {k: getattr(snapshot, k) for k in SNAPSHOT_FIGURES}


def assert_same(actual: dict, expected: dict, where=""):
    for key in SNAPSHOT_FIGURES:
        a, e = actual[key], expected[key]
        if isinstance(a, float) or isinstance(e, float):
            assert a is not None and e is not None and abs(a - e) < 1e-9, (where, key, a, e)
        else:
            assert a == e, (where, key, a, e)


def group_expected(document, members: set[int]) -> dict:
    """A group's figures counted one subsidiary at a time."""
    now = timezone.now()
    measures = list(Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    tracked = list(Measure.objects.filter(addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    enterprises = list(Enterprise.objects.filter(pk__in=members).select_related("region"))
    addressed = [e for e in enterprises if applies(document.scope, e)]
    progress = {(p.enterprise_id, p.measure_id): p for p in Progress.objects.filter(enterprise__in=enterprises)}
    by_measure = {}
    for m in measures:
        asked = [e for e in addressed if applies(m.scope, e)]
        done = [e for e in asked if (e.pk, m.pk) in progress and progress[(e.pk, m.pk)].status in ("done", "ongoing")]
        by_measure[m.pk] = (len(asked), len(done))
    lagging = 0
    for e in addressed:
        rows = [p for (pk, _m), p in progress.items() if pk == e.pk and applies(p.measure.scope, e)]
        if any(applies(m.scope, e) for m in tracked) and lags_now(e, rows, now):
            lagging += 1
    return {
        "descendants": len(members),
        "subsidiaries": len(addressed),
        "lagging": lagging,
        "records": sum(r for r, _d in by_measure.values()),
        "done": sum(d for _r, d in by_measure.values()),
        "by_measure": by_measure,
    }
