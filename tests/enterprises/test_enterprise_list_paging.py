"""Paging ids first (reform_portal/paging.py): every page of a sort by a figure, read in two parts (enterprises with a
summary row in the order of the summary's index, then those without), lists exactly the rows of the one ORDER BY the
export and the API use (`filters.order_terms`), page after page, including the page where the parts meet."""

import pytest

from enterprises.filters import figure_segments, order_terms
from enterprises.models import Enterprise
from enterprises.selectors import rows_shown
from measures.choices import Status
from measures.models import Progress
from measures.services import progress_ensure
from reform_portal.paging import IdsFirstPaginator
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sort", ["-done_count", "done_count", "mean_percent", "-mean_percent", "-last_update"])
def test_segmented_pages_list_what_one_order_lists(kunming, sort):
    with_progress = [EnterpriseFactory(region=kunming) for _ in range(5)]
    for i, e in enumerate(with_progress):
        progress_ensure(enterprise=e)
        rows = Progress.objects.filter(enterprise=e).order_by("pk")[: i % 3]
        Progress.objects.filter(pk__in=[p.pk for p in rows]).update(status=Status.DONE, percent=100)
    without = [EnterpriseFactory(region=kunming) for _ in range(3)]  # no progress: no summary row, no figure
    qs = Enterprise.objects.filter(region=kunming).order_by(*order_terms([sort]))
    expected = list(qs.values_list("pk", flat=True))
    assert set(expected[-3:]) == {e.pk for e in without}  # figureless rows last, in either direction
    assert figure_segments(qs) is not None
    for per_page in (2, 3, 5):
        paginator = IdsFirstPaginator(qs, per_page, fetch=rows_shown, segments=figure_segments)
        listed = [e.pk for n in paginator.page_range for e in paginator.page(n).object_list]
        assert listed == expected, (sort, per_page)
        # each row carries its figures
        shown = {e.pk: e for n in paginator.page_range for e in paginator.page(n).object_list}
        assert all(shown[e.pk].applicable_count == 0 for e in without)
        assert all(shown[e.pk].applicable_count > 0 for e in with_progress)


def test_other_orders_are_one_part(kunming):
    qs = Enterprise.objects.order_by(*order_terms(["name"]))
    assert figure_segments(qs) is None
