"""The one history mechanism covers the writes finding 9 named: a period's dates and its opening and closing, the
enterprise's answers and the officer's corrections, and evidence removed (of an answer and of a progress record)
— who, when, old → new, whatever the path (service, page, raw SQL)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from measures import services as measure_services
from measures.choices import Status
from measures.models import Evidence, EvidenceEvent, Progress
from reform_portal.choices import ChangeSource
from reporting.assessments import services
from reporting.assessments.models import (
    AssessmentEvidence,
    AssessmentEvidenceEvent,
    AssessmentItemEvent,
    ReportingPeriodEvent,
)
from tests.factories import open_period
from tests.reporting.assessments.conftest import fill_complete

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def period(users, yn_enterprise):
    return open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])


@pytest.fixture
def draft(period, users, yn_enterprise):
    return services.assessment_start(period=period, enterprise=yn_enterprise, by=users["enterprise-yn"])


def test_moving_a_deadline_and_closing_and_reopening_a_period_are_on_record(period, users):
    sasac = users["sasac-yn"]
    old_deadline, new_deadline = period.deadline, period.deadline + timedelta(days=10)
    # when
    services.period_update(period=period, by=sasac, deadline=new_deadline)
    services.period_update(period=period, by=sasac, is_open=False)
    services.period_update(period=period, by=users["admin"], is_open=True)
    services.period_update(period=period, by=sasac, deadline=new_deadline)  # no change: nothing recorded
    # then
    events = list(ReportingPeriodEvent.objects.filter(pgh_obj=period).order_by("pgh_id"))
    assert [
        (e.pgh_label, e.old_deadline, e.deadline, e.old_is_open, e.is_open, e.changed_by, e.source) for e in events
    ] == [
        ("insert", None, old_deadline, None, True, None, ChangeSource.SYSTEM),  # the factory's create
        ("update", old_deadline, new_deadline, True, True, sasac, ChangeSource.MANUAL),
        ("update", new_deadline, new_deadline, True, False, sasac, ChangeSource.MANUAL),
        ("update", new_deadline, new_deadline, False, True, users["admin"], ChangeSource.MANUAL),
    ]


def test_a_period_opened_through_the_service_and_a_raw_update_are_on_record(users, yn_enterprise):
    province = yn_enterprise.region.parent
    today = timezone.localdate()
    period = services.period_open(
        province=province,
        year=today.year + 1,
        opens_on=today,
        deadline=today + timedelta(days=30),
        by=users["sasac-yn"],
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assessments_reportingperiod SET is_open = false WHERE id = %s", [period.pk])
    events = list(ReportingPeriodEvent.objects.filter(pgh_obj=period).order_by("pgh_id"))
    assert [(e.pgh_label, e.is_open, e.changed_by) for e in events] == [
        ("insert", True, users["sasac-yn"]),
        ("update", False, None),
    ]


def test_the_period_page_shows_the_changes(client, period, users):
    services.period_update(period=period, by=users["sasac-yn"], is_open=False)
    client.force_login(users["sasac-yn"])
    html = client.get(reverse("reporting:assessments:periods")).content.decode()
    changes = html.split('id="period-changes"')[1]
    assert "关闭" in changes and users["sasac-yn"].username in changes


def test_an_answer_edit_and_the_officers_correction_are_on_record(draft, users):
    item = draft.items.select_related("measure").order_by("pk").first()
    prefilled = item.claimed_status  # the form opens pre-filled from the enterprise's progress (or empty)
    # when: the enterprise answers and submits; the officer corrects
    fill_complete(draft, users["enterprise-yn"], status=Status.DONE, percent=100)
    services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    item.refresh_from_db()
    services.review_item_save(
        item=item, by=users["officer-yn"], verified_status=Status.IN_PROGRESS, verified_percent="40", comment="未见制度"
    )
    # then
    events = list(AssessmentItemEvent.objects.filter(pgh_obj=item, pgh_label="update").order_by("pgh_id"))
    answer, correction = events[0], events[-1]
    assert (answer.old_claimed_status, answer.claimed_status, answer.claimed_percent, answer.changed_by) == (
        prefilled,
        Status.DONE,
        100,
        users["enterprise-yn"],
    )
    assert (correction.old_verified_status, correction.verified_status, correction.verified_percent) == (
        "",
        Status.IN_PROGRESS,
        40,
    )
    assert (correction.officer_comment, correction.changed_by) == ("未见制度", users["officer-yn"])


def test_removed_evidence_of_an_answer_is_on_record_with_who_removed_it(client, draft, users):
    item = draft.items.order_by("pk").first()
    evidence = services.evidence_add(
        item=item, upload=SimpleUploadedFile("培训记录.pdf", PDF), by=users["enterprise-yn"]
    )
    # when: removed on the form's page
    client.force_login(users["enterprise-yn"])
    response = client.post(reverse("reporting:assessments:evidence_delete", args=[draft.pk, evidence.pk]))
    assert response.status_code in (200, 302)
    assert not AssessmentEvidence.objects.filter(pk=evidence.pk).exists()
    # then
    events = list(AssessmentEvidenceEvent.objects.filter(pgh_obj_id=evidence.pk).order_by("pgh_id"))
    assert [(e.pgh_label, e.name, e.item_id, e.sha256, e.changed_by) for e in events] == [
        ("insert", "培训记录.pdf", item.pk, evidence.sha256, users["enterprise-yn"]),
        ("delete", "培训记录.pdf", item.pk, evidence.sha256, users["enterprise-yn"]),
    ]
    assert events[1].is_deletion and not events[0].is_deletion


def test_removed_evidence_of_a_progress_record_is_on_record(users, yn_enterprise):
    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("pk").first()
    kept = measure_services.evidence_add(progress=progress, upload=SimpleUploadedFile("a.pdf", PDF), by=users["admin"])
    gone = measure_services.evidence_add(progress=progress, upload=SimpleUploadedFile("b.pdf", PDF), by=users["admin"])
    # when: removed by one statement that never goes through the ORM
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM measures_evidence WHERE id = %s", [gone.pk])
    # then
    deleted = EvidenceEvent.objects.filter(pgh_label="delete")
    assert [(e.pgh_obj_id, e.original_name, e.progress_id, e.size) for e in deleted] == [
        (gone.pk, "b.pdf", progress.pk, len(PDF))
    ]
    assert Evidence.objects.filter(pk=kept.pk).exists()


def test_the_progress_timeline_shows_removed_evidence_and_who_removed_it(client, users, yn_enterprise):
    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("pk").first()
    evidence = measure_services.evidence_add(
        progress=progress, upload=SimpleUploadedFile("旧制度.pdf", PDF), by=users["officer-yn"]
    )
    client.force_login(users["admin"])
    # when: removed in the admin
    client.post(reverse("admin:measures_evidence_delete", args=[evidence.pk]), {"post": "yes"})
    # then
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    html = client.get(reverse("measures:progress_history", args=[progress.pk])).content.decode()
    removed = html.split("timeline-evidence_removed")[1].split("</li>")[0]
    assert "旧制度.pdf" in removed and users["admin"].username in removed
