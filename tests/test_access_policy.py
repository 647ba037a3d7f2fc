"""reform_portal.access: one policy, read once per request, and the only place that compares roles."""

import re
from pathlib import Path

import pytest

from enterprises.models import Enterprise, Region
from reform_portal.access import (
    AssessmentPolicy,
    EnterprisePolicy,
    GroupGrantPolicy,
    NoticePolicy,
    PeriodPolicy,
    RegionPolicy,
    RollupPolicy,
    access_for,
    menu_for,
)
from tests.factories import EnterpriseFactory, make_officer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("enterprises", "measures", "reporting", "reform_portal", "templates")

# What a role decision looks like in Python or in a template.
ROLE_DECISION = re.compile(
    r"role_of\(|profile_of\(|province_ids_of\(|is_superuser|portal_role"
    r"|\bRole\.(?:ADMIN|OFFICER|SASAC|ENTERPRISE|GROUP)\b"
    r"|\brole\s*(?:==|!=|\bin\b|\bnot in\b)"  # `role == …`, `profile.role in …`
    r"|import\s[^\n]*\b(?:ADMIN|OFFICER|SASAC|ENTERPRISE|GROUP)\b"
)
# The files allowed to name roles, and why.
ALLOWED = {
    "reform_portal/access.py": "the policy itself",
    "enterprises/choices.py": "defines the roles",
    "enterprises/models.py": "Profile.clean: a role needs its province or enterprise (data integrity, not access)",
    "reform_portal/demo.py": "creates the demo accounts of each role",
}


def _sources():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            if rel not in ALLOWED:
                yield rel, path.read_text(encoding="utf-8")


def test_no_role_comparison_outside_the_access_policy():
    found = [
        f"{rel}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for rel, text in _sources()
        for m in ROLE_DECISION.finditer(text)
    ]
    assert not found, "role decisions outside reform_portal/access.py:\n" + "\n".join(found)


def test_the_scan_sees_a_role_comparison():
    # the pattern catches the shapes the portal used to have
    samples = [
        "if role_of(request.user) in (OFFICER, ADMIN):",
        'can_update = profile.role == "officer"',
        "from reform_portal.access import ADMIN, SASAC",
        '{% if portal_role == "sasac" %}',
        "if user.is_superuser:",
        "if profile.role in (Role.SASAC,):",
        'if role == "officer":',
        "if profile.role == Role.GROUP:",
        "from reform_portal.access import GROUP",
    ]
    assert all(ROLE_DECISION.search(s) for s in samples)
    assert not ROLE_DECISION.search("if EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS):")


# -- computed once --------------------------------------------------------------------------------------------


@pytest.fixture
def twenty(kunming, xian):
    """Twenty enterprises, half in Kunming, half in Xi'an, loaded as pages load them (region with them)."""
    for i in range(10):
        EnterpriseFactory(region=kunming, name=f"昆明企业{i}")
        EnterpriseFactory(region=xian, name=f"西安企业{i}")
    return list(Enterprise.objects.select_related("region").order_by("pk"))[:20]


def _fresh(user):
    """The user as a request would load it: nothing cached on the object."""
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ["admin", "officer-yn", "sasac-yn", "enterprise-yn"])
def test_twenty_can_calls_cost_a_fixed_handful_of_queries(
    users, twenty, role, django_assert_max_num_queries, django_assert_num_queries
):
    user = _fresh(users[role])
    with django_assert_max_num_queries(4):  # profile, then regions / named enterprises: once
        answers = [EnterprisePolicy.can(user, EnterprisePolicy.VIEW, e) for e in twenty]
    with django_assert_num_queries(0):  # the same request asks again: no query at all
        answers += [EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, e) for e in twenty]
        answers += [NoticePolicy.can(user, NoticePolicy.SEND, e) for e in twenty]
        answers += [RollupPolicy.can(user, RollupPolicy.VIEW, e.region.parent_id) for e in twenty]
        answers += [PeriodPolicy.can(user, PeriodPolicy.MANAGE, e.region.parent_id) for e in twenty]
    assert len(answers) == 100


def test_an_officer_named_to_enterprises_costs_the_same(kunming, xian, twenty, django_assert_max_num_queries):
    named = [e for e in twenty if e.region_id == xian.pk][:5]
    officer = _fresh(make_officer("named-many", regions=[kunming], enterprises=named))
    with django_assert_max_num_queries(4):
        seen = {e.pk for e in twenty if EnterprisePolicy.can(officer, EnterprisePolicy.VIEW, e)}
    assert seen == {e.pk for e in twenty if e.region_id == kunming.pk} | {e.pk for e in named}


