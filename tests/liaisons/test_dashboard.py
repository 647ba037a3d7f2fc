"""The dashboard's 产改直通车走访 panel against an independent count: the visits read one by one, their date and their
enterprise's prefecture judged in Python (not the grouped query the panel runs)."""

import random
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.liaisons.models import Visit
from enterprises.models import Region
from reporting.selectors import dashboard_scope
from reporting.visits_panel import WINDOW_DAYS, visits_panel
from tests.factories import EnterpriseFactory, make_officer

from .conftest import log_visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def world(users, yn_enterprise, sx_soe):
    """Visits to Yunnan enterprises of three prefectures, some out of the window (90 days ago and more), several to
    one enterprise, and Shaanxi's."""
    rng = random.Random(15)
    province = make_officer("t-yn-province", regions=[Region.objects.get(code="530000")])
    places = [Region.objects.get(code=c) for c in ("530100", "530300", "532900")]
    enterprises = [yn_enterprise] + [
        EnterpriseFactory(name=f"走访看板{i}有限公司", region=places[i % 3]) for i in range(8)
    ]
    for _ in range(40):
        days = rng.choice([0, 1, 5, 30, WINDOW_DAYS - 1, WINDOW_DAYS, WINDOW_DAYS + 20])
        log_visit(rng.choice(enterprises), province, days=days)
    log_visit(sx_soe, users["officer-sx"], days=1)
    return {"province": province, "enterprises": enterprises}


def independent(*, province_code, prefecture_codes=None):
    start = TODAY() - timedelta(days=WINDOW_DAYS - 1)
    visits, enterprises = defaultdict(int), defaultdict(set)
    for v in Visit.objects.select_related("enterprise__region__parent"):
        region = v.enterprise.region
        if region.parent.code != province_code or not (start <= v.visited_on <= TODAY()):
            continue
        if prefecture_codes is not None and region.code not in prefecture_codes:
            continue
        visits[region.code] += 1
        enterprises[region.code].add(v.enterprise_id)
    return {code: (visits[code], len(enterprises[code])) for code in visits}


def _figures(panel):
    return {r.prefecture.code: (r.visits, r.enterprises) for r in panel["rows"] if r.visits}


@pytest.mark.parametrize("role", ["sasac-yn", "admin"])
def test_the_whole_province(world, users, role):
    user = users[role]
    panel = visits_panel(user=user, scope=dashboard_scope(user=user, province_code="530000"))
    expected = independent(province_code="530000")
    assert _figures(panel) == expected and sum(v for v, _e in expected.values()) > 0
    assert panel["start"] == TODAY() - timedelta(days=WINDOW_DAYS - 1) and panel["end"] == TODAY()
    # every prefecture of the province is listed, ranked by visits then enterprises; ties share a rank
    rows = panel["rows"]
    assert len(rows) == Region.objects.filter(parent__code="530000").count()
    keys = [(r.visits, r.enterprises) for r in rows]
    assert keys == sorted(keys, reverse=True)
    for i, r in enumerate(rows):
        assert r.rank == 1 + sum(1 for k in keys if k > (r.visits, r.enterprises)), i
    assert panel["totals"]["visits"] == sum(v for v, _e in expected.values())


def test_a_prefecture_officer_sees_their_prefecture_only(world, users):
    user = users["officer-yn"]  # Kunming
    panel = visits_panel(user=user, scope=dashboard_scope(user=user, province_code="530000"))
    assert [r.prefecture.code for r in panel["rows"]] == ["530100"]
    assert _figures(panel) == independent(province_code="530000", prefecture_codes={"530100"})


def test_the_fragment_says_its_window_and_is_refused_to_enterprises(client, world, users):
    client.force_login(users["sasac-yn"])
    page = client.get(reverse("reporting:visits_panel"), {"province": "530000"}).content.decode()
    start = (TODAY() - timedelta(days=WINDOW_DAYS - 1)).strftime("%Y-%m-%d")
    assert f"统计区间：{start} 至 {TODAY():%Y-%m-%d}" in page
    expected = independent(province_code="530000")
    for code, (visits, enterprises) in expected.items():
        row = re.search(rf'<tr data-prefecture="{code}">(.*?)</tr>', page, re.S).group(1)
        assert f'visits-count">{visits}<' in row and f'visits-enterprises">{enterprises}<' in row
    dashboard = client.get(reverse("reporting:dashboard")).content.decode()
    assert reverse("reporting:visits_panel") in dashboard
    client.force_login(users["enterprise-yn"])
    assert client.get(reverse("reporting:visits_panel")).status_code == 403
