"""The assessment's answers keep a history written by the database, like progress: who, from where, old → new,
on every write path; a write that changes nothing records nothing."""

from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from measures.choices import Status
from reform_portal.choices import ChangeSource
from reporting.assessments import services
from reporting.assessments.choices import SelfRating
from reporting.assessments.models import (
    AssessmentIndicator,
    AssessmentIndicatorEvent,
    AssessmentItem,
    AssessmentItemEvent,
)

pytestmark = pytest.mark.django_db


def item_events(item) -> list:
    return list(AssessmentItemEvent.objects.filter(pgh_obj=item).order_by("pgh_id"))


def test_starting_a_form_records_each_answer_as_created_by_the_enterprise_user(draft, users):
    items = AssessmentItem.objects.filter(assessment=draft)
    created = AssessmentItemEvent.objects.filter(pgh_obj__in=items)
    assert created.count() == items.count() > 0
    assert {(e.pgh_label, e.changed_by, e.source) for e in created} == {
        ("insert", users["enterprise-yn"], ChangeSource.ASSESSMENT)
    }


def test_the_enterprises_answer_and_the_officers_review_record_old_and_new(draft, users):
    # given
    item = draft.items.select_related("measure").first()
    # when: the enterprise answers, then (after submission) the officer verifies
    services.item_save(
        item=item,
        by=users["enterprise-yn"],
        self_rating=SelfRating.GOOD,
        what_done="制度",
        status=Status.DONE,
        percent=100,
    )
    item.refresh_from_db()
    with connection.cursor() as cursor:  # and a script corrects the verified value
        cursor.execute("UPDATE assessments_assessmentitem SET verified_percent = 80 WHERE id = %s", [item.pk])
    # then
    answer, script = item_events(item)[-2:]
    # (the form started from the current progress record: 未启动)
    assert (answer.old_claimed_status, answer.claimed_status, answer.claimed_percent) == (
        Status.NOT_STARTED,
        Status.DONE,
        100,
    )
    assert (answer.changed_by, answer.source) == (users["enterprise-yn"], ChangeSource.ASSESSMENT)
    assert (script.old_verified_percent, script.verified_percent, script.source, script.changed_by_id) == (
        None,
        80,
        ChangeSource.SYSTEM,
        None,
    )


def test_an_indicator_answer_through_the_api_records_the_signed_in_user(draft, users):
    # given
    answer = AssessmentIndicator.objects.filter(assessment=draft).select_related("indicator").first()
    api = APIClient()
    api.force_authenticate(users["enterprise-yn"])
    # when
    response = api.patch(
        f"/api/assessments/{draft.pk}/indicators/{answer.indicator.code}/",
        {"claimed_value": "1", "version": answer.version},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    event = AssessmentIndicatorEvent.objects.filter(pgh_obj=answer).order_by("-pgh_id").first()
    assert (event.old_claimed_value, event.claimed_value) == (None, Decimal("1.00"))
    assert (event.changed_by, event.source) == (users["enterprise-yn"], ChangeSource.ASSESSMENT)


def test_a_write_that_changes_nothing_records_nothing(draft):
    # given
    item = draft.items.first()
    before = len(item_events(item))
    # when
    AssessmentItem.objects.filter(pk=item.pk).update(what_done=item.what_done, version=item.version + 1)
    # then
    assert len(item_events(item)) == before
