"""The counts the overview and the home pages read (reporting/assessments/counts.py) are kept current by the
database: after enterprises are registered, moved to another prefecture or county, deleted, and assessments are
started, change state one by one or in bulk, or are deleted, the kept counts equal a recount of the rows (`drift`),
and each user's overview counts equal a count made here from every enterprise with the access policy's
one-enterprise face (`sees_enterprise`) and the assessments themselves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise, Region
from reform_portal.access import access_for
from reporting.assessments.counts import drift
from reporting.assessments.models import Assessment
from reporting.assessments.selectors import enterprise_count, overview_counts
from tests.factories import EnterpriseFactory, make_officer
from tests.factories.groups import county, make_county_officer

pytestmark = pytest.mark.django_db


def expected_counts(user, period) -> tuple[int, dict]:
    """(total, {state: n}) of the period's province in the user's scope, from every enterprise and assessment."""
    access = access_for(user)
    forms = {a.enterprise_id: a.status for a in Assessment.objects.filter(period=period)}
    shown = [
        e
        for e in Enterprise.objects.select_related("region")
        if e.region.parent_id == period.province_id and access.sees_enterprise(e)
    ]
    counts = {}
    for e in shown:
        state = forms.get(e.pk, "not_filled")
        counts[state] = counts.get(state, 0) + 1
    return len(shown), counts


def check(period, users):
    assert drift() == {"places": {}, "states": {}}
    for name, user in users.items():
        total, counts = overview_counts(user=user, period=period)
        want_total, want = expected_counts(user, period)
        assert total == want_total, name
        assert {s: n for s, n in counts.items() if n} == want, name
        seen = [e for e in Enterprise.objects.select_related("region") if access_for(user).sees_enterprise(e)]
        assert enterprise_count(user=user) == len(seen), name


def start(enterprise, period, state="draft"):
    # arranged directly (the rows the cycle's services write): what is tested is the counting of any write
    return Assessment.objects.create(period=period, enterprise=enterprise, status=state)


def test_counts_follow_every_change(users, yn_period, kunming, xian):
    qujing = Region.objects.get(code="530300")
    wuhua, panlong = county("530102"), county("530103")
    in_kunming = EnterpriseFactory.create_batch(6, region=kunming)
    in_wuhua = EnterpriseFactory.create_batch(4, region=kunming, county=wuhua)
    in_qujing = EnterpriseFactory.create_batch(5, region=qujing)
    EnterpriseFactory.create_batch(2, region=xian)
    viewers = {
        **{k: users[k] for k in ("sasac-yn", "officer-yn", "admin")},
        "county officer": make_county_officer("t-county-officer", counties=[wuhua]),
        # named to an enterprise of 曲靖 outside the region in charge, and to one of 昆明 inside it (counted once)
        "named": make_officer("t-officer-named", regions=[kunming], enterprises=[in_qujing[0], in_kunming[0]]),
    }
    check(yn_period, viewers)

    states = ["draft", "submitted", "returned", "accepted"]
    for i, e in enumerate([*in_kunming, *in_wuhua, *in_qujing[:3]]):
        start(e, yn_period, states[i % 4])
    check(yn_period, viewers)

    # one by one through the ORM, then in bulk (one statement)
    one = Assessment.objects.get(enterprise=in_kunming[0])
    one.status = "accepted"
    one.save()
    Assessment.objects.filter(enterprise__in=in_wuhua).update(status="submitted")
    check(yn_period, viewers)

    # an enterprise with its assessment moves to 曲靖, one into a county, one out of its county
    moved = Enterprise.objects.get(pk=in_kunming[1].pk)
    moved.region = qujing
    moved.save()
    Enterprise.objects.filter(pk=in_kunming[2].pk).update(county=panlong)
    Enterprise.objects.filter(pk=in_wuhua[0].pk).update(county=None)
    check(yn_period, viewers)

    # an assessment deleted, an enterprise deleted with its assessment
    Assessment.objects.filter(enterprise=in_kunming[3]).delete()
    Enterprise.objects.get(pk=in_qujing[1].pk).delete()
    check(yn_period, viewers)


def test_the_counts_read_no_enterprise_or_assessment(users, yn_period, kunming):
    """The SASAC's counts: the kept counts only, a handful of rows, whatever the number of enterprises."""
    for i, e in enumerate(EnterpriseFactory.create_batch(8, region=kunming)):
        start(e, yn_period, ["draft", "submitted"][i % 2])
    access_for(users["sasac-yn"])  # the user's scope, read once per request
    with CaptureQueriesContext(connection) as ctx:
        total, counts = overview_counts(user=users["sasac-yn"], period=yn_period)
    assert (total, counts["draft"], counts["submitted"]) == expected_counts(users["sasac-yn"], yn_period)[:1] + (4, 4)
    assert len(ctx.captured_queries) == 2
    for query in ctx.captured_queries:
        assert '"enterprises_enterprise"' not in query["sql"] and '"assessments_assessment"' not in query["sql"], query
