"""The lagging rule as one moment (measures.lagging.lagging_from, kept in reporting's ProgressSummary): the same
verdict as the rule itself (`lags`) over many random inputs and their boundaries, in Python and in PostgreSQL, and
over real rows the same set as the live face, enterprises without a summary row (no applicable progress) included."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from enterprises.choices import Ownership
from enterprises.models import Enterprise
from measures.choices import Status
from measures.lagging import (
    ALWAYS,
    LAGGING_DAYS,
    SUMMARY_INPUTS,
    TICK,
    lagging_enterprises,
    lagging_from,
    lagging_from_sql,
    lagging_q,
    lags,
)
from measures.models import Progress
from measures.services import progress_ensure
from reporting import tallies
from reporting.models import ProgressSummary
from tests.factories import EnterpriseFactory

DAY = timedelta(days=1)
NOW = datetime(2026, 6, 15, 8, 30, 0, 123456, tzinfo=UTC)


def random_inputs(rng: random.Random, now: datetime, grace: int) -> dict:
    """Inputs around the rule's boundaries (exactly on them, a tick either side) and anywhere, NULLs included."""

    def moment(age: timedelta):
        return rng.choice(
            [
                now - age,
                now - age - TICK,
                now - age + TICK,
                now - rng.uniform(0, 400) * DAY,
                now + rng.uniform(0, 5) * DAY,
            ]
        )

    no_progress = rng.random() < 0.2
    return {
        "created_at": moment(grace * DAY),
        "last_update": None if no_progress else moment(LAGGING_DAYS * DAY),
        "not_started": None if no_progress else rng.choice([0, 0, 1, 3]),
    }


@pytest.mark.parametrize("grace", [0, 30])
def test_the_moment_gives_the_rules_verdict_over_random_inputs_and_boundaries(settings, grace):
    settings.LAGGING_GRACE_DAYS = grace
    rng = random.Random(12)
    for _ in range(5000):
        now = NOW + rng.uniform(-50, 50) * DAY
        inputs = random_inputs(rng, now, grace)
        applicable = rng.random() < 0.9
        moment = lagging_from(last_update=inputs["last_update"], not_started=inputs["not_started"])
        # the exemptions not folded into the moment (the grace period): the rule without progress inputs
        unfolded = lags(
            applicable=applicable, created_at=inputs["created_at"], last_update=None, not_started=None, now=now
        )
        assert lags(applicable=applicable, now=now, **inputs) == (unfolded and moment <= now), (now, inputs)


def test_the_moment_is_the_boundary_itself():
    # up to date at exactly 90 days (`>=`), lagging one tick later
    updated = NOW - LAGGING_DAYS * DAY
    assert lagging_from(last_update=updated, not_started=0) == NOW + TICK
    assert not lags(applicable=True, created_at=NOW - 400 * DAY, last_update=updated, not_started=0, now=NOW)
    assert lags(applicable=True, created_at=NOW - 400 * DAY, last_update=updated, not_started=0, now=NOW + TICK)
    # a measure not started, or no progress at all: nothing folded exempts it
    assert lagging_from(last_update=NOW, not_started=1) == ALWAYS
    assert lagging_from(last_update=None, not_started=None) == ALWAYS


@pytest.mark.django_db
def test_postgresql_computes_the_same_moment_as_python():
    rng = random.Random(7)
    rows = [random_inputs(rng, NOW + rng.uniform(-50, 50) * DAY, 30) for _ in range(2000)]
    values = ", ".join(["(%s::int, %s::timestamptz, %s::int)"] * len(rows))
    params = [x for i, r in enumerate(rows) for x in (i, r["last_update"], r["not_started"])]
    sql = lagging_from_sql({"last_update": "v.last_update", "not_started": "v.not_started"})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v.i, {sql} FROM (VALUES {values}) v (i, last_update, not_started)", params)
        computed = dict(cursor.fetchall())
    for i, r in enumerate(rows):
        assert computed[i] == lagging_from(last_update=r["last_update"], not_started=r["not_started"]), r


# Real rows --------------------------------------------------------------------------------------------------------


def make(region, *, days_ago=200, rows=True, status=Status.IN_PROGRESS, updated=None, **kw):
    e = EnterpriseFactory(region=region, **kw)
    if rows:
        progress_ensure(enterprise=e)
        Progress.objects.filter(enterprise=e).update(status=status, percent=0 if status == Status.NOT_STARTED else 50)
        Progress.objects.filter(enterprise=e).update(updated_at=updated or timezone.now())
    Enterprise.objects.filter(pk=e.pk).update(created_at=timezone.now() - days_ago * DAY)
    return e


