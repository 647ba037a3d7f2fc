"""The register form's new facts: the county (the prefecture follows from it), the parent company by its credit code,
the supervisor and 规上 / 龙头 / 董事会; the enterprise page shows them, with the group's subsidiaries."""

import re

import pytest

from enterprises.choices import Ownership, SupervisionLevel, Supervisor
from enterprises.models import Enterprise, Region
from tests.factories import EnterpriseFactory, make_credit_code

from .test_enterprise_register import form_data, region_pk

pytestmark = pytest.mark.django_db


def post_new(client, **overrides):
    data = form_data(**overrides)
    return client.post("/enterprises/new/", data), data


def field_errors(response, field) -> str:
    """The text of the error block crispy draws under `field`."""
    html = response.content.decode()
    match = re.search(rf'<span id="error_\d+_id_{field}"[^>]*>(.*?)</span>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def select_html(response, name) -> str:
    html = response.content.decode()
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


# The county ---------------------------------------------------------------------------------------------------------


def test_county_select_is_grouped_by_prefecture_of_the_officers_province(client, users):
    client.force_login(users["officer-yn"])
    select = select_html(client.get("/enterprises/new/"), "county")
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "云南省 昆明市" and len(groups) == 16 and all(g.startswith("云南省 ") for g in groups)
    kunming = select[select.index('label="云南省 昆明市"') : select.index('label="云南省 曲靖市"')]
    assert f'<option value="{region_pk("530102")}">五华区</option>' in kunming
    assert kunming.count("<option") == 14
    assert "雁塔区" not in select and "西安市" not in select


def test_a_prefecture_without_counties_is_offered_as_itself(client, users):
    client.force_login(users["officer-sx"])
    select = select_html(client.get("/enterprises/new/"), "county")
    assert f'<option value="{region_pk("619900")}">杨凌示范区（不设县级区划）</option>' in select
    # 杨陵区 is a county of 咸阳市 (GB/T 2260), not of the demonstration zone
    xianyang = select[select.index('label="陕西省 咸阳市"') :]
    assert "杨陵区" in xianyang[: xianyang.index("</optgroup>")]


def test_the_prefecture_follows_from_the_county(client, users):
    client.force_login(users["officer-yn"])
    response, data = post_new(client, county=region_pk("530125"))  # 宜良县
    enterprise = Enterprise.objects.get(credit_code=data["credit_code"])
    assert response.status_code == 302
    assert (enterprise.county.name, enterprise.region.name) == ("宜良县", "昆明市")
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert re.search(r'enterprise-location">\s*云南省 昆明市 宜良县</dd>', page)


def test_a_county_is_required(client, users):
    client.force_login(users["officer-yn"])
    response, data = post_new(client, county="")
    assert response.status_code == 200 and "请选择所在县（市、区）" in field_errors(response, "county")
    assert not Enterprise.objects.filter(credit_code=data["credit_code"]).exists()


def test_a_prefecture_with_counties_is_not_a_location(client, users):
    client.force_login(users["officer-yn"])
    response, data = post_new(client, county=region_pk("530100"))
    assert response.status_code == 200 and field_errors(response, "county")
    assert not Enterprise.objects.filter(credit_code=data["credit_code"]).exists()


def test_an_enterprise_in_yangling_has_no_county(client, users):
    client.force_login(users["admin"])
    response, data = post_new(client, county=region_pk("619900"), credit_code=make_credit_code("610403"))
    enterprise = Enterprise.objects.get(credit_code=data["credit_code"])
    assert response.status_code == 302 and enterprise.county is None and enterprise.region.name == "杨凌示范区"


def test_an_enterprise_registered_before_counties_keeps_its_prefecture_until_one_is_chosen(
    client, users, yn_enterprise
):
    # given: yn_enterprise was registered with its prefecture only
    assert yn_enterprise.county is None
    client.force_login(users["officer-yn"])
    url = f"/enterprises/{yn_enterprise.pk}/edit/"
    select = select_html(client.get(url), "county")
    assert f'<option value="{region_pk("530100")}" selected>昆明市（县（市、区）未登记）</option>' in select
    # when: saved as it is, it stays without a county
    edit = form_data(name=yn_enterprise.name, credit_code=yn_enterprise.credit_code, version=1, employees=510)
    assert client.post(url, {**edit, "county": region_pk("530100")}).status_code == 302
    yn_enterprise.refresh_from_db()
    assert (yn_enterprise.employees, yn_enterprise.county) == (510, None)
    # and once a county is chosen, the prefecture alone is no longer offered
    assert client.post(url, {**edit, "version": 2, "county": region_pk("530111")}).status_code == 302
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.county.name == "官渡区"
    assert "县（市、区）未登记" not in select_html(client.get(url), "county")


# The group ----------------------------------------------------------------------------------------------------------


def test_parent_by_credit_code_and_the_group_on_both_pages(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    # written as people paste it: lower case, spaces
    pasted = " ".join([yn_enterprise.credit_code[:9].lower(), yn_enterprise.credit_code[9:]])
    response, data = post_new(client, name="昆明测试机械五华分公司有限公司", parent=pasted)
    child = Enterprise.objects.get(credit_code=data["credit_code"])
    assert response.status_code == 302 and child.parent == yn_enterprise

    page = client.get(f"/enterprises/{child.pk}/").content.decode()
    assert f'<a href="/enterprises/{yn_enterprise.pk}/">{yn_enterprise.name}</a>' in page
    head = client.get(f"/enterprises/{yn_enterprise.pk}/").content.decode()
    assert f'<li data-subsidiary="{child.pk}"><a href="/enterprises/{child.pk}/">{child.name}</a>' in head
    assert f'href="/enterprises/?group={yn_enterprise.credit_code}"' in head
    # the edit form shows the parent's code and name
    form = client.get(f"/enterprises/{child.pk}/edit/").content.decode()
    assert f'name="parent" value="{yn_enterprise.credit_code}"' in form and f"现为：{yn_enterprise.name}" in form


@pytest.mark.parametrize("which", ["unknown", "not_visible"])
def test_a_parent_must_be_registered_and_visible(client, users, sx_soe, which):
    client.force_login(users["officer-yn"])
    code = make_credit_code("530102") if which == "unknown" else sx_soe.credit_code
    response, data = post_new(client, parent=code)
    assert response.status_code == 200 and f"没有找到统一社会信用代码为 {code} 的企业" in field_errors(
        response, "parent"
    )
    assert not Enterprise.objects.filter(credit_code=data["credit_code"]).exists()


def test_no_enterprise_is_its_own_ancestor(client, users, kunming, yn_enterprise):
    child = EnterpriseFactory(name="昆明测试子公司", region=kunming, parent=yn_enterprise)
    client.force_login(users["officer-yn"])
    edit = form_data(
        name=yn_enterprise.name, credit_code=yn_enterprise.credit_code, version=1, parent=child.credit_code
    )
    response = client.post(f"/enterprises/{yn_enterprise.pk}/edit/", edit)
    assert response.status_code == 200 and "上级集团不能是本企业或本企业的下属企业" in field_errors(response, "parent")
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.parent is None


def test_the_subsidiaries_list_shows_only_those_the_user_may_see(client, users, kunming, xian, yn_enterprise):
    seen = EnterpriseFactory(name="昆明可见子公司", region=kunming, parent=yn_enterprise)
    unseen = EnterpriseFactory(name="西安不可见子公司", region=xian, parent=yn_enterprise)
    client.force_login(users["officer-yn"])
    page = client.get(f"/enterprises/{yn_enterprise.pk}/").content.decode()
    assert seen.name in page and unseen.name not in page and "下属企业（1 家）" in page
    # Xi'an's officer sees the subsidiary, and its parent's name, but no link to a page they may not open
    client.force_login(users["officer-sx"])
    page = client.get(f"/enterprises/{unseen.pk}/").content.decode()
    assert yn_enterprise.name in page and f'href="/enterprises/{yn_enterprise.pk}/"' not in page


# Supervision, and 规上 / 龙头 / 董事会 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"ownership": "state_sole", "supervision_level": "municipal"},
            "supervisor",
            "请选择监管机构类别（国资委或其他部门）",
        ),
        ({"supervisor": "sasac"}, "supervisor", "没有国资监管层级的企业不填监管机构类别"),
        (
            {"ownership": "state_minority", "supervision_level": "municipal", "supervisor": "sasac"},
            "supervision_level",
            "国有参股企业不是国有企业",
        ),
    ],
)
def test_supervisor_rules(client, users, overrides, field, message):
    client.force_login(users["officer-yn"])
    response, data = post_new(client, **overrides)
    assert response.status_code == 200 and message in field_errors(response, field)
    assert not Enterprise.objects.filter(credit_code=data["credit_code"]).exists()


