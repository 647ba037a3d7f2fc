"""Officers add and edit enterprises in their charge (page and API); every change is in the record's history."""

import pytest
from rest_framework.test import APIClient

from enterprises.models import Enterprise, Region
from enterprises.selectors import enterprise_change_history
from measures.models import Progress
from reform_portal.choices import ChangeSource
from tests.factories import make_credit_code

pytestmark = pytest.mark.django_db


def region_pk(code: str) -> int:
    return Region.objects.get(code=code).pk


def form_data(**overrides):
    data = {
        "name": "昆明新登记机械有限公司",
        "credit_code": make_credit_code("530102"),
        "county": region_pk("530102"),  # 昆明市五华区
        "parent": "",
        "ownership": "private",
        "supervision_level": "none",
        "supervisor": "",
        "supervising_body": "",
        "industry": "C",
        "size_class": "medium",
        "employees": 400,
        "frontline_workers": 300,
        "union_members": 200,
        "party_members": 20,
        "skilled_workers": 100,
        "highly_skilled_workers": 10,
        "union_founded": "on",
        "union_founded_on": "2010-05-01",
    }
    data.update(overrides)
    return data


def test_officer_adds_an_enterprise_which_gets_its_measures(client, users):
    client.force_login(users["officer-yn"])
    data = form_data()

    response = client.post("/enterprises/new/", data)

    enterprise = Enterprise.objects.get(credit_code=data["credit_code"])
    assert response.status_code == 302 and response.url == f"/enterprises/{enterprise.pk}/"
    assert Progress.objects.filter(enterprise=enterprise, measure__code="YN-01").exists()
    [created] = enterprise_change_history(enterprise=enterprise)
    assert created.action == "created" and created.changed_by == users["officer-yn"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"credit_code": "91530100MA6K0000X0"}, "credit_code", "校验码错误"),
        ({"credit_code": "123"}, "credit_code", "应为 18 位"),
        ({"frontline_workers": 500}, "frontline_workers", "不能多于职工总数"),
        ({"party_members": 301}, "party_members", "不能多于一线产业工人数"),
        ({"highly_skilled_workers": 101}, "highly_skilled_workers", "不能多于技能人才数"),
    ],
)
def test_bad_values_are_refused_next_to_the_field(client, users, overrides, field, message):
    client.force_login(users["officer-yn"])
    response = client.post("/enterprises/new/", form_data(**overrides))
    html = response.content.decode()
    assert response.status_code == 200 and f'id="error_1_id_{field}"' in html and message in html
    assert not Enterprise.objects.filter(name="昆明新登记机械有限公司").exists()


def test_officer_cannot_add_in_a_region_outside_their_charge(client, users):
    client.force_login(users["officer-yn"])
    response = client.post("/enterprises/new/", form_data(county=region_pk("530302")))  # 曲靖市麒麟区
    html = response.content.decode()
    assert response.status_code == 200 and 'id="error_1_id_county"' in html and "不在您负责的范围内" in html
    assert not Enterprise.objects.filter(name="昆明新登记机械有限公司").exists()


@pytest.mark.parametrize("role", ["sasac-yn", "enterprise-yn"])
def test_others_cannot_add(client, users, role):
    client.force_login(users[role])
    assert client.get("/enterprises/new/").status_code == 403
    assert client.post("/enterprises/new/", form_data()).status_code == 403


