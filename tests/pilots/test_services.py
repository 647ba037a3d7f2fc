"""The services' refusals (a message at the field, nothing saved) and what a designation and a fund write: the
register's 试点 flag, the history, the version."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enterprises.models import Enterprise, EnterpriseEvent, Region
from enterprises.pilots import services
from enterprises.pilots.choices import FundKind, PilotStatus
from enterprises.pilots.models import PilotDesignation, PilotDesignationEvent, PilotFund, PilotFundEvent
from measures.models import Measure
from reform_portal.versioning import StaleEdit
from tests.factories import EnterpriseFactory

from .conftest import designate, scope_measures

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _refused(call, field: str, words: str):
    counts = (PilotDesignation.objects.count(), PilotFund.objects.count(), PilotDesignationEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        call()
    messages = caught.value.message_dict[field]
    assert any(words in m for m in messages), messages
    after = (PilotDesignation.objects.count(), PilotFund.objects.count(), PilotDesignationEvent.objects.count())
    assert after == counts  # nothing saved


def test_designation_is_saved_with_its_scope_history_and_the_register_flag(users, yn_enterprise):
    officer = users["officer-yn"]
    Enterprise.objects.filter(pk=yn_enterprise.pk).update(is_pilot=False)
    d = designate(yn_enterprise, officer)
    measures = scope_measures(yn_enterprise)
    assert set(d.measures.all()) == set(measures)
    assert d.scope_codes == ", ".join(m.code for m in measures)
    assert d.status == PilotStatus.ACTIVE and d.created_by == officer and d.version == 1
    event = PilotDesignationEvent.objects.get(pgh_obj=d)
    assert event.pgh_label == "insert" and event.changed_by == officer and event.document_number == d.document_number
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.is_pilot
    assert EnterpriseEvent.objects.filter(pgh_obj=yn_enterprise, is_pilot=True, old_is_pilot=False).exists()


def test_a_measure_that_does_not_apply_is_refused(users, yn_enterprise, sx_soe):
    shaanxi = Measure.objects.filter(document__province__code="610000").first()
    _refused(
        lambda: services.pilot_designate(
            enterprise=yn_enterprise,
            region=yn_enterprise.region,
            document_number="云工发〔2024〕5号",
            designated_on=TODAY(),
            measures=[*scope_measures(yn_enterprise, 1), shaanxi],
            by=users["officer-yn"],
        ),
        "measures",
        "不适用于该企业",
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"document_number": "  "}, "document_number", "请填写"),
        ({"document_number": "文" * 51}, "document_number", "不能超过"),
        ({"designated_on": "tomorrow"}, "designated_on", "不能晚于今天"),
        ({"measures": []}, "measures", "至少选择"),
        ({"region": "province"}, "region", "认定单位"),
        ({"note": "注" * 2001}, "note", "不能超过"),
    ],
)
def test_bad_values_are_refused_at_their_field(users, yn_enterprise, change, field, words):
    values = {
        "enterprise": yn_enterprise,
        "region": yn_enterprise.region,
        "document_number": "云工发〔2024〕5号",
        "designated_on": TODAY(),
        "measures": scope_measures(yn_enterprise),
        "note": "",
        "by": users["officer-yn"],
    }
    values.update(change)
    if change.get("designated_on") == "tomorrow":
        values["designated_on"] = TODAY() + timedelta(days=1)
    if change.get("region") == "province":  # a prefecture's officer designates for the prefecture, not the province
        values["region"] = yn_enterprise.region.parent
    _refused(lambda: services.pilot_designate(**values), field, words)


def test_an_enterprise_out_of_scope_is_refused_without_saying_more(users, sx_soe):
    _refused(lambda: designate(sx_soe, users["officer-yn"]), "enterprise", "不在您负责的范围内")


def test_a_county_officer_or_sasac_designates_nothing(users, yn_enterprise):
    from tests.factories.groups import county, make_county_officer

    Enterprise.objects.filter(pk=yn_enterprise.pk).update(county=county("530102"))
    yn_enterprise.refresh_from_db()
    county_officer = make_county_officer("t-county", counties=[county("530102")])
    _refused(lambda: designate(yn_enterprise, county_officer), "enterprise", "不能认定")
    _refused(lambda: designate(yn_enterprise, users["sasac-yn"]), "enterprise", "不能认定")


def test_one_active_designation_per_enterprise_and_document(users, yn_enterprise):
    d = designate(yn_enterprise, users["officer-yn"])
    _refused(lambda: designate(yn_enterprise, users["officer-yn"]), "document_number", "已按文号")
    designate(yn_enterprise, users["officer-yn"], number="昆工发〔2024〕1号")  # another document: fine
    services.pilot_end(designation=d, expected_version=d.version, ends_on=TODAY(), by=users["officer-yn"])
    designate(yn_enterprise, users["officer-yn"])  # ended: designated again by the same document


def test_a_province_officer_designates_for_the_province_and_the_prefecture_officer_cannot_change_it(
    users, yn_enterprise, province_officer
):
    d = designate(yn_enterprise, province_officer, region=yn_enterprise.region.parent)
    assert d.region.code == "530000"
    with pytest.raises(ValidationError) as caught:
        services.pilot_update(
            designation=d,
            expected_version=d.version,
            region=yn_enterprise.region,
            document_number=d.document_number,
            designated_on=d.designated_on,
            measures=scope_measures(yn_enterprise, 1),
            by=users["officer-yn"],
        )
    assert "region" in caught.value.message_dict
    d.refresh_from_db()
    assert d.version == 1 and d.region.code == "530000"


def test_update_raises_the_version_and_a_stale_one_is_refused(users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer)
    read = d.version
    changed = services.pilot_update(
        designation=d,
        expected_version=read,
        region=yn_enterprise.region,
        document_number="昆工发〔2024〕7号",
        designated_on=d.designated_on,
        measures=scope_measures(yn_enterprise, 1),
        note="范围调整",
        by=officer,
    )
    assert changed.version == read + 1 and changed.measures.count() == 1
    event = PilotDesignationEvent.objects.filter(pgh_obj=d, pgh_label="update").get()
    assert (event.old_document_number, event.document_number) == ("云工发〔2024〕5号", "昆工发〔2024〕7号")
    assert event.old_scope_codes != event.scope_codes
    with pytest.raises(StaleEdit):
        services.pilot_update(
            designation=d,
            expected_version=read,
            region=yn_enterprise.region,
            document_number="X",
            designated_on=d.designated_on,
            measures=scope_measures(yn_enterprise),
            by=officer,
        )
    d.refresh_from_db()
    assert d.document_number == "昆工发〔2024〕7号"


def test_end_clears_the_register_flag_and_refuses_odd_dates(users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer, days=10)
    _refused(
        lambda: services.pilot_end(
            designation=d, expected_version=d.version, ends_on=TODAY() - timedelta(days=11), by=officer
        ),
        "ends_on",
        "不能早于认定日期",
    )
    ended = services.pilot_end(designation=d, expected_version=d.version, ends_on=TODAY(), by=officer)
    assert ended.status == PilotStatus.ENDED and ended.version == 2
    yn_enterprise.refresh_from_db()
    assert not yn_enterprise.is_pilot
    with pytest.raises(ValidationError):
        services.pilot_end(designation=d, expected_version=ended.version, ends_on=TODAY(), by=officer)


def _fund(d, by, kind, amount, days=5, purpose="工作经费"):
    return services.fund_record(
        designation=d, kind=kind, amount=amount, on_date=TODAY() - timedelta(days=days), purpose=purpose, by=by
    )


def test_paid_never_above_granted(users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer)
    _refused(lambda: _fund(d, officer, FundKind.PAID, Decimal("1")), "amount", "将超过已下达的 0.00 元")
    _fund(d, officer, FundKind.GRANTED, Decimal("50000"))
    _fund(d, officer, FundKind.PAID, Decimal("30000"))
    _refused(lambda: _fund(d, officer, FundKind.PAID, Decimal("20000.01")), "amount", "50,000.01")
    _fund(d, officer, FundKind.PAID, Decimal("20000"))  # exactly what was granted
    assert services.fund_totals([d.pk])[d.pk] == {"granted": Decimal("50000"), "paid": Decimal("50000")}
    assert PilotFundEvent.objects.filter(pgh_obj__designation=d).count() == 3


@pytest.mark.parametrize(
    ("kind", "amount", "days", "field", "words"),
    [
        (FundKind.GRANTED, "0", 5, "amount", "大于 0"),
        (FundKind.GRANTED, "-5", 5, "amount", "大于 0"),
        (FundKind.GRANTED, "100000000.01", 5, "amount", "不能超过"),
        (FundKind.GRANTED, "1.005", 5, "amount", "两位小数"),
        (FundKind.GRANTED, "abc", 5, "amount", "请填写金额"),
        (FundKind.GRANTED, "NaN", 5, "amount", "请填写金额"),
        (FundKind.PAID, "10", -1, "on_date", "不能晚于今天"),
        (FundKind.GRANTED, "10", 200, "on_date", "不能早于认定日期"),
        ("other", "10", 5, "kind", "下达"),
    ],
)
def test_bad_funds_are_refused(users, yn_enterprise, kind, amount, days, field, words):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer)
    _fund(d, officer, FundKind.GRANTED, Decimal("100"))
    _refused(lambda: _fund(d, officer, kind, amount, days=days), field, words)


def test_funds_are_recorded_only_by_those_who_may_change_the_designation(users, yn_enterprise, province_officer):
    d = designate(yn_enterprise, province_officer, region=yn_enterprise.region.parent)
    _refused(lambda: _fund(d, users["officer-yn"], FundKind.GRANTED, Decimal("10")), "kind", "其他单位")
    _refused(lambda: _fund(d, users["sasac-yn"], FundKind.GRANTED, Decimal("10")), "kind", "其他单位")
    _fund(d, province_officer, FundKind.GRANTED, Decimal("10"))


def test_enterprise_of_another_region_is_checked_by_the_region_not_by_the_name(users):
    qujing = Region.objects.get(code="530300")
    other = EnterpriseFactory(region=qujing)
    _refused(lambda: designate(other, users["officer-yn"]), "enterprise", "不在您负责的范围内")


def test_a_measure_addressed_to_the_authorities_is_refused(users, yn_enterprise):
    from measures.choices import TRACKED_ADDRESSEES

    authorities = Measure.objects.filter(document__province__code="530000").exclude(addressee__in=TRACKED_ADDRESSEES)
    assert authorities.exists()
    _refused(
        lambda: services.pilot_designate(
            enterprise=yn_enterprise,
            region=yn_enterprise.region,
            document_number="云工发〔2024〕5号",
            designated_on=TODAY(),
            measures=[authorities.first()],
            by=users["officer-yn"],
        ),
        "measures",
        "不适用于该企业",
    )
