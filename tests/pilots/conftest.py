from datetime import timedelta

import pytest
from django.utils import timezone

from enterprises.models import Region
from enterprises.pilots import services
from measures.applicability import applicable_measures
from tests.factories import make_officer


def scope_measures(enterprise, n=3):
    return list(applicable_measures(enterprise).select_related("scope").order_by("document_id", "position")[:n])


def designate(enterprise, by, *, region=None, number="云工发〔2024〕5号", days=100, n=3):
    return services.pilot_designate(
        enterprise=enterprise,
        region=region or enterprise.region,
        document_number=number,
        designated_on=timezone.localdate() - timedelta(days=days),
        measures=scope_measures(enterprise, n),
        by=by,
    )


@pytest.fixture
def yunnan(db):
    return Region.objects.get(code="530000")


@pytest.fixture
def province_officer(yunnan):
    return make_officer("t-officer-yn-province", regions=[yunnan])
