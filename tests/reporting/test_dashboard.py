from io import BytesIO

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import Enterprise
from measures.models import PolicyDocument, Progress
from reporting import rollup
from reporting.models import RollupRun
from tests.factories import make_officer
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")


@pytest.fixture
def rolled(users):
    make_enterprises(30)
    rollup.rollup_full_now()
    return users


@pytest.mark.parametrize("who", ["enterprise-yn", "enterprise-sx"])
def test_enterprise_users_are_refused(client, rolled, who):
    client.force_login(rolled[who])
    for url in (DASHBOARD, reverse("reporting:drilldown"), reverse("reporting:export"), reverse("reporting:runs")):
        assert client.get(url).status_code == 403
    assert client.post(reverse("reporting:refresh")).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_sasac_sees_their_province_figures(client, rolled):
    # given
    client.force_login(rolled["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    # when
    response = client.get(DASHBOARD)
    # then
    assert response.status_code == 200
    data = response.context["data"]
    headline = data["headline"]
    key = rollup.scope_key(province_id=yn.province_id, document_id=yn.pk)
    expected = rollup.RollupSnapshot.objects.get(day=timezone.localdate(), scope_key=key)
    assert headline["applicable"] == expected.applicable and headline["lagging"] == expected.lagging
    assert response.context["filters"].document == yn
    assert "云南省" in response.content.decode()
    assert {p["prefecture"].parent.code for p in data["prefectures"]} == {"530000"}
    assert data["map_file"] == "yunnan.json"
    # a Shaanxi filter value is not a choice for Yunnan's staff
    sx = PolicyDocument.objects.get(province__code="610000")
    response = client.get(DASHBOARD, {"document": sx.pk})
    assert response.context["filters"].document == yn
    assert "document" in response.context["form"].errors


def test_ownership_and_industry_together_are_answered_live(client, rolled):
    # (figures compared with an independent count: tests/reporting/test_dashboard_combined_filters.py)
    client.force_login(rolled["sasac-yn"])
    response = client.get(DASHBOARD, {"ownership": "private", "industry": "C"})
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["data"]["live"] and not response.context["data"]["unsupported"]


def test_filters_pick_the_stored_scope(client, rolled):
    client.force_login(rolled["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    response = client.get(DASHBOARD, {"document": yn.pk, "ownership": "private"})
    snap = rollup.RollupSnapshot.objects.get(
        day=timezone.localdate(), document=yn, ownership="private", prefecture=None, measure=None, industry=None
    )
    assert response.context["data"]["headline"]["applicable"] == snap.applicable


def test_officer_sees_only_the_prefectures_in_charge(client, rolled, kunming):
    # given an officer in charge of 昆明市
    client.force_login(rolled["officer-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    # when
    response = client.get(DASHBOARD)
    # then headline = Kunming's prefecture row, and only Kunming on the map
    data = response.context["data"]
    snap = rollup.RollupSnapshot.objects.get(
        day=timezone.localdate(), document=yn, prefecture=kunming, measure=None, ownership=None, industry=None
    )
    assert data["headline"]["applicable"] == snap.applicable
    assert [p["prefecture"] for p in data["prefectures"]] == [kunming]
    assert all(e["region"] == "昆明市" for e in data["lagging_enterprises"])
    # and another prefecture's figures are refused
    other = yn.province.children.exclude(pk=kunming.pk).first()
    assert client.get(DASHBOARD, {"prefecture": other.pk}).context["form"].errors.get("prefecture")


def test_officer_without_charge_in_a_province_is_refused(client, rolled):
    officer = make_officer("t-officer-none")
    client.force_login(officer)
    assert client.get(DASHBOARD).status_code == 403


def test_drilldown_explains_and_lists_the_enterprises(client, rolled):
    client.force_login(rolled["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    response = client.get(reverse("reporting:drilldown"), {"document": yn.pk, "figure": "lagging"})
    assert response.status_code == 200
    assert "90 天内没有任何推进更新" in response.content.decode()
    assert response.context["page"].paginator.count == response.context["figures"]["lagging"]
    response = client.get(reverse("reporting:drilldown"), {"document": yn.pk, "figure": "applicable"})
    assert response.context["page"].paginator.count == response.context["figures"]["applicable"]


def test_every_figure_downloads_as_excel(client, rolled):
    client.force_login(rolled["sasac-yn"])
    response = client.get(reverse("reporting:export"))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["概况", "按措施", "按州市", "措施×州市完成率", "趋势", "滞后企业"]
    headline = response.wsgi_request and client.get(DASHBOARD).context["data"]["headline"]
    rows = list(wb["概况"].iter_rows(values_only=True))
    assert rows[3][1] == headline["applicable"] and rows[3][10] == headline["lagging"]
    assert wb["滞后企业"].max_row - 1 == headline["lagging"]
    one = load_workbook(BytesIO(client.get(reverse("reporting:export"), {"panel": "measures"}).content))
    assert one.sheetnames == ["按措施"]


def test_refresh_now_records_a_run_and_enqueues_it(client, rolled, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from reform_portal.celery import app

    app.conf.task_always_eager = True
    try:
        client.force_login(rolled["sasac-yn"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reporting:refresh"))
        assert response.status_code == 302
        run = RollupRun.objects.order_by("-pk").first()
        assert run.requested_by == rolled["sasac-yn"] and run.province.code == "530000"
        run.refresh_from_db()
        assert run.status == "succeeded" and run.finished_at is not None
        page = client.get(DASHBOARD).content.decode()
        assert "t-sasac-yn" in page
    finally:
        app.conf.task_always_eager = False
    # officers may look but not ask for a refresh
    client.force_login(rolled["officer-yn"])
    assert client.post(reverse("reporting:refresh")).status_code == 403


@pytest.mark.parametrize("n", [10, 500])
def test_dashboard_query_count_is_bounded(client, users, n, django_assert_max_num_queries):
    # given n enterprises, rolled up
    make_enterprises(n, seed=n)
    rollup.rollup_full_now()
    client.force_login(users["sasac-yn"])
    # when the cache is cold, then warm (the county choices, and the provincial groups read live: none here, one
    # query; tests/reporting/test_dashboard_counties.py counts them with groups)
    # (+2 on every page: the login gate reads the account's state and second-factor devices, accounts/middleware.py)
    # (+2 on a cold cache: the visit noted for "自上次访问以来" and the navigation's unread count, docs/inbox.md)
    with django_assert_max_num_queries(23):
        assert client.get(DASHBOARD).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(DASHBOARD).status_code == 200


def test_lagging_table_lists_the_enterprises_lagging_now(client, rolled):
    # given the live definition's lagging enterprises
    from measures.applicability import enterprises_for_document
    from measures.lagging import lagging_enterprises

    yn = PolicyDocument.objects.get(province__code="530000")
    live = set(lagging_enterprises(enterprises_for_document(yn)).values_list("pk", flat=True))
    assert live
    # when the dashboard lists them
    client.force_login(rolled["sasac-yn"])
    rows = client.get(DASHBOARD).context["data"]["lagging_enterprises"]
    # then oldest first, 20 of the live list, each saying why
    assert {r["pk"] for r in rows} <= live
    assert len(rows) == min(len(live), 20)
    assert all(r["has_not_started"] or r["last_update"] is not None for r in rows)
    # and one that catches up (every measure started, updated now) leaves the list without waiting for a rollup
    caught_up = Enterprise.objects.get(pk=rows[0]["pk"])
    Progress.objects.filter(enterprise=caught_up).update(status="in_progress", percent=10, updated_at=timezone.now())
    cache.clear()
    rows = client.get(DASHBOARD).context["data"]["lagging_enterprises"]
    assert caught_up.pk not in {r["pk"] for r in rows}


def test_heat_map_cells_lead_to_their_drilldown(client, rolled):
    # given the heat map of Yunnan's document
    client.force_login(rolled["sasac-yn"])
    charts = client.get(DASHBOARD).context["charts"]
    heat = charts["heat"]
    assert heat["cells"] and len(heat["hrefs"]) == len(heat["cells"])
    # when a cell's link is followed
    x, y, value = heat["cells"][-1]
    response = client.get(heat["hrefs"][-1])
    # then it explains the completion rate of that prefecture and measure, with the enterprises behind it
    assert response.status_code == 200
    assert response.context["figure"] == "completion_rate"
    assert response.context["filters"].prefecture.pk == heat["prefecture_ids"][x]
    assert response.context["measure"].pk == heat["measure_ids"][y]
    assert round(response.context["figures"]["completion_rate"] * 100, 1) == value
    listed = response.context["page"].paginator.count
    assert listed == response.context["figures"]["done"] + response.context["figures"]["ongoing"]
