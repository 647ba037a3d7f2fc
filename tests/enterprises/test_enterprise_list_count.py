"""The list's count: exact below `COUNT_CACHED_FROM` rows; from that size on (a province) kept a minute in the cache
under the count's SQL, so that paging through a province counts it once, while another filter or another user's
scope is another count."""

import pytest
from django.core.cache import cache

from reform_portal import paging
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def shown_count(client, params=None) -> int:
    return client.get("/enterprises/", params or {}).context["page"].paginator.count


def test_small_counts_are_exact_and_large_ones_are_counted_once_a_minute(client, users, kunming, monkeypatch):
    cache.clear()
    client.force_login(users["officer-yn"])
    before = shown_count(client)
    EnterpriseFactory(region=kunming)
    assert shown_count(client) == before + 1  # below the threshold: counted afresh
    monkeypatch.setattr(paging, "COUNT_CACHED_FROM", 1)
    counted = shown_count(client, {"industry": ""})
    EnterpriseFactory(region=kunming)
    assert shown_count(client, {"industry": ""}) == counted  # the same list within the minute: from the cache
    assert shown_count(client, {"industry": "", "page": "2"}) == counted  # and its other pages
    # another user's scope is another count
    client.force_login(users["officer-sx"])
    assert shown_count(client, {"industry": ""}) != counted
    # the API's page mode too
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    cache.clear()
    first = api.get("/api/enterprises/").json()["count"]
    EnterpriseFactory(region=kunming)
    assert api.get("/api/enterprises/").json()["count"] == first
    monkeypatch.setattr(paging, "COUNT_CACHED_FROM", 10**6)
    cache.clear()
    assert api.get("/api/enterprises/").json()["count"] == first + 1
