"""The self-assessment overview is paginated and costs what the page shows: the counts per state from the period's
assessments (未填报: the rest of the enterprises in scope), the page's ids, then their rows and assessments by id.
Every page and every state filter is compared with a verdict computed here from the rows themselves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise
from reporting.assessments.models import Assessment
from reporting.assessments.views.overview import OVERVIEW_PAGE_SIZE
from tests.factories import EnterpriseFactory
from tests.reporting.assessments.test_pages import _enterprises_with_assessments

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("reporting:assessments:index")


@pytest.fixture
def province(yn_period, kunming):
    """Yunnan with 40 enterprises with an assessment (each state in turn) and 45 without one."""
    _enterprises_with_assessments(40, period=yn_period, region=kunming)
    EnterpriseFactory.create_batch(45, region=kunming)
    expected = {}  # enterprise id → its state, computed from the rows
    forms = {a.enterprise_id: a.status for a in Assessment.objects.filter(period=yn_period)}
    for e in Enterprise.objects.filter(region__parent_id=yn_period.province_id):
        expected[e.pk] = forms.get(e.pk, "not_filled")
    return yn_period, expected


def all_pages(client, params) -> tuple[list, list[int], object]:
    """Every row of every page, the number of queries of each page, and the first page's response."""
    rows, queries, first = [], [], None
    number = 1
    client.get(
        OVERVIEW, params
    )  # the navigation's unread-notice badge is counted once and kept (reform_portal/inbox): warm it first
    while True:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(OVERVIEW, {**params, "page": number})
        assert response.status_code == 200
        first = first or response
        queries.append(len(ctx.captured_queries))
        page = response.context["page"]
        assert len(page.object_list) <= OVERVIEW_PAGE_SIZE
        rows += list(page.object_list)
        if not page.has_next():
            return rows, queries, first
        number += 1


def test_every_page_and_state_agree_with_the_rows(client, users, province):
    period, expected = province
    client.force_login(users["sasac-yn"])
    rows, queries, first = all_pages(client, {"period": period.pk})
    # every enterprise of the province once, with its own state, id and round
    assert [e.pk for e in rows] == sorted(expected)
    assert {e.pk: e.state for e in rows} == expected
    forms = {a.enterprise_id: a for a in Assessment.objects.filter(period=period)}
    assert {e.pk: e.assessment_id for e in rows} == {pk: getattr(forms.get(pk), "pk", None) for pk in expected}
    # the counts per state
    counts = {code: n for code, _label, n in first.context["counts"]}
    for state in counts:
        assert counts[state] == sum(1 for s in expected.values() if s == state), state
    assert first.context["total"] == len(expected) == first.context["page"].paginator.count
    # several pages, each with the same number of queries, and a bounded one
    assert len(queries) == -(-len(expected) // OVERVIEW_PAGE_SIZE) > 1
    assert len(set(queries)) == 1 and queries[0] <= 15, queries
    # each state's filter: exactly its enterprises, counted as the counts say
    for state in ("not_filled", "draft", "submitted", "returned", "accepted"):
        state_rows, _queries, response = all_pages(client, {"period": period.pk, "state": state})
        assert {e.pk for e in state_rows} == {pk for pk, s in expected.items() if s == state}, state
        assert response.context["page"].paginator.count == counts[state]
    # an unknown state shows nothing
    response = client.get(OVERVIEW, {"period": period.pk, "state": "nonsense"})
    assert list(response.context["page"].object_list) == []


def test_an_officer_sees_their_charge_only(client, users, province, xian):
    period, expected = province
    EnterpriseFactory(region=xian)  # another province: never in the Yunnan period
    client.force_login(users["officer-yn"])
    rows, _queries, first = all_pages(client, {"period": period.pk})
    kunming_ids = set(Enterprise.objects.filter(region__code="530100").values_list("pk", flat=True))
    assert {e.pk for e in rows} == kunming_ids & set(expected)
    assert first.context["total"] == len(kunming_ids & set(expected))


def test_the_page_reads_no_assessment_per_enterprise_of_the_province(client, users, province):
    """The query that pages reads enterprises' ids only: no subquery over the assessments per enterprise."""
    period, _expected = province
    client.force_login(users["sasac-yn"])
    with CaptureQueriesContext(connection) as ctx:
        client.get(OVERVIEW, {"period": period.pk, "page": 2})
    # the page's ids (by OFFSET, or read backwards from the end for the last page: reform_portal/paging.py)
    ids = 'SELECT "enterprises_enterprise"."id" AS "pk" FROM'
    paging = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(ids) and "LIMIT" in q["sql"]]
    assert len(paging) == 1, [q["sql"] for q in ctx.captured_queries]
    assert "assessments_assessment" not in paging[0]
