"""Refusals by role on the pages not covered elsewhere: period updates, the PDF, the officer's indicator review."""

from datetime import timedelta

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"reporting:assessments:{name}", args=args)


@pytest.mark.parametrize(("role", "status"), [("officer-yn", 403), ("enterprise-yn", 403), ("sasac-sx", 404)])
def test_period_update_is_refused_to_those_who_do_not_manage_the_province(client, yn_period, users, role, status):
    # given an open Kunming-province period
    deadline = yn_period.deadline
    client.force_login(users[role])
    # when someone who does not manage it tries to close it and move its deadline
    data = {"deadline": deadline + timedelta(days=10), "is_open": ""}
    response = client.post(url("period_update", yn_period.pk), data)
    # then it is refused and the period is unchanged
    assert response.status_code == status
    yn_period.refresh_from_db()
    assert yn_period.is_open and yn_period.deadline == deadline


def test_period_update_by_sasac_of_the_province_goes_through(client, yn_period, users):
    # the counterpart that shows the refusals above are about the role, not the data
    client.force_login(users["sasac-yn"])
    new_deadline = yn_period.deadline + timedelta(days=10)
    response = client.post(url("period_update", yn_period.pk), {"deadline": new_deadline, "is_open": "on"})
    assert response.status_code == 302
    yn_period.refresh_from_db()
    assert yn_period.deadline == new_deadline


@pytest.mark.parametrize("role", ["enterprise-sx", "officer-sx", "sasac-sx"])
def test_assessment_pdf_is_404_out_of_scope(client, submitted, users, role):
    client.force_login(users[role])
    response = client.get(url("pdf", submitted.pk))
    assert response.status_code == 404
    assert response.get("Content-Type", "") != "application/pdf"


@pytest.mark.parametrize("role", ["sasac-yn", "enterprise-yn"])
def test_page_review_indicator_is_403_for_sasac_and_the_enterprise(client, submitted, users, role):
    # given a submitted form with an indicator answered
    answer = submitted.indicator_answers.select_related("indicator").get(indicator__code="YN-06-edu-fund")
    key, version = f"review-{answer.indicator.code}", answer.version
    client.force_login(users[role])
    # when SASAC staff or the enterprise post a verified value
    response = client.post(
        url("review_indicator", submitted.pk, answer.pk),
        {f"{key}-verified_value": "0.1", f"{key}-version": version},
        HTTP_HX_REQUEST="true",
    )
    # then it is refused and the value is unchanged
    assert response.status_code == 403
    answer.refresh_from_db()
    assert answer.verified_value is None and answer.version == version
