"""The dashboard's prefecture → county drill-down, its county filter and its provincial groups section, each figure
compared with a count made in Python (tests/reporting/county_data.py)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise, Region
from measures.models import PolicyDocument
from reporting import rollup
from reporting.groups import GroupFigures
from tests.factories import make_officer
from tests.reporting.county_data import (
    add_up,
    assert_same,
    enterprise_figures,
    group_expected,
    make_county_data,
    make_group_data,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")
DRILL = reverse("reporting:drilldown")


@pytest.fixture
def rolled(users, settings):
    settings.LAGGING_GRACE_DAYS = 30
    make_county_data(60, seed=31)
    made = make_group_data(seed=7)
    rollup.rollup_full_now()
    return users, made


def _expected_by_place(document):
    """{("county", id) | ("prefecture", id) | ("none", prefecture id): figures} counted enterprise by enterprise."""
    enterprises = list(Enterprise.objects.filter(region__parent=document.province).select_related("region"))
    each = enterprise_figures(document, enterprises)
    places: dict = {}
    by_measure: dict = {}
    for e in enterprises:
        if (e.pk, None) not in each:
            continue
        keys = [("prefecture", e.region_id), ("county", e.county_id) if e.county_id else ("none", e.region_id)]
        for key in keys:
            places.setdefault(key, []).append(each[(e.pk, None)])
        for (pk, measure_id), f in each.items():
            if pk == e.pk and measure_id is not None and e.county_id:
                by_measure.setdefault((e.county_id, measure_id), []).append(f)
    return {k: add_up(v) for k, v in places.items()}, {k: add_up(v) for k, v in by_measure.items()}


def _county_with_most_enterprises(prefecture_code="530100") -> Region:
    counts = {}
    for e in Enterprise.objects.filter(region__code=prefecture_code, county__isnull=False):
        counts[e.county_id] = counts.get(e.county_id, 0) + 1
    return Region.objects.get(pk=max(counts, key=counts.get))


def test_each_prefecture_opens_into_its_counties_figures(client, rolled):
    # given the SASAC staff of Yunnan, and the figures counted enterprise by enterprise
    users, _made = rolled
    client.force_login(users["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    expected, _by_measure = _expected_by_place(yn)
    # when
    response = client.get(DASHBOARD)
    # then every prefecture with enterprises, its figures, each county's, and those without a county
    regions = response.context["regions"]
    assert {r["prefecture"].pk for r in regions} == {pk for kind, pk in expected if kind == "prefecture"}
    counties_seen = 0
    for region in regions:
        prefecture = region["prefecture"]
        assert_same(region["figures"], expected[("prefecture", prefecture.pk)], prefecture.name)
        listed = {c["county"].pk for c in region["counties"]}
        assert listed == {
            pk for kind, pk in expected if kind == "county" and Region.objects.get(pk=pk).parent_id == prefecture.pk
        }
        for item in region["counties"]:
            assert_same(item["figures"], expected[("county", item["county"].pk)], item["county"].name)
            counties_seen += 1
        if ("none", prefecture.pk) in expected:
            assert_same(region["without_county"], expected[("none", prefecture.pk)], prefecture.name)
        else:
            assert region["without_county"] is None
        assert not region["open"]
    assert counties_seen >= 4
    assert any(r["without_county"] for r in regions)  # 曲靖市 has enterprises without a county
    # closed until asked: the county rows are there, hidden
    page = response.content.decode()
    county = regions[0]["counties"][0]["county"]
    assert re.search(rf'<tr class="county-row" data-county="{county.pk}" hidden>', page)
    # a prefecture on the map opens its counties (the page filtered by it, at the table)
    kunming = Region.objects.get(code="530100")
    item = next(m for m in response.context["charts"]["map"] if m["ids"] == [kunming.pk])
    assert f"prefecture={kunming.pk}" in item["href"] and item["href"].endswith("#regions")
    response = client.get(item["href"])
    opened = next(r for r in response.context["regions"] if r["prefecture"] == kunming)
    assert opened["open"]
    page = response.content.decode()
    for c in opened["counties"]:
        assert re.search(rf'<tr class="county-row" data-county="{c["county"].pk}">', page)


def test_the_county_filter_shows_that_countys_figures(client, rolled):
    # given a county of Kunming
    users, _made = rolled
    client.force_login(users["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    county = _county_with_most_enterprises()
    expected, by_measure = _expected_by_place(yn)
    # when the dashboard is filtered by it
    response = client.get(DASHBOARD, {"county": county.pk})
    # then its figures, headline and per measure, stand for its prefecture too
    assert not response.context["form"].errors
    # the county select (written in Python) keeps it chosen, and each county names its prefecture for the page's
    # script, which offers only the counties of the prefecture chosen
    page = response.content.decode()
    assert f'<option value="{county.pk}" data-prefecture="{county.parent_id}" selected>{county.name}</option>' in page
    options = re.findall(r'<option value="(\d+)" data-prefecture="(\d+)"', page)
    parents = dict(Region.objects.filter(parent__parent__code="530000").values_list("pk", "parent_id"))
    assert len(options) == len(parents) and all(parents[int(c)] == int(p) for c, p in options)
    assert response.context["filters"].prefecture == county.parent
    data = response.context["data"]
    assert_same(data["headline"], expected[("county", county.pk)], county.name)
    assert data["measures"]
    for item in data["measures"]:
        assert_same(item["figures"], by_measure[(county.pk, item["measure"].pk)], item["measure"].number)
    assert data["trend"][-1]["lagging"] == data["headline"]["lagging"]
    # the lagging table lists that county's enterprises
    lagging = data["lagging_enterprises"]
    assert len(lagging) == min(20, data["headline"]["lagging"])
    assert {e.county_id for e in Enterprise.objects.filter(pk__in=[r["pk"] for r in lagging])} <= {county.pk}
    # and a figure's drill-down lists the county's enterprises behind it
    response = client.get(DRILL, {"county": county.pk, "figure": "applicable"})
    assert response.context["filters"].county == county
    listed = response.context["page"].paginator.count
    assert listed == data["headline"]["applicable"]
    assert {e.county_id for e in response.context["page"]} == {county.pk}
    response = client.get(DRILL, {"county": county.pk, "figure": "lagging"})
    assert response.context["page"].paginator.count == data["headline"]["lagging"]


def test_a_county_with_another_prefecture_is_refused_next_to_the_field(client, rolled):
    users, _made = rolled
    client.force_login(users["sasac-yn"])
    county = _county_with_most_enterprises()
    other = Region.objects.get(code="530300")
    response = client.get(DASHBOARD, {"county": county.pk, "prefecture": other.pk})
    assert "不属于所选州（市）" in str(response.context["form"].errors["county"])
    # a county with an ownership is answered live (tests/reporting/test_dashboard_combined_filters.py)
    response = client.get(DASHBOARD, {"county": county.pk, "ownership": "private"})
    assert not response.context["form"].errors and response.context["data"]["live"]
    shaanxi = Region.objects.filter(parent__parent__code="610000").first()
    assert "county" in client.get(DASHBOARD, {"county": shaanxi.pk}).context["form"].errors


def test_an_officer_of_a_county_sees_that_countys_figures_only(client, rolled):
    # given an officer in charge of one county (县级总工会)
    users, _made = rolled
    county = _county_with_most_enterprises()
    officer = make_officer("t-officer-county", regions=[county])
    client.force_login(officer)
    yn = PolicyDocument.objects.get(province__code="530000")
    expected, by_measure = _expected_by_place(yn)
    # when
    response = client.get(DASHBOARD)
    # then the county's figures, no prefecture's, no groups
    assert response.status_code == 200
    data = response.context["data"]
    assert not response.context["scope"].named_only
    assert_same(data["headline"], expected[("county", county.pk)], county.name)
    for item in data["measures"]:
        assert_same(item["figures"], by_measure[(county.pk, item["measure"].pk)], item["measure"].number)
    assert data["prefectures"] == [] and data["heat"]["cells"] == []
    assert data["trend"][-1]["lagging"] == data["headline"]["lagging"]
    [region] = response.context["regions"]
    assert region["prefecture"] == county.parent and region["figures"] is None and region["without_county"] is None
    assert [c["county"] for c in region["counties"]] == [county]
    assert response.context["groups"] is None and 'id="groups"' not in response.content.decode()
    assert list(response.context["form"].fields["county"].queryset) == [county]
    assert {e["region"] for e in data["lagging_enterprises"]} <= {county.parent.name}
    lagging_ids = [e["pk"] for e in data["lagging_enterprises"]]
    assert set(Enterprise.objects.filter(pk__in=lagging_ids).values_list("county", flat=True)) <= {county.pk}


def test_an_officer_of_a_prefecture_sees_its_counties(client, rolled, kunming):
    users, _made = rolled
    client.force_login(users["officer-yn"])
    response = client.get(DASHBOARD)
    regions = response.context["regions"]
    assert [r["prefecture"] for r in regions] == [kunming]
    assert regions[0]["counties"] and all(c["county"].parent_id == kunming.pk for c in regions[0]["counties"])
    assert response.context["groups"] is None
    # the headline and its trend are Kunming's prefecture row (its counties' rows are not added on top)
    data = response.context["data"]
    assert data["headline"]["applicable"] == regions[0]["figures"]["applicable"]
    assert data["trend"][-1]["lagging"] == data["headline"]["lagging"] == regions[0]["figures"]["lagging"]


@pytest.mark.parametrize("who", ["sasac-yn", "admin"])
def test_the_provincial_groups_section(client, rolled, who):
    # given Yunnan's provincial groups
    users, made = rolled
    client.force_login(users[who])
    yn = PolicyDocument.objects.get(province__code="530000")
    # when
    response = client.get(DASHBOARD, {"province": "530000"})
    # then each group, with its figures counted subsidiary by subsidiary, and a link to its head enterprise's page
    groups: list[GroupFigures] = response.context["groups"]
    assert [g.head.pk for g in groups] == [h.pk for h in sorted(made["530000"]["heads"], key=lambda h: (h.name, h.pk))]
    page = response.content.decode()
    assert 'id="groups"' in page
    for group in groups:
        expected = group_expected(yn, made["530000"]["members"][group.head.pk])
        assert (group.subsidiaries, group.descendants, group.lagging) == (
            expected["subsidiaries"],
            expected["descendants"],
            expected["lagging"],
        )
        assert (group.records, group.done) == (expected["records"], expected["done"])
        row = re.search(rf'<tr data-group="{group.head.pk}">(.*?)</tr>', page, re.S).group(1)
        assert reverse("enterprises:detail", args=[group.head.pk]) in row
        assert f"{group.subsidiaries} / {group.descendants}" in row
        assert f">{group.lagging}</td>" in row
        assert f"{round(expected['done'] * 100 / expected['records'], 1)}%" in row


def test_officers_do_not_see_the_groups_section(client, rolled):
    users, _made = rolled
    client.force_login(users["officer-sx"])
    response = client.get(DASHBOARD)
    assert response.context["groups"] is None and "省属集团" not in response.content.decode()


def test_the_groups_section_costs_the_same_queries_for_more_groups(client, rolled):
    # given the dashboard warm, with Yunnan's two groups
    users, _made = rolled
    client.force_login(users["sasac-yn"])
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as two_groups:
        assert len(client.get(DASHBOARD).context["groups"]) == 2
    # when three more enterprises become provincial groups
    spare = list(
        Enterprise.objects.filter(region__parent__code="530000", parent__isnull=True, subsidiaries__isnull=True)
        .exclude(supervision_level="provincial")
        .order_by("pk")[:6]
    )
    Enterprise.objects.filter(pk__in=[e.pk for e in spare[:3]]).update(
        supervision_level="provincial", ownership="state_sole", supervisor="sasac"
    )
    for head, child in zip(spare[:3], spare[3:], strict=True):
        Enterprise.objects.filter(pk=child.pk).update(parent=head)
    # then the page reads them in as many queries (the snapshots' figures are still cached: only the groups moved)
    with CaptureQueriesContext(connection) as five_groups:
        assert len(client.get(DASHBOARD).context["groups"]) == 5
    assert len(five_groups) == len(two_groups) <= 16  # 2 of them the login gate's (accounts/middleware.py)
