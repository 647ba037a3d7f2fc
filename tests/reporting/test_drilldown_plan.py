"""The dashboard's drill-downs cost what the page shows: with enough rows for the planner to choose (3,000
enterprises, ~37,000 progress rows, analysed), the lagging drill-down of a province and a heat-map cell's drill-down
(prefecture × measure) read the page's ids by walking an index and stopping at the page, the page's rows by their
ids, never scan the progress table, and judge lagging from the summaries the database keeps (no progress row read).
The heat-map cell's count uses the prefecture's index (the access narrowing does not hide it)."""

import json

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Region
from measures.models import Measure, PolicyDocument
from tests.factories import make_sasac

PROGRESS = "measures_progress"
ENTERPRISES = "enterprises_enterprise"
SUMMARY = "reporting_progresssummary"
DRILL = reverse("reporting:drilldown")


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def explain(sql: str, *settings: str) -> dict:
    """The plan of `sql`, with planner `settings` (e.g. "enable_seqscan = off") for this one statement."""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def scans(plan, relation) -> list[str]:
    return [n["Node Type"] for n in nodes(plan) if n.get("Relation Name") == relation]


def drill_queries(client, params) -> dict[str, str]:
    """The drill-down's queries over enterprises: {"count": …, "ids": …, "rows": …}."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DRILL, params)
    assert response.status_code == 200
    page = response.context["page"]
    assert len(page.object_list) == 50 and page.paginator.count > 50
    sqls = [q["sql"] for q in ctx.captured_queries if f'FROM "{ENTERPRISES}"' in q["sql"]]
    found = {
        "count": [s for s in sqls if s.startswith("SELECT COUNT(*)")],
        "ids": [s for s in sqls if s.startswith(f'SELECT "{ENTERPRISES}"."id" AS "pk"') and "LIMIT 50" in s],
        "rows": [s for s in sqls if f'"{ENTERPRISES}"."name"' in s and '"id" IN (' in s],
    }
    assert all(len(v) == 1 for v in found.values()), sqls
    return {k: v[0] for k, v in found.items()}


def test_lagging_and_heat_map_cell_drilldowns_walk_indexes(client, loaded):
    yn = PolicyDocument.objects.get(province__code="530000")
    prefecture = Region.objects.get(code="530100")
    measure = Measure.objects.tracked().filter(document=yn, scope__ownership__isnull=True).order_by("position")[0]
    client.force_login(make_sasac("t-sasac-plan"))
    cases = {
        "lagging": {"province": "530000", "document": yn.pk, "figure": "lagging"},
        "heat-map cell": {
            "province": "530000",
            "document": yn.pk,
            "prefecture": prefecture.pk,
            "figure": "completion_rate",
            "measure": measure.pk,
        },
    }
    for name, params in cases.items():
        queries = drill_queries(client, params)
        plans = {kind: explain(sql) for kind, sql in queries.items()}
        for kind, plan in plans.items():
            # never a scan of the progress table: lagging reads the summaries, a cell one row per enterprise by index
            assert "Seq Scan" not in scans(plan, PROGRESS), (name, kind)
            if name == "lagging":
                assert scans(plan, PROGRESS) == [], (name, kind)
        # the page: its ids by an index (the province's lagging: the primary key's, walked until the page is full;
        # a cell: the prefecture's), its rows by their ids
        assert plans["ids"]["Node Type"] == "Limit"
        assert scans(plans["ids"], ENTERPRISES) and "Seq Scan" not in scans(plans["ids"], ENTERPRISES), name
        if name == "lagging":
            assert scans(plans["ids"], ENTERPRISES) == ["Index Scan"], plans["ids"]
        assert "Seq Scan" not in scans(plans["rows"], ENTERPRISES), name
        if name == "lagging":
            assert scans(plans["ids"], SUMMARY) and "Seq Scan" not in scans(plans["ids"], SUMMARY)
        else:  # the prefecture's rows by its index, not the province's
            assert "Seq Scan" not in scans(plans["count"], ENTERPRISES), plans["count"]


def test_deep_page_reads_ids_only(client, loaded):
    """Page 20 of the lagging drill-down: the query that skips reads the ids (and the columns of the filters), from
    the nearer end of the list, and only the 50 rows shown are read whole with their region and county."""
    yn = PolicyDocument.objects.get(province__code="530000")
    client.force_login(make_sasac("t-sasac-deep"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DRILL, {"province": "530000", "document": yn.pk, "figure": "lagging", "page": 20})
    assert response.status_code == 200 and response.context["page"].number == 20
    count = response.context["page"].paginator.count
    # rows 951-1000: skipped from the start (OFFSET 950) or, past the middle, from the end in reverse
    offset = 950 if 950 <= count / 2 else count - 1000
    skipping = [q["sql"] for q in ctx.captured_queries if q["sql"].endswith(f"LIMIT 50 OFFSET {offset}")]
    assert len(skipping) == 1 and skipping[0].startswith(f'SELECT "{ENTERPRISES}"."id" AS "pk" FROM')
    assert 'enterprises_region"."name' not in skipping[0]


def test_lagging_is_one_moment_compared_with_the_database_clock(client, loaded):
    """The lagging drill-down's count and ids join the summary and compare its
    `lagging_from` with the database's clock, so the count's SQL is the same on every request (reform_portal.paging
    caches a large count by its SQL). At 3,000 enterprises that nearly all lag a scan of the summary is as cheap as
    an index, so with scans priced out the planner must find an index path: the summary by index, no progress."""
    yn = PolicyDocument.objects.get(province__code="530000")
    client.force_login(make_sasac("t-sasac-moment"))
    params = {"province": "530000", "document": yn.pk, "figure": "lagging"}
    first, second = drill_queries(client, params), drill_queries(client, params)
    assert first["count"] == second["count"] and first["ids"] == second["ids"]
    for kind in ("count", "ids"):
        sql = first[kind]
        assert f'"{SUMMARY}"."lagging_from" <= (STATEMENT_TIMESTAMP())' in sql
        plan = explain(sql, "enable_seqscan = off")
        assert scans(plan, SUMMARY) and "Seq Scan" not in scans(plan, SUMMARY), (kind, plan)
        assert scans(plan, PROGRESS) == [], (kind, plan)
