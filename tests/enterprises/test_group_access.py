"""Counties and groups (issue 10): a county officer sees exactly their county; a group user (集团用户) sees and fills
in for exactly the subsidiaries granted to it; officers grant only what is in their charge and below the group's
head, and every grant and taking back is recorded."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from enterprises.group_access import group_grant, group_revoke, group_set
from enterprises.models import Enterprise, Profile
from reform_portal.access import access_for
from reporting.assessments import services as assessment_services
from reporting.assessments.models import Assessment
from tests.factories import EnterpriseFactory, make_admin, make_enterprise_user, make_officer, make_sasac, open_period
from tests.factories.groups import county, make_county_officer, make_group_user, subsidiary

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


# -- a county officer ---------------------------------------------------------------------------------------------


@pytest.fixture
def counties(kunming, xian):
    wuhua, panlong = county("530102", "五华区"), county("530103", "盘龙区")
    return {
        "wuhua": wuhua,
        "in_county": [EnterpriseFactory(county=wuhua, name=f"五华区测试企业{i}") for i in range(3)],
        "next_county": EnterpriseFactory(county=panlong, name="盘龙区测试企业"),
        "no_county": EnterpriseFactory(region=kunming, name="昆明未填县企业"),
        "xian": EnterpriseFactory(region=xian, name="西安测试企业"),
        "officer": make_county_officer("county-officer", counties=[wuhua]),
    }


def test_a_county_officer_lists_exactly_the_county(client, counties):
    client.force_login(counties["officer"])
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 200
    listed = {e.pk for e in response.context["page"].object_list}
    assert listed == {e.pk for e in counties["in_county"]}


def test_a_county_officer_opens_the_county_and_nothing_else(client, counties):
    client.force_login(counties["officer"])
    for enterprise in counties["in_county"]:
        assert client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code == 200
    for key in ("next_county", "no_county", "xian"):  # the same prefecture's other county, no county, elsewhere
        assert client.get(reverse("enterprises:detail", args=[counties[key].pk])).status_code == 404, key


def test_a_county_officers_api_list_is_the_county(client, counties):
    client.force_login(counties["officer"])
    response = client.get(reverse("api-enterprise-list"), {"page_size": 100})
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {e.pk for e in counties["in_county"]}


def test_a_county_officer_updates_the_county_enterprises_only(client, counties):
    client.force_login(counties["officer"])
    inside, outside = counties["in_county"][0], counties["next_county"]
    assert client.get(reverse("enterprises:edit", args=[inside.pk])).status_code == 200
    assert client.get(reverse("enterprises:edit", args=[outside.pk])).status_code == 404


# -- a group user ----------------------------------------------------------------------------------------------


@pytest.fixture
def group(kunming, xian):
    """A holding group over two groups; the group user is of one (the head), granted 子公司甲 only."""
    top = EnterpriseFactory(name="测试控股集团有限公司", region=kunming)
    head = subsidiary(top, name="测试集团有限公司")
    other_group = subsidiary(top, name="另一测试集团有限公司")
    w = {
        "top": top,
        "head": head,
        "other_group": other_group,
        "other_sub": subsidiary(other_group, name="另一集团子公司"),
        "granted": subsidiary(head, name="子公司甲"),
        "sibling": subsidiary(head, name="子公司乙"),
        "xian_sub": subsidiary(head, name="西安子公司", region=xian),
    }
    w["grandchild"] = subsidiary(w["granted"], name="孙公司甲一")
    w["user"] = make_group_user("group-user", head=head, granted=[w["granted"]])
    return w


def test_a_group_user_sees_exactly_the_granted_subsidiary(client, group):
    client.force_login(group["user"])
    assert client.get(reverse("enterprises:detail", args=[group["granted"].pk])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[group["head"].pk])).status_code == 200  # its own head office
    for key in ("sibling", "grandchild", "xian_sub", "top", "other_group", "other_sub"):
        assert client.get(reverse("enterprises:detail", args=[group[key].pk])).status_code == 404, key
    rows = client.get(reverse("api-enterprise-list"), {"page_size": 100}).json()["results"]
    assert {row["id"] for row in rows} == {group["head"].pk, group["granted"].pk}
    assert client.get(reverse("enterprises:list")).status_code == 403  # no register list, as an enterprise user


def test_the_group_home_lists_the_granted_subsidiaries(client, group):
    client.force_login(group["user"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [row["enterprise"].pk for row in response.context["rows"]] == [group["granted"].pk]
    html = response.content.decode()
    assert f'href="{reverse("enterprises:detail", args=[group["granted"].pk])}"' in html
    assert group["sibling"].name not in html


@pytest.fixture
def period(group):
    return open_period(province_id=group["head"].region.parent_id)


def test_a_group_user_fills_in_the_granted_subsidiary(client, group, period):
    client.force_login(group["user"])
    # its home starts the subsidiary's form, which it fills in as the subsidiary's own users would
    response = client.post(reverse("home"), {"enterprise": group["granted"].pk})
    assessment = Assessment.objects.get(period=period, enterprise=group["granted"])
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:assessments:detail", args=[assessment.pk]
    )
    page = client.get(reverse("home"))
    assert f'href="{reverse("reporting:assessments:detail", args=[assessment.pk])}"' in page.content.decode()
    item = assessment.items.select_related("measure").order_by("pk").first()
    code = item.measure.code
    url = reverse("reporting:assessments:item_save", args=[assessment.pk, item.pk])
    data = {f"{code}-claimed_status": "in_progress", f"{code}-claimed_percent": "30", f"{code}-version": item.version}
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.claimed_status, item.claimed_percent, item.updated_by_id) == ("in_progress", 30, group["user"].pk)


def test_a_group_user_gets_404_for_an_ungranted_subsidiary(client, group, period):
    sibling = group["sibling"]
    own_user = make_enterprise_user("sibling-user", enterprise=sibling)
    assessment = assessment_services.assessment_start(period=period, enterprise=sibling, by=own_user)
    item = assessment.items.select_related("measure").order_by("pk").first()
    code = item.measure.code
    client.force_login(group["user"])
    url = reverse("reporting:assessments:item_save", args=[assessment.pk, item.pk])
    response = client.post(url, {f"{code}-claimed_status": "in_progress", f"{code}-claimed_percent": "30"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.claimed_status != "in_progress"
    assert client.get(reverse("reporting:assessments:detail", args=[assessment.pk])).status_code == 404
    assert client.post(reverse("home"), {"enterprise": sibling.pk}).status_code == 404
    # the head office it sees, but does not fill in for
    assert client.post(reverse("home"), {"enterprise": group["head"].pk}).status_code == 403
    assert not Assessment.objects.filter(enterprise=group["head"]).exists()


def test_a_group_user_changes_no_register_record(client, group):
    client.force_login(group["user"])
    granted = group["granted"]
    assert client.get(reverse("enterprises:edit", args=[granted.pk])).status_code == 403
    assert client.post(reverse("enterprises:edit", args=[granted.pk]), {"name": "改名"}).status_code == 403
    assert client.get(reverse("enterprises:group_access", args=[group["head"].pk])).status_code == 403
    granted.refresh_from_db()
    assert granted.name == "子公司甲"


# -- granting ------------------------------------------------------------------------------------------------------


def test_an_officer_cannot_grant_outside_the_charge_or_the_tree(group, kunming, xian):
    profile = group["user"].profile
    officer = make_officer("o-kunming", regions=[kunming])
    for key in ("xian_sub", "other_sub", "top", "head"):  # outside the charge; outside the group's tree
        with pytest.raises(PermissionDenied):
            group_grant(by=_fresh(officer), profile=profile, enterprises=[group[key]])
    with pytest.raises(PermissionDenied):  # all or nothing: one refused, none granted
        group_grant(by=_fresh(officer), profile=profile, enterprises=[group["sibling"], group["xian_sub"]])
    assert set(profile.charge_enterprises.values_list("pk", flat=True)) == {group["granted"].pk}
    with pytest.raises(PermissionDenied):  # SASAC staff grant nothing
        group_grant(by=make_sasac("s-yn"), profile=profile, enterprises=[group["sibling"]])
    assert not LogEntry.objects.exists()
    # the officer of Xi'an grants Xi'an's subsidiary; an administrator any subsidiary, at any depth
    assert group_grant(by=make_officer("o-xian", regions=[xian]), profile=profile, enterprises=[group["xian_sub"]])
    assert group_grant(by=make_admin("a"), profile=profile, enterprises=[group["grandchild"]])
    with pytest.raises(PermissionDenied):
        group_grant(by=make_admin("a2"), profile=profile, enterprises=[group["other_sub"]])


def test_grant_and_revoke_are_recorded(group, kunming):
    profile = group["user"].profile
    officer = make_officer("o-kunming", regions=[kunming])
    added = group_grant(by=officer, profile=profile, enterprises=[group["sibling"], group["granted"]])
    assert added == [group["sibling"]]  # 子公司甲 was granted already
    assert group["sibling"].pk in access_for(_fresh(group["user"])).granted_ids
    removed = group_revoke(by=officer, profile=profile, enterprises=[group["granted"]])
    assert removed == [group["granted"]]
    assert group["granted"].pk not in access_for(_fresh(group["user"])).fills_in_ids
    entries = list(LogEntry.objects.filter(object_id=str(profile.pk)).order_by("pk"))
    assert [(e.user_id, e.action_flag) for e in entries] == [(officer.pk, CHANGE), (officer.pk, CHANGE)]
    assert entries[0].get_change_message().count(group["sibling"].name) == 1
    assert "added" in entries[0].change_message and "deleted" in entries[1].change_message
    assert group["granted"].name in entries[1].get_change_message()


def test_an_officer_of_a_subsidiary_only_grants_it_on_the_group_page(client, group, xian):
    officer = make_officer("o-xian", regions=[xian])  # in charge of the Xi'an subsidiary, not of the head
    client.force_login(officer)
    url = reverse("enterprises:group_access", args=[group["head"].pk])
    page = client.get(url)
    assert page.status_code == 200
    (row,) = page.context["rows"]
    changeable = {x["enterprise"].pk for x in row["entries"] if x["changeable"]}
    assert changeable == {group["xian_sub"].pk}
    profile = group["user"].profile
    response = client.post(url, {"profile": profile.pk, "enterprise": [group["xian_sub"].pk]})
    assert response.status_code == 302
    # the Kunming grant is not theirs to take back: an empty tick list leaves it
    assert set(profile.charge_enterprises.values_list("pk", flat=True)) == {group["granted"].pk, group["xian_sub"].pk}
    # not in their charge: not a choice of the form
    assert client.post(url, {"profile": profile.pk, "enterprise": [group["sibling"].pk]}).status_code == 400
    assert group["sibling"].pk not in set(profile.charge_enterprises.values_list("pk", flat=True))
    client.post(url, {"profile": profile.pk})
    assert set(profile.charge_enterprises.values_list("pk", flat=True)) == {group["granted"].pk}
    log = client.get(url).context["log"]
    assert [e.user_id for e in log] == [officer.pk, officer.pk]


def test_the_group_page_is_out_of_scope_for_officers_without_the_group(client, group, users):
    url = reverse("enterprises:group_access", args=[group["head"].pk])
    client.force_login(make_officer("o-qujing", regions=[group["head"].region.parent.children.get(code="530300")]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"profile": group["user"].profile.pk}).status_code == 404
    client.force_login(users["sasac-yn"])  # sees the head, grants nothing
    assert client.get(url).status_code == 403


def test_the_admin_grants_through_the_rule_and_records_it(client, group):
    admin = make_admin("root")
    client.force_login(admin)
    profile = group["user"].profile
    url = reverse("admin:enterprises_profile_change", args=[profile.pk])
    data = {
        "user": profile.user_id,
        "role": profile.role,
        "enterprise": group["head"].pk,
        "charge_enterprises": [group["granted"].pk, group["other_sub"].pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "charge_enterprises" in response.context["adminform"].form.errors
    assert set(profile.charge_enterprises.values_list("pk", flat=True)) == {group["granted"].pk}
    data["charge_enterprises"] = [group["granted"].pk, group["grandchild"].pk]
    assert client.post(url, data).status_code == 302
    assert set(profile.charge_enterprises.values_list("pk", flat=True)) == {group["granted"].pk, group["grandchild"].pk}
    assert LogEntry.objects.filter(object_id=str(profile.pk), change_message__contains="added").exists()


def test_only_group_users_are_granted(group, users):
    officer_profile = Profile.objects.get(user=users["officer-yn"])
    with pytest.raises(ValidationError):
        group_set(by=make_admin("a"), profile=officer_profile, enterprises=[group["granted"]])
    assert not officer_profile.charge_enterprises.filter(pk=group["granted"].pk).exists()
    assert Enterprise.objects.filter(pk=group["granted"].pk).exists()
