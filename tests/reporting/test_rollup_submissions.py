"""The self-assessment submission rate in the snapshots, from real assessment rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from measures.applicability import enterprises_for_document
from measures.models import PolicyDocument
from reporting import rollup
from reporting.assessments.models import Assessment
from reporting.assessments.services import assessment_start, period_open
from reporting.models import RollupSnapshot
from tests.factories import make_enterprise_user
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db


def test_submission_rate_counts_this_years_submitted_and_accepted_assessments(users):
    # given this year's and last year's periods in Yunnan, and assessments in every status
    make_enterprises(20)
    today = timezone.localdate()
    yn = PolicyDocument.objects.get(province__code="530000")
    sasac = users["sasac-yn"]
    period = period_open(
        province=yn.province,
        year=today.year,
        opens_on=today - timedelta(days=1),
        deadline=today + timedelta(days=30),
        by=sasac,
    )
    last_year = period_open(
        province=yn.province,
        year=today.year - 1,
        opens_on=today.replace(year=today.year - 1, day=1),
        deadline=today.replace(year=today.year - 1, day=28),
        by=sasac,
    )
    enterprises = list(enterprises_for_document(yn).order_by("pk")[:9])
    statuses = ["submitted", "submitted", "submitted", "accepted", "accepted", "returned", "draft", "draft"]
    for enterprise, status in zip(enterprises, statuses, strict=False):
        filler = make_enterprise_user(f"t-fill-{enterprise.pk}", enterprise=enterprise)
        assessment = assessment_start(period=period, enterprise=enterprise, by=filler)
        # the services' submit/accept need complete forms: the status is what the rollup reads
        Assessment.objects.filter(pk=assessment.pk).update(status=status)
    # a submitted assessment of last year does not count for this year
    filler = make_enterprise_user("t-fill-old", enterprise=enterprises[8])
    old = assessment_start(period=last_year, enterprise=enterprises[8], by=filler)
    Assessment.objects.filter(pk=old.pk).update(status="submitted")
    submitted_ids = {e.pk for e, s in zip(enterprises, statuses, strict=False) if s in ("submitted", "accepted")}
    # when
    rollup.rollup_full_now(day=today)
    # then the province-wide figure: 5 of the applicable enterprises
    applicable = enterprises_for_document(yn).count()
    snap = RollupSnapshot.objects.get(
        day=today, document=yn, prefecture=None, measure=None, ownership=None, industry=None
    )
    assert snap.submitted == 5
    assert snap.submission_rate == pytest.approx(5 / applicable)
    # and per prefecture, the submitted enterprises of that prefecture
    for prefecture_id in {e.region_id for e in enterprises}:
        snap = RollupSnapshot.objects.get(
            day=today, document=yn, prefecture_id=prefecture_id, measure=None, ownership=None, industry=None
        )
        in_prefecture = enterprises_for_document(yn).filter(region_id=prefecture_id)
        expected = in_prefecture.filter(pk__in=submitted_ids).count()
        assert snap.submitted == expected
        assert snap.submission_rate == pytest.approx(expected / in_prefecture.count())
    # Shaanxi has no period: nobody submitted there
    sx = RollupSnapshot.objects.get(
        day=today, document__province__code="610000", prefecture=None, measure=None, ownership=None, industry=None
    )
    assert sx.submitted == 0 and sx.submission_rate == 0
