"""The 15-minute refresh: it sees self-assessments (a submission moves the submission rate of its province's documents),
and it judges each (province, document) against the run behind that document's figures of today."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enterprises.models import Enterprise
from measures.applicability import enterprises_for_document
from measures.choices import Status
from measures.models import IndicatorValue, PolicyDocument, Progress
from reporting import rollup, tasks
from reporting.assessments.models import Assessment
from reporting.assessments.services import assessment_start, period_open
from reporting.choices import RunStatus
from reporting.models import RollupRun, RollupSnapshot
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


# The refresh's watermark is per (province, document) -------------------------------------------------------------


@pytest.fixture
def eager_celery():
    from reform_portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _done(document) -> int:
    """Today's province-wide count of 已完成 records of the document, as the dashboard serves it."""
    return RollupSnapshot.objects.get(
        day=timezone.localdate(), document=document, prefecture=None, measure=None, ownership=None, industry=None
    ).done


def _backdate_everything(hours=1):
    """Stamp every row the rollup reads as changed an hour ago, so that only what a test changes next is new."""
    then = timezone.now() - timedelta(hours=hours)
    for model in (Progress, IndicatorValue, Enterprise):
        model.objects.update(updated_at=then)


def test_a_province_refresh_now_leaves_the_other_provinces_changes_due(
    users, eager_celery, django_capture_on_commit_callbacks
):
    # given today's figures of both provinces, then a change in Shaanxi
    make_enterprises(20)
    _backdate_everything()
    yn = PolicyDocument.objects.get(province__code="530000")
    sx = PolicyDocument.objects.get(province__code="610000")
    rollup.rollup_full_now()
    sx_done = _done(sx)
    progress = Progress.objects.filter(measure__document=sx).exclude(status=Status.DONE).order_by("pk").first()
    progress.status, progress.percent = Status.DONE, 100
    progress.save()
    # when Yunnan's SASAC staff click "立即刷新" (its run starts after the Shaanxi change), and the run completes
    with django_capture_on_commit_callbacks(execute=True):
        province_run = rollup.rollup_refresh_request(
            province=yn.province, by=users["sasac-yn"], enqueue=tasks.rollup_refresh_province.delay
        )
    province_run.refresh_from_db()
    assert province_run.status == RunStatus.SUCCEEDED and _done(sx) == sx_done
    # then the next 15-minute refresh still recomputes Shaanxi's document (and only it): the change is counted
    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.rollup_refresh()
    assert run_id is not None
    run = RollupRun.objects.get(pk=run_id)
    assert (run.status, run.parts_total) == (RunStatus.SUCCEEDED, 1)
    assert _done(sx) == sx_done + 1
    assert RollupSnapshot.objects.filter(day=timezone.localdate(), document=yn, run=province_run).exists()


def test_a_change_stamped_just_before_the_run_began_is_still_picked_up():
    # given today's figures, and a Shaanxi write stamped a second before the run began but committed after the run
    # read the rows (a write's updated_at is taken when it is made, not when it commits)
    make_enterprises(20)
    _backdate_everything()
    sx = PolicyDocument.objects.get(province__code="610000")
    run, _ = rollup.rollup_full_now()
    Progress.objects.filter(pk=Progress.objects.filter(measure__document=sx).order_by("pk").values("pk")[:1]).update(
        updated_at=run.started_at - timedelta(seconds=1)
    )
    # when the refresh looks for documents to recompute
    due = rollup.changed_documents(since=rollup.refresh_watermarks(day=timezone.localdate()))
    # then Shaanxi's is one of them, and Yunnan's (nothing changed) is not
    assert due == [sx]


def test_a_document_without_figures_of_today_from_a_run_is_due():
    # given figures of today computed outside any run (rollup_document called directly) for Yunnan only
    make_enterprises(5)
    _backdate_everything()
    yn = PolicyDocument.objects.get(province__code="530000")
    rollup.rollup_document(document=yn, day=timezone.localdate())
    # then neither document has a watermark, and both are due
    assert rollup.refresh_watermarks(day=timezone.localdate()) == {}
    assert set(rollup.changed_documents(since={})) == set(PolicyDocument.objects.all())
