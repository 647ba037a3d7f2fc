"""reform_portal/chunked.py: a large queryset read in its order, chunk by chunk, with and without server-side
cursors (behind pgbouncer in transaction mode there are none)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise
from reform_portal.chunked import in_chunks
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprises(kunming):
    return [EnterpriseFactory(name=f"企业{i:03d}", region=kunming) for i in range(23)]


def ordered():
    return Enterprise.objects.select_related("region").order_by("-name")


@pytest.fixture
def no_server_side_cursors(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


def test_without_server_side_cursors_the_rows_come_in_order_one_bounded_query_per_chunk(
    enterprises, no_server_side_cursors
):
    expected = [(e.pk, e.name) for e in sorted(enterprises, key=lambda e: e.name, reverse=True)]
    with CaptureQueriesContext(connection) as queries:
        rows = [(e.pk, e.name, e.region.code) for e in in_chunks(ordered(), 5)]
    assert [(pk, name) for pk, name, _ in rows] == expected
    # the ids, then ceil(23 / 5) = 5 chunks of at most 5 rows by id; the region came with each chunk
    assert len(queries) == 1 + 5
    assert all("IN (" in q["sql"] for q in queries.captured_queries[1:])
    assert not any("DECLARE" in q["sql"] for q in queries.captured_queries)


def test_with_server_side_cursors_the_queryset_is_streamed_as_is(enterprises):
    expected = [e.pk for e in sorted(enterprises, key=lambda e: e.name, reverse=True)]
    with CaptureQueriesContext(connection) as queries:
        assert [e.pk for e in in_chunks(ordered(), 5)] == expected
    assert len(queries) == 1
