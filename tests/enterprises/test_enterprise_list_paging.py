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


# Keyset links and far jumps ----------------------------------------------------------------------------------------


@pytest.fixture
def two_prefectures(kunming):
    """11 enterprises in 昆明 and 7 in 曲靖 (a name shared by two, so the id decides between them), listed in the
    default order prefecture by prefecture (`prefecture_segments`, allowed from any size here)."""
    from enterprises.models import Region

    qujing = Region.objects.get(code="530300")
    for i in range(11):
        EnterpriseFactory(region=kunming, name=f"昆明企业{i % 10:02d}")
    for i in range(7):
        EnterpriseFactory(region=qujing, name=f"曲靖企业{i:02d}")
    return Region.objects.filter(pk__in=[kunming.pk, qujing.pk])


def _walk(paginator, forward=True):
    """Every page reached from the first (or last) by the next (previous) links' boundary tokens."""
    number = 1 if forward else paginator.num_pages
    page = paginator.page(number)
    pages = {number: [e.pk for e in page.object_list]}
    while page.has_next() if forward else page.has_previous():
        number += 1 if forward else -1
        page = paginator.page(number, **({"after": page.after} if forward else {"before": page.before}))
        pages[number] = [e.pk for e in page.object_list]
    return pages


@pytest.mark.parametrize("sort", [None, "name", "-done_count", "done_count", "mean_percent"])
def test_next_and_previous_links_seek_the_pages_that_numbers_give(two_prefectures, monkeypatch, sort):
    """Pages reached by "next" / "previous" (a seek from the boundary row) and by their numbers (OFFSET, from the
    nearer end of the part) are the same rows as one ORDER BY lists, for the default order (prefecture by
    prefecture), by name and by figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enterprises import filters

    monkeypatch.setattr(filters, "COUNT_CACHED_FROM", 1)
    progress_ensure(enterprise=Enterprise.objects.order_by("pk").first())
    base = Enterprise.objects.filter(region__in=two_prefectures)
    qs = base.order_by(*order_terms([sort])) if sort else base.order_by("region__code", "name", "pk")
    expected = list(qs.values_list("pk", flat=True))
    segments = lambda qs, count=None: filters.list_segments(qs, prefectures=two_prefectures, count=count)  # noqa: E731
    if sort is None:
        assert len(segments(qs)) == 2  # a part per prefecture
    for per_page in (2, 4, 5):
        paginator = IdsFirstPaginator(qs, per_page, fetch=rows_shown, segments=segments)
        by_number = {n: [e.pk for e in paginator.page(n).object_list] for n in paginator.page_range}
        assert [pk for n in paginator.page_range for pk in by_number[n]] == expected, (sort, per_page)
        assert _walk(paginator) == by_number, (sort, per_page)
        assert _walk(paginator, forward=False) == by_number, (sort, per_page)
    if sort == "mean_percent":
        return  # a summary without applicable rows has no mean (NULL): no seek past it, its pages go by number
    # the next page is sought from the boundary row: a row comparison, no OFFSET
    paginator = IdsFirstPaginator(qs, 4, fetch=rows_shown, segments=segments)
    first = paginator.page(1)
    with CaptureQueriesContext(connection) as ctx:
        paginator.page(2, after=first.after)
    ids_sql = [q["sql"] for q in ctx.captured_queries if "LIMIT 4" in q["sql"]]
    assert ids_sql and all("OFFSET" not in q for q in ids_sql), ids_sql
    assert any(") > (" in q or ") < (" in q for q in ids_sql), ids_sql


def test_a_boundary_that_is_gone_or_forged_pages_by_number(two_prefectures, monkeypatch):
    from enterprises import filters

    monkeypatch.setattr(filters, "COUNT_CACHED_FROM", 1)
    qs = Enterprise.objects.filter(region__in=two_prefectures).order_by("region__code", "name", "pk")
    segments = lambda qs, count=None: filters.list_segments(qs, prefectures=two_prefectures, count=count)  # noqa: E731
    paginator = IdsFirstPaginator(qs, 4, fetch=rows_shown, segments=segments)
    third = [e.pk for e in paginator.page(3).object_list]
    for token in ("0.999999999", "x", "7.1", "0.-5", ""):
        assert [e.pk for e in paginator.page(3, after=token).object_list] == third, token
    gone = paginator.page(2)
    Enterprise.objects.filter(pk=int(gone.after.split(".")[1])).delete()
    fresh = IdsFirstPaginator(qs.all(), 4, fetch=rows_shown, segments=segments)
    assert [e.pk for e in fresh.page(3, after=gone.after).object_list] == [e.pk for e in fresh.page(3).object_list]
