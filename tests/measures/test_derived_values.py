"""Indicators derived from the register (measures/derived.py): their value is the register's, computed here
independently, follows every change of the register (form, import, admin alike go through its services), and can
never be typed in: so the union indicator cannot say 10 of 30 enterprises have a union when the register says 30."""

import random
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enterprises.importing import enterprises_import
from enterprises.models import Enterprise
from enterprises.services import enterprise_create, enterprise_update
from measures.derived import derived_value, derived_values_sync, derived_values_sync_all
from measures.models import Indicator, IndicatorValue, IndicatorValueEvent
from measures.services import indicator_value_set
from reform_portal.choices import ChangeSource
from tests.enterprises.test_enterprise_import import row, workbook_file
from tests.factories import EnterpriseFactory, make_credit_code

pytestmark = pytest.mark.django_db
DERIVED_REFUSAL = "该指标由企业信息推算（企业信息：已建立工会），不单独填报；如需更改，请修改企业信息。"


def year() -> int:
    return timezone.localdate().year


def indicator(code) -> Indicator:
    return Indicator.objects.get(code=code)


def stored(enterprise, code):
    row = IndicatorValue.objects.filter(enterprise=enterprise, indicator__code=code, year=year()).first()
    return None if row is None else row.value


def percent(part: int, whole: int):
    """part ÷ whole × 100 to two places, half up, by exact fractions (not the code under test's decimals)."""
    if whole == 0:
        return None
    hundredths = Fraction(part * 10000, whole)
    rounded = int(hundredths + Fraction(1, 2))  # half up (the values are never negative)
    return Fraction(rounded, 100)


def register_data(enterprise: Enterprise, **changes) -> dict:
    from enterprises.models import REGISTER_FIELDS

    return {f: getattr(enterprise, f) for f in REGISTER_FIELDS} | changes


@pytest.mark.parametrize(
    ("members", "employees", "party", "workers"),
    [(281, 500, 40, 300), (1, 3, 2, 3), (0, 0, 0, 0), (200, 200, 1, 7), (5, 8, 0, 5)],
)
def test_each_derived_value_is_the_registers(members, employees, party, workers):
    enterprise = EnterpriseFactory.build(
        employees=employees, union_members=members, party_members=party, frontline_workers=workers
    )
    for founded in (True, False):
        enterprise.union_founded = founded
        assert derived_value(indicator("YN-11-union"), enterprise) == (1 if founded else 0)
    rate = derived_value(indicator("YN-11-membership-rate"), enterprise)
    share = derived_value(indicator("SX-01-party-share"), enterprise)
    assert (None if rate is None else Fraction(rate)) == percent(members, employees)
    assert (None if share is None else Fraction(share)) == percent(party, workers)


def test_registering_and_changing_an_enterprise_writes_its_derived_values(users, kunming):
    officer = users["officer-yn"]
    data = register_data(
        EnterpriseFactory.build(region=kunming, credit_code=make_credit_code("530100")),
        union_founded=False,
        union_members=0,
    )
    enterprise = enterprise_create(data=data, by=officer)
    assert stored(enterprise, "YN-11-union") == 0
    assert stored(enterprise, "YN-11-membership-rate") == 0

    enterprise_update(enterprise=enterprise, data={"union_founded": True, "union_members": 281}, by=officer)
    assert stored(enterprise, "YN-11-union") == 1
    assert Fraction(stored(enterprise, "YN-11-membership-rate")) == percent(281, 500)
    # and the history says the system wrote it, following the officer's change
    change = IndicatorValueEvent.objects.filter(pgh_obj__indicator__code="YN-11-union").order_by("pgh_id").last()
    assert (change.old_value, change.value, change.source, change.changed_by) == (0, 1, ChangeSource.SYSTEM, officer)


