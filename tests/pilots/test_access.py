"""PilotPolicy per role: who designates, changes, lists and sees which designations."""

import pytest

from enterprises.models import Enterprise, Region
from enterprises.pilots.models import PilotDesignation
from reform_portal.access import PilotPolicy
from tests.factories.groups import county, make_county_officer

from .conftest import designate

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilots(users, yn_enterprise, sx_soe, province_officer):
    return {
        "yn-prefecture": designate(yn_enterprise, users["officer-yn"]),
        "yn-province": designate(
            yn_enterprise, province_officer, region=Region.objects.get(code="530000"), number="云工发〔2024〕9号"
        ),
        "sx": designate(sx_soe, users["officer-sx"], number="市工发〔2024〕8号"),
    }


def visible(user):
    return set(PilotPolicy.visible(user, PilotDesignation.objects.all()).values_list("document_number", flat=True))


def test_who_sees_which(users, pilots):
    yn, sx = {"云工发〔2024〕5号", "云工发〔2024〕9号"}, {"市工发〔2024〕8号"}
    assert visible(users["admin"]) == yn | sx
    assert visible(users["officer-yn"]) == yn and visible(users["sasac-yn"]) == yn
    assert visible(users["enterprise-yn"]) == yn and visible(users["enterprise-sx"]) == sx
    assert visible(users["sasac-sx"]) == sx


def test_who_designates_and_changes(users, pilots, yn_enterprise, province_officer):
    prefecture, province = pilots["yn-prefecture"], pilots["yn-province"]
    can = PilotPolicy.can
    assert can(users["admin"], PilotPolicy.CHANGE, province) and can(users["admin"], PilotPolicy.CHANGE, prefecture)
    assert can(province_officer, PilotPolicy.CHANGE, prefecture) and can(province_officer, PilotPolicy.CHANGE, province)
    assert can(users["officer-yn"], PilotPolicy.CHANGE, prefecture)
    assert not can(users["officer-yn"], PilotPolicy.CHANGE, province)
    assert not can(users["officer-sx"], PilotPolicy.CHANGE, prefecture)
    for role in ("sasac-yn", "enterprise-yn"):
        assert not can(users[role], PilotPolicy.CHANGE, prefecture)
        assert not can(users[role], PilotPolicy.DESIGNATE, yn_enterprise)
        assert not can(users[role], PilotPolicy.DESIGNATE)
    assert PilotPolicy.designating_region_ids(province_officer, yn_enterprise) == [
        yn_enterprise.region.parent_id,
        yn_enterprise.region_id,
    ]
    assert PilotPolicy.designating_region_ids(users["officer-yn"], yn_enterprise) == [yn_enterprise.region_id]
    assert PilotPolicy.designating_region_ids(users["officer-sx"], yn_enterprise) == []


def test_a_county_officer_reads_but_designates_nothing(users, pilots, yn_enterprise):
    wuhua = county("530102")
    Enterprise.objects.filter(pk=yn_enterprise.pk).update(county=wuhua)
    yn_enterprise.refresh_from_db()
    officer = make_county_officer("t-county-pilots", counties=[wuhua])
    assert visible(officer) == {"云工发〔2024〕5号", "云工发〔2024〕9号"}
    assert PilotPolicy.can(officer, PilotPolicy.LIST)
    assert not PilotPolicy.can(officer, PilotPolicy.DESIGNATE)
    assert not PilotPolicy.can(officer, PilotPolicy.DESIGNATE, yn_enterprise)
    assert not PilotPolicy.can(officer, PilotPolicy.CHANGE, PilotDesignation.objects.get(pk=pilots["yn-prefecture"].pk))


def test_the_list_is_for_officers_sasac_and_administrators(users):
    allowed = {role for role in users if PilotPolicy.can(users[role], PilotPolicy.LIST)}
    assert allowed == {"admin", "officer-yn", "officer-sx", "sasac-yn", "sasac-sx"}
