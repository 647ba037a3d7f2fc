"""The self-assessment overview costs what the page shows: with enough rows for the planner to choose (3,000
enterprises with this year's assessments from `generate_load`, analysed), the counts are read from the counts the
database keeps per place (no enterprise or assessment read), the page's ids by walking an index and stopping at the
page, and its rows and assessments by those ids; no query scans the enterprises or the assessments. The figures are
compared with a count made here from the rows, and every page costs the same number of queries."""

import json

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise
from reporting.assessments.models import Assessment, ReportingPeriod
from reporting.assessments.views.overview import OVERVIEW_PAGE_SIZE
from tests.factories import make_sasac

OVERVIEW = reverse("reporting:assessments:index")
ENTERPRISES = "enterprises_enterprise"
ASSESSMENTS = "assessments_assessment"


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def explain(sql: str) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def text_plan(sql: str) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def scans(plan, relation) -> list[str]:
    return [n["Node Type"] for n in nodes(plan) if n.get("Relation Name") == relation]


def reads(sql: str, table: str) -> bool:
    return f'"{table}"' in sql


def test_overview_reads_kept_counts_and_walks_indexes(client, loaded):
    period = ReportingPeriod.objects.get(province__code="530000", is_open=True)
    client.force_login(make_sasac("t-sasac-overview-plan"))
    province = Enterprise.objects.filter(region__parent_id=period.province_id)
    forms = dict(Assessment.objects.filter(period=period).values_list("enterprise_id", "status"))
    queries = []
    client.get(
        OVERVIEW, {"period": period.pk}
    )  # the navigation's unread-notice badge is counted once and kept (reform_portal/inbox): warm it first
    for params in ({}, {"page": 7}, {"state": "submitted"}, {"state": "not_filled", "page": 2}):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(OVERVIEW, {"period": period.pk, **params})
        assert response.status_code == 200
        page = response.context["page"]
        # the figures, against a count of the rows
        counts = {code: n for code, _label, n in response.context["counts"]}
        total = province.count()
        assert response.context["total"] == total > 3 * OVERVIEW_PAGE_SIZE
        for state, n in counts.items():
            assert n == sum(1 for e in province.values_list("pk", flat=True) if forms.get(e, "not_filled") == state)
        assert len(page.object_list) == OVERVIEW_PAGE_SIZE
        assert all(forms.get(e.pk, "not_filled") == e.state for e in page.object_list)
        if "state" in params:
            assert {e.state for e in page.object_list} == {params["state"]}
        # the queries
        sqls = [q["sql"] for q in ctx.captured_queries]
        counting = [s for s in sqls if "assessments_placecount" in s or "assessments_assessmentcount" in s]
        assert len(counting) == 2 and not any(reads(s, ENTERPRISES) or reads(s, ASSESSMENTS) for s in counting)
        ids = [s for s in sqls if s.startswith(f'SELECT "{ENTERPRISES}"."id" AS "pk" FROM') and "LIMIT 50" in s]
        assert len(ids) == 1, sqls
        assert explain(ids[0])["Node Type"] == "Limit"
        for sql in sqls:
            if reads(sql, ENTERPRISES) or reads(sql, ASSESSMENTS):
                plan = explain(sql)
                # the assessments: by the enterprises' ids, never all of the period's
                assert "Seq Scan" not in scans(plan, ASSESSMENTS), (params, sql, text_plan(sql))
                if sql not in ids:  # the page's rows by their ids
                    assert "Seq Scan" not in scans(plan, ENTERPRISES), (params, sql, text_plan(sql))
        queries.append(len(sqls))
    # every page and filter: the same number of queries
    assert len(set(queries)) == 1, queries
