"""Each rule of the reform is written once; every screen that shows it must agree with it.

The same data goes through every face of a rule (list filter page, home page, dashboard table, drill-down, rollup
figure, API, Excel exports, the Python predicate), and each is compared with the verdicts written out in this file,
never with the code under test.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.choices import Ownership
from enterprises.models import Enterprise, Region
from measures.choices import Comparison, Status
from measures.lagging import is_lagging
from measures.models import Indicator, IndicatorValue, PolicyDocument, Progress
from measures.services import progress_ensure
from measures.targets import met_q
from reporting import rollup
from reporting.models import IndicatorTally, RollupSnapshot
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


# Lagging ----------------------------------------------------------------------------------------------------------


def _enterprise(region, name, *, days_ago, rows=True, status=Status.IN_PROGRESS, updated_days_ago=0, **kw):
    e = EnterpriseFactory(region=region, name=name, **kw)
    if rows:
        progress_ensure(enterprise=e)
        Progress.objects.filter(enterprise=e).update(status=status, percent=0 if status == Status.NOT_STARTED else 50)
        Progress.objects.filter(enterprise=e).update(updated_at=timezone.now() - updated_days_ago * DAY)
    Enterprise.objects.filter(pk=e.pk).update(created_at=timezone.now() - days_ago * DAY)
    e.refresh_from_db()
    return e


@pytest.fixture
def world(settings, users, kunming, xian):
    """Enterprises of both provinces in every situation, with the verdict this file expects (True: lags). The
    `users` fixture's two enterprises were registered today: within the grace period, so not lagging."""
    settings.LAGGING_GRACE_DAYS = 30
    qujing = Region.objects.get(code="530300")
    one_not_started = _enterprise(kunming, "昆明一项未启动公司", days_ago=200)
    Progress.objects.filter(pk=Progress.objects.filter(enterprise=one_not_started).first().pk).update(
        status=Status.NOT_STARTED, percent=0
    )
    verdicts = {
        _enterprise(kunming, "昆明从未推进公司", days_ago=100, status=Status.NOT_STARTED): True,
        _enterprise(kunming, "昆明没有记录公司", days_ago=100, rows=False): True,
        _enterprise(kunming, "昆明新登记公司", days_ago=3, status=Status.NOT_STARTED): False,
        _enterprise(kunming, "昆明久未更新公司", days_ago=200, updated_days_ago=120): True,
        _enterprise(kunming, "昆明按时推进公司", days_ago=200, updated_days_ago=10): False,
        one_not_started: True,
        _enterprise(qujing, "曲靖久未更新公司", days_ago=200, updated_days_ago=95): True,
        _enterprise(xian, "西安民营公司", days_ago=300, rows=False, ownership=Ownership.PRIVATE): False,
        _enterprise(xian, "西安国企久未更新", days_ago=300, updated_days_ago=100, soe=True): True,
        _enterprise(xian, "西安国企按时推进", days_ago=300, status=Status.DONE, soe=True): False,
        _enterprise(xian, "西安国企新登记", days_ago=5, rows=False, soe=True): False,
    }
    verdicts[Enterprise.objects.get(pk=users["enterprise-yn"].profile.enterprise_id)] = False
    verdicts[Enterprise.objects.get(pk=users["enterprise-sx"].profile.enterprise_id)] = False
    lagging = {e.name for e, lags in verdicts.items() if lags}
    return {
        "users": users,
        "verdicts": verdicts,
        "all": lagging,
        "530000": {e.name for e, lags in verdicts.items() if lags and e.region.parent.code == "530000"},
        "610000": {e.name for e, lags in verdicts.items() if lags and e.region.parent.code == "610000"},
        "530100": {e.name for e, lags in verdicts.items() if lags and e.region.code == "530100"},
    }


def _names(pks) -> set[str]:
    return set(Enterprise.objects.filter(pk__in=list(pks)).values_list("name", flat=True))


def test_the_expected_set_covers_each_situation(world):
    # the fixture's verdicts, spelled out: what must lag and what must not
    assert world["all"] == {
        "昆明从未推进公司",
        "昆明没有记录公司",
        "昆明久未更新公司",
        "昆明一项未启动公司",
        "曲靖久未更新公司",
        "西安国企久未更新",
    }


def test_python_predicate(world):
    assert {e.name for e in world["verdicts"] if is_lagging(e)} == world["all"]


def test_enterprise_list_filter_page(client, world):
    client.force_login(world["users"]["admin"])
    page = client.get("/enterprises/", {"lagging": "true"}).context["page"]
    assert {e.name for e in page.paginator.object_list} == world["all"]
    others = client.get("/enterprises/", {"lagging": "false"}).context["page"].paginator.object_list
    assert {e.name for e in others} == {e.name for e in world["verdicts"]} - world["all"]
    # an officer sees their charge's part of it
    client.force_login(world["users"]["officer-yn"])
    page = client.get("/enterprises/", {"lagging": "true"}).context["page"]
    assert {e.name for e in page.paginator.object_list} == world["530100"]


