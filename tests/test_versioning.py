"""The version / If-Match contract is one (reform_portal/versioning.py): progress, enterprises and the
self-assessment's answers and forms read the version the same way (body `version` or `If-Match`; 400 naming
`version` when it is absent or malformed) and answer a stale write with the same 409 body."""

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from measures.models import Progress
from reform_portal.versioning import parse_version
from reporting.assessments import services as assessment_services
from tests.factories import open_period

pytestmark = pytest.mark.django_db

# Written out here, not taken from the module under test.
MISSING = "请发送读取时的版本号（version 字段或 If-Match 头），以免覆盖他人的修改。"
MALFORMED = '版本号应为读取时得到的整数（version 字段，或 If-Match 头，如 "3"）。'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, 3),
        (0, 0),
        ("3", 3),
        (" 12 ", 12),
        ('"7"', 7),
        ('W/"7"', 7),
        ("", None),
        ("abc", None),
        ("³", None),  # '³'.isdigit() is true, but it is no version
        ("-1", None),
        (-1, None),
        ("1.0", None),
        (1.0, None),
        (True, None),
        ('"', None),
        ('"1", "2"', None),
        ("*", None),
        ("9" * 40, None),
        (None, None),
    ],
)
def test_parse_version(raw, expected):
    assert parse_version(raw) == expected


@dataclass
class Resource:
    client: APIClient
    url: str
    body: Any  # n -> a valid change, a different one for each n
    current: Any  # () -> the row as the API's GET shows it now
    method: str = "patch"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def draft(users, yn_enterprise):
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    return assessment_services.assessment_start(period=period, enterprise=yn_enterprise, by=users["enterprise-yn"])


def _progress(users, yn_enterprise, draft) -> Resource:
    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("measure__position").first()
    client = api(users["officer-yn"])
    url = f"/api/progress/{progress.pk}/"
    return Resource(client, url, lambda n: {"status": "in_progress", "percent": 10 + n}, lambda: client.get(url).json())


def _enterprise(users, yn_enterprise, draft) -> Resource:
    client = api(users["officer-yn"])
    url = f"/api/enterprises/{yn_enterprise.pk}/"
    return Resource(client, url, lambda n: {"employees": 600 + n}, lambda: client.get(url).json())


def _in_form(client, draft, key, code):
    return lambda: next(row for row in client.get(f"/api/assessments/{draft.pk}/").json()[key] if code in row.values())


def _answer(users, yn_enterprise, draft) -> Resource:
    client = api(users["enterprise-yn"])
    url = f"/api/assessments/{draft.pk}/items/YN-02/"
    return Resource(client, url, lambda n: {"what_done": f"第 {n} 稿"}, _in_form(client, draft, "items", "YN-02"))


def _indicator(users, yn_enterprise, draft) -> Resource:
    client = api(users["enterprise-yn"])
    url = f"/api/assessments/{draft.pk}/indicators/YN-06-edu-fund/"
    current = _in_form(client, draft, "indicators", "YN-06-edu-fund")
    return Resource(client, url, lambda n: {"claimed_value": str(9 + n)}, current)


def _form(users, yn_enterprise, draft) -> Resource:
    # the officer's decision on a submitted form: several decisions cannot follow one another, so the write is a
    # correction on one measure, and the stale check of the form itself is covered by its version in `return/`
    from tests.reporting.assessments.conftest import fill_complete

    fill_complete(draft, users["enterprise-yn"])
    assessment_services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    client = api(users["officer-yn"])
    url = f"/api/assessments/{draft.pk}/reviews/YN-02/"
    return Resource(client, url, lambda n: {"officer_comment": f"意见 {n}"}, _in_form(client, draft, "items", "YN-02"))


RESOURCES = {"progress": _progress, "enterprise": _enterprise, "answer": _answer, "indicator": _indicator}
RESOURCES["review"] = _form


@pytest.fixture(params=list(RESOURCES))
def resource(request, users, yn_enterprise, draft) -> Resource:
    return RESOURCES[request.param](users, yn_enterprise, draft)


def write(resource: Resource, body, **headers):
    return getattr(resource.client, resource.method)(resource.url, body, format="json", headers=headers or None)


@pytest.mark.parametrize("sent", [{}, {"version": None}, {"version": ""}], ids=["left out", "null", "blank"])
def test_a_write_without_a_version_is_a_400_naming_it(resource, sent):
    before = resource.current()
    response = write(resource, {**resource.body(1), **sent})
    assert response.status_code == 400
    assert response.json() == {"version": [MISSING]}
    assert resource.current() == before


@pytest.mark.parametrize("header", ['"abc"', '"³"', '"-1"', '"1.0"', "*", '"1", "2"'])
def test_a_malformed_if_match_is_a_400_naming_the_version(resource, header):
    before = resource.current()
    response = write(resource, resource.body(1), **{"If-Match": header})
    assert response.status_code == 400
    assert response.json() == {"version": [MALFORMED]}
    assert resource.current() == before


@pytest.mark.parametrize("version", ["abc", "³", -1, 1.5, True, [1], {"v": 1}])
def test_a_malformed_body_version_is_a_400_naming_it_with_the_same_message(resource, version):
    before = resource.current()
    response = write(resource, {**resource.body(1), "version": version})
    assert response.status_code == 400
    assert response.json() == {"version": [MALFORMED]}
    assert resource.current() == before


def test_the_version_read_goes_in_the_body_or_in_if_match_in_any_etag_form(resource):
    for n, send in enumerate(
        [
            lambda v: ({"version": v}, {}),
            lambda v: ({"version": str(v)}, {}),
            lambda v: ({}, {"If-Match": f'"{v}"'}),
            lambda v: ({}, {"If-Match": f'W/"{v}"'}),
            lambda v: ({}, {"If-Match": str(v)}),
        ]
    ):
        version = resource.current()["version"]
        extra, headers = send(version)
        response = write(resource, {**resource.body(n), **extra}, **headers)
        assert response.status_code == 200, (n, response.json())
        assert resource.current()["version"] == version + 1


def test_a_stale_write_gets_the_one_409_body_with_the_row_as_get_shows_it(resource):
    # given the client read the row, and someone else then changed it
    read = resource.current()["version"]
    assert write(resource, {**resource.body(1), "version": read}).status_code == 200
    now = resource.current()

    # when the client writes on the version it read (in the body, then in If-Match)
    in_body = write(resource, {**resource.body(2), "version": read})
    in_header = write(resource, resource.body(2), **{"If-Match": f'"{read}"'})

    # then both are refused alike: the same keys, code "stale", and the current row exactly as GET returns it
    for response in (in_body, in_header):
        assert response.status_code == 409
        body = response.json()
        assert set(body) == {"detail", "code", "current"}
        assert body["code"] == "stale" and "已在别处被修改" in body["detail"]
        assert body["current"] == now and body["current"]["version"] == read + 1
        assert response["ETag"] == f'"{read + 1}"'
    assert resource.current() == now