@pytest.fixture
def world(db, kunming, xian, settings):
    settings.LAGGING_GRACE_DAYS = 30
    now = timezone.now()
    boundary = now - LAGGING_DAYS * DAY
    one_not_started = make(kunming, updated=now)
    Progress.objects.filter(pk=Progress.objects.filter(enterprise=one_not_started).first().pk).update(
        status=Status.NOT_STARTED, percent=0
    )
    return {
        "now": now,
        "enterprises": [
            make(kunming, status=Status.NOT_STARTED),
            make(kunming, rows=False),
            one_not_started,
            make(kunming, updated=boundary),  # up to date until exactly now, lagging a tick later
            make(kunming, updated=boundary - TICK),
            make(kunming, updated=boundary + TICK),
            make(kunming, updated=now - 40 * DAY),
            make(kunming, days_ago=29, rows=False),
            make(kunming, days_ago=29, updated=boundary - DAY),
            make(kunming, days_ago=31, rows=False),
            make(xian, rows=False, ownership=Ownership.PRIVATE),  # nothing applicable
            make(xian, soe=True, updated=now - 120 * DAY),
            make(xian, soe=True, status=Status.DONE),
        ],
    }


def summary_face(now) -> set[int]:
    return set(Enterprise.objects.filter(lagging_q(now=now, inputs=SUMMARY_INPUTS)).values_list("pk", flat=True))


def live_face(now) -> set[int]:
    return set(lagging_enterprises(Enterprise.objects.all(), now=now).values_list("pk", flat=True))


def test_over_real_rows_the_summarys_moment_gives_the_live_set_at_every_moment(world):
    now = world["now"]
    moments = [now, now + TICK, now - TICK, now + DAY, now + 50 * DAY, now - 100 * DAY]
    moments += [s.lagging_from for s in ProgressSummary.objects.all()]
    moments += [s.lagging_from + TICK for s in ProgressSummary.objects.all()]
    sets = set()
    for moment in moments:
        live = live_face(moment)
        assert summary_face(moment) == live, moment
        sets.add(frozenset(live))
    assert len(sets) >= 4  # the moments do tell the enterprises apart
    # and the negation is exactly the others (two-valued, no enterprise falls out of both)
    others = set(Enterprise.objects.filter(~lagging_q(now=now, inputs=SUMMARY_INPUTS)).values_list("pk", flat=True))
    assert others == set(Enterprise.objects.values_list("pk", flat=True)) - live_face(now)


def test_without_now_the_database_clock_judges_and_the_sql_is_the_same_on_every_call(world):
    assert summary_face(None) == live_face(timezone.now())
    first = Enterprise.objects.filter(lagging_q(inputs=SUMMARY_INPUTS)).query.sql_with_params()
    second = Enterprise.objects.filter(lagging_q(inputs=SUMMARY_INPUTS)).query.sql_with_params()
    assert first == second  # the list's count is cached by its SQL (reform_portal.paging)


def test_the_grace_period_needs_no_recomputation(world, settings):
    # the grace is not folded into the moment: changing the setting changes the verdict at once
    for grace in (0, 10, 30, 60):
        settings.LAGGING_GRACE_DAYS = grace
        assert summary_face(None) == live_face(timezone.now()), grace
    assert tallies.drift()["summaries"] == {}


def test_an_enterprise_without_a_summary_is_judged_without_one(world, kunming):
    # created without progress: no summary row, lagging once out of its grace period
    new = EnterpriseFactory(region=kunming)
    assert not ProgressSummary.objects.filter(enterprise=new).exists()
    assert new.pk not in summary_face(None)
    Enterprise.objects.filter(pk=new.pk).update(created_at=timezone.now() - 40 * DAY)
    assert new.pk in summary_face(None) and new.pk in live_face(timezone.now())
    # an enterprise up to date whose progress is deleted: its summary goes, and it lags
    done = make(kunming, status=Status.DONE)
    assert done.pk not in summary_face(None)
    Progress.objects.filter(enterprise=done).delete()
    assert not ProgressSummary.objects.filter(enterprise=done).exists()
    assert done.pk in summary_face(None) and done.pk in live_face(timezone.now())
    assert tallies.drift()["summaries"] == {}


def test_the_rebuild_recomputes_the_moment(world):
    ProgressSummary.objects.update(lagging_from=ALWAYS)
    assert tallies.drift()["summaries"]  # the check sees the wrong moments
    tallies.rebuild()
    assert tallies.drift()["summaries"] == {}
    assert summary_face(world["now"]) == live_face(world["now"])
