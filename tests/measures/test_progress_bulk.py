"""Bulk update: one measure's status for many enterprises, all or nothing, in each enterprise's history."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from measures.choices import Status
from measures.models import Measure, Progress, ProgressEvent
from measures.services import progress_bulk_update, progress_ensure, progress_update
from reform_portal.choices import ChangeSource
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
URL = reverse("enterprises:bulk_progress")


@pytest.fixture
def three(kunming, yn_enterprise):
    others = [EnterpriseFactory(region=kunming) for _ in range(2)]
    for e in others:
        progress_ensure(enterprise=e)
    return [yn_enterprise, *others]


def post(client, enterprises, measure_code="YN-03", **values):
    data = {
        "enterprises": [e.pk for e in enterprises],
        "measure": Measure.objects.get(code=measure_code).pk,
        "status": Status.IN_PROGRESS,
        "percent": 30,
        "note": "全省专项行动",
        "next": "/enterprises/?lagging=true",
    }
    data.update(values)
    return client.post(URL, data)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_update_changes_every_selected_enterprise_with_history(client, users, three):
    client.force_login(users["officer-yn"])

    response = post(client, three)

    assert response.status_code == 302 and response.url == "/enterprises/?lagging=true"
    rows = Progress.objects.filter(enterprise__in=three, measure__code="YN-03")
    assert {(r.status, r.percent, r.note) for r in rows} == {(Status.IN_PROGRESS, 30, "全省专项行动")}
    changes = ProgressEvent.objects.filter(pgh_obj__in=rows, source=ChangeSource.BULK)
    assert changes.count() == 3 and {c.changed_by for c in changes} == {users["officer-yn"]}
    assert "3 家企业" in texts(response)[0]


def test_one_invalid_row_saves_nothing(client, users, three):
    # given: one enterprise is already further along, so 30% would move it backwards (needs a note)
    ahead = Progress.objects.get(enterprise=three[1], measure__code="YN-03")
    progress_update(progress=ahead, status=Status.IN_PROGRESS, percent=80, note="", by=None, expected_version=None)
    client.force_login(users["officer-yn"])

    response = post(client, three, note="")

    assert Progress.objects.filter(enterprise__in=three, measure__code="YN-03", percent=30).count() == 0
    assert not ProgressEvent.objects.filter(source=ChangeSource.BULK).exists()
    message = texts(response)[0]
    assert three[1].name in message and "回退" in message


def test_enterprises_the_measure_does_not_apply_to_are_reported(client, users, three, kunming):
    soe = EnterpriseFactory(region=kunming, soe=True)
    progress_ensure(enterprise=soe)
    client.force_login(users["admin"])
    sx_measure = "SX-01"

    response = post(client, [three[0]], measure_code=sx_measure)

    assert "不适用" in texts(response)[0] and three[0].name in texts(response)[0]
    assert not ProgressEvent.objects.filter(source=ChangeSource.BULK).exists()


def test_invalid_values_are_reported(client, users, three):
    client.force_login(users["officer-yn"])
    response = post(client, three, status=Status.DONE, percent=50)
    assert "应为 100" in texts(response)[0]
    assert not ProgressEvent.objects.filter(source=ChangeSource.BULK).exists()


def test_nothing_selected(client, users, three):
    client.force_login(users["officer-yn"])
    response = post(client, [])
    assert "请先勾选" in " ".join(texts(response))


@pytest.mark.parametrize(("role", "status"), [("officer-sx", 403), ("sasac-yn", 403), ("enterprise-yn", 403)])
def test_refused_roles_change_nothing(client, users, three, role, status):
    client.force_login(users[role])
    assert post(client, three).status_code == status
    assert not ProgressEvent.objects.filter(source=ChangeSource.BULK).exists()


def test_an_enterprise_outside_the_charge_spoils_the_whole_request(client, users, three, sx_soe):
    client.force_login(users["officer-yn"])
    assert post(client, [*three, sx_soe]).status_code == 403
    assert not ProgressEvent.objects.filter(source=ChangeSource.BULK).exists()


def bulk(user, enterprises, **values):
    data = {"measure": Measure.objects.get(code="YN-03"), "status": Status.IN_PROGRESS, "percent": 30, "note": "n"}
    data.update(values)
    return progress_bulk_update(user=user, enterprise_ids=[e.pk for e in enterprises], **data)


def test_service_checks_scope_and_permission_itself(users, three, sx_soe):
    # an enterprise outside the officer's charge spoils the whole call
    with pytest.raises(PermissionDenied):
        bulk(users["officer-yn"], [*three, sx_soe])
    # SASAC sees these enterprises but may not update their progress
    with pytest.raises(PermissionDenied):
        bulk(users["sasac-yn"], three)
    assert not ProgressEvent.objects.filter(source=ChangeSource.BULK).exists()

    # the officer in charge updates them all, each change by them, marked as bulk
    result = bulk(users["officer-yn"], [*three, three[0]])  # a repeated id counts once
    assert len(result.updated) == 3 and not result.unchanged
    changes = ProgressEvent.objects.filter(source=ChangeSource.BULK)
    assert changes.count() == 3 and {c.changed_by for c in changes} == {users["officer-yn"]}
    # and the same values again change nothing
    again = bulk(users["officer-yn"], three)
    assert (len(again.updated), len(again.unchanged)) == (0, 3)


def test_service_saves_nothing_when_one_row_is_refused(users, three):
    ahead = Progress.objects.get(enterprise=three[2], measure__code="YN-03")
    progress_update(progress=ahead, status=Status.IN_PROGRESS, percent=80, note="", by=None, expected_version=None)
    with pytest.raises(ValidationError) as refused:
        bulk(users["officer-yn"], three, note="")
    assert three[2].name in refused.value.messages[0]
    assert not Progress.objects.filter(enterprise__in=three, measure__code="YN-03", percent=30).exists()