@pytest.mark.parametrize("who, part", [("admin", "all"), ("officer-yn", "530100"), ("sasac-sx", "610000")])
def test_home_page_slowest_enterprises(client, world, who, part):
    client.force_login(world["users"][who])
    response = client.get("/")
    assert {e.name for e in response.context["enterprises"]} == world[part]
    assert response.context["lagging_count"] == len(world[part])


def test_api_enterprise_list(world):
    api = APIClient()
    api.force_authenticate(world["users"]["admin"])
    data = api.get("/api/enterprises/", {"lagging": "true", "page_size": 500}).json()
    assert {e["name"] for e in data["results"]} == world["all"]


def test_enterprise_list_export(client, world):
    client.force_login(world["users"]["admin"])
    sheet = load_workbook(io.BytesIO(client.get("/enterprises/export/", {"lagging": "true"}).content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == world["all"]


@pytest.mark.parametrize("province", ["530000", "610000"])
def test_dashboard_table_drilldown_rollup_and_export(client, world, province):
    # given the rollup of today, seen by the admin in one province
    rollup.rollup_full_now()
    cache.clear()
    client.force_login(world["users"]["admin"])
    document = PolicyDocument.objects.get(province__code=province)
    query = {"province": province, "document": document.pk}
    expected = world[province]
    # the dashboard's lagging table
    data = client.get(reverse("reporting:dashboard"), query).context["data"]
    assert _names(r["pk"] for r in data["lagging_enterprises"]) == expected
    # the rollup's figure, on the dashboard and in the stored snapshot
    assert data["headline"]["lagging"] == len(expected)
    snapshot = RollupSnapshot.objects.get(
        day=timezone.localdate(), document=document, prefecture=None, measure=None, ownership=None, industry=None
    )
    assert snapshot.lagging == len(expected)
    # the drill-down behind the figure
    page = client.get(reverse("reporting:drilldown"), {**query, "figure": "lagging"}).context["page"]
    assert {e.name for e in page.paginator.object_list} == expected
    # the dashboard's Excel export
    response = client.get(reverse("reporting:export"), {**query, "panel": "lagging"})
    sheet = load_workbook(io.BytesIO(response.content))["滞后企业"]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == expected


def test_rollup_per_prefecture(world, kunming):
    rollup.rollup_full_now()
    yn = PolicyDocument.objects.get(province__code="530000")
    snapshot = RollupSnapshot.objects.get(
        day=timezone.localdate(), document=yn, prefecture=kunming, measure=None, ownership=None, industry=None
    )
    assert snapshot.lagging == len(world["530100"])


# Meets the target -------------------------------------------------------------------------------------------------


@pytest.fixture
def values(kunming):
    """Values at the edge of each kind of target in Yunnan's document, with whether each meets it."""
    year = timezone.localdate().year
    gte = Indicator.objects.get(code="YN-06-edu-fund")  # ≥ 8
    lte = Indicator.objects.get(code="YN-01-blank-teams")  # ≤ 0
    yes = Indicator.objects.get(code="YN-11-union")  # 是
    eq = Indicator.objects.create(
        measure=gte.measure, code="YN-test-eq", name="恰好三项", comparison=Comparison.EQ, target=Decimal(3)
    )
    info = Indicator.objects.create(measure=gte.measure, code="YN-test-info", name="仅统计", comparison=Comparison.INFO)
    a, b, c = (EnterpriseFactory(region=kunming, name=f"昆明指标测试{i}公司") for i in range(3))
    cases = [
        (a, gte, "8", True),
        (b, gte, "7.99", False),
        (c, gte, "100", True),
        (a, lte, "0", True),
        (b, lte, "1", False),
        (a, eq, "3", True),
        (b, eq, "3.01", False),
        (c, eq, "2.99", False),
        (a, yes, "1", True),
        (b, yes, "0", False),
        (c, info, "99", False),  # 仅统计 never meets
    ]
    rows = {
        IndicatorValue.objects.create(enterprise=e, indicator=i, year=year, value=Decimal(v)): met
        for e, i, v, met in cases
    }
    # a value of last year does not count this year
    IndicatorValue.objects.create(enterprise=c, indicator=yes, year=year - 1, value=Decimal(1))
    return {"year": year, "rows": rows, "enterprises": (a, b, c)}


def test_meets_the_target_model_predicate_and_queryset(values):
    assert {v.pk: bool(v.is_met) for v in values["rows"]} == {v.pk: met for v, met in values["rows"].items()}
    met = set(IndicatorValue.objects.filter(year=values["year"]).filter(met_q()).values_list("pk", flat=True))
    assert met == {v.pk for v, m in values["rows"].items() if m}


def test_meets_the_target_tallies_rollup_and_drilldown(client, users, values):
    year = values["year"]
    expected_per_indicator = {}
    for v, met in values["rows"].items():
        expected_per_indicator[v.indicator_id] = expected_per_indicator.get(v.indicator_id, 0) + int(met)
    # the tallies the database keeps
    tallied = {
        r["indicator_id"]: r["n"]
        for r in IndicatorTally.objects.filter(year=year).values("indicator_id").annotate(n=Sum("met"))
    }
    assert {k: v for k, v in tallied.items() if v} == {k: v for k, v in expected_per_indicator.items() if v}
    # the rollup's figure
    rollup.rollup_full_now()
    yn = PolicyDocument.objects.get(province__code="530000")
    snapshot = RollupSnapshot.objects.get(
        day=timezone.localdate(), document=yn, prefecture=None, measure=None, ownership=None, industry=None
    )
    assert snapshot.indicator_met == sum(expected_per_indicator.values())
    # the drill-down: the enterprises meeting at least one target
    client.force_login(users["admin"])
    cache.clear()
    page = client.get(
        reverse("reporting:drilldown"), {"province": "530000", "document": yn.pk, "figure": "attainment_rate"}
    ).context["page"]
    a, b, c = values["enterprises"]
    assert {e.pk for e in page.paginator.object_list} == {a.pk, c.pk}


# Submitted self-assessments ---------------------------------------------------------------------------------------


def test_submitted_statuses_in_the_rollup_and_the_drilldown(client, users, kunming):
    from reporting.assessments.models import Assessment
    from reporting.assessments.services import assessment_start, period_open
    from tests.factories import make_enterprise_user

    # given this year's period in Yunnan and an assessment in each status
    today = timezone.localdate()
    yn = PolicyDocument.objects.get(province__code="530000")
    period = period_open(
        province=yn.province,
        year=today.year,
        opens_on=today - DAY,
        deadline=today + 30 * DAY,
        by=users["sasac-yn"],
    )
    # a form forwarded by the first level of a two-level review (已初审) has been submitted
    counts_as_submitted = {"draft": False, "submitted": True, "forwarded": True, "returned": False, "accepted": True}
    enterprises = {}
    for status in counts_as_submitted:
        enterprise = EnterpriseFactory(region=kunming, name=f"昆明自评{status}公司")
        filler = make_enterprise_user(f"t-fill-{status}", enterprise=enterprise)
        assessment = assessment_start(period=period, enterprise=enterprise, by=filler)
        Assessment.objects.filter(pk=assessment.pk).update(status=status)
        enterprises[status] = enterprise
    expected = {enterprises[s].pk for s, counts in counts_as_submitted.items() if counts}
    # when
    rollup.rollup_full_now()
    cache.clear()
    client.force_login(users["admin"])
    page = client.get(
        reverse("reporting:drilldown"), {"province": "530000", "document": yn.pk, "figure": "submission_rate"}
    ).context["page"]
    snapshot = RollupSnapshot.objects.get(
        day=today, document=yn, prefecture=None, measure=None, ownership=None, industry=None
    )
    # then
    assert {e.pk for e in page.paginator.object_list} == expected
    assert snapshot.submitted == len(expected)


# Headcount fields -------------------------------------------------------------------------------------------------

HEADCOUNTS = {  # field: its header, written out here
    "employees": "职工总数",
    "frontline_workers": "一线产业工人数",
    "union_members": "工会会员数",
    "party_members": "产业工人中党员数",
    "skilled_workers": "技能人才数",
    "highly_skilled_workers": "高技能人才数",
}


def test_headcount_fields_in_the_form_the_import_template_the_export_and_the_checks(client, users, yn_enterprise):
    from enterprises.forms import EnterpriseForm
    from enterprises.models import HEADCOUNT_FIELDS, headcount_problems

    assert list(HEADCOUNT_FIELDS) == list(HEADCOUNTS)
    # the register form lays every one out
    form = EnterpriseForm(user=users["officer-yn"])
    laid_out = [p.name for p in form.helper.layout.get_field_names() if p.name in HEADCOUNTS]
    assert laid_out == list(HEADCOUNTS)
    # the import template has a column for each, in order
    client.force_login(users["officer-yn"])
    template = load_workbook(io.BytesIO(client.get(reverse("enterprises:import_template")).content)).active
    header = [c.value for c in template[1]]
    assert [h for h in header if h in HEADCOUNTS.values()] == list(HEADCOUNTS.values())
    # the export writes each as a number
    sheet = load_workbook(io.BytesIO(client.get("/enterprises/export/").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    exported = dict(zip(rows[0], rows[1], strict=False))
    assert {h: exported[h] for h in HEADCOUNTS.values()} == {
        h: getattr(yn_enterprise, f) for f, h in HEADCOUNTS.items()
    }
    # and the model's checks refuse a negative count in each
    for field in HEADCOUNTS:
        setattr(yn_enterprise, field, -1)
    assert set(headcount_problems(yn_enterprise)) >= set(HEADCOUNTS)
