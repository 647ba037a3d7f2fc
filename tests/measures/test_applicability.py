import pytest

from enterprises.choices import Ownership, SupervisionLevel
from measures.applicability import applicable_measures, document_applies_to, enterprises_for_document
from measures.models import PolicyDocument
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

STATE = [Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED, Ownership.STATE_MIXED]
NON_STATE = [Ownership.COLLECTIVE, Ownership.PRIVATE, Ownership.FOREIGN, Ownership.HK_MACAO_TAIWAN]


def documents():
    return PolicyDocument.objects.get(number="云工通〔2022〕21号"), PolicyDocument.objects.get(
        number="陕工发〔2023〕21号"
    )


def doc_codes(enterprise):
    return set(applicable_measures(enterprise).values_list("document__number", flat=True))


@pytest.mark.parametrize("ownership", STATE + NON_STATE)
def test_yunnan_measures_apply_to_every_yunnan_enterprise(kunming, ownership):
    supervision = SupervisionLevel.PROVINCIAL if ownership in STATE else SupervisionLevel.NONE
    enterprise = EnterpriseFactory(region=kunming, ownership=ownership, supervision_level=supervision)
    yunnan, shaanxi = documents()
    assert document_applies_to(yunnan, enterprise)
    assert not document_applies_to(shaanxi, enterprise)
    assert doc_codes(enterprise) == {"云工通〔2022〕21号"}


@pytest.mark.parametrize("ownership", STATE)
@pytest.mark.parametrize(
    "level",
    [SupervisionLevel.CENTRAL, SupervisionLevel.PROVINCIAL, SupervisionLevel.MUNICIPAL, SupervisionLevel.COUNTY],
)
def test_shaanxi_measures_apply_to_shaanxi_soes_under_a_state_asset_body(xian, ownership, level):
    enterprise = EnterpriseFactory(region=xian, ownership=ownership, supervision_level=level)
    _, shaanxi = documents()
    assert document_applies_to(shaanxi, enterprise)
    assert doc_codes(enterprise) == {"陕工发〔2023〕21号"}
    assert enterprises_for_document(shaanxi).filter(pk=enterprise.pk).exists()


@pytest.mark.parametrize("ownership", NON_STATE)
def test_shaanxi_measures_do_not_apply_to_non_state_enterprises(xian, ownership):
    enterprise = EnterpriseFactory(region=xian, ownership=ownership)
    _, shaanxi = documents()
    assert not document_applies_to(shaanxi, enterprise)
    assert doc_codes(enterprise) == set()
    assert not enterprises_for_document(shaanxi).filter(pk=enterprise.pk).exists()


def test_state_owned_without_a_state_asset_body_is_not_covered_by_shaanxi(xian):
    enterprise = EnterpriseFactory(
        region=xian, ownership=Ownership.STATE_MIXED, supervision_level=SupervisionLevel.NONE
    )
    _, shaanxi = documents()
    assert not document_applies_to(shaanxi, enterprise)


def test_measures_addressed_to_authorities_are_not_tracked(xian):
    enterprise = EnterpriseFactory(region=xian, soe=True)
    codes = set(applicable_measures(enterprise).values_list("code", flat=True))
    assert "SX-01" in codes
    assert "SX-18" not in codes  # addressed to the provincial 总工会 and 国资委
