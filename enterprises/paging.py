"""Page numbers for lists of enterprises that cost what the page shows (docs/performance/lists.md).

`IdsFirstPaginator` pages a filtered, sorted queryset by its ids only (a "deferred join"): the query that sorts and
skips reads just the columns the filters and the order need — no joined region, county, parent or figures for the
rows it skips — and the rows of the page are then read by their ids (`fetch`). The count is the queryset's own
COUNT, without ORDER BY or joins for display.
"""

from collections.abc import Callable

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """A Paginator whose pages hold `fetch(ids)`: the rows of the ids of that page, in their order."""

    def __init__(self, object_list, per_page, *, fetch: Callable[[list], list], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.fetch = fetch

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.fetch(ids), number, self)
