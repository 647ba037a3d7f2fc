"""The rollup counts exactly the enterprises each text addresses and asks of them what the text asks: a central
enterprise's subsidiary in 西安 is outside the Shaanxi figures, an 80-staff Yunnan enterprise is not asked the union
indicator, a 仅统计 indicator never counts as 未达标, and an enterprise growing to 大型 is asked more. Figures are
compared with counts written out in the tests."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from enterprises.choices import Ownership, SizeClass, SupervisionLevel, Supervisor
from enterprises.models import Enterprise
from measures.choices import Comparison
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress
from measures.services import progress_ensure
from reporting import rollup
from reporting.models import RollupSnapshot, ScopeTally
from tests.factories import EnterpriseFactory
from tests.reporting.tally_oracle import applies

pytestmark = pytest.mark.django_db


def _province_figures(number: str) -> RollupSnapshot:
    document = PolicyDocument.objects.get(number=number)
    rollup.rollup_document(document=document, day=timezone.localdate())
    return RollupSnapshot.objects.get(
        day=timezone.localdate(), document=document, prefecture=None, measure=None, ownership=None, industry=None
    )


def _measure_figures(number: str, code: str) -> RollupSnapshot:
    return RollupSnapshot.objects.get(
        day=timezone.localdate(),
        document__number=number,
        measure__code=code,
        prefecture=None,
        ownership=None,
        industry=None,
    )


def test_a_central_enterprise_subsidiary_in_xian_is_outside_the_shaanxi_figures(xian):
    provincial = EnterpriseFactory(region=xian, soe=True)
    central = EnterpriseFactory(
        region=xian,
        ownership=Ownership.STATE_SOLE,
        supervision_level=SupervisionLevel.CENTRAL,
        supervisor=Supervisor.SASAC,
    )
    minority = EnterpriseFactory(region=xian, ownership=Ownership.STATE_MINORITY)
    for e in (provincial, central, minority):
        progress_ensure(enterprise=e)
    # the central subsidiary's progress, however complete, is not a Shaanxi figure
    Progress.objects.filter(enterprise=central).update(status="done", percent=100)
    tracked = Measure.objects.tracked().filter(document__number="陕工发〔2023〕21号").count()
    figures = _province_figures("陕工发〔2023〕21号")
    assert figures.applicable == 1
    assert figures.records == tracked
    assert figures.done == 0


def test_an_80_staff_enterprise_is_not_asked_the_union_indicator_in_the_figures(kunming):
    small = EnterpriseFactory(region=kunming, employees=80, frontline_workers=60, union_members=50, party_members=5)
    big = EnterpriseFactory(region=kunming, employees=120, frontline_workers=60, union_members=50, party_members=5)
    union = Indicator.objects.get(code="YN-11-union")
    year = timezone.localdate().year
    for e in (small, big):
        progress_ensure(enterprise=e)
        IndicatorValue.objects.create(enterprise=e, indicator=union, year=year, value=Decimal(1))
    _province_figures("云工通〔2022〕21号")
    figures = _measure_figures("云工通〔2022〕21号", "YN-11")
    asked = Indicator.objects.filter(measure__code="YN-11").exclude(comparison=Comparison.INFO)
    # every YN-11 indicator with a target is asked of the 120-staff enterprise; the union one not of the 80-staff one
    assert figures.indicator_targets == 2 * asked.count() - 1
    assert figures.indicator_met == 1  # only the 120-staff enterprise's union value counts


def test_an_info_indicator_never_counts_as_unmet(kunming):
    e = EnterpriseFactory(region=kunming)
    progress_ensure(enterprise=e)
    year = timezone.localdate().year
    info = Indicator.objects.filter(measure__document__number="云工通〔2022〕21号", comparison=Comparison.INFO)
    for indicator in info.filter(kind__in=("count", "share")):
        IndicatorValue.objects.create(enterprise=e, indicator=indicator, year=year, value=Decimal(0))
    _province_figures("云工通〔2022〕21号")
    by_measure = {
        s.measure_id: s
        for s in RollupSnapshot.objects.filter(
            day=timezone.localdate(), measure__isnull=False, prefecture=None, ownership=None, industry=None
        )
    }
    for indicator in info:
        compared = Indicator.objects.filter(measure=indicator.measure).exclude(comparison=Comparison.INFO)
        with_targets = sum(1 for i in compared.select_related("scope") if applies(i.scope, e))
        # a 仅统计 value is neither a target nor unmet: the measure's targets are only its compared indicators
        assert by_measure[indicator.measure_id].indicator_targets == with_targets


def test_moving_from_medium_to_large_is_counted_among_those_asked_the_large_enterprise_indicators(kunming):
    e = EnterpriseFactory(region=kunming, size_class=SizeClass.MEDIUM)
    EnterpriseFactory(region=kunming, size_class=SizeClass.LARGE)
    training = Indicator.objects.get(code="YN-06-training-centre")

    def asked() -> int:
        return ScopeTally.objects.filter(scope=training.scope).aggregate(n=Sum("enterprises"))["n"] or 0

    assert asked() == 1
    Enterprise.objects.filter(pk=e.pk).update(size_class=SizeClass.LARGE)
    assert asked() == 2
    Enterprise.objects.filter(pk=e.pk).update(size_class=SizeClass.MEDIUM, employees=80, frontline_workers=60)
    assert asked() == 1
