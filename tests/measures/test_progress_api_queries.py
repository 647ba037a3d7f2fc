"""The PATCH of one progress record costs a fixed handful of queries (docs/performance/writes.md): the session and
its user, the login gate's account state (with the second-factor device), the user's reach (profile, charge), the
row read in scope and locked, the UPDATE … RETURNING version. Every check stays: scope, version, values, lock."""

import json

import pytest
from django.test import Client

from measures.models import Progress, ProgressEvent

pytestmark = pytest.mark.django_db

# 7 statements (12 before docs/performance/writes.md), and 2 for the savepoint the view's transaction becomes inside
# the test's own transaction.
PATCH_QUERIES = 7 + 2


def test_a_patch_costs_a_fixed_number_of_queries(users, yn_enterprise, django_assert_max_num_queries):
    # given: an officer's browser session (the login gate runs), a row in their charge
    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("pk").first()
    client = Client()
    client.force_login(users["officer-yn"])
    body = json.dumps({"status": "in_progress", "percent": 20, "note": "查询次数"})

    # when
    with django_assert_max_num_queries(PATCH_QUERIES):
        response = client.patch(
            f"/api/progress/{progress.pk}/", body, content_type="application/json", HTTP_IF_MATCH='"1"'
        )

    # then: written, in the history, the answer shows the row as GET does
    assert response.status_code == 200, response.content
    assert response.json() == client.get(f"/api/progress/{progress.pk}/").json()
    assert response.json()["version"] == 2 and response["ETag"] == '"2"'
    assert ProgressEvent.objects.filter(pgh_obj=progress, percent=20).count() == 1


def test_a_stale_patch_answers_the_row_as_it_is(users, yn_enterprise):
    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("pk").first()
    client = Client()
    client.force_login(users["officer-yn"])
    body = json.dumps({"status": "in_progress", "percent": 20, "note": "旧版本"})

    response = client.patch(f"/api/progress/{progress.pk}/", body, content_type="application/json", HTTP_IF_MATCH='"7"')

    assert response.status_code == 409
    assert response.json()["current"] == client.get(f"/api/progress/{progress.pk}/").json()