def test_the_union_indicator_always_says_what_the_register_says(users, kunming):
    """30 enterprises with a union in the register; 10 of them are changed, some by the form's service, some by an
    import: the indicator agrees with the register for every one of them, every time."""
    rng = random.Random(30)
    officer = users["officer-yn"]
    enterprises = []
    for i in range(30):
        data = register_data(
            EnterpriseFactory.build(
                region=kunming, name=f"工会测试{i:02d}有限公司", credit_code=make_credit_code("530102")
            ),
            union_founded=True,
        )
        enterprises.append(enterprise_create(data=data, by=officer))
    union = indicator("YN-11-union")

    def agreeing():
        rows = {v.enterprise_id: v.value for v in IndicatorValue.objects.filter(indicator=union, year=year())}
        return sum(
            1
            for e in Enterprise.objects.filter(pk__in=[e.pk for e in enterprises])
            if rows.get(e.pk) == e.union_founded
        )

    assert agreeing() == 30
    # 5 lose their union through the register's form (service), 5 through an import
    changed = rng.sample(enterprises, 10)
    for e in changed[:5]:
        enterprise_update(enterprise=e, data={"union_founded": False, "union_founded_on": None}, by=officer)
    # (rows carrying each enterprise's version, as an export does)
    versions = dict(Enterprise.objects.filter(pk__in=[e.pk for e in changed]).values_list("pk", "version"))
    rows = [row(e.name, e.credit_code, versions[e.pk], union_founded="否", union_founded_on="") for e in changed[5:]]
    result = enterprises_import(upload=workbook_file(rows), by=users["admin"])
    assert result.ok, result
    assert agreeing() == 30
    founded = Enterprise.objects.filter(pk__in=[e.pk for e in enterprises], union_founded=True).count()
    assert founded == 20
    assert IndicatorValue.objects.filter(indicator=union, year=year(), value=1).count() == 20


def test_a_derived_value_cannot_be_typed_in(client, users, yn_enterprise):
    derived_values_sync(yn_enterprise)
    union = indicator("YN-11-union")
    # not through the service
    with pytest.raises(ValidationError) as refused:
        indicator_value_set(enterprise=yn_enterprise, indicator=union, year=year(), value="否", by=users["officer-yn"])
    assert refused.value.message_dict == {"value": [DERIVED_REFUSAL]}
    # nor the enterprise page, which shows it read-only
    client.force_login(users["officer-yn"])
    url = reverse("measures:indicator_value", args=[yn_enterprise.pk, union.pk])
    html = client.post(url, {"value": "0", "version": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert DERIVED_REFUSAL in html
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    union_row = page.split(f'<tr id="indicator-{union.pk}">')[1].split("</tr>")[0]
    assert "来自企业信息" in union_row and "<form" not in union_row and ">是<" in union_row
    # and the register's value stands
    assert stored(yn_enterprise, "YN-11-union") == 1


def test_only_the_derived_indicators_that_apply_get_a_value_and_a_kept_one_stays_true(users, kunming):
    officer = users["officer-yn"]
    small = enterprise_create(
        data=register_data(
            EnterpriseFactory.build(region=kunming, credit_code=make_credit_code()),
            employees=80,
            frontline_workers=50,
            union_members=40,
            party_members=5,
            skilled_workers=20,
            highly_skilled_workers=2,
            size_class="small",
        ),
        by=officer,
    )
    # the union indicator is asked of 100 employees and more: none for 80; the rate applies to all
    assert stored(small, "YN-11-union") is None
    assert stored(small, "YN-11-membership-rate") == 50
    # grown to 120, it is asked and given
    enterprise_update(enterprise=small, data={"employees": 120}, by=officer)
    assert stored(small, "YN-11-union") == 1
    # back to 80 the value is kept (not asked, not counted), and it still follows the register
    enterprise_update(enterprise=small, data={"employees": 80}, by=officer)
    enterprise_update(enterprise=small, data={"union_founded": False, "union_founded_on": None}, by=officer)
    assert stored(small, "YN-11-union") == 0


def test_a_rate_without_anyone_to_count_has_no_value(users, yn_enterprise):
    derived_values_sync(yn_enterprise)
    assert stored(yn_enterprise, "YN-11-membership-rate") == 56
    enterprise_update(
        enterprise=yn_enterprise,
        data={
            "employees": 0,
            "frontline_workers": 0,
            "union_members": 0,
            "party_members": 0,
            "skilled_workers": 0,
            "highly_skilled_workers": 0,
        },
        by=users["officer-yn"],
    )
    assert stored(yn_enterprise, "YN-11-membership-rate") is None


def test_a_register_written_without_its_services_is_brought_in_line_at_once(users, kunming):
    # given enterprises written straight to the table (as a seed or a bulk load does): no derived values yet
    enterprises = EnterpriseFactory.create_batch(3, region=kunming, union_founded=False, union_members=100)
    assert not IndicatorValue.objects.filter(enterprise__in=enterprises).exists()
    # when every enterprise is synced
    derived_values_sync_all()
    # then each has the register's values
    for e in enterprises:
        assert stored(e, "YN-11-union") == 0
        assert Fraction(stored(e, "YN-11-membership-rate")) == percent(100, 500)
