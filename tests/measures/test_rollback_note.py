"""A move back (an earlier status or a lower percent) needs its own explanation, written with that move: the note
already stored explains the values being undone, so it cannot stand in for the reason (it used to, on the API,
when the request left `note` out). Through the API, the enterprise page and the self-assessment's acceptance."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from measures.choices import Status
from measures.models import Progress
from measures.services import progress_update
from tests.factories import open_period

pytestmark = pytest.mark.django_db

NO_NOTE = "状态或百分比回退时必须填写说明。"
OLD_NOTE = "状态或百分比回退时必须填写这次回退的原因，不能沿用原来的说明。"


@pytest.fixture
def progress(yn_enterprise):
    """A measure half done, explained by the note stored with it."""
    row = Progress.objects.filter(enterprise=yn_enterprise).order_by("measure__position").first()
    return progress_update(
        progress=row, status=Status.IN_PROGRESS, percent=50, note="培训已覆盖一半班组", by=None, expected_version=None
    )


def stored(progress) -> tuple:
    progress.refresh_from_db()
    return progress.status, progress.percent, progress.note, progress.version


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"percent": 20}, NO_NOTE),  # the note left out: it used to reuse the stored one
        ({"status": Status.NOT_STARTED, "percent": 0}, NO_NOTE),
        ({"percent": 20, "note": "  "}, NO_NOTE),
        ({"percent": 20, "note": "培训已覆盖一半班组"}, OLD_NOTE),  # the stored note sent back unchanged
    ],
)
def test_api_refuses_a_move_back_without_a_new_note(users, progress, change, message):
    before = stored(progress)
    response = api(users["officer-yn"]).patch(
        f"/api/progress/{progress.pk}/", {**change, "version": progress.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"note": [message]}
    assert stored(progress) == before


def test_api_saves_a_move_back_with_its_reason_and_a_move_forward_keeps_the_note(users, progress):
    client = api(users["officer-yn"])
    back = client.patch(
        f"/api/progress/{progress.pk}/", {"percent": 20, "note": "两个班组返工", "version": 2}, format="json"
    )
    assert back.status_code == 200, back.json()
    assert stored(progress) == (Status.IN_PROGRESS, 20, "两个班组返工", 3)
    # a move forward needs no new note: left out, the stored one stays
    forward = client.patch(f"/api/progress/{progress.pk}/", {"percent": 40, "version": 3}, format="json")
    assert forward.status_code == 200, forward.json()
    assert stored(progress) == (Status.IN_PROGRESS, 40, "两个班组返工", 4)


def test_page_refuses_a_move_back_that_keeps_the_note_it_showed(client, users, progress):
    # given the edit form, which shows the stored note in its note field
    client.force_login(users["officer-yn"])
    url = reverse("measures:progress_edit", args=[progress.pk])
    assert "培训已覆盖一半班组" in client.get(url).content.decode()
    before = stored(progress)

    # when the officer lowers the percent and sends the form as it was filled in
    data = {"status": Status.IN_PROGRESS, "percent": 20, "note": "培训已覆盖一半班组", "version": progress.version}
    refused = client.post(url, data)

    # then nothing is saved and the note field says why
    assert refused.status_code == 200 and OLD_NOTE in refused.content.decode()
    assert stored(progress) == before

    # and with the reason for the move back it is saved
    saved = client.post(url, {**data, "note": "两个班组返工"})
    assert saved.status_code == 302
    assert stored(progress) == (Status.IN_PROGRESS, 20, "两个班组返工", before[3] + 1)


@pytest.mark.parametrize(
    "what_done",
    ["", "已建制度"],  # no account of the work; or the account carried over, which became the stored note
)
def test_acceptance_moving_back_without_a_new_account_explains_itself(users, yn_enterprise, what_done):
    # given a measure recorded as done, with its note, and a self-assessment that claims it only in progress,
    # with no new account of the work

    from reporting.assessments import services
    from tests.reporting.assessments.conftest import fill_complete

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    row = Progress.objects.get(enterprise=yn_enterprise, measure__code="YN-02")
    progress_update(progress=row, status=Status.DONE, percent=100, note="已建制度", by=None, expected_version=None)
    form = services.assessment_start(period=period, enterprise=yn_enterprise, by=users["enterprise-yn"])
    fill_complete(form, users["enterprise-yn"], status=Status.IN_PROGRESS, percent=60, what_done=what_done)
    form = services.assessment_submit(assessment=form, by=users["enterprise-yn"])

    # when the officer accepts it
    services.assessment_accept(assessment=form, by=users["officer-yn"])

    # then the move back is saved with the acceptance as its reason, not with the note it undoes
    row.refresh_from_db()
    assert (row.status, row.percent) == (Status.IN_PROGRESS, 60)
    assert row.note == f"据{period.label}自评核实"
