"""`/api/enterprises/`'s page mode counts `?status=` / `?document=` alone (with any `?ordering=`) as the list page
does: `EnterpriseFilter.kept_count`, the counts kept per place (enterprises/list_counts.py, docs/performance/lists.md
"Counts kept per place").

- For every role (a county officer with an enterprise named outside the county included), every status, every
  document and a document with each status, the API's `count` equals the enterprises counted here row by row: in the
  user's scope (`Access.sees_enterprise`) with a progress row of a measure that applies (`tally_oracle.applies`) in
  that status / of that document; walking every page lists exactly those enterprises.
- With 3,000 enterprises from `generate_load`: the count of `?status=not_started` is one query of the kept table,
  whose plan reads nothing else than it and the regions, and no COUNT over the enterprises runs; any other filter
  counts the rows; the cursor mode counts nothing."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from enterprises.models import Enterprise
from measures.choices import Status
from measures.models import PolicyDocument, Progress
from reform_portal.access import access_for
from tests.enterprises.test_enterprise_list_plan import PROGRESS, SUMMARY, explain, nodes
from tests.factories.groups import county, make_county_officer
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import applies

LISTED = "enterprises_listedcount"


def counted_here(user, *, status=None, document=None, rows=None) -> set[int]:
    """The enterprises `user` sees with an applicable progress row in `status` and/or of `document` (a code);
    `rows`: `_seen_applicable_rows(user)` read once for several counts."""
    rows = _seen_applicable_rows(user) if rows is None else rows
    return {pk for pk, s, d in rows if status in (None, s) and document in (None, d)}


def _seen_applicable_rows(user) -> list[tuple[int, str, str]]:
    """(enterprise, status, document code) of every progress row `user` sees whose measure applies to its enterprise,
    judged one row at a time in Python (each enterprise's and scope's verdict reused: the judge is the same)."""
    access = access_for(user)
    sees, judged, rows = {}, {}, []
    for p in Progress.objects.select_related("enterprise", "measure__scope", "measure__document").order_by():
        e = p.enterprise
        if e.pk not in sees:
            sees[e.pk] = access.sees_enterprise(e)
        if not sees[e.pk]:
            continue
        key = (p.measure.scope_id, e.pk)
        if key not in judged:
            judged[key] = applies(p.measure.scope, e)
        if judged[key]:
            rows.append((e.pk, p.status, p.measure.document.code))
    return rows


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _counting(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)") and "enterprises_enterprise" in q["sql"]
    ]


@pytest.mark.django_db
def test_the_api_count_equals_the_rows_for_every_role_status_and_document(users, kunming, xian, monkeypatch):
    from enterprises import filters

    answered = []  # what the one rule (list_counts.kept_count, through EnterpriseFilter.kept_count) answered
    rule = filters.kept_count
    monkeypatch.setattr(filters, "kept_count", lambda **kw: answered.append(rule(**kw)) or answered[-1])
    make_enterprises(24, seed=13)
    wuhua = county("530102")
    Enterprise.objects.filter(pk__in=Enterprise.objects.filter(region=kunming).values("pk")[:4]).update(county=wuhua)
    # named outside the county, with applicable progress (so that it is in some count)
    named = Enterprise.objects.filter(region__parent__code="610000", progress_summary__applicable__gt=0).first()
    users["county-officer"] = make_county_officer("t-county", counties=[wuhua], enterprises=[named])
    documents = list(PolicyDocument.objects.values_list("code", flat=True))
    cases = [{"status": s} for s in Status.values] + [{"document": d} for d in documents]
    cases += [{"document": documents[0], "status": s} for s in Status.values]
    seen = 0
    for name, user in users.items():
        api = _api(user)
        for params in cases:
            cache.clear()
            expected = counted_here(user, **params)
            answered.clear()
            answer = api.get("/api/enterprises/", params)
            assert answer.status_code == 200, (name, params, answer.content)
            assert answer.json()["count"] == len(expected), (name, params)
            assert answered == [len(expected)], (name, params)  # the count came from the kept counts
            seen += len(expected)
        # re-sorted by a figure, the count is the same and kept; every page together lists exactly those rows
        params = {"status": Status.IN_PROGRESS, "ordering": "-done_count", "page_size": 3}
        expected = counted_here(user, status=Status.IN_PROGRESS)
        listed, page = [], 1
        while True:
            answered.clear()
            answer = api.get("/api/enterprises/", {**params, "page": page}).json()
            assert answer["count"] == len(expected) and answered == [len(expected)], name
            listed += [row["id"] for row in answer["results"]]
            if not answer["next"]:
                break
            page += 1
        assert sorted(listed) == sorted(expected), name
    assert seen > 0
    # the county officer's enterprise named outside the county is counted (from its row: no place holds it)
    assert named.pk in counted_here(users["county-officer"]), "the data set gives the named enterprise no progress"
    # another filter: the rows are counted, the kept counts are not asked
    answered.clear()
    assert api.get("/api/enterprises/", {"status": Status.DONE, "lagging": "true"}).status_code == 200
    assert answered == []


@pytest.mark.django_db
def test_other_filters_count_the_rows(users, kunming, xian):
    make_enterprises(12, seed=14)
    api = _api(users["sasac-yn"])
    with CaptureQueriesContext(connection) as ctx:
        answer = api.get("/api/enterprises/", {"status": Status.DONE, "region": kunming.pk})
    assert not any(LISTED in q["sql"] for q in ctx.captured_queries)
    assert _counting(ctx.captured_queries)
    expected = {pk for pk in counted_here(users["sasac-yn"], status=Status.DONE)}
    in_kunming = set(Enterprise.objects.filter(pk__in=expected, region=kunming).values_list("pk", flat=True))
    assert answer.json()["count"] == len(in_kunming)
    # the cursor mode counts nothing, kept or not
    with CaptureQueriesContext(connection) as ctx:
        answer = api.get("/api/enterprises/", {"status": Status.DONE, "cursor": ""})
    assert "count" not in answer.json()
    assert not any(LISTED in q["sql"] for q in ctx.captured_queries) and not _counting(ctx.captured_queries)


def test_the_api_count_of_a_status_reads_the_kept_table_not_the_enterprises(loaded, users):
    """`?status=not_started` (and the same re-sorted, and `?document=`): one query of the kept counts, whose plan
    reads nothing but it and the regions; no COUNT over the enterprises; the count equals the filter's rows."""
    user = users["sasac-yn"]
    api = _api(user)
    rows = _seen_applicable_rows(user)
    for params in (
        {"status": Status.NOT_STARTED},
        {"status": Status.NOT_STARTED, "ordering": "-done_count"},
        {"document": "yn-2022-21"},
    ):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            answer = api.get("/api/enterprises/", params)
        assert answer.status_code == 200, answer.content
        assert not _counting(ctx.captured_queries), params
        kept = [q["sql"] for q in ctx.captured_queries if LISTED in q["sql"]]
        assert len(kept) == 1, (params, ctx.captured_queries)
        plan = explain(kept[0])
        read = {n.get("Relation Name") for n in nodes(plan)} - {None}
        assert read <= {LISTED, "enterprises_region"}, (params, read, plan)
        assert not ({PROGRESS, SUMMARY, "enterprises_enterprise"} & read), (params, plan)
        status, document = params.get("status"), params.get("document")
        assert answer.json()["count"] == len(counted_here(user, status=status, document=document, rows=rows)) > 0, (
            params
        )
