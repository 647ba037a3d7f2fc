"""Values changed since the year's assessment was accepted (issue 14, item 5): the officer's queue against an
independent expectation, confirm and question, scope, the API and a bounded page."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from measures.models import Indicator, IndicatorValue, Progress
from measures.services import indicator_value_set, progress_update
from reporting.assessments import services
from reporting.assessments.changes_since import changes_since_acceptance, changes_since_acceptance_count
from reporting.assessments.models import AcceptedValueReview
from reporting.assessments.services import StaleEdit

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(submitted, users):
    item = submitted.items.select_related("measure").get(measure__code="YN-02")
    services.review_item_save(
        item=item, by=users["officer-yn"], verified_status="in_progress", verified_percent=40, comment="核实为 40%"
    )
    return services.assessment_accept(assessment=submitted, by=users["officer-yn"])


def queue(user):
    return {(c.kind, c.record_id): (c.accepted_value, c.new_value) for c in changes_since_acceptance(user=user)}


def edit_progress(enterprise, code, user, percent):
    record = Progress.objects.get(enterprise=enterprise, measure__code=code)
    return progress_update(
        progress=record, status="in_progress", percent=percent, note=f"更新到{percent}", by=user, expected_version=None
    )


def a_typed_indicator(accepted):
    answer = (
        accepted.indicator_answers.select_related("indicator")
        .filter(indicator__derived_from="", indicator__kind="count")
        .first()
    )
    return answer.indicator


def test_the_queue_lists_edits_after_acceptance_and_not_the_acceptances_own(accepted, users):
    enterprise, officer = accepted.enterprise, users["officer-yn"]
    # the acceptance wrote the verified values into the progress (source 年度自评): none of that is a change since
    assert Progress.objects.get(enterprise=enterprise, measure__code="YN-02").percent == 40
    assert queue(officer) == {} and changes_since_acceptance_count(officer) == 0
    # an officer's edit afterwards, and an indicator value of the year; a value of another year is not this form's
    record = edit_progress(enterprise, "YN-02", officer, 70)
    indicator = a_typed_indicator(accepted)
    value = indicator_value_set(
        enterprise=enterprise, indicator=indicator, year=accepted.period.year, value="7", by=officer
    )
    indicator_value_set(
        enterprise=enterprise, indicator=indicator, year=accepted.period.year - 3, value="1", by=officer
    )
    answer = accepted.indicator_answers.get(indicator=indicator)
    expected = {
        ("progress", record.pk): ("推进中 40%", "推进中 70%"),
        ("indicator", value.pk): (
            f"{answer.final.value.normalize():f}{indicator.display_unit}",
            f"7{indicator.display_unit}",
        ),
    }
    assert queue(officer) == expected
    assert changes_since_acceptance_count(officer) == 2
    # who changed it and when
    row = next(c for c in changes_since_acceptance(user=officer) if c.kind == "progress")
    assert row.by == officer and row.enterprise == enterprise and row.assessment == accepted
    # two edits of the same record are one row, with the latest value
    edit_progress(enterprise, "YN-02", officer, 80)
    assert queue(officer)[("progress", record.pk)] == ("推进中 40%", "推进中 80%")
    assert changes_since_acceptance_count(officer) == 2


def test_scope_confirm_and_question(accepted, users, django_capture_on_commit_callbacks):
    enterprise, officer = accepted.enterprise, users["officer-yn"]
    record = edit_progress(enterprise, "YN-02", officer, 70)
    key = ("progress", record.pk)
    # out of scope: another province's officer, SASAC staff and the enterprise see nothing and may not decide
    for name in ("officer-sx", "sasac-yn", "enterprise-yn"):
        assert queue(users[name]) == {} and changes_since_acceptance_count(users[name]) == 0
    with pytest.raises(PermissionDenied):
        services.value_review_record(kind="progress", record_id=record.pk, by=users["sasac-yn"], decision="confirm")
    with pytest.raises(services.ChangeNotInQueue):
        services.value_review_record(kind="progress", record_id=record.pk, by=users["officer-sx"], decision="confirm")
    assert key in queue(users["admin"])
    # a question needs a comment; a stale version is refused; nothing is recorded
    with pytest.raises(ValidationError, match="写明疑问"):
        services.value_review_record(kind="progress", record_id=record.pk, by=officer, decision="question")
    record.refresh_from_db()
    with pytest.raises(StaleEdit):
        services.value_review_record(
            kind="progress", record_id=record.pk, by=officer, decision="confirm", expected_version=record.version - 1
        )
    assert not AcceptedValueReview.objects.exists()
    # confirm: recorded, leaves the queue
    review = services.value_review_record(
        kind="progress", record_id=record.pk, by=officer, decision="confirm", expected_version=record.version
    )
    assert (review.by, review.accepted_value, review.new_value) == (officer, "推进中 40%", "推进中 70%")
    assert key not in queue(officer)
    # append-only: the database refuses to change a decision
    from django.db import InternalError, ProgrammingError, transaction

    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        AcceptedValueReview.objects.filter(pk=review.pk).update(comment="改")
    # a further change brings it back; a question is recorded and mailed to the editor
    users["admin"].email = "admin@example.cn"
    users["admin"].save()
    edit_progress(enterprise, "YN-02", users["admin"], 90)
    assert queue(officer)[key] == ("推进中 40%", "推进中 90%")
    sent = []
    question = services.value_review_record(
        kind="progress",
        record_id=record.pk,
        by=officer,
        decision="question",
        comment="为何提高到 90%？",
        enqueue_email=sent.append,
    )
    assert sent == [question.pk] and key not in queue(officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.value_question_email(review_id=question.pk)
    assert [m.to for m in mail.outbox] == [["admin@example.cn"]] and "为何提高到 90%" in mail.outbox[0].body
    # and in the editor's inbox
    from reform_portal.inbox.models import Notice

    (notice,) = Notice.objects.filter(recipient=users["admin"], kind="question")
    assert enterprise.name in notice.title and "为何提高到 90%" in notice.body
    assert notice.url == reverse("enterprises:detail", args=[enterprise.pk])


def test_page_and_api(client, accepted, users):
    enterprise, officer = accepted.enterprise, users["officer-yn"]
    record = edit_progress(enterprise, "YN-02", officer, 70)
    client.force_login(officer)
    page = reverse("reporting:assessments:changes")
    html = client.get(page).content.decode()
    assert f'id="change-progress-{record.pk}"' in html and "推进中 40%" in html and "推进中 70%" in html
    decide = reverse("reporting:assessments:change_decide", args=["progress", record.pk])
    # a question without a comment: the message, nothing saved
    response = client.post(decide, {"decision": "question", "version": record.version}, follow=True)
    assert "写明疑问" in response.content.decode() and not AcceptedValueReview.objects.exists()
    client.force_login(users["officer-sx"])
    assert client.post(decide, {"decision": "confirm", "version": record.version}).status_code == 404
    client.force_login(users["sasac-yn"])
    assert client.get(page).status_code == 403
    # the API lists it and confirms it
    api = APIClient()
    api.force_authenticate(officer)
    listed = api.get("/api/assessment-changes/").json()
    assert listed["count"] == 1 and listed["results"][0]["record_id"] == record.pk
    assert listed["results"][0]["accepted_value"] == "推进中 40%"
    url = f"/api/assessment-changes/progress-{record.pk}"
    assert api.post(f"{url}/question/", {"version": record.version}, format="json").status_code == 400
    assert api.post(f"{url}/confirm/", {}, format="json").status_code == 400  # no version
    stale = api.post(f"{url}/confirm/", {"version": record.version + 3}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    response = api.post(f"{url}/confirm/", {"version": record.version}, format="json")
    assert response.status_code == 201 and response.json()["decision"] == "confirm"
    assert api.get("/api/assessment-changes/").json()["count"] == 0
    assert api.post(f"{url}/confirm/", {"version": record.version}, format="json").status_code == 404


def test_the_page_costs_the_same_for_one_or_many_rows(client, accepted, users):
    enterprise, officer = accepted.enterprise, users["officer-yn"]
    client.force_login(officer)
    page = reverse("reporting:assessments:changes")
    client.get(page)  # the session's first request (whatever runs once per visit)
    indicators = list(Indicator.objects.filter(derived_from="", kind="count")[:3])
    # one change of each kind, then several more
    edit_progress(enterprise, "YN-02", officer, 70)
    indicator_value_set(
        enterprise=enterprise, indicator=indicators[0], year=accepted.period.year, value="3", by=officer
    )
    with CaptureQueriesContext(connection) as one:
        client.get(page)
    for code in ("YN-03", "YN-04", "YN-05"):
        edit_progress(enterprise, code, officer, 55)
    for indicator in indicators[1:]:
        indicator_value_set(
            enterprise=enterprise, indicator=indicator, year=accepted.period.year, value="3", by=officer
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(page)
    assert len(response.context["rows"]) >= 5
    assert len(many.captured_queries) == len(one.captured_queries) <= 25
    assert IndicatorValue.objects.filter(enterprise=enterprise).exists()
