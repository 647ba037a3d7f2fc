"""The bulk update is set-based: the same number of queries for 3 enterprises as for 30, one history event per
changed row, by the officer, source 批量 (written by the database's statement-level trigger)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.choices import Status
from measures.models import Measure, Progress, ProgressEvent
from measures.services import progress_bulk_update, progress_ensure
from reform_portal.access import access_for
from reform_portal.choices import ChangeSource
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def enterprises(kunming, n):
    made = [EnterpriseFactory(region=kunming) for _ in range(n)]
    for e in made:
        progress_ensure(enterprise=e)
    return made


def queries_of_bulk(user, chosen) -> int:
    access_for(user)  # the user's reach is read once per request, before
    with CaptureQueriesContext(connection) as done:
        result = progress_bulk_update(
            user=user,
            enterprise_ids=[e.pk for e in chosen],
            measure=Measure.objects.get(code="YN-03"),
            status=Status.IN_PROGRESS,
            percent=30,
            note="全省专项行动",
        )
    assert len(result.updated) == len(chosen)
    return len(done.captured_queries)


def test_queries_do_not_grow_with_the_enterprises_and_each_change_is_in_the_history(users, kunming):
    officer = users["officer-yn"]
    few, many = enterprises(kunming, 3), enterprises(kunming, 30)

    assert queries_of_bulk(officer, few) == queries_of_bulk(officer, many)

    rows = Progress.objects.filter(enterprise__in=few + many, measure__code="YN-03")
    events = ProgressEvent.objects.filter(pgh_obj__in=rows, source=ChangeSource.BULK)
    assert events.count() == 33 and {e.changed_by_id for e in events} == {officer.pk}
    assert {(r.status, r.percent, r.note, r.version) for r in rows} == {(Status.IN_PROGRESS, 30, "全省专项行动", 2)}
