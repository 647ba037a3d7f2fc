"""Page numbers that cost what the page shows: the query that filters, orders and skips reads only the ids (a
"deferred join"), and the rows of the page, with what they display, are then read by those ids.

A shared building block (imports no app): the dashboard's drill-downs and the self-assessment overview use it; the
enterprise list's paginator (enterprises/paging.py) is the same idea.
"""

from collections.abc import Callable

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """A Paginator whose `object_list` stays the filtered queryset (its count is that queryset's COUNT, without
    ORDER BY or the joins of what is shown) and whose pages hold `fetch(ids)`: the rows of that page's ids, in
    their order."""

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


def in_order(qs, ids: list) -> list:
    """The rows of `qs` with the ids `ids`, in that order (one query keyed by the ids)."""
    by_id = {row.pk: row for row in qs.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]
