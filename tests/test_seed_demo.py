"""The demo data: idempotent, deterministic, and what a union officer would recognise — real counties, names that
carry their place and a legal form that fits their ownership, valid credit codes, the groups, SOEs at every level and
enterprises of every size; and the demo accounts of the README."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from enterprises.choices import Ownership, RegionLevel, Role, SizeClass, SupervisionLevel, Supervisor
from enterprises.models import Enterprise
from measures.models import IndicatorValue, Progress, ProgressEvent

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    "admin",
    "officer-yn",
    "officer-sx",
    "officer-county",
    "sasac-yn",
    "sasac-sx",
    "enterprise-yn",
    "enterprise-sx",
    "group-sx",
]


# The two checks of a credit code, written out here (not enterprises.credit_code) ----------------------------------

GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V


def gb32100_ok(code: str) -> bool:
    """GB 32100-2015: Σ value × 3^i (mod 31) over the first 17 characters, completed to 0 by the 18th."""
    if len(code) != 18 or any(c not in GB32100_ALPHABET for c in code):
        return False
    total = sum(GB32100_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return code[17] == GB32100_ALPHABET[(31 - total % 31) % 31]


def gb11714_ok(organisation_code: str) -> bool:
    """GB 11714-1997: the 9th character of an organisation code is 11 − Σ value × weight (mod 11), X for 10."""
    values = [int(c, 36) for c in organisation_code[:8]]  # 0–9, then A = 10 … Z = 35
    c9 = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return organisation_code[8] == {10: "X", 11: "0"}.get(c9, str(c9))


def test_the_independent_checks_know_a_real_code():
    # 91350100M000100Y43: the worked example of GB 32100-2015; one character changed fails both
    assert gb32100_ok("91350100M000100Y43") and gb11714_ok("M000100Y4")
    assert not gb32100_ok("91350100M000100Y44") and not gb11714_ok("M000100Y5")


# ------------------------------------------------------------------------------------------------------------------


def counts():
    return (
        Enterprise.objects.count(),
        get_user_model().objects.count(),
        Progress.objects.count(),
        ProgressEvent.objects.count(),
        IndicatorValue.objects.count(),
    )


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    return list(Enterprise.objects.select_related("region__parent", "county__parent", "parent"))


def test_seed_demo_twice_creates_nothing_more(demo):
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    assert first[0] == 60


def check_seed_demo_is_deterministic(demo):
    from reform_portal.demo import ENTERPRISES, demo_credit_codes

    codes = demo_credit_codes()
    assert codes == demo_credit_codes() and len(set(codes.values())) == len(ENTERPRISES)
    assert {e.credit_code for e in demo} == set(codes.values())


def check_every_credit_code_is_valid_and_registered_in_the_enterprises_county(demo):
    for e in demo:
        assert gb32100_ok(e.credit_code), e.credit_code
        assert gb11714_ok(e.credit_code[8:17]), e.credit_code
        assert e.credit_code[:2] == "91" and e.credit_code[2:8] == e.county.code, e.name


def check_every_enterprise_is_in_a_real_county_of_its_prefecture(demo):
    for e in demo:
        assert e.county is not None and e.county.level == RegionLevel.COUNTY, e.name
        assert e.county.parent_id == e.region_id and e.region.level == RegionLevel.PREFECTURE, e.name
    assert {e.region.parent.code for e in demo} == {"530000", "610000"}
    assert len({e.region_id for e in demo}) >= 12 and len({e.county_id for e in demo}) >= 40


def place_words(e) -> set[str]:
    """The short names of the enterprise's province, prefecture and county (云南, 昆明, 宜良, 红河, 眉县 …)."""
    return {e.region.parent.name[:2], e.region.name[:2], e.county.name[:2]}


def check_names_carry_their_place_and_forms_fit_ownership(demo):
    assert len({e.name for e in demo}) == len(demo)
    for e in demo:
        assert any(word in e.name for word in place_words(e)), e.name
        if e.ownership == Ownership.COLLECTIVE:
            assert e.name.endswith("厂") and "股份" not in e.name, e.name
        if e.ownership in (Ownership.STATE_SOLE, Ownership.PRIVATE):
            assert e.name.endswith("有限公司") and "股份有限公司" not in e.name, e.name
        # a company has a board (or a board of supervisors); a collective works has none
        assert e.has_board == e.name.endswith("公司"), e.name


def check_state_owned_enterprises_at_every_level(demo):
    for e in demo:
        state = e.ownership in (Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED)
        assert (e.supervision_level != SupervisionLevel.NONE) == state, e.name
        assert bool(e.supervisor) == state and bool(e.supervising_body) == state, e.name
    central = [e for e in demo if e.supervision_level == SupervisionLevel.CENTRAL]
    assert {e.region.name for e in central} >= {"西安市", "昆明市"}
    for e in central:
        assert e.name.startswith("中国") and e.region.name[:2] in e.name and e.supervisor == Supervisor.SASAC
    assert len([e for e in demo if e.supervision_level == SupervisionLevel.COUNTY]) >= 4
    assert {e.region.parent.name for e in demo if e.supervision_level == SupervisionLevel.MUNICIPAL} == {
        "云南省",
        "陕西省",
    }
    # a 国有独资 under a 财政厅
    assert any(
        e.ownership == Ownership.STATE_SOLE
        and e.supervisor == Supervisor.OTHER
        and e.supervising_body.endswith("财政厅")
        for e in demo
    )
    # 国有参股: not a state-owned enterprise
    minority = [e for e in demo if e.ownership == Ownership.STATE_MINORITY]
    assert minority and all(not e.is_state_owned for e in minority)