def test_access_is_kept_on_the_user_object(users, django_assert_num_queries):
    user = _fresh(users["officer-yn"])
    first = access_for(user)
    with django_assert_num_queries(0):
        assert access_for(user) is first


# -- the two faces agree, and agree with the rule written out independently -----------------------------------


def _expected_ids(role_key, users, enterprises):
    """Who sees which enterprise, written out from the README's table (not from the policy)."""
    profile = getattr(users[role_key], "profile", None)
    if role_key == "admin":
        return {e.pk for e in enterprises}
    if role_key.startswith("sasac"):
        return {e.pk for e in enterprises if e.region.parent_id == profile.province_id}
    if role_key.startswith("enterprise"):
        return {profile.enterprise_id}
    charge = set(profile.charge_regions.values_list("pk", flat=True))
    named = set(profile.charge_enterprises.values_list("pk", flat=True))
    return {
        e.pk
        for e in enterprises
        if e.region_id in charge or e.region.parent_id in charge or e.county_id in charge or e.pk in named
    }


@pytest.mark.parametrize(
    "role", ["admin", "officer-yn", "officer-sx", "sasac-yn", "sasac-sx", "enterprise-yn", "enterprise-sx"]
)
def test_visible_and_can_agree_with_the_rule(users, twenty, role):
    enterprises = list(Enterprise.objects.select_related("region"))
    expected = _expected_ids(role, users, enterprises)
    user = _fresh(users[role])
    assert set(EnterprisePolicy.visible(user, Enterprise.objects.all()).values_list("pk", flat=True)) == expected
    assert {e.pk for e in enterprises if EnterprisePolicy.can(user, EnterprisePolicy.VIEW, e)} == expected


def test_officer_in_charge_of_a_whole_province_sees_its_prefectures(twenty):
    yunnan = Region.objects.get(code="530000")
    officer = make_officer("province-wide", regions=[yunnan])
    seen = set(EnterprisePolicy.visible(officer, Enterprise.objects.all()).values_list("pk", flat=True))
    assert seen == set(Enterprise.objects.filter(region__parent=yunnan).values_list("pk", flat=True))
    assert RollupPolicy.prefecture_ids(officer, yunnan) is None  # the whole province's rows
    assert RegionPolicy.can(officer, RegionPolicy.VIEW, Region.objects.get(code="530100"))
    assert not RegionPolicy.can(officer, RegionPolicy.VIEW, Region.objects.get(code="610100"))


def test_an_officer_in_charge_of_prefectures_sees_those_rows_only(kunming):
    officer = make_officer("prefecture", regions=[kunming])
    assert RollupPolicy.prefecture_ids(officer, kunming.parent) == frozenset({kunming.pk})


def test_no_role_no_access(db):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    assert not EnterprisePolicy.visible(nobody, Enterprise.objects.all()).exists()
    for policy, action in [
        (EnterprisePolicy, EnterprisePolicy.LIST),
        (AssessmentPolicy, AssessmentPolicy.OVERVIEW),
        (AssessmentPolicy, AssessmentPolicy.START),
        (PeriodPolicy, PeriodPolicy.VIEW),
        (RollupPolicy, RollupPolicy.VIEW),
        (NoticePolicy, NoticePolicy.SEND),
    ]:
        assert not policy.can(nobody, action), f"{policy.__name__}.{action}"


@pytest.mark.parametrize(
    ("role", "enterprises", "dashboard"),
    [
        ("admin", True, True),
        ("officer-yn", True, True),
        ("sasac-sx", True, True),
        ("enterprise-yn", False, False),
    ],
)
def test_the_menu_offers_what_the_policy_allows(client, users, role, enterprises, dashboard):
    from django.urls import reverse

    client.force_login(users[role])
    html = client.get(reverse("measures:documents")).content.decode()
    assert (f'href="{reverse("enterprises:list")}"' in html) == enterprises
    assert (f'href="{reverse("reporting:dashboard")}"' in html) == dashboard
    assert f'href="{reverse("reporting:assessments:index")}"' in html


# -- counties: an officer in charge of a county (县级总工会) --------------------------------------------------------


