"""Page numbers that cost what the page shows (docs/performance/lists.md, docs/performance/drilldowns.md).

A shared building block (imports no app): the enterprise list and its API, the dashboard's drill-downs and the
self-assessment overview page with it.

`IdsFirstPaginator` pages a filtered, sorted queryset by its ids only (a "deferred join"): the query that sorts and
skips reads just the columns the filters and the order need — no joined region, county, parent or figures for the
rows it skips — and the rows of the page are then read by their ids (`fetch`). The count is the queryset's own
COUNT, without ORDER BY or joins for display; a count of `COUNT_CACHED_FROM` rows or more (a province, not an
officer's charge) is kept `COUNT_CACHE_SECONDS` in the cache under the query's SQL (its filters and the user's scope
are in it), so paging through a province counts it once a minute, not on every page; smaller counts are always exact
and fresh.

`segments(queryset)` may split the list into parts listed one after the other (a sort by a progress figure: the
enterprises with figures in the order of an index, then those without), each paged by its own indexed order; a part
is counted only when a page starts beyond its end.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CACHED_FROM = 5000
COUNT_CACHE_SECONDS = 60


class CountCachedPaginator(Paginator):
    """A Paginator whose large counts are kept a minute in the cache (the API's page mode uses it too)."""

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):
            return super().count
        try:
            sql, params = self.object_list.order_by().query.sql_with_params()
        except EmptyResultSet:
            return 0
        key = "list-count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            if count >= COUNT_CACHED_FROM:
                cache.set(key, count, COUNT_CACHE_SECONDS)
        return count


class IdsFirstPaginator(CountCachedPaginator):
    """A Paginator whose pages hold `fetch(ids)`: the rows of the ids of that page, in their order."""

    def __init__(self, object_list, per_page, *, fetch: Callable[[list], list], segments=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.fetch = fetch
        self.segments = segments

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.fetch(self.ids(bottom, top)), number, self)

    def ids(self, bottom: int, top: int) -> list:
        """The ids from position `bottom` to `top` (excluded) of the list."""
        parts = self.segments(self.object_list) if self.segments else None
        if not parts:
            return list(self.object_list.values_list("pk", flat=True)[bottom:top])
        ids, offset = [], bottom  # offset: where the page starts within the current part
        for part in parts:
            wanted = top - bottom - len(ids)
            if wanted <= 0:
                break
            got = list(part.values_list("pk", flat=True)[offset : offset + wanted])
            # a part that gave fewer than wanted is exhausted: the next one is read from its start, or, when the
            # page starts beyond this part's end, from where the page starts within the next
            offset = 0 if got or not offset else max(0, offset - part.count())
            ids += got
        return ids


def in_order(qs, ids: list) -> list:
    """The rows of `qs` with the ids `ids`, in that order (one query keyed by the ids)."""
    by_id = {row.pk: row for row in qs.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]
