"""Page numbers that cost what the page shows (docs/performance/lists.md, docs/performance/drilldowns.md).

A shared building block (imports no app): the enterprise list and its API, the dashboard's drill-downs, the
self-assessment overview and the API's page mode (reform_portal/pagination.py) page with it.

`IdsFirstPaginator` pages a filtered, sorted queryset by its ids only (a "deferred join"): the query that sorts and
skips reads just the columns the filters and the order need — no joined region, county, parent or figures for the
rows it skips — and the rows of the page are then read by their ids (`fetch`). The count is the queryset's own
COUNT, without ORDER BY or joins for display; a count of `COUNT_CACHED_FROM` rows or more (a province, not an
officer's charge) is kept `COUNT_CACHE_SECONDS` in the cache under the query's SQL (its filters and the user's scope
are in it), so paging through a province counts it once a minute, not on every page; smaller counts are always exact
and fresh.

`segments(queryset, count=…)` may split the list into `Part`s listed one after the other (the enterprise list
prefecture by prefecture, or by a progress figure: the enterprises with figures in the order of an index, then those
without), each read in the order of an index; a part is counted only when a page starts beyond its end.

Where the pages are:
- **Next / previous** (`page(n, after=token)` / `before=token`, the tokens of the neighbouring page, `Page.after` and
  `Page.before`): a keyset seek from the boundary row's sort key (`(name, id) > (…, …)` on the order's index), so
  page 10,000 reached by "next" costs what page 2 costs. The page number in the link is taken as given (rows added
  or removed meanwhile shift it, never the rows shown: those follow the boundary row).
- **A far jump** (a page number alone): the whole parts before the page are skipped by their counts (cached like
  the list's count), then OFFSET within the part holding the page, from its nearer end (the last page reads the
  part backwards from its end): it reads at most half a part of index entries (ids only, never rows for display).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.functional import cached_property

COUNT_CACHED_FROM = 5000
COUNT_CACHE_SECONDS = 60


def _key(kind: str, qs) -> str | None:
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return None
    return f"list-{kind}:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()


def cached_count(qs) -> int:
    """`qs.count()`, kept `COUNT_CACHE_SECONDS` under its SQL when it is `COUNT_CACHED_FROM` or more."""
    key = _key("count", qs.order_by())
    if key is None:
        return 0
    count = cache.get(key)
    if count is None:
        count = qs.count()
        if count >= COUNT_CACHED_FROM:
            cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


def cached_rows(qs) -> list:
    """The rows of `qs` (a grouped count: a few rows), kept `COUNT_CACHE_SECONDS` under its SQL."""
    key = _key("rows", qs)
    if key is None:
        return []
    rows = cache.get(key)
    if rows is None:
        rows = list(qs)
        cache.set(key, rows, COUNT_CACHE_SECONDS)
    return rows


class CountCachedPaginator(Paginator):
    """A Paginator whose large counts are kept a minute in the cache."""

    @cached_property
    def count(self) -> int:
        # a count the database keeps for this list (`counted`: None when it keeps none for these filters)
        kept = self.counted() if getattr(self, "counted", None) else None
        if kept is not None:
            return kept
        if not hasattr(self.object_list, "query"):
            return super().count
        return cached_count(self.object_list)


def order_fields(qs: QuerySet) -> tuple[tuple[str, ...], bool] | None:
    """The fields of `qs`'s order and its direction when every term goes the same way and the last is the primary key
    (a row's position is then the tuple of its values); else None."""
    fields, directions = [], set()
    for term in qs.query.order_by:
        if isinstance(term, str):
            fields.append(term.lstrip("-"))
            directions.add(term.startswith("-"))
        elif isinstance(getattr(term, "expression", None), F) and not getattr(term, "nulls_last", False):
            fields.append(term.expression.name)
            directions.add(bool(term.descending))
        else:
            return None
    if not fields or fields[-1] not in ("pk", "id") or len(directions) != 1:
        return None
    return tuple(fields), directions.pop()


@dataclass
class Part:
    """One part of a list, in its own order (`qs`). `seek`: the columns of that order, all in the direction
    `descending`, the last one unique — the rows after a row are then `(seek) > (its values)`, which PostgreSQL finds
    on the order's index; empty when the order has no such form (a page then needs OFFSET)."""

    qs: QuerySet
    seek: tuple[str, ...] = ()
    descending: bool = False

    @classmethod
    def of(cls, qs: QuerySet) -> "Part":
        fields = order_fields(qs)
        return cls(qs, *fields) if fields else cls(qs)

    def beyond(self, values: tuple, backward: bool = False) -> QuerySet:
        """The part's rows after the row whose seek columns hold `values` (before it, in reverse, if `backward`)."""
        later = TupleLessThan if self.descending != backward else TupleGreaterThan
        rows = self.qs.filter(later(Tuple(*(F(f) for f in self.seek)), tuple(values)))
        return rows.reverse() if backward else rows

    def position(self, pk) -> tuple | None:
        """The seek values of the row `pk` if it is in this part."""
        if not self.seek:
            return None
        values = self.qs.filter(pk=pk).values_list(*self.seek).first()
        return values if values is not None and None not in values else None


class Parts(list):
    """A list's parts, with `sizes()`: the number of rows of each, in one query (for a far jump), if it has one."""

    def __init__(self, parts, sizes: Callable[[], list[int]] | None = None):
        super().__init__(parts)
        self.sizes = sizes


def encode_boundary(part: int, pk) -> str:
    return f"{part}.{pk}"


def decode_boundary(token) -> tuple[int, int] | None:
    """(part, pk) of a boundary token, None when it is not one (the page is then found by its number)."""
    try:
        part, pk = str(token).split(".")
        part, pk = int(part), int(pk)
    except (TypeError, ValueError):
        return None
    return (part, pk) if 0 <= part < 10_000 and 0 < pk < 2**63 else None


class IdsFirstPaginator(CountCachedPaginator):
    """A Paginator whose pages hold `fetch(ids)`: the rows of the ids of that page, in their order. Its pages carry
    `after` and `before`: tokens for the next and previous pages' links (`page(n, after=…)`)."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        fetch: Callable[[list], list],
        segments=None,
        counted: Callable[[], int | None] | None = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.fetch = fetch
        self.segments = segments
        self.counted = counted  # the list's count when the database keeps it (else None: counted from the rows)

    @cached_property
    def parts(self) -> list[Part]:
        parts = self.segments(self.object_list, count=self.count) if self.segments else None
        if parts is None:
            return [Part.of(self.object_list)]
        return Parts([p if isinstance(p, Part) else Part.of(p) for p in parts], getattr(parts, "sizes", None))

    def get_page(self, number, *, after=None, before=None):
        try:
            return self.page(number, after=after, before=before)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number, *, after=None, before=None):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        # Page 1 is read from the start; another page from the boundary row of its neighbour when the link gives one
        # (and that row is still there), else by its number.
        boundary = decode_boundary(after or before) if number > 1 else None
        keyed = self.keyed_ids(*boundary, wanted=top - bottom, backward=not after) if boundary else None
        keyed = keyed if keyed is not None else self.keyed_ids_at(bottom, top)
        page = self._get_page(self.fetch([pk for _, pk in keyed]), number, self)
        page.after = encode_boundary(*keyed[-1]) if keyed else None
        page.before = encode_boundary(*keyed[0]) if keyed else None
        return page

    def ids(self, bottom: int, top: int) -> list:
        """The ids from position `bottom` to `top` (excluded) of the list."""
        return [pk for _, pk in self.keyed_ids_at(bottom, top)]

    @cached_property
    def part_sizes(self) -> list[int] | None:
        sizes = getattr(self.parts, "sizes", None)
        return sizes() if sizes else None

    def part_count(self, index: int) -> int:
        if len(self.parts) == 1:
            return self.count
        return self.part_sizes[index] if self.part_sizes is not None else cached_count(self.parts[index].qs)

    def keyed_ids_at(self, bottom: int, top: int) -> list[tuple[int, object]]:
        """(part, id) from position `bottom` to `top` (excluded): whole parts before `bottom` skipped by their counts,
        then from the nearer end of the part where the page starts."""
        out, offset = [], bottom  # offset: where the page starts within the rest of the list
        for index, part in enumerate(self.parts):
            wanted = top - bottom - len(out)
            if wanted <= 0:
                break
            if offset:
                size = self.part_count(index)
                if offset >= size:
                    offset -= size
                    continue
                if offset > size // 2 and part.qs.query.order_by:  # nearer its end: read it backwards
                    stop = min(size, offset + wanted)
                    ids = list(part.qs.reverse().values_list("pk", flat=True)[size - stop : size - offset])[::-1]
                else:
                    ids = list(part.qs.values_list("pk", flat=True)[offset : offset + wanted])
            else:
                ids = list(part.qs.values_list("pk", flat=True)[:wanted])
            out += [(index, pk) for pk in ids]
            offset = 0
        return out

    def keyed_ids(self, index: int, pk, *, wanted: int, backward: bool) -> list[tuple[int, object]] | None:
        """(part, id) of the `wanted` rows after the row `pk` of part `index` (before it if `backward`), sought by the
        order's index; None when that row is not there any more (or the part has no seek), to page by number."""
        if index >= len(self.parts) or (values := self.parts[index].position(pk)) is None:
            return None
        out = [(index, x) for x in self.parts[index].beyond(values, backward).values_list("pk", flat=True)[:wanted]]
        others = range(index - 1, -1, -1) if backward else range(index + 1, len(self.parts))
        for other in others:
            if len(out) >= wanted:
                break
            rows = self.parts[other].qs.reverse() if backward else self.parts[other].qs
            out += [(other, x) for x in rows.values_list("pk", flat=True)[: wanted - len(out)]]
        return out[::-1] if backward else out


def in_order(qs, ids: list, key=attrgetter("pk")) -> list:
    """The rows of `qs` with the ids `ids`, in that order (one query keyed by the ids; `key`: a row's id)."""
    by_id = {key(row): row for row in qs.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]
