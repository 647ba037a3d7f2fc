"""The enterprise list's queries cost what the page shows: with enough rows for the planner to choose (3,000
enterprises, ~40,000 progress rows, analysed), the plans of the list's queries for page 1, `?lagging=true` and
`?document=…&status=…` never group the progress table (the figures are read for the page's 25 rows, by index), and
the lagging filter reads the summaries the database keeps instead of progress."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

PROGRESS = "measures_progress"
SUMMARY = "reporting_progresssummary"
GROUPING = {"HashAggregate", "GroupAggregate"}


@pytest.fixture
def loaded(db):
    call_command("generate_load", enterprises=3000, stdout=open("/dev/null", "w"))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {SUMMARY}")


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def grouping_node(node) -> bool:
    """A node that groups and computes figures per group (count, avg, max, sum): what annotating every enterprise
    of a province with its progress figures costs. PostgreSQL may also group the keys of an EXISTS to run it as a
    join (no figure in its output): that reads only the rows the filter matches, by index, and is allowed."""
    grouping = node["Node Type"] in GROUPING or (node["Node Type"] == "Aggregate" and node.get("Strategy") != "Plain")
    figures = ("count(", "avg(", "max(", "sum(")
    return grouping and any(f in out.lower() for out in node.get("Output", []) for f in figures)


def explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def list_queries(client, params) -> list[str]:
    """The SQL the list page ran that reads enterprises or progress (not sessions, accounts, selects)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/enterprises/", params)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    return [q["sql"] for q in ctx.captured_queries if "enterprises_enterprise" in q["sql"] or PROGRESS in q["sql"]]


def groups_progress(plan) -> bool:
    """Whether a grouping node of `plan` reads the progress table below it."""
    return any(
        grouping_node(node) and any(n.get("Relation Name") == PROGRESS for n in nodes(node)) for node in nodes(plan)
    )


# One load for the three cases: generating 3,000 enterprises is the slow part of this test.
CASES = {
    "page 1": {},
    "lagging": {"lagging": "true"},
    "document and status": {"document": "yn-2022-21", "status": "not_started"},
}


def test_list_queries_never_group_the_progress_table(client, users, loaded):
    client.force_login(users["sasac-yn"])
    for case, params in CASES.items():
        queries = list_queries(client, params)
        page_sql = [q for q in queries if "LIMIT 25" in q and "GROUP BY" not in q]
        figures_sql = [q for q in queries if "GROUP BY" in q]
        assert len(page_sql) == 1 and len(figures_sql) == 1, (case, queries)
        for sql in queries:
            plan = explain(sql)
            if sql in figures_sql:
                # the figures of the page's 25 rows: progress read by index for those ids, grouped for them only
                scans = [n for n in nodes(plan) if n.get("Relation Name") == PROGRESS]
                assert scans and all("Index" in n["Node Type"] for n in scans), (case, sql, plan)
            else:
                assert not groups_progress(plan), (case, sql, plan)
            # progress, wherever a query reads it, is read by index, never scanned whole
            assert not any(n.get("Relation Name") == PROGRESS and n["Node Type"] == "Seq Scan" for n in nodes(plan)), (
                case,
                sql,
                plan,
            )
        assert any("Index" in n["Node Type"] for n in nodes(explain(page_sql[0]))), case
        if params.get("lagging"):
            # the one lagging rule over the summaries the database keeps, not recomputed from progress
            page = list(nodes(explain(page_sql[0])))
            assert any(n.get("Relation Name") == SUMMARY for n in page), case
            assert not any(n.get("Relation Name") == PROGRESS for n in page), case
