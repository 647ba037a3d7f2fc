"""A return carries a reason per measure: at least one officer comment on a measure; the overall comment is optional."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reporting.assessments import services
from reporting.assessments.models import AssessmentItem

pytestmark = pytest.mark.django_db


def comment_on(assessment, code, officer, text):
    item = assessment.items.select_related("measure").get(measure__code=code)
    return services.review_item_save(
        item=item, by=officer, verified_status="", verified_percent=None, comment=text, expected_version=item.version
    )


def test_a_return_with_only_an_overall_comment_is_refused(submitted, users):
    # when the officer returns with an overall comment and no comment on any measure
    with pytest.raises(ValidationError, match="至少在一项") as refused:
        services.assessment_return(assessment=submitted, by=users["officer-yn"], comment="请整体完善")
    # then it names what is missing and nothing changed
    assert "reasons" in refused.value.message_dict
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and not submitted.transitions.filter(action="return").exists()


def test_a_return_with_a_measure_comment_and_no_overall_comment_goes_through(submitted, users):
    officer = users["officer-yn"]
    comment_on(submitted, "YN-03", officer, "请补充职工代表大会记录")
    returned = services.assessment_return(assessment=submitted, by=officer, comment="")
    assert returned.status == "returned"
    assert returned.transitions.get(action="return").details == {"reasons": {"YN-03": "请补充职工代表大会记录"}}


def test_return_page_shows_what_is_missing_next_to_the_return_button(client, submitted, users):
    client.force_login(users["officer-yn"])
    url = reverse("reporting:assessments:return", args=[submitted.pk])
    # when the officer presses 退回 with only an overall comment
    response = client.post(url, {"comment": "请整体完善", "version": submitted.version})
    # then the page comes back with the message inside the return form, and the typed comment kept
    assert response.status_code == 400
    html = response.content.decode()
    form = html[html.index('id="return-form"') : html.index('id="accept-form"')]
    assert 'id="return-error"' in form and "至少在一项" in form and "请整体完善" in form
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    # and with a comment on one measure it is returned
    comment_on(submitted, "YN-02", users["officer-yn"], "请补充参训人数")
    response = client.post(url, {"comment": "", "version": submitted.version})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "returned"


def test_api_return_without_a_measure_comment_is_a_400_naming_reasons(submitted, users):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    response = api.post(
        f"/api/assessments/{submitted.pk}/return/",
        {"comment": "请整体完善", "version": submitted.version},
        format="json",
    )
    assert response.status_code == 400 and "至少在一项" in response.json()["reasons"][0]
    assert not AssessmentItem.objects.filter(assessment=submitted).exclude(officer_comment="").exists()