@pytest.fixture
def county_world(kunming, xian):
    """Enterprises of two Kunming counties, of Kunming with no county, of another Yunnan prefecture and of a Xi'an
    county; and an officer of each level."""
    from tests.factories.groups import county

    wuhua, panlong, xincheng = county("530102", "五华区"), county("530103", "盘龙区"), county("610102", "新城区")
    qujing = Region.objects.get(code="530300")
    made = {
        "wuhua": [EnterpriseFactory(county=wuhua, name=f"五华企业{i}") for i in range(2)],
        "panlong": [EnterpriseFactory(county=panlong, name=f"盘龙企业{i}") for i in range(2)],
        "kunming": [EnterpriseFactory(region=kunming, name=f"昆明无县企业{i}") for i in range(2)],
        "qujing": [EnterpriseFactory(region=qujing, name="曲靖企业")],
        "xincheng": [EnterpriseFactory(county=xincheng, name="新城企业")],
    }
    return {
        "counties": {"wuhua": wuhua, "panlong": panlong, "xincheng": xincheng},
        "enterprises": made,
        "officers": {
            "county": make_officer("o-county", regions=[wuhua]),
            "prefecture": make_officer("o-prefecture", regions=[kunming]),
            "province": make_officer("o-province", regions=[kunming.parent]),
        },
    }


def _ids(*groups):
    return {e.pk for group in groups for e in group}


def test_the_database_keeps_a_county_enterprise_in_its_prefecture(county_world, kunming):
    # what the county rule leans on: an enterprise's region is its county's prefecture
    for e in county_world["enterprises"]["wuhua"]:
        e.refresh_from_db()
        assert e.region_id == kunming.pk


@pytest.mark.parametrize(
    ("officer", "expected"),
    [
        ("county", ("wuhua",)),
        ("prefecture", ("wuhua", "panlong", "kunming")),
        ("province", ("wuhua", "panlong", "kunming", "qujing")),
    ],
)
def test_an_officer_sees_the_enterprises_of_the_level_in_charge(county_world, officer, expected):
    made = county_world["enterprises"]
    user = _fresh(county_world["officers"][officer])
    want = _ids(*(made[k] for k in expected))
    assert set(EnterprisePolicy.visible(user, Enterprise.objects.all()).values_list("pk", flat=True)) == want
    every = list(Enterprise.objects.all())
    assert {e.pk for e in every if EnterprisePolicy.can(user, EnterprisePolicy.VIEW, e)} == want
    assert {e.pk for e in every if EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, e)} == want


def test_a_county_officer_is_an_officer_of_the_county_province(county_world, kunming, django_assert_max_num_queries):
    user = _fresh(county_world["officers"]["county"])
    wuhua = county_world["counties"]["wuhua"]
    every = list(Enterprise.objects.select_related("region"))
    with django_assert_max_num_queries(4):
        access_for(user)
    yunnan, shaanxi = kunming.parent, Region.objects.get(code="610000")
    assert access_for(user).province_ids == frozenset({yunnan.pk})
    assert EnterprisePolicy.can(user, EnterprisePolicy.LIST) and EnterprisePolicy.can(user, EnterprisePolicy.ADD)
    # regions are the frame: the whole province, every level; not another province
    assert RegionPolicy.can(user, RegionPolicy.VIEW, Region.objects.select_related("parent").get(pk=wuhua.pk))
    assert RegionPolicy.can(user, RegionPolicy.VIEW, kunming)
    assert not RegionPolicy.can(user, RegionPolicy.VIEW, county_world["counties"]["xincheng"])
    seen_regions = set(RegionPolicy.visible(user, Region.objects.all()).values_list("pk", flat=True))
    assert {yunnan.pk, kunming.pk, wuhua.pk, county_world["counties"]["panlong"].pk} <= seen_regions
    assert not seen_regions & set(Region.objects.filter(code__startswith="61").values_list("pk", flat=True))
    # figures: the dashboard of the county's province, no prefecture's figures, the county's rows
    assert RollupPolicy.can(user, RollupPolicy.VIEW, yunnan)
    assert not RollupPolicy.can(user, RollupPolicy.VIEW, shaanxi)
    assert RollupPolicy.prefecture_ids(user, yunnan) == frozenset()
    assert RollupPolicy.county_ids(user, yunnan) == frozenset({wuhua.pk})
    assert RollupPolicy.county_ids(user, shaanxi) == frozenset()
    with django_assert_max_num_queries(0):
        assert sum(EnterprisePolicy.can(user, EnterprisePolicy.VIEW, e) for e in every) == 2