def members(head, demo) -> list:
    """`head` and everything below it."""
    found, frontier = [head], [head]
    while frontier:
        frontier = [e for e in demo if e.parent_id in {f.pk for f in frontier}]
        found += frontier
    return found


def check_the_provincial_group_spans_three_cities(demo):
    [group] = [e for e in demo if e.name == "陕西秦岳实业集团有限公司"]
    assert group.parent is None and group.supervision_level == SupervisionLevel.PROVINCIAL
    assert (group.ownership, group.supervisor, group.supervising_body) == ("state_sole", "sasac", "陕西省国资委")
    group_members = members(group, demo)
    assert {e.region.name for e in group_members} == {"西安市", "宝鸡市", "榆林市"}
    assert max(len(members(e, demo)) for e in group_members[1:]) >= 2  # a subsidiary with one of its own
    for e in group_members:
        assert e.is_state_owned and e.supervision_level == SupervisionLevel.PROVINCIAL, e.name


def check_sizes_and_facts(demo):
    yunnan = [e for e in demo if e.region.parent.code == "530000"]
    assert any(e.employees == 80 for e in yunnan)
    assert any(e.employees < 100 for e in yunnan) and any(e.employees >= 100 for e in yunnan)
    assert {SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL} <= {e.size_class for e in yunnan}
    for e in demo:
        expected = (
            SizeClass.LARGE if e.employees >= 1000 else SizeClass.MEDIUM if e.employees >= 300 else SizeClass.SMALL
        )
        assert e.size_class == expected, e.name
    assert {True, False} == {e.above_scale for e in yunnan} == {e.above_scale for e in demo}
    assert any(e.leading for e in yunnan) and any(e.leading for e in demo if e.region.parent.code == "610000")
    assert len({e.ownership for e in demo}) == len(Ownership.values)
    assert len({e.industry for e in demo}) >= 7


def check_progress_and_values(demo):
    assert set(Progress.objects.values_list("status", flat=True)) == {"not_started", "in_progress", "done", "ongoing"}
    assert IndicatorValue.objects.exclude(text="").exists() and IndicatorValue.objects.filter(text="").exists()


def check_demo_accounts(demo):
    User = get_user_model()
    for username in ACCOUNTS:
        assert User.objects.get(username=username).check_password("demo12345"), username
    assert User.objects.get(username="admin").is_superuser
    officer = User.objects.get(username="officer-yn").profile
    assert officer.role == Role.OFFICER and [r.name for r in officer.charge_regions.all()] == ["昆明市"]
    assert User.objects.get(username="sasac-sx").profile.province.name == "陕西省"
    ent_yn = User.objects.get(username="enterprise-yn").profile.enterprise
    assert ent_yn.region.name == "昆明市" and not ent_yn.is_state_owned
    ent_sx = User.objects.get(username="enterprise-sx").profile.enterprise
    assert ent_sx.region.name == "西安市" and ent_sx.is_state_owned
    # a county officer, with enterprises in their county
    county_officer = User.objects.get(username="officer-county").profile
    [county] = county_officer.charge_regions.all()
    assert county_officer.role == Role.OFFICER and county.level == RegionLevel.COUNTY and county.name == "官渡区"
    assert len([e for e in demo if e.county_id == county.pk]) >= 3
    # a group user: the provincial group's head office, granted two of its subsidiaries
    group_user = User.objects.get(username="group-sx").profile
    assert group_user.role == Role.GROUP and group_user.enterprise.name == "陕西秦岳实业集团有限公司"
    granted = list(group_user.charge_enterprises.all())
    below = {e.pk for e in members(group_user.enterprise, demo)[1:]}
    assert len(granted) == 2 and {e.pk for e in granted} <= below
    assert len({e.region_id for e in granted}) == 2


def test_seed_demo_content(demo):
    # one seeding (it takes a while), every property checked on it
    check_seed_demo_is_deterministic(demo)
    check_every_credit_code_is_valid_and_registered_in_the_enterprises_county(demo)
    check_every_enterprise_is_in_a_real_county_of_its_prefecture(demo)
    check_names_carry_their_place_and_forms_fit_ownership(demo)
    check_state_owned_enterprises_at_every_level(demo)
    check_the_provincial_group_spans_three_cities(demo)
    check_sizes_and_facts(demo)
    check_progress_and_values(demo)
    check_demo_accounts(demo)


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("seed_demo", verbosity=0)
    assert Enterprise.objects.count() == 0
    call_command("seed_demo", "--force", verbosity=0)
    assert Enterprise.objects.count() > 0
