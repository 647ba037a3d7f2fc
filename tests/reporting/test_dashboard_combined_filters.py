"""The dashboard's filters in any combination (document, prefecture, county, ownership or "all state-owned",
supervision level, industry, size class): every panel's figures equal a count made here in plain Python over the
rows (tests/reporting/tally_oracle.py's `applies` and `meets`, written out independently of the rules under test);
each drill-down lists every enterprise behind its figure, as many as it says, with its status and percent, sorted
as asked and exported as shown; the lagging panel's count equals the rows it lists."""

import itertools
import random
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.choices import Industry, Ownership, RegionLevel, SizeClass, SupervisionLevel, Supervisor
from enterprises.models import Enterprise, Region
from measures.choices import TRACKED_ADDRESSEES, Comparison, Status
from measures.lagging import LAGGING_DAYS
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress
from reform_portal.jobs.models import Job
from reporting import rollup
from reporting.exports import dashboard_export_write
from tests.factories import EnterpriseFactory
from tests.reporting.tally_oracle import applies, meets

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")
DRILL = reverse("reporting:drilldown")
EXPORT = reverse("reporting:drilldown_export")
STATE = {Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED}
STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.ONGOING]
LABELS = {s.value: str(s.label) for s in Status}


@pytest.fixture
def world(users):
    """Enterprises across ownership × supervision level × industry × size in three prefectures of Yunnan (some of
    Kunming's in a county), with progress (some stale, some missing) and this year's indicator values; rolled up."""
    rng = random.Random(13)
    prefectures = list(Region.objects.filter(parent__code="530000").order_by("code")[:3])
    kunming = prefectures[0]
    counties = list(Region.objects.filter(parent=kunming, level=RegionLevel.COUNTY).order_by("code")[:2])
    kinds = [
        *((o, s) for o in (Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED) for s in ("provincial", "municipal")),
        (Ownership.STATE_SOLE, SupervisionLevel.COUNTY),
        (Ownership.PRIVATE, SupervisionLevel.NONE),
        (Ownership.COLLECTIVE, SupervisionLevel.NONE),
    ]
    industries = [Industry.B, Industry.C, Industry.D]
    sizes = [SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL]
    made = []
    for n, ((ownership, level), industry, size) in enumerate(itertools.product(kinds, industries, sizes)):
        prefecture = prefectures[n % 3]
        county = counties[n % 2] if prefecture == kunming and n % 4 else None
        made.append(
            EnterpriseFactory(
                name=f"组合筛选企业{n:03d}",
                region=prefecture,
                county=county,
                ownership=ownership,
                supervision_level=level,
                supervisor=Supervisor.SASAC if level != SupervisionLevel.NONE else "",
                industry=industry,
                size_class=size,
                employees=rng.choice([600, 1200]),
                above_scale=rng.random() < 0.6,
                has_board=rng.random() < 0.6,
            )
        )
    enterprises = list(Enterprise.objects.filter(pk__in=[e.pk for e in made]).select_related("region"))
    measures = list(Measure.objects.tracked().filter(document__province__code="530000").select_related("scope"))
    rows = []
    for e in enterprises:
        asked = [m for m in measures if applies(m.scope, e)]
        for k, m in enumerate(asked):
            if k and rng.random() < 0.1:  # a few missing: counted as 未启动 (the first kept: every one has a row)
                continue
            status = rng.choice(STATUSES)
            percent = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: rng.randint(1, 99)}.get(status, 100)
            rows.append(Progress(enterprise=e, measure=m, status=status, percent=percent))
    models.QuerySet(Progress).bulk_create(rows, batch_size=2000)
    stale = [e.pk for e in enterprises if rng.random() < 0.4]
    old = timezone.now() - timedelta(days=LAGGING_DAYS + 5)
    models.QuerySet(Progress).filter(enterprise_id__in=stale).update(updated_at=old)
    year = timezone.localdate().year
    values = []
    for indicator in Indicator.objects.filter(measure__document__province__code="530000").exclude(
        comparison=Comparison.INFO
    ):
        for e in enterprises:
            if rng.random() < 0.7:
                target = indicator.target if indicator.target is not None else Decimal(1)
                value = rng.choice([target, target + 1, target - 1, Decimal(0)])
                values.append(IndicatorValue(enterprise=e, indicator=indicator, year=year, value=value))
    IndicatorValue.objects.bulk_create(values, batch_size=2000)
    rollup.rollup_full_now()
    return {"users": users, "kunming": kunming, "counties": counties, "prefectures": prefectures}


