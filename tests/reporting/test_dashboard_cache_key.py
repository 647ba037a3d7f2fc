"""The dashboard's cached figures are keyed by what they depend on: an officer whose charge moves from one
prefecture to another sees the new prefecture's figures at once, and no longer the old one's enterprises."""

import pytest
from django.urls import reverse

from enterprises.models import Enterprise, Region
from reporting import rollup
from tests.factories import make_officer
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")


def _seen(response) -> tuple[set[int], set[int]]:
    data = response.context["data"]
    prefectures = {item["prefecture"].pk for item in data["prefectures"]}
    lagging = {row["pk"] for row in data["lagging_enterprises"]}
    return prefectures, lagging


def test_a_change_of_charge_changes_the_figures_at_once(client):
    # given figures for Yunnan and an officer in charge of 昆明 who has opened the dashboard (cached)
    make_enterprises(60, province_codes=("530000",))
    rollup.rollup_full_now()
    kunming, qujing = Region.objects.get(code="530100"), Region.objects.get(code="530300")
    officer = make_officer("t-officer-moving", regions=[kunming])
    client.force_login(officer)
    prefectures, lagging = _seen(client.get(DASHBOARD, {"province": "530000"}))
    in_kunming = set(Enterprise.objects.filter(region=kunming).values_list("pk", flat=True))
    assert prefectures == {kunming.pk}
    assert lagging and lagging <= in_kunming
    # when the officer's charge moves to 曲靖 (no rollup in between: the same cache generation)
    officer.profile.charge_regions.set([qujing])
    response = client.get(DASHBOARD, {"province": "530000"})
    # then the dashboard shows 曲靖 and none of 昆明's enterprises, which the officer can no longer open
    prefectures, lagging = _seen(response)
    in_qujing = set(Enterprise.objects.filter(region=qujing).values_list("pk", flat=True))
    assert prefectures == {qujing.pk}
    assert lagging and lagging <= in_qujing
    html = response.content.decode()
    for enterprise in Enterprise.objects.filter(region=kunming):
        assert enterprise.name not in html
        assert client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code == 404


def test_users_with_the_same_reach_share_the_key_and_others_do_not(users):
    from reform_portal.access import access_for
    from reporting.selectors import reach_key

    kunming = Region.objects.get(code="530100")
    twin = make_officer("t-officer-twin", regions=[kunming])
    assert reach_key(access_for(twin)) == reach_key(access_for(users["officer-yn"]))
    assert reach_key(access_for(twin)) != reach_key(access_for(users["officer-sx"]))
    assert reach_key(access_for(users["sasac-yn"])) != reach_key(access_for(users["sasac-sx"]))
