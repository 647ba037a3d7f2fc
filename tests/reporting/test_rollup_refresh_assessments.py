"""The 15-minute refresh sees self-assessments: a submission moves the submission rate of its province's documents."""

from datetime import timedelta

import pytest
from django.utils import timezone

from measures.applicability import enterprises_for_document
from measures.models import PolicyDocument
from reporting import rollup
from reporting.assessments.models import Assessment
from reporting.assessments.services import assessment_start, period_open
from tests.factories import make_enterprise_user
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db


def test_an_assessment_submitted_after_the_last_run_marks_its_document_changed(users):
    # given an open Yunnan period and a successful full rollup with nothing changed since
    make_enterprises(20)
    today = timezone.localdate()
    yn = PolicyDocument.objects.get(province__code="530000")
    period = period_open(
        province=yn.province,
        year=today.year,
        opens_on=today - timedelta(days=1),
        deadline=today + timedelta(days=30),
        by=users["sasac-yn"],
    )
    enterprise = enterprises_for_document(yn).order_by("pk").first()
    filler = make_enterprise_user("t-fill-refresh", enterprise=enterprise)
    assessment = assessment_start(period=period, enterprise=enterprise, by=filler)
    run, _ = rollup.rollup_full_now(day=today)
    assert rollup.changed_documents(since=run.started_at) == []
    # when the enterprise submits its assessment after the run
    Assessment.objects.filter(pk=assessment.pk).update(status="submitted", updated_at=timezone.now())
    # then its province's document (and only it) is recomputed by the next refresh
    assert rollup.changed_documents(since=run.started_at) == [yn]
