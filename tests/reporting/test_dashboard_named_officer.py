"""An officer named only to specific enterprises (no region in charge): the dashboard says why it has no figures
and leads to their enterprises, instead of an unexplained empty page."""

import pytest
from django.urls import reverse

from reporting import rollup
from tests.factories import EnterpriseFactory, make_officer
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")


def test_officer_with_only_named_enterprises_gets_an_explanation_and_their_enterprises(client, users, kunming, sx_soe):
    # given figures for both provinces and an officer named to one Kunming enterprise (and one in Shaanxi)
    make_enterprises(20)
    rollup.rollup_full_now()
    other_kunming = EnterpriseFactory(name="昆明未指派企业有限公司", region=kunming)
    named = users["enterprise-yn"].profile.enterprise
    officer = make_officer("t-officer-named", enterprises=[named, sx_soe])
    client.force_login(officer)
    # when
    response = client.get(DASHBOARD, {"province": "530000"})
    # then a clear message, the named Yunnan enterprise linked, and no province or prefecture figures
    assert response.status_code == 200
    assert response.context["scope"].named_only
    html = response.content.decode()
    assert 'id="named-only"' in html
    assert "统计看板汇总的是您负责区域" in html
    assert reverse("enterprises:detail", args=[named.pk]) in html and named.name in html
    assert [e.pk for e in response.context["named_enterprises"]] == [named.pk]
    assert other_kunming.name not in html
    assert sx_soe.name not in html  # Shaanxi's named enterprise is listed on Shaanxi's dashboard
    assert response.context["data"]["headline"] is None
    assert response.context["data"]["prefectures"] == []
    assert 'id="chart-measures"' not in html
    assert "尚无汇总数据" not in html  # not "wait for the nightly rollup": there will never be figures for them
    # and the Shaanxi dashboard lists the Shaanxi enterprise
    response = client.get(DASHBOARD, {"province": "610000"})
    assert [e.pk for e in response.context["named_enterprises"]] == [sx_soe.pk]


def test_officer_with_a_region_in_charge_gets_figures_and_no_named_only_message(client, users):
    make_enterprises(20)
    rollup.rollup_full_now()
    client.force_login(users["officer-yn"])
    response = client.get(DASHBOARD)
    assert not response.context["scope"].named_only
    assert response.context["data"]["headline"] is not None
    assert 'id="named-only"' not in response.content.decode()
