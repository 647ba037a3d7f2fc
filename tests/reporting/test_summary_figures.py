"""The enterprise list's figures (done / applicable, mean percent, 未启动, last update) come from the summaries the
database keeps (reporting.models.ProgressSummary), and equal a computation in Python from the progress rows — only
the measures that apply to each enterprise counted — after progress writes, a change of an enterprise's facts and a
change of a measure's scope; `rollup --check-tallies` finds a wrong figure and `--rebuild-tallies` repairs it."""

import random

import pytest
from django.core.management import call_command
from django.db import connection

from enterprises.choices import SupervisionLevel
from enterprises.models import Enterprise
from enterprises.selectors import PROGRESS_FIGURES, with_progress_summary
from measures.choices import Status
from measures.models import Measure, Progress
from reporting import tallies
from reporting.models import ProgressSummary
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import applies

pytestmark = pytest.mark.django_db


def figures_in_python() -> dict[int, tuple]:
    """{enterprise: (applicable, done, not_started, mean percent, last update)} from its progress rows, row by row."""
    rows: dict[int, list] = {}
    for p in Progress.objects.select_related("enterprise__region", "measure__scope").order_by():
        if not applies(p.measure.scope, p.enterprise):
            continue
        f = rows.setdefault(p.enterprise_id, [0, 0, 0, 0, None])
        f[0] += 1
        f[1] += p.status in (Status.DONE, Status.ONGOING)
        f[2] += p.status == Status.NOT_STARTED
        f[3] += p.percent
        f[4] = p.updated_at if f[4] is None else max(f[4], p.updated_at)
    figures = {e: (f[0], f[1], f[2], f[3] / f[0], f[4]) for e, f in rows.items()}
    for pk in Enterprise.objects.values_list("pk", flat=True):
        figures.setdefault(pk, (0, 0, 0, None, None))
    return figures


def figures_listed() -> dict[int, tuple]:
    """The figures as the enterprise list, its export and the API read them (selectors.with_progress_summary)."""
    rows = with_progress_summary(Enterprise.objects.all()).values("pk", *PROGRESS_FIGURES)
    return {
        r["pk"]: (r["applicable_count"], r["done_count"], r["not_started_count"], r["mean_percent"], r["last_update"])
        for r in rows
    }


def assert_figures_agree():
    listed, computed = figures_listed(), figures_in_python()
    assert listed.keys() == computed.keys()
    wrong = {}
    for pk, (a, d, n, mean, last) in computed.items():
        got = listed[pk]
        same_mean = (mean is None and got[3] is None) or (got[3] is not None and abs(got[3] - mean) < 1e-9)
        if got[:3] != (a, d, n) or got[4] != last or not same_mean:
            wrong[pk] = (got, computed[pk])
    assert not wrong, f"{len(wrong)} enterprises differ (listed, computed), e.g. {list(wrong.items())[:3]}"
    assert tallies.drift()["summaries"] == {}


def test_figures_follow_progress_writes_facts_and_scopes(kunming, xian):
    rng = random.Random(21)
    make_enterprises(24, seed=21)
    assert ProgressSummary.objects.exists()
    assert_figures_agree()
    # progress written every way: save, update of a set, delete, create
    row = Progress.objects.filter(status=Status.NOT_STARTED).first()
    row.status, row.percent = Status.DONE, 100
    row.save()
    Progress.objects.filter(measure__code="YN-03").update(status=Status.ONGOING, percent=100)
    Progress.objects.filter(pk__in=list(Progress.objects.values_list("pk", flat=True)[:5])).delete()
    for p in Progress.objects.order_by("pk")[:40]:
        Progress.objects.filter(pk=p.pk).update(status=rng.choice(list(Status.values)), percent=rng.randint(0, 100))
    assert_figures_agree()
    # an enterprise's facts change what applies to it: a Shaanxi SOE becomes a central subsidiary (nothing applies,
    # its kept rows no longer count), a Yunnan one stops being 龙头
    soe = Enterprise.objects.filter(region__parent__code="610000", progress__isnull=False).distinct().first()
    Enterprise.objects.filter(pk=soe.pk).update(supervision_level=SupervisionLevel.CENTRAL)
    assert not ProgressSummary.objects.filter(enterprise=soe).exists()
    assert figures_listed()[soe.pk][:2] == (0, 0)
    Enterprise.objects.filter(region__parent__code="530000").update(leading=False, has_board=False)
    assert_figures_agree()
    # a measure pointed at another scope (the catalogue's conditions changed): counted again for every enterprise
    measure = Measure.objects.get(code="YN-04")
    done_before = figures_listed()
    measure.conditions = {"leading": True}
    measure.save()
    assert figures_listed() != done_before
    assert_figures_agree()
    measure.conditions = {}
    measure.save()
    assert_figures_agree()


def test_the_check_finds_a_wrong_figure_and_the_rebuild_repairs_it(kunming):
    make_enterprises(6, seed=22, province_codes=("530000",))
    summary = ProgressSummary.objects.order_by("pk").first()
    # given figures written around the triggers
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ProgressSummary._meta.db_table} SET done = done + 1, percent_sum = percent_sum + 7"
            " WHERE enterprise_id = %s",
            [summary.pk],
        )
    assert set(tallies.drift()["summaries"]) == {(summary.pk,)}
    with pytest.raises(Exception, match="differ"):
        call_command("rollup", "--check-tallies", stdout=open("/dev/null", "w"))
    # when rebuilt, then they are the rows' again
    call_command("rollup", "--rebuild-tallies", stdout=open("/dev/null", "w"))
    assert_figures_agree()
