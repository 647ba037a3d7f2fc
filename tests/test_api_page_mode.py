"""The API's page mode reads ids first (reform_portal/pagination.py): the query that sorts and skips selects the ids
alone, the rows are read by id, and a page past the middle is read from the end of the list in reverse, so the last
page skips nothing; every page lists exactly the rows of one ORDER BY (ties by id)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_pages_are_read_ids_first_and_late_pages_from_the_end(users, yn_enterprise):
    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    everything = [r["id"] for r in api.get("/api/progress/", {"page_size": 500}).json()["results"]]
    assert len(everything) >= 9
    size = 2
    last = -(-len(everything) // size)
    listed = []
    for number in range(1, last + 1):
        with CaptureQueriesContext(connection) as ctx:
            answer = api.get("/api/progress/", {"page_size": size, "page": number}).json()
        listed += [r["id"] for r in answer["results"]]
        ids_sql = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "measures_progress"."id" AS')]
        assert len(ids_sql) == 1, ctx.captured_queries  # the ids alone, then the rows by id
        if number == last:
            # the last page from the end of the list: reversed order, nothing skipped
            assert " DESC" in ids_sql[0] and "OFFSET" not in ids_sql[0], ids_sql[0]
    assert listed == everything