def test_officer_edits_and_each_field_change_is_recorded(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    data = form_data(
        name=yn_enterprise.name, credit_code=yn_enterprise.credit_code, employees=900, industry="E", version=1
    )

    response = client.post(f"/enterprises/{yn_enterprise.pk}/edit/", data)

    assert response.status_code == 302
    changes = {c.field: c for c in enterprise_change_history(enterprise=yn_enterprise)}
    assert (changes["employees"].old_value, changes["employees"].new_value) == ("500", "900")
    assert (changes["industry"].old_value, changes["industry"].new_value) == ("制造业", "建筑业")
    assert changes["employees"].changed_by == users["officer-yn"]
    page = client.get(f"/enterprises/{yn_enterprise.pk}/").content.decode()
    assert "职工总数" in page and "500" in page and "900" in page and "企业信息变更记录" in page


@pytest.mark.parametrize(
    ("role", "status"), [("officer-sx", 404), ("enterprise-sx", 404), ("sasac-yn", 403), ("enterprise-yn", 403)]
)
def test_edit_refused(client, users, yn_enterprise, role, status):
    client.force_login(users[role])
    url = f"/enterprises/{yn_enterprise.pk}/edit/"
    assert client.get(url).status_code == status
    data = form_data(credit_code=yn_enterprise.credit_code, employees=900, version=1)
    assert client.post(url, data).status_code == status
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.employees == 500


def api_payload(**overrides):
    data = form_data(**overrides)
    data.pop("county")
    data["county_code"] = overrides.get("county_code", "530102")
    data["parent"] = overrides.get("parent") or None
    data["union_founded"] = True
    return data


def test_api_create_and_update(users):
    api = APIClient()
    api.force_authenticate(users["officer-yn"])

    created = api.post("/api/enterprises/", api_payload(), format="json")

    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["region"]["code"] == "530100" and created.json()["county_code"] == "530102"
    updated = api.patch(f"/api/enterprises/{pk}/", {"employees": 450, "version": 1}, format="json")
    assert updated.status_code == 200 and updated.json()["employees"] == 450 and updated.json()["version"] == 2
    [change] = [c for c in enterprise_change_history(enterprise=pk) if c.field == "employees"]
    assert (change.old_value, change.new_value, change.source) == ("400", "450", ChangeSource.MANUAL)


def test_api_validation_errors(users):
    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    bad_code = api.post("/api/enterprises/", api_payload(credit_code="91530100MA6K0000X0"), format="json")
    assert bad_code.status_code == 400 and "校验码" in bad_code.json()["credit_code"][0]
    bad_count = api.post("/api/enterprises/", api_payload(frontline_workers=9999), format="json")
    assert bad_count.status_code == 400 and "frontline_workers" in bad_count.json()
    elsewhere = api.post("/api/enterprises/", api_payload(county_code="610113"), format="json")  # 西安市雁塔区
    assert elsewhere.status_code == 400 and "不在您负责的范围内" in elsewhere.json()["county_code"][0]
    assert not Enterprise.objects.filter(name="昆明新登记机械有限公司").exists()


@pytest.mark.parametrize(
    ("role", "create", "update"),
    [
        ("officer-sx", 400, 404),  # may add, but not in Kunming; may not even see the Kunming enterprise
        ("sasac-yn", 403, 403),
        ("enterprise-yn", 403, 403),
        ("enterprise-sx", 403, 404),
    ],
)
def test_api_writes_refused(users, yn_enterprise, role, create, update):
    api = APIClient()
    api.force_authenticate(users[role])
    assert api.post("/api/enterprises/", api_payload(), format="json").status_code == create
    patch = {"employees": 1, "version": 1}
    assert api.patch(f"/api/enterprises/{yn_enterprise.pk}/", patch, format="json").status_code == update
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.employees == 500


def test_an_administrators_edit_in_the_admin_is_in_the_history(client, users, yn_enterprise):
    from django.urls import reverse

    client.force_login(users["admin"])
    url = reverse("admin:enterprises_enterprise_change", args=[yn_enterprise.pk])
    data = form_data(name=yn_enterprise.name, credit_code=yn_enterprise.credit_code, employees=777)
    data["credit_code_exception"] = ""
    data["is_pilot"] = ""
    data["region"] = region_pk("530100")  # the admin's form names the prefecture itself
    data = {k: v for k, v in data.items() if v != ""}

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    [change] = [c for c in enterprise_change_history(enterprise=yn_enterprise) if c.field == "employees"]
    assert (change.new_value, change.changed_by) == ("777", users["admin"])
