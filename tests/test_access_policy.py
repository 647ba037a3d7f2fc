"""reform_portal.access: one policy, read once per request, and the only place that compares roles."""

import re
from pathlib import Path

import pytest

from enterprises.models import Enterprise, Region
from reform_portal.access import (
    AssessmentPolicy,
    EnterprisePolicy,
    NoticePolicy,
    PeriodPolicy,
    RegionPolicy,
    RollupPolicy,
    access_for,
)
from tests.factories import EnterpriseFactory, make_officer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("enterprises", "measures", "reporting", "reform_portal", "templates")

# What a role decision looks like in Python or in a template.
ROLE_DECISION = re.compile(
    r"role_of\(|profile_of\(|province_ids_of\(|is_superuser|portal_role"
    r"|\bRole\.(?:ADMIN|OFFICER|SASAC|ENTERPRISE)\b"
    r"|\brole\s*(?:==|!=|\bin\b|\bnot in\b)"  # `role == …`, `profile.role in …`
    r"|import\s[^\n]*\b(?:ADMIN|OFFICER|SASAC|ENTERPRISE)\b"
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
    return {e.pk for e in enterprises if e.region_id in charge or e.region.parent_id in charge or e.pk in named}


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
