"""The lagging rule (measures/lagging.py): each of its faces against situations whose verdict is written out here."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from enterprises.choices import Ownership
from enterprises.models import Enterprise
from measures.choices import Status
from measures.lagging import (
    SUMMARY_INPUTS,
    annotate_lagging,
    exempt_enterprises_sql,
    is_lagging,
    lagging_enterprises,
    lagging_q,
    lags,
)
from measures.models import Progress
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = timedelta(days=1)


def registered(enterprise, days_ago):
    Enterprise.objects.filter(pk=enterprise.pk).update(created_at=timezone.now() - days_ago * DAY)
    enterprise.refresh_from_db()
    return enterprise


@pytest.fixture
def grace(settings):
    settings.LAGGING_GRACE_DAYS = 30
    return 30


@pytest.fixture
def situations(kunming, xian, grace):
    """One enterprise per situation, with the verdict the rule must give (True: lags)."""

    def make(region=kunming, *, days_ago=200, rows=True, status=Status.IN_PROGRESS, updated_days_ago=0, **kw):
        e = EnterpriseFactory(region=region, **kw)
        if rows:
            progress_ensure(enterprise=e)
            Progress.objects.filter(enterprise=e).update(
                status=status, percent=0 if status == Status.NOT_STARTED else 50
            )
            Progress.objects.filter(enterprise=e).update(updated_at=timezone.now() - updated_days_ago * DAY)
        return registered(e, days_ago)

    one_not_started = make()
    Progress.objects.filter(pk=Progress.objects.filter(enterprise=one_not_started).first().pk).update(
        status=Status.NOT_STARTED, percent=0
    )
    return {
        "untouched": (make(status=Status.NOT_STARTED), True),
        "no progress rows": (make(rows=False), True),
        "one measure not started": (one_not_started, True),
        "stale (91 days)": (make(updated_days_ago=91), True),
        "up to date (89 days)": (make(updated_days_ago=89), False),
        "new, untouched (29 days)": (make(days_ago=29, status=Status.NOT_STARTED), False),
        "new, no progress rows (1 day)": (make(days_ago=1, rows=False), False),
        "just out of grace (31 days)": (make(days_ago=31, rows=False), True),
        "Shaanxi private: nothing applicable": (make(xian, rows=False, ownership=Ownership.PRIVATE), False),
        "Shaanxi SOE, stale": (make(xian, soe=True, updated_days_ago=120), True),
        "Shaanxi SOE, up to date": (make(xian, soe=True, status=Status.DONE), False),
    }


def expected(situations) -> set[int]:
    return {e.pk for e, lags_ in situations.values() if lags_}


def test_the_python_predicate_gives_each_situation_its_verdict(situations):
    # when / then
    verdicts = {name: is_lagging(e) for name, (e, _lags) in situations.items()}
    assert verdicts == {name: lags_ for name, (_e, lags_) in situations.items()}


def test_the_queryset_face_over_live_progress_gives_the_same_set(situations):
    lagging = set(lagging_enterprises(Enterprise.objects.all()).values_list("pk", flat=True))
    assert lagging == expected(situations)
    # and its negation is exactly the others (no NULL falls out of both)
    others = set(annotate_lagging(Enterprise.objects.all()).filter(~lagging_q()).values_list("pk", flat=True))
    assert others == set(Enterprise.objects.values_list("pk", flat=True)) - expected(situations)


def test_the_queryset_face_over_the_summaries_the_database_keeps_gives_the_same_set(situations):
    lagging = set(Enterprise.objects.filter(lagging_q(inputs=SUMMARY_INPUTS)).values_list("pk", flat=True))
    assert lagging == expected(situations)


def test_the_sql_face_exempts_every_enterprise_but_the_lagging_and_those_with_nothing_applicable(situations):
    # when: the exempt enterprises, as the rollup selects them
    sql, params = exempt_enterprises_sql(("region_id",))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) x", params)
        exempt = {pk for (pk,) in cursor.fetchall()}
    # then: the applicable enterprises that are not exempt are the lagging ones
    nothing_applicable = {situations["Shaanxi private: nothing applicable"][0].pk}
    everyone = set(Enterprise.objects.values_list("pk", flat=True))
    assert everyone - exempt - nothing_applicable == expected(situations)


def test_the_grace_period_is_a_setting(situations, settings):
    new = situations["new, untouched (29 days)"][0]
    settings.LAGGING_GRACE_DAYS = 10
    assert is_lagging(new)
    assert new.pk in set(lagging_enterprises(Enterprise.objects.all()).values_list("pk", flat=True))
    settings.LAGGING_GRACE_DAYS = 60
    assert not is_lagging(situations["just out of grace (31 days)"][0])


def test_a_past_day_is_judged_as_of_that_day(situations):
    # 100 days ago the stale enterprise's update was recent and the one registered 31 days ago did not exist yet
    then = timezone.now() - 100 * DAY
    stale = situations["stale (91 days)"][0]
    assert not is_lagging(stale, now=then + 10 * DAY)
    assert stale.pk not in set(
        lagging_enterprises(Enterprise.objects.all(), now=then + 10 * DAY).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "applicable, created_days_ago, updated_days_ago, not_started, verdict",
    [
        (False, 400, None, None, False),  # nothing applicable
        (True, 400, None, None, True),  # no progress yet
        (True, 400, 10, 1, True),  # a measure not started
        (True, 400, 91, 0, True),  # stale
        (True, 400, 89, 0, False),  # up to date
        (True, 29, None, None, False),  # in its grace period
        (True, 31, None, None, True),  # out of it
    ],
)
def test_the_rule_over_its_inputs(grace, applicable, created_days_ago, updated_days_ago, not_started, verdict):
    last_update = None if updated_days_ago is None else NOW - updated_days_ago * DAY
    assert (
        lags(
            applicable=applicable,
            created_at=NOW - created_days_ago * DAY,
            last_update=last_update,
            not_started=not_started,
            now=NOW,
        )
        is verdict
    )


def test_the_demo_data_has_lagging_enterprises_with_the_default_grace_period(settings, grace):
    # given the demo data, whose enterprises were registered before the grace period
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    # then some of them lag (the seed leaves every seventh untouched for 120 days), and not all
    lagging = lagging_enterprises(Enterprise.objects.all()).count()
    assert 0 < lagging < Enterprise.objects.count()
