import pytest
from django.core.exceptions import ValidationError

from enterprises.choices import Ownership, SupervisionLevel
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_valid_enterprise_passes_full_clean(kunming):
    # given a consistent enterprise with a genuine-format credit code
    enterprise = EnterpriseFactory.build(region=kunming)
    # when / then
    enterprise.full_clean()


def test_bad_check_character_is_refused_with_the_expected_one(kunming):
    enterprise = EnterpriseFactory.build(region=kunming, credit_code="91440300708461136A")
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean()
    assert "应为 T" in str(exc.value.message_dict["credit_code"])


def test_recorded_exception_accepts_a_pre_2016_code_but_not_a_wrong_length(kunming):
    enterprise = EnterpriseFactory.build(
        region=kunming, credit_code="91440300708461136A", credit_code_exception="2015 年颁发的营业执照原件已核验"
    )
    enterprise.full_clean()
    enterprise.credit_code = "9144030070846113"
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean()
    assert "18 位" in str(exc.value.message_dict["credit_code"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"frontline_workers": 600, "employees": 500}, "frontline_workers"),
        ({"party_members": 301, "frontline_workers": 300}, "party_members"),
        ({"union_members": 501}, "union_members"),
        ({"highly_skilled_workers": 201, "skilled_workers": 200}, "highly_skilled_workers"),
        ({"employees": -1}, "employees"),
    ],
)
def test_inconsistent_headcounts_are_refused_next_to_the_field(kunming, changes, field):
    enterprise = EnterpriseFactory.build(region=kunming, **changes)
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean()
    assert field in exc.value.message_dict


def test_database_refuses_more_workers_than_employees(kunming):
    from django.db import IntegrityError, transaction

    enterprise = EnterpriseFactory(region=kunming)
    enterprise.frontline_workers = enterprise.employees + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        enterprise.save()


def test_supervision_level_needs_state_ownership(kunming):
    enterprise = EnterpriseFactory.build(
        region=kunming, ownership=Ownership.PRIVATE, supervision_level=SupervisionLevel.PROVINCIAL
    )
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean()
    assert "supervision_level" in exc.value.message_dict