def test_figures_follow_the_level_in_charge(county_world, kunming, users):
    yunnan = kunming.parent
    officers = county_world["officers"]
    kunming_counties = frozenset(Region.objects.filter(parent=kunming).values_list("pk", flat=True))
    assert RollupPolicy.prefecture_ids(officers["prefecture"], yunnan) == frozenset({kunming.pk})
    assert RollupPolicy.county_ids(officers["prefecture"], yunnan) == kunming_counties
    assert RollupPolicy.prefecture_ids(officers["province"], yunnan) is None
    assert RollupPolicy.county_ids(officers["province"], yunnan) is None
    assert RollupPolicy.county_ids(users["sasac-yn"], yunnan) is None
    assert RollupPolicy.county_ids(users["admin"], yunnan) is None
    assert RollupPolicy.county_ids(users["enterprise-yn"], yunnan) == frozenset()


def test_a_county_officer_reads_the_county_rows_and_no_prefecture_row(county_world, kunming):
    from reporting import rollup
    from reporting.models import RollupSnapshot

    rollup.rollup_full_now()
    rows = RollupSnapshot.objects.all()
    wuhua = county_world["counties"]["wuhua"]
    assert rows.filter(prefecture=kunming, county__isnull=True).exists()  # Kunming's own figures
    seen = RollupPolicy.visible(county_world["officers"]["county"], rows)
    assert seen.exists() and set(seen.values_list("county_id", flat=True)) == {wuhua.pk}
    by_prefecture = RollupPolicy.visible(county_world["officers"]["prefecture"], rows)
    assert set(by_prefecture.values_list("prefecture_id", flat=True)) == {kunming.pk}
    assert by_prefecture.filter(county__isnull=True).exists() and by_prefecture.filter(county=wuhua).exists()


# -- group users (集团用户) -----------------------------------------------------------------------------------------


@pytest.fixture
def group_world(kunming, xian):
    """A holding group with two groups under it; the group user is of one of them (the head), granted one
    subsidiary, one of its subsidiaries, one in Shaanxi, and (wrongly, e.g. before a move) one of the other group."""
    from tests.factories.groups import make_group_user, subsidiary

    top = EnterpriseFactory(name="云南测试控股集团有限公司", region=kunming)
    head = subsidiary(top, name="昆明测试集团有限公司")
    other_group = subsidiary(top, name="云南另一集团有限公司")
    w = {
        "top": top,
        "head": head,
        "other_group": other_group,
        "other_sub": subsidiary(other_group, name="另一集团子公司"),
        "a": subsidiary(head, name="子公司甲"),
        "b": subsidiary(head, name="子公司乙"),
        "sx": subsidiary(head, name="西安子公司", region=xian),
        "stranger": EnterpriseFactory(name="无关企业", region=kunming),
    }
    w["a1"] = subsidiary(w["a"], name="孙公司甲一")
    w["a2"] = subsidiary(w["a"], name="孙公司甲二")
    w["user"] = make_group_user("group-user", head=head, granted=[w["a"], w["a1"], w["sx"], w["other_sub"]])
    return w


def test_a_group_user_sees_its_head_and_exactly_the_granted_subsidiaries(group_world, django_assert_max_num_queries):
    w = group_world
    user = _fresh(w["user"])
    with django_assert_max_num_queries(2):
        access = access_for(user)
    expected = {w[k].pk for k in ("head", "a", "a1", "sx")}  # not b, a2, the other group's, the top, a stranger
    every = list(Enterprise.objects.all())
    with django_assert_max_num_queries(0):
        assert {e.pk for e in every if EnterprisePolicy.can(user, EnterprisePolicy.VIEW, e)} == expected
        assert not any(EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, e) for e in every)
        assert not any(EnterprisePolicy.can(user, EnterprisePolicy.CHANGE, e) for e in every)
        assert not any(NoticePolicy.can(user, NoticePolicy.SEND, e) for e in every)
    assert set(EnterprisePolicy.visible(user, Enterprise.objects.all()).values_list("pk", flat=True)) == expected
    assert access.granted_ids == {w[k].pk for k in ("a", "a1", "sx")}
    assert access.province_ids == {w["head"].region.parent_id, w["sx"].region.parent_id}
    for action in (EnterprisePolicy.LIST, EnterprisePolicy.ADD, EnterprisePolicy.EXCEPT_CREDIT_CODE):
        assert not EnterprisePolicy.can(user, action)
    assert not RollupPolicy.can(user, RollupPolicy.VIEW) and RollupPolicy.province_ids(user) == frozenset()
    assert not AssessmentPolicy.can(user, AssessmentPolicy.OVERVIEW)
    assert not PeriodPolicy.can(user, PeriodPolicy.MANAGE)


