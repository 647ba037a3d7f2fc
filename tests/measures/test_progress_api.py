"""/api/progress/: listing with filters, updates with the page's validation and scoping, 409 on a stale write."""

import pytest
from rest_framework.test import APIClient

from measures.choices import Status
from measures.models import Progress, ProgressEvent
from reform_portal.choices import ChangeSource

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def first_progress(enterprise) -> Progress:
    return Progress.objects.filter(enterprise=enterprise).order_by("measure__position").first()


def test_list_is_scoped_and_filters(users, yn_enterprise, sx_soe):
    api = api_for(users["officer-yn"])

    rows = api.get("/api/progress/", {"page_size": 500}).json()
    assert rows["count"] == Progress.objects.filter(enterprise=yn_enterprise).count()
    assert {r["enterprise"] for r in rows["results"]} == {yn_enterprise.pk}

    one = api.get("/api/progress/", {"enterprise": yn_enterprise.pk, "measure": "YN-06"}).json()
    assert one["count"] == 1 and one["results"][0]["measure"] == "YN-06"
    by_document = api.get("/api/progress/", {"document": "云工通〔2022〕21号"}).json()
    assert by_document["count"] == Progress.objects.filter(enterprise=yn_enterprise).count()
    assert api.get("/api/progress/", {"document": "sx-2023-21"}).json()["count"] == 0
    assert api.get("/api/progress/", {"status": Status.DONE}).json()["count"] == 0
    assert api.get("/api/progress/", {"enterprise": sx_soe.pk}).json()["count"] == 0


def test_update_with_the_version_read(users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    api = api_for(users["officer-yn"])
    read = api.get(f"/api/progress/{progress.pk}/")
    assert read["ETag"] == '"1"'

    response = api.patch(
        f"/api/progress/{progress.pk}/",
        {"status": "in_progress", "percent": 20, "note": "API", "version": read.json()["version"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["updated_by"] == "t-officer-yn"
    change = ProgressEvent.objects.filter(pgh_obj=progress).first()
    assert change.percent == 20 and change.changed_by == users["officer-yn"]
    assert change.source == ChangeSource.MANUAL


def test_if_match_header_works_like_version(users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    api = api_for(users["officer-yn"])
    ok = api.patch(
        f"/api/progress/{progress.pk}/", {"percent": 10, "status": "in_progress"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    stale = api.patch(f"/api/progress/{progress.pk}/", {"percent": 90}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409


def test_a_stale_write_gets_409_with_the_current_values(users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    first, second = api_for(users["officer-yn"]), api_for(users["admin"])
    assert (
        second.patch(
            f"/api/progress/{progress.pk}/", {"status": "in_progress", "percent": 30, "version": 1}, format="json"
        ).status_code
        == 200
    )

    response = first.put(
        f"/api/progress/{progress.pk}/", {"status": "done", "percent": 100, "note": "", "version": 1}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert (
        body["current"]["version"] == 2
        and body["current"]["percent"] == 30
        and body["current"]["status"] == "in_progress"
    )
    progress.refresh_from_db()
    assert progress.status == Status.IN_PROGRESS


def test_a_write_without_a_version_is_refused(users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    response = api_for(users["officer-yn"]).patch(
        f"/api/progress/{progress.pk}/", {"status": "in_progress", "percent": 30}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "done", "percent": 90}, "percent"),
        ({"status": "in_progress", "percent": 120}, "percent"),
        ({"status": "bogus", "percent": 10}, "status"),
    ],
)
def test_invalid_values_are_refused_with_field_errors(users, yn_enterprise, payload, field):
    progress = first_progress(yn_enterprise)
    response = api_for(users["officer-yn"]).patch(
        f"/api/progress/{progress.pk}/", {**payload, "version": 1}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    progress.refresh_from_db()
    assert progress.version == 1


def test_moving_backwards_needs_a_note(users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    api = api_for(users["officer-yn"])
    api.patch(f"/api/progress/{progress.pk}/", {"status": "in_progress", "percent": 50, "version": 1}, format="json")
    back = api.patch(f"/api/progress/{progress.pk}/", {"percent": 20, "version": 2}, format="json")
    assert back.status_code == 400 and "note" in back.json()
    with_note = api.patch(f"/api/progress/{progress.pk}/", {"percent": 20, "note": "返工", "version": 2}, format="json")
    assert with_note.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer-sx", 404), ("sasac-sx", 404), ("enterprise-sx", 404), ("sasac-yn", 403), ("enterprise-yn", 403)],
)
def test_roles_that_may_not_edit_are_refused(users, yn_enterprise, role, status):
    progress = first_progress(yn_enterprise)
    response = api_for(users[role]).patch(
        f"/api/progress/{progress.pk}/", {"status": "done", "percent": 100, "version": 1}, format="json"
    )
    assert response.status_code == status
    progress.refresh_from_db()
    assert progress.version == 1


def test_anonymous_is_refused(yn_enterprise):
    progress = first_progress(yn_enterprise)
    assert APIClient().get("/api/progress/").status_code in (401, 403)
    assert APIClient().patch(f"/api/progress/{progress.pk}/", {}, format="json").status_code in (401, 403)
