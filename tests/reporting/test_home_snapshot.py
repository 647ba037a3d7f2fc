"""The home pages of SASAC staff and administrators read the documents' figures and the lagging count from the
rollup's province-wide snapshots (reporting/home.py), as of the rollup's moment, shown on the page; an officer's are
counted live. The figures equal a count made here from the progress rows at the rollup's moment, and stay those of
the rollup until the next one. The slowest lagging enterprises walk the summaries' index."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise, Region
from measures.choices import Status
from measures.lagging import SUMMARY_INPUTS, is_lagging, lagging_q
from measures.models import Progress
from measures.services import progress_ensure
from reform_portal.access import EnterprisePolicy
from reporting import rollup
from reporting.home import SLOWEST_ORDER, slowest_lagging
from reporting.models import ProgressSummary, RollupSnapshot
from reporting.selectors import lagging_in_charge
from tests.factories import make_officer
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.test_home_pages import expected_summary, shown

pytestmark = pytest.mark.django_db

REACH = {
    "admin": lambda e: True,
    "sasac-yn": lambda e: e.region.parent.code == "530000",
    "officer-yn": lambda e: e.region.code == "530100",
}


def complete(n: int, seed: int):
    """`n` enterprises with a progress row for every measure that applies to them, as every registration path
    leaves them (`progress_ensure`): the rollup then counts the same records as the progress rows hold (it counts a
    measure asked of an enterprise without a row as 未启动; the live count, only rows)."""
    for e in make_enterprises(n, seed=seed):
        progress_ensure(enterprise=e)


def lagging_count(sees) -> int:
    return sum(1 for e in Enterprise.objects.select_related("region__parent") if sees(e) and is_lagging(e))


def _home(client, user):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("who", ["admin", "sasac-yn"])
def test_whole_provinces_read_the_rollup_as_of_its_moment(client, users, who):
    complete(40, seed=31)
    rollup.rollup_full_now()
    cache.clear()
    client.force_login(users[who])
    sees = REACH[who]
    response, sql = _home(client, users[who])
    # the figures are the rollup's, equal to a count of the progress rows at its moment
    assert shown(response) == expected_summary(sees)
    assert response.context["lagging_count"] == lagging_count(sees) > 0
    computed = RollupSnapshot.objects.filter(measure=None, prefecture=None).latest("computed_at").computed_at
    assert response.context["as_of"] is not None and response.context["as_of"] <= computed
    assert 'id="figures-as-of"' in response.content.decode()
    # and no query adds up the province's summaries or counts its lagging
    summed = [q for q in sql if "reporting_progresssummary" in q and ("SUM(" in q or "COUNT(" in q)]
    assert summed == []

    # a change after the rollup: the page keeps the rollup's figures, as of its moment, until the next one
    before = shown(response), response.context["lagging_count"]
    Progress.objects.filter(status=Status.NOT_STARTED).update(status=Status.DONE, percent=100)
    response, _ = _home(client, users[who])
    assert (shown(response), response.context["lagging_count"]) == before
    rollup.rollup_full_now()
    cache.clear()
    response, _ = _home(client, users[who])
    assert shown(response) == expected_summary(sees) != before[0]
    assert response.context["lagging_count"] == lagging_count(sees)


def test_without_a_rollup_and_for_an_officer_the_figures_are_live(client, users):
    complete(30, seed=32)
    for who in ("sasac-yn", "officer-yn"):
        client.force_login(users[who])
        response, _ = _home(client, users[who])
        assert response.context["as_of"] is None
        assert 'id="figures-as-of"' not in response.content.decode()
        assert shown(response) == expected_summary(REACH[who])
        assert response.context["lagging_count"] == lagging_count(REACH[who])
    rollup.rollup_full_now()
    cache.clear()
    # an officer charged with whole prefectures (昆明): the rollup's rows of those prefectures, added up
    client.force_login(users["officer-yn"])
    response, sql = _home(client, users["officer-yn"])
    assert response.context["as_of"] is not None
    assert shown(response) == expected_summary(REACH["officer-yn"])
    assert response.context["lagging_count"] == lagging_count(REACH["officer-yn"]) > 0
    assert [q for q in sql if "reporting_progresssummary" in q and ("SUM(" in q or "COUNT(" in q)] == []
    # one with an enterprise named besides: live
    named = Enterprise.objects.exclude(region__code="530100").filter(region__parent__code="530000").first()
    officer = make_officer("t-officer-named-live", regions=[users["officer-yn"].profile.charge_regions.get()])
    officer.profile.charge_enterprises.set([named])
    client.force_login(officer)
    response, _ = _home(client, officer)
    assert response.context["as_of"] is None
    sees = lambda e: e.region.code == "530100" or e.pk == named.pk  # noqa: E731
    assert shown(response) == expected_summary(sees)


@pytest.mark.parametrize("who", ["admin", "sasac-yn", "officer-yn"])
def test_the_slowest_lagging_enterprises_in_the_order_of_the_full_sort(users, who, settings):
    settings.LAGGING_GRACE_DAYS = 0
    make_enterprises(60, seed=33)
    # an enterprise without any progress row lags too (something applies to it) and comes first
    bare = Enterprise.objects.filter(region__code="530100").order_by("pk").first()
    Progress.objects.filter(enterprise=bare).delete()
    assert not ProgressSummary.objects.filter(enterprise=bare).exists()
    expected = [e.pk for e in lagging_in_charge(user=users[who])[:20]]  # the whole reach sorted (the former query)
    shown_ids = [e.pk for e in slowest_lagging(user=users[who], limit=20)]
    assert shown_ids == expected and len(expected) > 2
    assert all(is_lagging(e) for e in Enterprise.objects.filter(pk__in=shown_ids))
    assert shown_ids[0] == bare.pk


def test_the_slowest_are_read_along_the_summaries_index(users):
    make_enterprises(30, seed=34)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reporting_progresssummary")
        # a table this small is otherwise scanned and sorted whole: ask for the plan that avoids both, which only an
        # index in the page's order gives
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        # the list's index on `done` alone would serve the first key here (rolled back with the test)
        cursor.execute("DROP INDEX progress_summary_done")
    qs = (
        EnterprisePolicy.visible(users["sasac-yn"], Enterprise.objects.all())
        .filter(lagging_q(inputs=SUMMARY_INPUTS), progress_summary__isnull=False)
        .order_by(*SLOWEST_ORDER)
        .values_list("pk", flat=True)[:20]
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # the index gives the order (an incremental sort adds the name among equal figures), no sort of the province
    assert "progress_summary_slowest" in plan, plan
    full_sorts = [line for line in plan.splitlines() if re.search(r"(^|->)\s*Sort\s+\(", line)]
    presorted = "Presorted Key: reporting_progresssummary.done, reporting_progresssummary.mean_percent,"
    assert full_sorts == [] and (presorted in plan or "Incremental Sort" not in plan), plan


def _without_summary_searched(sql: list[str]) -> bool:
    return any('"reporting_progresssummary"."enterprise_id" IS NULL' in q for q in sql)


def test_the_search_for_enterprises_without_a_summary_only_runs_where_the_kept_counts_allow_one(users, kunming):
    # every enterprise of 云南 with its progress rows, as every registration path leaves them
    complete(30, seed=35)
    sasac = users["sasac-yn"]
    assert not Enterprise.objects.filter(region__parent__code="530000", progress_summary__isnull=True).exists()
    with CaptureQueriesContext(connection) as ctx:
        shown_ids = [e.pk for e in slowest_lagging(user=sasac, limit=20)]
    # the kept counts show every place covered: no anti-join over the province, the same list as the full sort
    assert not _without_summary_searched([q["sql"] for q in ctx.captured_queries])
    assert shown_ids == [e.pk for e in lagging_in_charge(user=sasac)[:20]] and len(shown_ids) > 2

    # an enterprise of 昆明 loses its rows: the counts no longer cover its place, the search runs and finds it first
    bare = Enterprise.objects.filter(region=kunming).order_by("pk").first()
    Progress.objects.filter(enterprise=bare).delete()
    with CaptureQueriesContext(connection) as ctx:
        shown_ids = [e.pk for e in slowest_lagging(user=sasac, limit=20)]
    assert _without_summary_searched([q["sql"] for q in ctx.captured_queries])
    assert shown_ids[0] == bare.pk and shown_ids == [e.pk for e in lagging_in_charge(user=sasac)[:20]]

    # an officer of another prefecture to whom that enterprise is named: their places are covered, the named
    # enterprise is looked at alone and still comes first
    other = Enterprise.objects.filter(region__parent__code="530000").exclude(region=kunming).first().region
    officer = make_officer("t-officer-named", regions=[other], enterprises=[bare])
    with CaptureQueriesContext(connection) as ctx:
        shown_ids = [e.pk for e in slowest_lagging(user=officer, limit=20)]
    assert shown_ids[0] == bare.pk and shown_ids == [e.pk for e in lagging_in_charge(user=officer)[:20]]


def test_a_county_officer_s_places_are_the_county_s(users, kunming):
    # two enterprises of 昆明 registered in one of its counties; the officer is charged with that county alone
    complete(30, seed=36)
    county = Region.objects.filter(parent=kunming).order_by("code").first()
    in_county = list(Enterprise.objects.filter(region=kunming).order_by("pk")[:2])
    Enterprise.objects.filter(pk__in=[e.pk for e in in_county]).update(county=county)
    officer = make_officer("t-officer-county", regions=[county])
    with CaptureQueriesContext(connection) as ctx:
        shown_ids = [e.pk for e in slowest_lagging(user=officer, limit=20)]
    assert not _without_summary_searched([q["sql"] for q in ctx.captured_queries])
    assert set(shown_ids) <= {e.pk for e in in_county}
    assert shown_ids == [e.pk for e in lagging_in_charge(user=officer)[:20]]

    # an enterprise of 昆明 outside the county loses its rows: the county is still covered
    Progress.objects.filter(enterprise=Enterprise.objects.filter(region=kunming, county=None).first()).delete()
    with CaptureQueriesContext(connection) as ctx:
        slowest_lagging(user=officer, limit=20)
    assert not _without_summary_searched([q["sql"] for q in ctx.captured_queries])

    # one in the county loses its rows: the search runs and finds it first
    Progress.objects.filter(enterprise=in_county[1]).delete()
    with CaptureQueriesContext(connection) as ctx:
        shown_ids = [e.pk for e in slowest_lagging(user=officer, limit=20)]
    assert _without_summary_searched([q["sql"] for q in ctx.captured_queries])
    assert shown_ids[0] == in_county[1].pk and shown_ids == [e.pk for e in lagging_in_charge(user=officer)[:20]]
