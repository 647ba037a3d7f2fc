from datetime import timedelta

import pytest
from django.utils import timezone

from enterprises.models import Enterprise
from measures.choices import Status
from measures.lagging import lagging_enterprises
from measures.models import Progress
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_lagging_means_not_started_measures_or_no_update_in_90_days(kunming):
    # given: one with untouched measures, one fresh and complete, one complete but stale
    untouched = EnterpriseFactory(region=kunming)
    fresh, stale = EnterpriseFactory(region=kunming), EnterpriseFactory(region=kunming)
    for e in (untouched, fresh, stale):
        progress_ensure(enterprise=e)
    Progress.objects.filter(enterprise__in=[fresh, stale]).update(status=Status.IN_PROGRESS, percent=50)
    Progress.objects.filter(enterprise=stale).update(updated_at=timezone.now() - timedelta(days=91))
    # when
    lagging = set(lagging_enterprises(Enterprise.objects.all()).values_list("pk", flat=True))
    # then
    assert untouched.pk in lagging and stale.pk in lagging
    assert fresh.pk not in lagging


def test_the_sql_twin_agrees_with_the_orm_definition(kunming):
    # given enterprises in every situation: untouched, fresh, stale, mixed, and without any progress row
    from django.db import connection

    from measures.lagging import up_to_date_sql
    from reporting.models import ProgressSummary

    untouched, fresh, stale, mixed, bare = (EnterpriseFactory(region=kunming) for _ in range(5))
    for e in (untouched, fresh, stale, mixed):
        progress_ensure(enterprise=e)
    Progress.objects.filter(enterprise__in=[fresh, stale, mixed]).update(status=Status.IN_PROGRESS, percent=50)
    Progress.objects.filter(enterprise=stale).update(updated_at=timezone.now() - timedelta(days=91))
    one = Progress.objects.filter(enterprise=mixed).first()
    Progress.objects.filter(enterprise=mixed).exclude(pk=one.pk).update(updated_at=timezone.now() - timedelta(days=200))
    # when: the verdict over the summaries the database keeps (no row for an enterprise without progress)
    fresh, params = up_to_date_sql("s.last_update", "s.not_started")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id, CASE WHEN s.enterprise_id IS NOT NULL AND {fresh} THEN 0 ELSE 1 END"
            f" FROM {Enterprise._meta.db_table} e"
            f" LEFT JOIN {ProgressSummary._meta.db_table} s ON s.enterprise_id = e.id",
            params,
        )
        flags = dict(cursor.fetchall())
    # then the same enterprises, the same verdicts
    orm = set(lagging_enterprises(Enterprise.objects.all()).values_list("pk", flat=True))
    assert set(flags) == set(Enterprise.objects.values_list("pk", flat=True))
    assert {pk for pk, lagging in flags.items() if lagging} == orm
    assert orm == {untouched.pk, stale.pk, bare.pk}