# The independent count ------------------------------------------------------------------------------------------


def matches(e, f: dict) -> bool:
    """The filters of a query string, written out."""
    ownership = f.get("ownership")
    return (
        (not f.get("prefecture") or e.region_id == f["prefecture"])
        and (not f.get("county") or e.county_id == f["county"])
        and (not ownership or (e.ownership in STATE if ownership == "state" else e.ownership == ownership))
        and (not f.get("supervision_level") or e.supervision_level == f["supervision_level"])
        and (not f.get("industry") or e.industry == f["industry"])
        and (not f.get("size_class") or e.size_class == f["size_class"])
    )


def oracle(document, f: dict) -> dict:
    """Every figure the page shows for the filters `f`, counted row by row."""
    now = timezone.now()
    measures = list(Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    every_measure = {m.pk: m for m in Measure.objects.select_related("scope")}
    enterprises = [
        e
        for e in Enterprise.objects.filter(region__parent=document.province).select_related("region")
        if applies(document.scope, e) and matches(e, f)
    ]
    ids = {e.pk for e in enterprises}
    progress = {(p.enterprise_id, p.measure_id): p for p in Progress.objects.filter(enterprise_id__in=ids)}
    year = timezone.localdate().year
    values = {
        (v.enterprise_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(enterprise_id__in=ids, year=year)
    }
    indicators = list(
        Indicator.objects.filter(measure__in=measures).exclude(comparison=Comparison.INFO).select_related("scope")
    )

    def lags(e) -> bool:
        mine = [p for (eid, mid), p in progress.items() if eid == e.pk and applies(every_measure[mid].scope, e)]
        if not mine:
            return False
        last = max(p.updated_at for p in mine)
        return any(p.status == Status.NOT_STARTED for p in mine) or last < now - timedelta(days=LAGGING_DAYS)

    def figures(group, only=None) -> dict | None:
        if not group:
            return None
        counts = dict.fromkeys(STATUSES, 0)
        records = percent = met = targets = 0
        for e in group:
            for m in measures:
                if (only is not None and m.pk != only) or not applies(m.scope, e):
                    continue
                records += 1
                p = progress.get((e.pk, m.pk))
                counts[p.status if p else Status.NOT_STARTED] += 1
                percent += p.percent if p else 0
            for i in indicators:
                if (only is None or i.measure_id == only) and applies(i.scope, e):
                    targets += 1
                    met += meets(i.comparison, i.target, values.get((e.pk, i.pk)))
        done = counts[Status.DONE] + counts[Status.ONGOING]
        return {
            "applicable": len(group),
            "records": records,
            "not_started": counts[Status.NOT_STARTED],
            "in_progress": counts[Status.IN_PROGRESS],
            "done": counts[Status.DONE],
            "ongoing": counts[Status.ONGOING],
            "completion_rate": done / records if records else None,
            "mean_percent": percent / records if records else None,
            "attainment_rate": met / targets if targets else None,
            "lagging": sum(1 for e in group if lags(e)),
        }

    by_prefecture: dict[int, list] = {}
    by_county: dict[int, list] = {}
    for e in enterprises:
        by_prefecture.setdefault(e.region_id, []).append(e)
        if e.county_id:
            by_county.setdefault(e.county_id, []).append(e)
    return {
        "enterprises": enterprises,
        "progress": progress,
        "headline": figures(enterprises),
        "measures": {m.pk: figures(enterprises, m.pk) for m in measures},
        "prefectures": {pk: figures(group) for pk, group in by_prefecture.items()},
        "heat": {(p, m.pk): figures(group, m.pk) for p, group in by_prefecture.items() for m in measures},
        "counties": {pk: figures(group) for pk, group in by_county.items()},
        "lagging": sorted(e.pk for e in enterprises if lags(e)),
        "asked": {m.pk: [e for e in enterprises if applies(m.scope, e)] for m in measures},
    }


KEYS = ("applicable", "records", "not_started", "in_progress", "done", "ongoing", "lagging")
RATES = ("completion_rate", "mean_percent", "attainment_rate")


def assert_same(actual: dict | None, expected: dict | None, where):
    if expected is None or expected["records"] == 0 and actual is None:
        assert actual is None or actual["applicable"] == 0, where
        return
    assert actual is not None, where
    for key in KEYS:
        assert actual[key] == expected[key], (where, key, actual[key], expected[key])
    for key in RATES:
        a, e = actual[key], expected[key]
        assert (a is None) == (e is None) and (a is None or abs(a - e) < 1e-9), (where, key, a, e)


def pct(rate):
    return None if rate is None else round(rate * 100, 1)


def combinations(world):
    kunming, county = world["kunming"], world["counties"][0]
    return [
        {"ownership": "state", "industry": Industry.C},
        {"ownership": Ownership.STATE_SOLE, "supervision_level": SupervisionLevel.MUNICIPAL},
        {"ownership": "state", "supervision_level": SupervisionLevel.PROVINCIAL, "size_class": SizeClass.LARGE},
        {"ownership": Ownership.PRIVATE, "industry": Industry.B, "prefecture": kunming.pk},
        {"supervision_level": SupervisionLevel.COUNTY},
        {"size_class": SizeClass.SMALL, "industry": Industry.D},
        {"county": county.pk, "ownership": "state"},
        {"prefecture": kunming.pk},  # the stored rollup's (a place only)
    ]


# The figures -----------------------------------------------------------------------------------------------------


def test_every_panel_equals_an_independent_count_for_each_combination(client, world):
    client.force_login(world["users"]["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    for f in combinations(world):
        # when the dashboard is filtered by the combination
        response = client.get(DASHBOARD, {"document": yn.pk, **f})
        assert response.status_code == 200 and not response.context["form"].errors, f
        data = response.context["data"]
        expected = oracle(yn, f)
        assert expected["enterprises"], f  # every combination holds enterprises
        assert data.get("live", False) == bool(set(f) - {"prefecture", "county"}), f
        # then the headline, each measure, each prefecture (map and table), each heat-map cell and each county
        assert_same(data["headline"], expected["headline"], (f, "headline"))
        shown = {item["measure"].pk: item["figures"] for item in data["measures"]}
        for pk, figures in expected["measures"].items():
            if figures["records"]:
                assert_same(shown.get(pk), figures, (f, "measure", pk))
        prefectures = {item["prefecture"].pk: item["figures"] for item in data["prefectures"]}
        if not f.get("prefecture") and not f.get("county"):  # the map shows the province's prefectures
            assert set(prefectures) == set(expected["prefectures"]), f
            for pk, figures in expected["prefectures"].items():
                assert_same(prefectures[pk], figures, (f, "prefecture", pk))
            heat = data["heat"]
            cells = {(heat["prefecture_ids"][x], heat["measure_ids"][y]): v for x, y, v in heat["cells"]}
            expected_cells = {k: pct(v["completion_rate"]) for k, v in expected["heat"].items() if v["records"]}
            assert cells == expected_cells, f
        if data.get("live"):
            regions = {r["prefecture"].pk: r for r in data["regions"]}
            for pk, figures in expected["prefectures"].items():
                assert_same(regions[pk]["figures"], figures, (f, "region", pk))
            counties = {c["county"].pk: c["figures"] for r in data["regions"] for c in r["counties"]}
            assert set(counties) == set(expected["counties"]), f
            for pk, figures in expected["counties"].items():
                assert_same(counties[pk], figures, (f, "county", pk))
        # and the lagging panel: its count, its rows, and the independent count
        assert data["lagging_count"] == len(expected["lagging"]), f
        assert len(data["lagging_enterprises"]) == min(20, len(expected["lagging"])), f
        assert {r["pk"] for r in data["lagging_enterprises"]} <= set(expected["lagging"]), f
        html = response.content.decode()
        assert f'<span id="lagging-count">{len(expected["lagging"])}</span>' in html


def test_the_page_says_which_panel_is_not_filtered(client, world):
    client.force_login(world["users"]["sasac-yn"])
    response = client.get(DASHBOARD, {"ownership": "state", "industry": Industry.C})
    html = response.content.decode()
    assert 'id="live-note"' in html and "全部国有企业" in html and "制造业" in html
    assert response.context["data"]["trend_note"] in html
    # the filters' choices: all state-owned, the supervision levels and the size classes
    form = response.context["form"]
    assert ("state", "全部国有企业（国有独资和国有控股）") in [(k, str(v)) for k, v in form.fields["ownership"].choices]
    assert {k for k, _v in form.fields["supervision_level"].choices} >= {"central", "provincial", "municipal"}
    assert {k for k, _v in form.fields["size_class"].choices} >= {"large", "small"}


# The drill-downs -------------------------------------------------------------------------------------------------


def every_row(client, params) -> list:
    rows, number = [], 1
    while True:
        response = client.get(DRILL, {**params, "page": number})
        assert response.status_code == 200
        page = response.context["page"]
        rows += list(page.object_list)
        if not page.has_next():
            return rows
        number += 1


def test_drilldowns_list_every_enterprise_behind_the_figure_with_status_and_percent(client, world):
    client.force_login(world["users"]["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    f = {"ownership": "state", "industry": Industry.C}
    expected = oracle(yn, f)
    params = {"document": yn.pk, **f}
    # the applicable enterprises: all of them, each with its measures done of those that apply
    rows = every_row(client, {**params, "figure": "applicable"})
    assert sorted(e.pk for e in rows) == sorted(e.pk for e in expected["enterprises"])
    response = client.get(DRILL, {**params, "figure": "applicable"})
    assert response.context["page"].paginator.count == len(expected["enterprises"])
    # a measure's completion rate: every enterprise asked the measure, with its own status and percent
    measure_pk, asked = max(expected["asked"].items(), key=lambda kv: len(kv[1]))
    response = client.get(DRILL, {**params, "figure": "completion_rate", "measure": measure_pk})
    page = response.context["page"]
    assert page.paginator.count == len(asked) == expected["measures"][measure_pk]["records"]
    assert sorted(e.pk for e in page.object_list) == sorted(e.pk for e in asked)
    html = response.content.decode()
    assert f'data-count="{len(asked)}"' in html
    for e in page.object_list:
        p = expected["progress"].get((e.pk, measure_pk))
        assert e.standing == (LABELS[p.status] if p else "未启动", f"{p.percent if p else 0}%"), e.pk
    # the figure's own numbers are those of the rows listed
    figures = response.context["figures"]
    done = sum(1 for e in page.object_list if e.standing[0] in (LABELS["done"], LABELS["ongoing"]))
    assert figures["records"] == page.paginator.count and figures["done"] + figures["ongoing"] == done
    # the done ones alone
    response = client.get(DRILL, {**params, "figure": "done", "measure": measure_pk})
    assert response.context["page"].paginator.count == expected["measures"][measure_pk]["done"]
    assert all(e.standing[0] == LABELS["done"] for e in response.context["page"].object_list)
    # the lagging: as many as the panel says
    lagging = every_row(client, {**params, "figure": "lagging"})
    assert sorted(e.pk for e in lagging) == expected["lagging"]


def test_drilldown_sorts_by_name_status_and_percent(client, world):
    client.force_login(world["users"]["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    f = {"ownership": "state"}
    expected = oracle(yn, f)
    measure_pk = max(expected["asked"].items(), key=lambda kv: len(kv[1]))[0]
    params = {"document": yn.pk, **f, "figure": "completion_rate", "measure": measure_pk}
    rank = {LABELS[s]: n for n, s in enumerate(STATUSES)}

    def listed(sort):
        return every_row(client, {**params, "sort": sort})

    by_percent = [int(e.standing[1].rstrip("%")) for e in listed("-percent")]
    assert by_percent == sorted(by_percent, reverse=True) and len(set(by_percent)) > 1
    by_status = [rank[e.standing[0]] for e in listed("status")]
    assert by_status == sorted(by_status) and len(set(by_status)) > 1
    by_name = [e.name for e in listed("name")]
    assert by_name == sorted(by_name)
    assert len(by_name) == len(expected["asked"][measure_pk])
    # the headline's drill-down sorts by measures done
    rows = every_row(client, {"document": yn.pk, **f, "figure": "applicable", "sort": "-status"})
    done = [int(e.standing[0].split("/")[0]) for e in rows]
    assert done == sorted(done, reverse=True)
    # the header links flip the direction of the sort shown
    response = client.get(DRILL, {**params, "sort": "percent"})
    assert "sort=-percent" in response.context["sorts"]["percent"]["href"]


def test_drilldown_export_holds_the_rows_shown(client, world, settings):
    client.force_login(world["users"]["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    f = {"ownership": "state", "size_class": SizeClass.LARGE}
    expected = oracle(yn, f)
    measure_pk = max(expected["asked"].items(), key=lambda kv: len(kv[1]))[0]
    params = {"document": yn.pk, **f, "figure": "completion_rate", "measure": measure_pk, "sort": "-percent"}
    shown = every_row(client, params)
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))[2:]
    assert [r[0] for r in table] == [e.name for e in shown]
    assert [(r[8], r[9]) for r in table] == [e.standing for e in shown]
    # above the one threshold, a job writes the same rows
    settings.EXPORT_JOB_THRESHOLD_ROWS = 2
    response = client.get(EXPORT, params)
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert job.kind == Job.Kind.DASHBOARD_EXPORT and job.parameters["drilldown"]["figure"] == "completion_rate"
    out = BytesIO()
    written, name = dashboard_export_write(user=world["users"]["sasac-yn"], parameters=job.parameters, out=out)
    assert written == len(shown) and name.endswith(".xlsx")
    table = list(load_workbook(BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))[2:]
    assert [r[0] for r in table] == [e.name for e in shown]


def test_the_lagging_header_counts_the_rows_listed(client, world):
    client.force_login(world["users"]["sasac-yn"])
    yn = PolicyDocument.objects.get(province__code="530000")
    f = {"ownership": Ownership.PRIVATE}
    # given two enterprises up to date (every measure started, updated now)
    fresh = oracle(yn, f)["enterprises"][:2]
    models.QuerySet(Progress).filter(enterprise__in=fresh).update(
        status=Status.IN_PROGRESS, percent=50, updated_at=timezone.now()
    )
    before = client.get(DASHBOARD, {"document": yn.pk, **f}).context["data"]
    assert before["lagging_count"] == len(oracle(yn, f)["lagging"])
    assert len(before["lagging_enterprises"]) == min(20, before["lagging_count"])
    # when they start lagging after the rollup (their progress stale)
    old = timezone.now() - timedelta(days=LAGGING_DAYS + 1)
    models.QuerySet(Progress).filter(enterprise__in=fresh).update(updated_at=old)
    # then until the next rollup the header and its rows stay as they were read, together (one statement, cached
    # with the figures: a warm page reads no growing table)
    cached = client.get(DASHBOARD, {"document": yn.pk, **f}).context["data"]
    assert cached["lagging_count"] == before["lagging_count"]
    assert [r["pk"] for r in cached["lagging_enterprises"]] == [r["pk"] for r in before["lagging_enterprises"]]
    # and after it (a new generation of the cache) they move together, to the independent count and to the rows
    # of the drill-down behind them
    cache.clear()
    after = client.get(DASHBOARD, {"document": yn.pk, **f}).context["data"]
    expected = oracle(yn, f)["lagging"]
    assert after["lagging_count"] == len(expected) == before["lagging_count"] + 2
    assert len(after["lagging_enterprises"]) == min(20, len(expected))
    assert after["lagging_count"] == len(every_row(client, {"document": yn.pk, **f, "figure": "lagging"}))


# The cost ---------------------------------------------------------------------------------------------------------


def test_live_figures_cost_the_same_queries_at_any_size(client, users):
    from tests.reporting.rollup_data import make_enterprises

    client.force_login(users["sasac-yn"])
    params = {"ownership": "state", "industry": Industry.C, "size_class": SizeClass.LARGE}
    counts = []
    for n, seed in ((10, 1), (150, 2)):
        make_enterprises(n, seed=seed, province_codes=("530000",))
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(DASHBOARD, params)
        assert response.context["data"]["live"] and response.context["data"]["headline"]
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_live_computation_that_times_out_says_so(client, users, monkeypatch):
    from reporting import selectors
    from reporting.live import LiveTooSlow

    def too_slow(**kwargs):
        raise LiveTooSlow

    monkeypatch.setattr(selectors, "live_rows", too_slow)
    client.force_login(users["sasac-yn"])
    response = client.get(DASHBOARD, {"ownership": "state", "industry": Industry.C})
    assert response.status_code == 200
    assert 'id="filters-too-slow"' in response.content.decode()
    assert response.context["data"]["headline"] is None