def test_a_group_user_fills_in_for_the_granted_subsidiaries_only(group_world):
    w = group_world
    user = _fresh(w["user"])
    fills = {e.pk for e in Enterprise.objects.all() if AssessmentPolicy.can(user, AssessmentPolicy.START, e)}
    assert fills == {w[k].pk for k in ("a", "a1", "sx")}  # not the head, not an ungranted one
    assert set(AssessmentPolicy.fills_in(user, Enterprise.objects.all()).values_list("pk", flat=True)) == fills
    # the entry pages that take the enterprise from the user are not theirs
    assert not AssessmentPolicy.can(user, AssessmentPolicy.START)
    assert not AssessmentPolicy.can(user, AssessmentPolicy.EDIT)
    assert access_for(user).own_enterprise is None and access_for(user).head_enterprise == w["head"]


def test_a_grant_counts_only_while_the_subsidiary_is_below_the_head(group_world):
    w = group_world
    Enterprise.objects.filter(pk=w["a"].pk).update(parent=w["other_group"])  # the subsidiary (and a1) moved away
    user = _fresh(w["user"])
    assert access_for(user).granted_ids == {w["sx"].pk}


@pytest.mark.parametrize(
    ("grantor", "grantable"),
    [
        ("admin", ("a", "b", "sx", "a1", "a2")),  # every enterprise below the head, at any depth
        ("officer-yn", ("a", "b", "a1", "a2")),  # those in charge (Kunming), not Xi'an's
        ("officer-sx", ("sx",)),
        ("sasac-yn", ()),
        ("enterprise-yn", ()),
    ],
)
def test_who_may_grant_what(group_world, users, grantor, grantable):
    w = group_world
    user = _fresh(users[grantor])
    profile = w["user"].profile
    expected = {w[k].pk for k in grantable}
    everything = Enterprise.objects.all()
    assert set(GroupGrantPolicy.grantable(user, profile, everything).values_list("pk", flat=True)) == expected
    assert {e.pk for e in everything if GroupGrantPolicy.can(user, GroupGrantPolicy.GRANT, profile, e)} == expected
    # never the head itself, its parent group, the other group's or an enterprise outside the tree
    for key in ("head", "top", "other_group", "other_sub", "stranger"):
        assert not GroupGrantPolicy.can(user, GroupGrantPolicy.GRANT, profile, w[key])
    assert GroupGrantPolicy.can(user, GroupGrantPolicy.MANAGE) == bool(grantable)


def test_grants_are_only_for_group_users(group_world, users):
    officer_profile = users["officer-yn"].profile
    assert not GroupGrantPolicy.can(users["admin"], GroupGrantPolicy.GRANT, officer_profile, group_world["a"])
    assert not GroupGrantPolicy.grantable(users["admin"], officer_profile, Enterprise.objects.all()).exists()
    assert not GroupGrantPolicy.can(group_world["user"], GroupGrantPolicy.GRANT)


def test_an_officer_revokes_the_grants_in_charge(group_world, users):
    w = group_world
    profile = w["user"].profile
    granted = profile.charge_enterprises.all()
    yn = set(GroupGrantPolicy.revocable(users["officer-yn"], profile, granted).values_list("pk", flat=True))
    assert yn == {w[k].pk for k in ("a", "a1", "other_sub")}  # in Kunming, below the head or not
    assert set(GroupGrantPolicy.revocable(users["admin"], profile, granted).values_list("pk", flat=True)) == set(
        granted.values_list("pk", flat=True)
    )
    assert not GroupGrantPolicy.revocable(users["sasac-yn"], profile, granted).exists()
    assert GroupGrantPolicy.can(users["officer-sx"], GroupGrantPolicy.REVOKE, profile, w["sx"])
    assert not GroupGrantPolicy.can(users["officer-sx"], GroupGrantPolicy.REVOKE, profile, w["a"])


def test_the_menu_of_a_group_user(client, group_world):
    from django.urls import reverse

    client.force_login(group_world["user"])
    html = client.get(reverse("measures:documents")).content.decode()
    assert f'href="{reverse("enterprises:list")}"' not in html
    assert f'href="{reverse("reporting:dashboard")}"' not in html
    assert f'href="{reverse("reporting:assessments:index")}"' not in html  # its entry is the group home
    assert menu_for(group_world["user"]).fills_in_assessment
