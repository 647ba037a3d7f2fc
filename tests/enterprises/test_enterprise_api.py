"""The API's register facts: the county by code (the prefecture follows), the parent company by credit code, the
supervisor and 规上 / 龙头 / 董事会, each refused with a 400 that names the field and says what is wrong."""

import pytest
from rest_framework.test import APIClient

from enterprises.models import Enterprise, Region
from tests.factories import EnterpriseFactory, make_credit_code

from .test_enterprise_register import api_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(users):
    client = APIClient()
    client.force_authenticate(users["officer-yn"])
    return client


def create(api, **overrides):
    return api.post("/api/enterprises/", api_payload(**overrides), format="json")


def test_create_with_county_parent_supervisor_and_facts(api, yn_enterprise):
    pasted = f"{yn_enterprise.credit_code[:9].lower()} {yn_enterprise.credit_code[9:]}"
    response = create(
        api,
        county_code="530125",
        parent=pasted,
        ownership="state_controlled",
        supervision_level="county",
        supervisor="other",
        above_scale=True,
        leading=True,
        has_board=True,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["county"]["code"] == "530125" and body["county"]["name"] == "宜良县"
    assert body["county_code"] == "530125" and body["region"]["code"] == "530100"
    assert body["parent"] == yn_enterprise.credit_code and body["parent_name"] == yn_enterprise.name
    assert (body["supervisor"], body["above_scale"], body["leading"], body["has_board"]) == ("other", True, True, True)
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert (enterprise.county.code, enterprise.region.code, enterprise.parent) == ("530125", "530100", yn_enterprise)


def test_read_an_enterprise_without_county_or_parent(api, yn_enterprise):
    body = api.get(f"/api/enterprises/{yn_enterprise.pk}/").json()
    assert body["county"] is None and body["county_code"] is None
    assert body["parent"] is None and body["parent_name"] is None and body["region"]["code"] == "530100"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"county_code": "999999"}, "county_code", "没有代码为“999999”的县（市、区）。"),
        ({"county_code": "530100"}, "county_code", "没有代码为“530100”的县（市、区）。"),
        ({"county_code": None}, "county_code", "请选择所在县（市、区）。"),
        ({"county_code": None, "region_code": "530100"}, "county_code", "请选择昆明市的县（市、区）"),
        ({"county_code": "530102", "region_code": "530300"}, "county_code", "五华区属于昆明市，不在曲靖市。"),
        ({"county_code": "530302"}, "county_code", "“麒麟区”不在您负责的范围内"),  # 曲靖市麒麟区
        ({"region_code": "999999"}, "region_code", "没有代码为“999999”的州（市）。"),
        ({"parent": "91530102MA00000000"}, "parent", "没有找到统一社会信用代码为 91530102MA00000000 的企业"),
        ({"parent": 12}, "parent", "请填写母公司的统一社会信用代码（字符串）。"),
        (
            {"ownership": "state_sole", "supervision_level": "municipal"},
            "supervisor",
            "请选择监管机构类别（国资委或其他部门）。",
        ),
        ({"supervisor": "sasac"}, "supervisor", "没有国资监管层级的企业不填监管机构类别。"),
        (
            {"ownership": "state_minority", "supervision_level": "county", "supervisor": "sasac"},
            "supervision_level",
            "国有参股企业不是国有企业",
        ),
    ],
)
def test_precise_400s(api, overrides, field, message):
    payload = api_payload(**overrides)
    response = api.post("/api/enterprises/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors and any(message in m for m in errors[field]), errors
    assert not Enterprise.objects.filter(credit_code=payload["credit_code"]).exists()


def test_a_parent_the_user_may_not_see_is_not_found(api, sx_soe):
    response = create(api, parent=sx_soe.credit_code)
    assert response.status_code == 400
    assert response.json()["parent"] == [
        f"没有找到统一社会信用代码为 {sx_soe.credit_code} 的企业（或它不在您可查看的范围内）。请先登记母公司。"
    ]


def test_the_credit_code_is_normalised(api):
    code = make_credit_code("530102")
    response = create(api, credit_code=f" {code[:6]} {code[6:].lower()}")
    assert response.status_code == 201, response.json()
    assert response.json()["credit_code"] == code


def test_patch_the_county_moves_the_prefecture_with_it(users, yn_enterprise):
    api = APIClient()
    api.force_authenticate(users["admin"])
    url = f"/api/enterprises/{yn_enterprise.pk}/"
    response = api.patch(url, {"county_code": "530302", "version": 1}, format="json")  # 曲靖市麒麟区
    assert response.status_code == 200, response.json()
    assert response.json()["region"]["code"] == "530300" and response.json()["county_code"] == "530302"
    # a prefecture sent alone that is the current one keeps the county
    response = api.patch(url, {"region_code": "530300", "employees": 501, "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["county_code"] == "530302"
    # another prefecture alone is not a location
    response = api.patch(url, {"region_code": "530100", "version": 3}, format="json")
    assert response.status_code == 400 and "请选择昆明市的县（市、区）" in response.json()["county_code"][0]
    # and the county cannot be taken away where the prefecture has counties
    response = api.patch(url, {"county_code": None, "version": 3}, format="json")
    assert response.status_code == 400 and "请选择曲靖市的县（市、区）" in response.json()["county_code"][0]


def test_patch_other_fields_of_an_enterprise_registered_without_a_county(api, yn_enterprise):
    url = f"/api/enterprises/{yn_enterprise.pk}/"
    response = api.patch(url, {"employees": 520, "leading": True, "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    yn_enterprise.refresh_from_db()
    assert (yn_enterprise.employees, yn_enterprise.leading, yn_enterprise.county) == (520, True, None)


def test_patch_parent_refuses_a_cycle_and_clears_with_null(api, kunming, yn_enterprise):
    child = EnterpriseFactory(name="昆明测试子公司", region=kunming, parent=yn_enterprise)
    url = f"/api/enterprises/{yn_enterprise.pk}/"
    response = api.patch(url, {"parent": child.credit_code, "version": 1}, format="json")
    assert response.status_code == 400 and response.json()["parent"] == ["上级集团不能是本企业或本企业的下属企业。"]
    child_url = f"/api/enterprises/{child.pk}/"
    response = api.patch(child_url, {"parent": None, "version": child.version}, format="json")
    assert response.status_code == 200 and response.json()["parent"] is None
    child.refresh_from_db()
    assert child.parent is None


def test_regions_list_the_counties_of_the_users_provinces(api):
    counties = api.get("/api/regions/", {"level": "county", "parent__code": "530100", "page_size": 50}).json()
    assert {r["code"] for r in counties["results"]} >= {"530102", "530125"} and counties["count"] == 14
    assert api.get("/api/regions/", {"level": "county", "parent__code": "610100"}).json()["count"] == 0
    assert api.get("/api/regions/530102/").json() == {
        "id": Region.objects.get(code="530102").pk,
        "code": "530102",
        "name": "五华区",
        "level": "county",
        "parent_code": "530100",
    }