def test_a_state_owned_enterprise_with_its_supervisor_and_facts_is_saved_and_shown(client, users):
    client.force_login(users["officer-yn"])
    response, data = post_new(
        client,
        name="昆明测试水务集团有限公司",
        ownership="state_sole",
        supervision_level="municipal",
        supervisor="other",
        supervising_body="昆明市财政局",
        above_scale="on",
        leading="on",
        has_board="on",
    )
    enterprise = Enterprise.objects.get(credit_code=data["credit_code"])
    assert response.status_code == 302
    assert (enterprise.ownership, enterprise.supervision_level, enterprise.supervisor) == (
        Ownership.STATE_SOLE,
        SupervisionLevel.MUNICIPAL,
        Supervisor.OTHER,
    )
    assert enterprise.above_scale and enterprise.leading and enterprise.has_board
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert re.search(r'enterprise-supervision">市属 · 其他部门（如财政、行业主管部门） · 昆明市财政局</dd>', page)
    for css in ("enterprise-above-scale", "enterprise-leading", "enterprise-board"):
        assert f'class="col-sm-4 {css}">是</dd>' in page


def test_facts_unticked_are_false(client, users):
    client.force_login(users["officer-yn"])
    response, data = post_new(client)
    enterprise = Enterprise.objects.get(credit_code=data["credit_code"])
    assert not (enterprise.above_scale or enterprise.leading or enterprise.has_board)
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert 'class="col-sm-4 enterprise-leading">否</dd>' in page


def test_a_change_of_county_is_in_the_history(client, users, kunming):
    enterprise = EnterpriseFactory(region=kunming, county=Region.objects.get(code="530102"))
    client.force_login(users["officer-yn"])
    edit = form_data(name=enterprise.name, credit_code=enterprise.credit_code, version=1, county=region_pk("530103"))
    assert client.post(f"/enterprises/{enterprise.pk}/edit/", edit).status_code == 302
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "所在县（市、区）" in page and "五华区" in page and "盘龙区" in page
