"""The enterprise list's queries cost what the page shows: with enough rows for the planner to choose (3,000
enterprises, ~40,000 progress rows, analysed), the plans of the list's queries for page 1, `?lagging=true`,
`?document=…&status=…` and the sorts by a progress figure never group or scan the progress table (the figures are the
summaries the database keeps, joined for the page's 25 ids), the lagging filter and the figure sorts read the
summaries instead of progress, and a figure sort walks the summary's index."""

import json

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

PROGRESS = "measures_progress"
SUMMARY = "reporting_progresssummary"
GROUPING = {"HashAggregate", "GroupAggregate"}


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


def explain(sql: str, *settings: str) -> dict:
    """The plan of `sql`, with planner `settings` (e.g. "enable_sort = off") for this one statement."""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
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


def scans(plan, relation) -> list[str]:
    return [n["Node Type"] for n in nodes(plan) if n.get("Relation Name") == relation]


# One load for every case: generating 3,000 enterprises is the slow part of this test.
CASES = {
    "page 1": {},
    "lagging": {"lagging": "true"},
    "document and status": {"document": "yn-2022-21", "status": "not_started"},
    "status alone": {"status": "in_progress"},
    "sorted by done": {"sort": "-done"},
    "sorted by mean percent, a deep page": {"sort": "percent", "page": "30"},
    "sorted by last update": {"sort": "-updated"},
}
FIGURE_SORTS = {"sorted by done", "sorted by mean percent, a deep page", "sorted by last update"}


def test_list_queries_never_group_or_scan_the_progress_table(loaded, client, users):
    from django.core.cache import cache

    cache.clear()  # a count kept by an earlier test of the same SQL would leave the count query out
    client.force_login(users["sasac-yn"])
    for case, params in CASES.items():
        queries = list_queries(client, params)
        # the count, the page's ids (sorted, LIMIT 25), then the page's rows and figures by those ids
        ids_sql = [q for q in queries if "LIMIT 25" in q]
        count_sql = [q for q in queries if q.startswith("SELECT COUNT(*)")]
        rows_sql = [q for q in queries if 'WHERE "enterprises_enterprise"."id" IN (' in q and SUMMARY in q]
        # a page by its number beyond page 1 also counts the part it starts in (to read it from its nearer end);
        # `?status=` / `?document=` alone read the counts kept per place (enterprises/list_counts.py) instead
        kept = bool(params) and set(params) <= {"status", "document"}
        assert len(count_sql) == (2 if "page" in params else 0 if kept else 1), (case, queries)
        assert len(ids_sql) == len(rows_sql) == 1, (case, queries)
        assert "GROUP BY" not in " ".join(queries), case
        for sql in queries:
            plan = explain(sql)
            assert not groups_progress(plan), (case, sql, plan)
            # progress, wherever a query reads it (document, status), is read by index, never scanned whole
            assert "Seq Scan" not in scans(plan, PROGRESS), (case, sql, plan)
        # the ids query selects the ids alone: no region, county, parent or figures for the rows it skips
        assert ids_sql[0].startswith('SELECT "enterprises_enterprise"."id" AS "pk" FROM'), (case, ids_sql[0])
        # the page's rows: by their ids, through the primary key's index, figures joined from the summaries (the
        # parent companies, few at this size, may be hashed whole: only the listed enterprises' alias is checked)
        rows_plan = explain(rows_sql[0])
        listed = [n["Node Type"] for n in nodes(rows_plan) if n.get("Alias") == "enterprises_enterprise"]
        assert listed and all("Index" in t for t in listed), (case, rows_plan)
        assert SUMMARY in rows_sql[0] and PROGRESS not in rows_sql[0], case
        if params.get("lagging"):
            # the rule's one moment per enterprise (measures.lagging.lagging_from) compared with the database's
            # clock: the count's SQL is the same every time
            for sql in (ids_sql[0], count_sql[0]):
                assert f'"{SUMMARY}"."lagging_from" <= (STATEMENT_TIMESTAMP())' in sql, (case, sql)
        if params.get("lagging") or case in FIGURE_SORTS:
            # the one lagging rule, or the sort, over the summaries the database keeps, not computed from progress
            ids_plan = explain(ids_sql[0])
            assert scans(ids_plan, SUMMARY), (case, ids_plan)
            assert not scans(ids_plan, PROGRESS), (case, ids_plan)
        if case in FIGURE_SORTS:
            # ORDER BY … LIMIT can walk the summary's index of the figure and stop after the page, with no sort of
            # the province's rows. At 3,000 enterprises sorting ~1,700 rows is as cheap, and the planner may do so;
            # with sorting priced out it must find the index-ordered plan (a LEFT JOIN's order, or a figure without
            # an index, has none). At 100,000 it chooses that plan by itself (docs/performance/lists.md).
            ids_plan = explain(ids_sql[0], "enable_sort = off")
            assert any("Index" in t for t in scans(ids_plan, SUMMARY)), (case, ids_plan)
            assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes(ids_plan)), (case, ids_plan)
        if case == "status alone":
            # the per-status counts of the summaries, not an EXISTS over progress
            assert SUMMARY in ids_sql[0] and PROGRESS not in ids_sql[0] + " ".join(count_sql), case


def test_default_order_walks_each_prefecture_on_its_index_and_seeks_the_next_page(loaded, client, users, monkeypatch):
    """A province-sized list in the default order (prefecture code, then name) reads page 1 on the index
    `(region, name, id)` of its first prefecture and stops after 25 rows (no sort of the prefecture); "next" seeks
    from the boundary row on that index (`(name, id) > (…)` in the index condition, no OFFSET). 3,000 enterprises
    are fewer than a list must hold to be walked so (`COUNT_CACHED_FROM`): that bound is lowered here."""
    from django.core.cache import cache

    from enterprises import filters

    cache.clear()
    monkeypatch.setattr(filters, "COUNT_CACHED_FROM", 100)
    client.force_login(users["sasac-yn"])
    for params in ({}, {"document": "yn-2022-21"}, {"status": "not_started"}):
        first = client.get("/enterprises/", params)
        boundary = first.context["page"].after
        queries = list_queries(client, params)
        ids_sql = [q for q in queries if "LIMIT 25" in q]
        assert len(ids_sql) == 1 and '"enterprises_enterprise"."region_id" = ' in ids_sql[0], (params, queries)
        plan = explain(ids_sql[0], "enable_sort = off")
        used = [n.get("Index Name") for n in nodes(plan) if n.get("Relation Name") == "enterprises_enterprise"]
        assert "enterprise_region_name" in used, (params, plan)
        assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes(plan)), (params, plan)
        with CaptureQueriesContext(connection) as ctx:
            second = client.get("/enterprises/", {**params, "page": 2, "after": boundary})
        assert second.status_code == 200 and len(second.context["page"].object_list) == 25
        seek = [q["sql"] for q in ctx.captured_queries if "LIMIT 25" in q["sql"]]
        assert len(seek) == 1 and "OFFSET" not in seek[0] and ") > (" in seek[0], (params, seek)
        plan = explain(seek[0], "enable_sort = off")
        conds = [n.get("Index Cond", "") for n in nodes(plan) if n.get("Index Name") == "enterprise_region_name"]
        assert any("name" in c and "region_id" in c for c in conds), (params, plan)
        # the same rows as the page by its number
        by_number = client.get("/enterprises/", {**params, "page": 2})
        assert [e.pk for e in second.context["page"].object_list] == [
            e.pk for e in by_number.context["page"].object_list
        ], params
