"""The enterprise list's costly filters on their indexes, with enough rows for the planner to choose (3,000
enterprises from `generate_load`, analysed):

- `?q=` (name or credit code contains, `icontains`: `UPPER(col::text) LIKE UPPER('%…%')`) reads the trigram GIN
  indexes `enterprise_name_trgm` / `enterprise_code_trgm` (migration enterprises 0012) for a search of three
  characters or more, never scanning the enterprises, and lists exactly the enterprises in scope whose name or code
  contains it (an independent computation in Python);
- the count of `?document=` and of `?status=` (alone or together) reads the counts kept per place
  (docs/performance/lists.md, "Counts kept per place"), never the enterprises, progress or the summaries."""

import pytest
from django.core.cache import cache
from django.db import connection

from enterprises.models import Enterprise
from measures.choices import Status
from reform_portal.access import access_for
from tests.enterprises.test_enterprise_list_plan import PROGRESS, SUMMARY, explain, nodes, scans

TRGM = ("enterprise_name_trgm", "enterprise_code_trgm")


def _trgm_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [TRGM[0]])
        return cursor.fetchone() is not None


def _page_queries(client, params) -> tuple[object, list[str]]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/enterprises/", params)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries if "enterprises_enterprise" in q["sql"]]


def _rare_piece(names: list[str], length: int = 3) -> str:
    """A piece of `length` characters of one name, contained in as few names as possible (at least one)."""
    best = None
    for name in names[:200]:
        for start in range(0, max(len(name) - length, 0) + 1):
            piece = name[start : start + length]
            if len(piece) < length or not piece.strip():
                continue
            hits = sum(piece.upper() in n.upper() for n in names)
            if best is None or hits < best[1]:
                best = (piece, hits)
        if best and best[1] <= 3:
            break
    return best[0]


def _listed_ids(client, params) -> set[int]:
    ids, page = set(), 1
    while True:
        response = client.get("/enterprises/", {**params, "page": page})
        ids |= {e.pk for e in response.context["page"].object_list}
        if not response.context["page"].has_next():
            return ids
        page += 1


def test_search_reads_the_trigram_indexes_and_lists_what_contains_the_words(loaded, client, users):
    if not _trgm_installed():
        pytest.skip("pg_trgm is not available on this PostgreSQL server (the search then scans; migration 0012)")
    cache.clear()
    user = users["sasac-yn"]
    client.force_login(user)
    access = access_for(user)
    in_scope = [e for e in Enterprise.objects.select_related("region", "county") if access.sees_enterprise(e)]
    name_piece = _rare_piece([e.name for e in in_scope])
    # the end of a code (its serial and check digits; its start is the region, shared by thousands), typed in lower
    # case: found all the same
    code_piece = in_scope[len(in_scope) // 2].credit_code[-6:].lower()

    for q, index in ((name_piece, "enterprise_name_trgm"), (code_piece, "enterprise_code_trgm")):
        expected = {e.pk for e in in_scope if q.upper() in e.name.upper() or q.upper() in e.credit_code}
        assert expected, q
        response, queries = _page_queries(client, {"q": q})
        searching = [sql for sql in queries if "LIKE UPPER(" in sql]  # the form the indexes are built for
        # the count and the page's ids (the rows of the page are then read by their ids)
        assert len(searching) == 2 and searching[0].startswith("SELECT COUNT(*)"), (q, queries)
        for sql in searching:
            plan = explain(sql)
            used = {n.get("Index Name") for n in nodes(plan)}
            assert set(TRGM) <= used, (q, sql, plan)  # name OR code: both indexes, a BitmapOr
            assert "Seq Scan" not in scans(plan, "enterprises_enterprise"), (q, plan)
        assert index in used
        # the rows are exactly those in scope whose name or code contains the words
        assert _listed_ids(client, {"q": q}) == expected, q
        assert response.context["page"].paginator.count == len(expected)


def test_document_and_status_counts_read_the_counts_kept_per_place_not_the_enterprises(loaded, client, users):
    """`?status=` alone, `?document=` alone and both together: the page's count is one query of the counts kept per
    place (enterprises.ListedCount, reporting/list_counts.py) — no COUNT over the enterprises, no probe of progress or
    of the summaries per enterprise — and it equals a COUNT of the rows the filter lists (the rule's own query)."""
    from django.test.utils import CaptureQueriesContext

    from enterprises.filters import EnterpriseFilter
    from enterprises.selectors import enterprises_listed

    cache.clear()
    user = users["sasac-yn"]
    client.force_login(user)
    cases = [{"document": "yn-2022-21"}] + [{"status": s} for s in Status.values]
    cases.append({"document": "yn-2022-21", "status": Status.IN_PROGRESS})
    for params in cases:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/enterprises/", params)
        assert response.status_code == 200
        queries = [q["sql"] for q in ctx.captured_queries]
        counting = [sql for sql in queries if sql.startswith("SELECT COUNT(*)") and "enterprises_enterprise" in sql]
        assert not counting, (params, counting)
        kept = [sql for sql in queries if "enterprises_listedcount" in sql]
        assert len(kept) == 1, (params, queries)
        plan = explain(kept[0])
        read = {n.get("Relation Name") for n in nodes(plan)} - {None}
        assert read <= {"enterprises_listedcount", "enterprises_region"}, (params, read, plan)
        assert not ({PROGRESS, SUMMARY, "enterprises_enterprise"} & read), (params, plan)
        # the count shown is the number of rows the filter lists
        request = response.wsgi_request
        listed = EnterpriseFilter(params, queryset=enterprises_listed(user=user), request=request).qs
        assert response.context["page"].paginator.count == listed.order_by().count() > 0, params
    # with any other filter the list counts its rows (the kept counts know no lagging)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/enterprises/", {"status": Status.DONE, "lagging": "true"})
    assert [q for q in ctx.captured_queries if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "enterprises_')]
