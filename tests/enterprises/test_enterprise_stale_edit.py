"""Two officers open the same register entry; the second save is refused rather than overwriting the first
(page and API), and the refused officer chooses knowingly between their values and the current ones."""

import pytest
from rest_framework.test import APIClient

from enterprises.selectors import enterprise_change_history
from enterprises.services import enterprise_update
from reform_portal.versioning import StaleEdit
from tests.factories import make_officer

from .test_enterprise_register import api_payload, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(kunming):
    return make_officer("t-officer-yn-2", regions=[kunming])


def edit_data(enterprise, version, **overrides):
    return form_data(name=enterprise.name, credit_code=enterprise.credit_code, version=version, **overrides)


def test_update_with_an_old_version_raises_and_changes_nothing(users, yn_enterprise):
    enterprise_update(enterprise=yn_enterprise, data={"employees": 600}, by=users["officer-yn"], expected_version=1)

    with pytest.raises(StaleEdit) as refused:
        enterprise_update(enterprise=yn_enterprise, data={"employees": 700}, by=users["admin"], expected_version=1)

    yn_enterprise.refresh_from_db()
    assert refused.value.current.employees == 600
    assert (yn_enterprise.employees, yn_enterprise.version) == (600, 2)
    assert [c.field for c in enterprise_change_history(enterprise=yn_enterprise) if c.field] == ["employees"]


def test_an_update_that_changes_nothing_keeps_the_version(users, yn_enterprise):
    enterprise_update(enterprise=yn_enterprise, data={"employees": 500}, by=users["officer-yn"], expected_version=1)
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.version == 1


def test_page_second_save_is_refused_and_shows_both_values(client, users, second_officer, yn_enterprise):
    # given: both officers opened the edit page at version 1
    url = f"/enterprises/{yn_enterprise.pk}/edit/"
    client.force_login(users["officer-yn"])
    assert 'name="version" value="1"' in client.get(url).content.decode()
    other = type(client)()
    other.force_login(second_officer)
    other.get(url)
    # and the first saves 600 employees
    assert client.post(url, edit_data(yn_enterprise, 1, employees=600)).status_code == 302

    # when: the second saves 700 on the version they read
    response = other.post(url, edit_data(yn_enterprise, 1, employees=700))

    # then: refused, nothing overwritten, both values shown, the form now carries version 2 and their 700
    html = response.content.decode()
    yn_enterprise.refresh_from_db()
    assert response.status_code == 409
    assert yn_enterprise.employees == 600 and yn_enterprise.version == 2
    assert "stale-conflict" in html and "t-officer-yn" in html
    assert '<tr data-field="employees"><td>职工总数</td><td class="stale-current">600</td>' in html
    assert '<td class="stale-mine"><strong>700</strong></td>' in html
    assert 'name="version" value="2"' in html and 'name="employees" value="700"' in html
    assert "保留我的修改" in html and f'href="/enterprises/{yn_enterprise.pk}/">采用当前内容' in html
    assert [c.new_value for c in enterprise_change_history(enterprise=yn_enterprise) if c.field == "employees"] == [
        "600"
    ]

    # when: they keep theirs, resubmitting with the version they were shown
    kept = other.post(url, edit_data(yn_enterprise, 2, employees=700))

    # then: saved on top of the first officer's change, both in the history
    yn_enterprise.refresh_from_db()
    assert kept.status_code == 302 and yn_enterprise.employees == 700 and yn_enterprise.version == 3
    history = [c for c in reversed(enterprise_change_history(enterprise=yn_enterprise)) if c.field == "employees"]
    assert [(c.old_value, c.new_value, c.changed_by) for c in history] == [
        ("500", "600", users["officer-yn"]),
        ("600", "700", second_officer),
    ]


def test_page_edit_without_a_version_is_refused(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    data = edit_data(yn_enterprise, 1, employees=600)
    data.pop("version")
    response = client.post(f"/enterprises/{yn_enterprise.pk}/edit/", data)
    yn_enterprise.refresh_from_db()
    assert response.status_code == 200 and yn_enterprise.employees == 500


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize("method", ["put", "patch"])
def test_api_requires_the_version_read(users, yn_enterprise, method):
    api = api_as(users["officer-yn"])
    payload = api_payload(name=yn_enterprise.name, credit_code=yn_enterprise.credit_code, employees=600)
    if method == "patch":
        payload = {"employees": 600}

    response = getattr(api, method)(f"/api/enterprises/{yn_enterprise.pk}/", payload, format="json")

    yn_enterprise.refresh_from_db()
    assert response.status_code == 400 and "version" in response.json()
    assert yn_enterprise.employees == 500 and yn_enterprise.version == 1


@pytest.mark.parametrize("send_version", ["body", "if-match"])
def test_api_second_client_is_refused_with_the_current_values(users, second_officer, yn_enterprise, send_version):
    # given: two clients read version 1
    first, second = api_as(users["officer-yn"]), api_as(second_officer)
    url = f"/api/enterprises/{yn_enterprise.pk}/"
    read = second.get(url)
    assert read.json()["version"] == 1 and read["ETag"] == '"1"'
    assert first.patch(url, {"employees": 600, "version": 1}, format="json").status_code == 200

    # when: the second writes on version 1
    if send_version == "body":
        response = second.patch(url, {"employees": 700, "version": 1}, format="json")
    else:
        response = second.patch(url, {"employees": 700}, format="json", HTTP_IF_MATCH='"1"')

    # then: 409 with the current values; nothing overwritten
    yn_enterprise.refresh_from_db()
    assert response.status_code == 409
    assert response.json()["current"]["employees"] == 600 and response.json()["current"]["version"] == 2
    assert yn_enterprise.employees == 600 and yn_enterprise.version == 2
    # and with the current version, their write goes through
    retried = second.patch(url, {"employees": 700}, format="json", HTTP_IF_MATCH='"2"')
    assert retried.status_code == 200 and retried.json()["employees"] == 700 and retried["ETag"] == '"3"'


def test_api_put_with_the_current_version_saves(users, yn_enterprise):
    api = api_as(users["officer-yn"])
    payload = api_payload(name=yn_enterprise.name, credit_code=yn_enterprise.credit_code, employees=650, version=1)
    response = api.put(f"/api/enterprises/{yn_enterprise.pk}/", payload, format="json")
    yn_enterprise.refresh_from_db()
    assert response.status_code == 200, response.json()
    assert yn_enterprise.employees == 650 and yn_enterprise.version == 2
