"""The dashboard's 试点企业 panel against an independent count: progress rows read one by one and judged with the
applicability rule in Python (not the summaries the panel reads), funds added up from the entries recorded."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Enterprise, Region
from enterprises.pilots import services
from enterprises.pilots.choices import FundKind
from enterprises.pilots.models import PilotDesignation
from measures.applicability import scope_applies
from measures.choices import DONE_STATUSES, Status
from measures.models import Progress
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory

from .conftest import designate

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def world(users, yn_enterprise, province_officer):
    """Yunnan enterprises in Kunming and Qujing with mixed progress; four designated (one ended), funds recorded."""
    rng = random.Random(15)
    kunming, qujing = Region.objects.get(code="530100"), Region.objects.get(code="530300")
    enterprises = [yn_enterprise]
    for i in range(7):
        e = EnterpriseFactory(name=f"看板测试{i}有限公司", region=kunming if i % 2 else qujing)
        progress_ensure(enterprise=e)
        enterprises.append(e)
    for p in Progress.objects.filter(enterprise__in=enterprises).order_by("pk"):
        p.status = rng.choice([Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.ONGOING])
        p.save(update_fields=["status"])
    funds = []
    pilots = []
    for e in enterprises[:4]:
        d = designate(e, province_officer, region=e.region.parent)
        pilots.append(d)
        granted = Decimal(rng.randrange(10, 100) * 1000)
        paid = Decimal(rng.randrange(0, int(granted))).quantize(Decimal("1"))
        services.fund_record(
            designation=d, kind=FundKind.GRANTED, amount=granted, on_date=TODAY(), purpose="经费", by=province_officer
        )
        if paid:
            services.fund_record(
                designation=d, kind=FundKind.PAID, amount=paid, on_date=TODAY(), purpose="拨付", by=province_officer
            )
        funds.append((e.region_id, granted, paid))
    ended = pilots[3]
    services.pilot_end(designation=ended, expected_version=ended.version, ends_on=TODAY(), by=province_officer)
    return {"enterprises": enterprises, "pilots": pilots, "funds": funds, "ended": ended}


def by_hand(enterprise_ids, pilot_ids):
    """(enterprises, records, done) for pilots and others, from the progress rows one by one."""
    out = {"pilots": [set(), 0, 0], "others": [set(), 0, 0]}
    rows = Progress.objects.filter(enterprise_id__in=enterprise_ids).select_related(
        "measure__scope", "enterprise__region"
    )
    for p in rows:
        if not scope_applies(p.measure.scope, p.enterprise) or p.measure.addressee not in _tracked():
            continue
        group = out["pilots" if p.enterprise_id in pilot_ids else "others"]
        group[0].add(p.enterprise_id)
        group[1] += 1
        group[2] += p.status in DONE_STATUSES
    return {k: (len(v[0]), v[1], v[2]) for k, v in out.items()}


def _tracked():
    from measures.choices import TRACKED_ADDRESSEES

    return TRACKED_ADDRESSEES


def _panel(client, user):
    client.force_login(user)
    page = client.get(reverse("reporting:dashboard"), {"province": "530000"})
    assert page.status_code == 200
    slot = page.content.decode()
    assert 'id="pilots-panel-slot"' in slot and reverse("reporting:pilots_panel") in slot  # loaded after the page
    response = client.get(reverse("reporting:pilots_panel"), {"province": "530000"})
    assert response.status_code == 200
    return (response.context or {}).get("pilots"), response.content.decode()


@pytest.mark.parametrize(("role", "prefectures"), [("sasac-yn", None), ("officer-yn", {"530100"})])
def test_completion_of_pilots_and_others_equals_a_count_by_hand(client, users, world, role, prefectures):
    panel, html = _panel(client, users[role])
    ids = [
        e.pk
        for e in Enterprise.objects.filter(region__parent__code="530000").select_related("region")
        if prefectures is None or e.region.code in prefectures
    ]
    active = set(
        PilotDesignation.objects.filter(status="active", enterprise_id__in=ids).values_list("enterprise_id", flat=True)
    )
    expected = by_hand(ids, active)
    got = {k: (c.enterprises, c.records, c.done) for k, c in panel["completion"].items()}
    assert got == expected
    assert expected["pilots"][0] == len(active) > 0 and expected["others"][0] > 0
    rate = expected["pilots"][2] / expected["pilots"][1]
    assert f"{round(rate * 100, 1)}%" in html


@pytest.mark.parametrize(("role", "prefectures"), [("sasac-yn", None), ("officer-yn", {"530100"})])
def test_funds_by_prefecture_add_up_the_entries(client, users, world, role, prefectures):
    panel, html = _panel(client, users[role])
    expected = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    ended_region = world["ended"].enterprise.region_id
    for region_id, granted, paid in world["funds"]:
        expected[region_id][1] += granted
        expected[region_id][2] += paid
    for d in world["pilots"]:
        if d.pk != world["ended"].pk:
            expected[d.enterprise.region_id][0] += 1
    codes = dict(Region.objects.filter(pk__in=list(expected)).values_list("pk", "code"))
    expected = {codes[k]: tuple(v) for k, v in expected.items() if prefectures is None or codes[k] in prefectures}
    got = {r.prefecture.code: (r.pilots, r.granted, r.paid) for r in panel["funds"]}
    assert got == expected
    assert ended_region in {r.prefecture.pk for r in panel["funds"]} or prefectures  # the ended pilot's money counts
    assert panel["totals"]["granted"] == sum(v[1] for v in expected.values())
    assert 'id="pilots-funds"' in html


def test_the_other_province_and_enterprise_users_see_no_panel(client, users, world):
    client.force_login(users["sasac-sx"])  # the Shaanxi dashboard (its own province, whatever is asked)
    response = client.get(reverse("reporting:pilots_panel"), {"province": "530000"})
    panel = (response.context or {}).get("pilots")
    assert panel is None or (not panel["funds"] and panel["completion"]["pilots"].enterprises == 0)
    client.force_login(users["enterprise-yn"])
    assert client.get(reverse("reporting:dashboard")).status_code == 403
    assert client.get(reverse("reporting:pilots_panel")).status_code == 403
    assert 'id="pilots-panel-slot"' not in client.get(reverse("home")).content.decode()


def test_the_panel_adds_no_query_to_the_dashboard(client, users, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["sasac-yn"])
    client.get(reverse("reporting:dashboard"))
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("reporting:dashboard")).status_code == 200
    assert not [q for q in page.captured_queries if "pilots_" in q["sql"]]  # the panel comes after the page
    with CaptureQueriesContext(connection) as panel:
        assert client.get(reverse("reporting:pilots_panel")).status_code == 200
    # the login gate (4), the dashboard's scope (3), the panel's grouped figures (5), whatever the number of pilots
    assert len(panel.captured_queries) <= 12
