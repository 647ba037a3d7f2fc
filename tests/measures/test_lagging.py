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
