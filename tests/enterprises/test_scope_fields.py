"""Fields no one may move: where an enterprise is (prefecture, county: which union is in charge of it, which
province's figures count it) and what it is (ownership, supervision level, supervisor, group) change only within the
changer's charge, or by an administrator, by every path: the API, the page form, the import and the admin. The one
rule is reform_portal.access.EnterprisePolicy.scope_change_problems."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import RequestFactory
from rest_framework.test import APIClient

from enterprises.models import Enterprise, Region
from reform_portal.access import EnterprisePolicy
from tests.factories import EnterpriseFactory, make_officer
from tests.jobs.helpers import post_import

from .test_enterprise_import import row, workbook_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise(kunming):
    return EnterpriseFactory(name="昆明点名测试有限公司", region=kunming, county=Region.objects.get(code="530102"))


@pytest.fixture
def named_officer(enterprise):
    """An officer named to this one enterprise, in charge of no region."""
    return make_officer("t-named-officer", enterprises=[enterprise])


@pytest.fixture
def kunming_officer(kunming):
    return make_officer("t-kunming-officer", regions=[kunming])


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def patch(user, enterprise, **changes):
    body = {**changes, "version": Enterprise.objects.get(pk=enterprise.pk).version}
    return api_for(user).patch(f"/api/enterprises/{enterprise.pk}/", body, format="json")


def place(enterprise) -> tuple[str, str | None, str]:
    enterprise = Enterprise.objects.select_related("region", "county").get(pk=enterprise.pk)
    return enterprise.region.code, enterprise.county.code if enterprise.county else None, enterprise.ownership


# The API ----------------------------------------------------------------------------------------------------------


def test_an_officer_named_to_one_enterprise_cannot_move_it_to_another_province(named_officer, enterprise):
    before = place(enterprise)

    response = patch(named_officer, enterprise, county_code="610113")  # 西安市雁塔区

    assert response.status_code == 400, response.json()
    assert list(response.json()) == ["county_code"]
    assert "不负责该企业所在的区域" in response.json()["county_code"][0]
    assert place(enterprise) == before  # still in Kunming, still theirs and the province's


def test_nor_to_a_prefecture_of_another_province_by_its_code(named_officer, enterprise):
    # 杨凌示范区 has no county: its prefecture's code alone is a location
    response = patch(named_officer, enterprise, region_code="619900")
    assert response.status_code == 400 and list(response.json()) == ["region_code"], response.json()
    assert place(enterprise)[0] == "530100"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ownership": "state_sole", "supervision_level": "municipal", "supervisor": "sasac"}, "ownership"),
        ({"parent": None}, None),  # unchanged (no parent): allowed
    ],
)
def test_nor_change_what_it_is(named_officer, enterprise, changes, field):
    response = patch(named_officer, enterprise, **changes)
    if field is None:
        assert response.status_code == 200, response.json()
        return
    assert response.status_code == 400, response.json()
    assert set(response.json()) == {"ownership", "supervision_level", "supervisor"}
    assert "只有负责企业所在区域的工会干部或管理员可以修改" in response.json()["ownership"][0]
    assert Enterprise.objects.get(pk=enterprise.pk).ownership == "private"


def test_nor_put_it_in_a_group(named_officer, enterprise, kunming):
    head = EnterpriseFactory(name="昆明测试集团", region=kunming)
    named_officer.profile.charge_enterprises.add(head)  # a head they see: still not theirs to regroup
    response = patch(named_officer, enterprise, parent=head.credit_code)
    assert response.status_code == 400 and list(response.json()) == ["parent"], response.json()
    assert Enterprise.objects.get(pk=enterprise.pk).parent is None


def test_but_keeps_its_other_facts_up_to_date(named_officer, enterprise):
    response = patch(named_officer, enterprise, employees=enterprise.employees + 7, name="昆明点名测试有限公司（新）")
    assert response.status_code == 200, response.json()
    assert Enterprise.objects.get(pk=enterprise.pk).employees == enterprise.employees + 7


def test_a_regions_officer_moves_within_the_charge_and_not_out_of_it(kunming_officer, enterprise):
    moved = patch(kunming_officer, enterprise, county_code="530103")  # 盘龙区, Kunming
    assert moved.status_code == 200, moved.json()
    assert place(enterprise)[:2] == ("530100", "530103")

    out = patch(kunming_officer, enterprise, county_code="530302")  # 曲靖市麒麟区: same province, not theirs
    assert out.status_code == 400 and "“麒麟区”不在您负责的范围内" in out.json()["county_code"][0]
    assert place(enterprise)[:2] == ("530100", "530103")

    changed = patch(
        kunming_officer, enterprise, ownership="state_sole", supervision_level="municipal", supervisor="sasac"
    )
    assert changed.status_code == 200, changed.json()
    assert place(enterprise)[2] == "state_sole"


def test_an_administrator_moves_anything(users, enterprise):
    response = patch(users["admin"], enterprise, county_code="610113")
    assert response.status_code == 200, response.json()
    assert place(enterprise)[:2] == ("610100", "610113")


def test_the_rule_answers_for_every_role(users, named_officer, kunming_officer, enterprise):
    yanta = Region.objects.select_related("parent").get(code="610113")
    move = {"county": yanta, "region": yanta.parent}
    assert EnterprisePolicy.scope_change_problems(users["admin"], enterprise, move) == {}
    assert set(EnterprisePolicy.scope_change_problems(named_officer, enterprise, move)) == {"county"}
    assert set(EnterprisePolicy.scope_change_problems(kunming_officer, enterprise, move)) == {"county"}
    assert set(EnterprisePolicy.scope_change_problems(users["sasac-yn"], enterprise, {"ownership": "x"})) == {
        "ownership"
    }
    # unchanged values are no change
    same = {"county": enterprise.county, "region": enterprise.region, "ownership": enterprise.ownership}
    assert EnterprisePolicy.scope_change_problems(named_officer, enterprise, same) == {}


# The page form ----------------------------------------------------------------------------------------------------


def edit_data(enterprise, **overrides) -> dict:
    e = Enterprise.objects.get(pk=enterprise.pk)
    data = {
        f: getattr(e, f)
        for f in ("name", "credit_code", "ownership", "supervision_level", "supervisor", "supervising_body")
        + ("industry", "size_class", "employees", "frontline_workers", "union_members", "party_members")
        + ("skilled_workers", "highly_skilled_workers")
    }
    data |= {"county": e.county_id or e.region_id, "parent": "", "version": e.version}
    data |= {f: "on" for f in ("above_scale", "leading", "has_board", "union_founded", "is_pilot") if getattr(e, f)}
    if e.union_founded_on:
        data["union_founded_on"] = e.union_founded_on.isoformat()
    return data | overrides


def test_the_page_form_shows_the_refusal_next_to_the_field(client, named_officer, enterprise):
    client.force_login(named_officer)
    before = place(enterprise)
    yanta = Region.objects.get(code="610113").pk
    response = client.post(f"/enterprises/{enterprise.pk}/edit/", edit_data(enterprise, county=yanta))
    # 雁塔区 is not even offered to an officer working in Yunnan
    assert response.status_code == 200 and 'id="error_1_id_county"' in response.content.decode()

    qilin = Region.objects.get(code="530302").pk  # offered (same province), not theirs to move to
    response = client.post(
        f"/enterprises/{enterprise.pk}/edit/", edit_data(enterprise, county=qilin, ownership="state_minority")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_county"' in html and "不负责该企业所在的区域" in html
    assert 'id="error_1_id_ownership"' in html and "只有负责企业所在区域的工会干部或管理员可以修改" in html
    assert place(enterprise) == before

    response = client.post(f"/enterprises/{enterprise.pk}/edit/", edit_data(enterprise, employees=999))
    assert response.status_code == 302 and Enterprise.objects.get(pk=enterprise.pk).employees == 999


# The import -------------------------------------------------------------------------------------------------------


def test_the_import_refuses_the_same(client, named_officer, enterprise):
    client.force_login(named_officer)
    e = Enterprise.objects.get(pk=enterprise.pk)
    rows = [row(e.name, e.credit_code, e.version, county="麒麟区", ownership="国有参股", employees=e.employees + 1)]
    response = post_import(client, workbook_file(rows))
    assert response.status_code == 200
    found = {(p.row, p.column) for p in response.context["result"].errors}
    assert found == {(2, "所在县（市、区）"), (2, "所有制")}
    assert place(enterprise) == ("530100", "530102", "private")
    assert Enterprise.objects.get(pk=enterprise.pk).employees == e.employees  # nothing saved


# The admin --------------------------------------------------------------------------------------------------------


def admin_form(user, enterprise, **changes):
    request = RequestFactory().post("/admin/")
    request.user = user
    model_admin = admin.site._registry[Enterprise]
    form_class = model_admin.get_form(request, enterprise, change=True)
    e = Enterprise.objects.get(pk=enterprise.pk)
    data = {f: getattr(e, f) for f in form_class.base_fields if not hasattr(e, f"{f}_id")}
    data |= {f: getattr(e, f"{f}_id") or "" for f in ("region", "county", "parent")}
    data = {k: v for k, v in data.items() if v is not False} | changes
    return form_class(data, instance=e)


def test_the_admin_form_asks_the_same_rule(users, named_officer, enterprise):
    # a staff account with the model's permissions (the admin shows no field to others) and an officer's charge
    named_officer.is_staff = True
    named_officer.save()
    named_officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_enterprise", "view_enterprise"])
    )
    staff = User.objects.get(pk=named_officer.pk)
    yanta = Region.objects.get(code="610113")
    form = admin_form(staff, enterprise, county=yanta.pk, region=yanta.parent_id)
    assert not form.is_valid() and "county" in form.errors
    assert "不负责该企业所在的区域" in form.errors["county"][0]

    form = admin_form(users["admin"], enterprise, county=yanta.pk, region=yanta.parent_id)
    assert form.is_valid(), form.errors
