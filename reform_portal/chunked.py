"""Reading a large queryset in its order with bounded memory, with or without server-side cursors.

`queryset.iterator(chunk_size=…)` streams through a server-side cursor; behind pgbouncer in transaction mode there is
none (`DATABASE_POOLER=pgbouncer` sets DISABLE_SERVER_SIDE_CURSORS, docs/several-machines.md) and psycopg2 would
fetch the whole result at once. `in_chunks` then reads the ids in the queryset's order (ints only: a million take
tens of MB) and the rows `chunk_size` ids at a time, each chunk one query in its own short statement.
"""

from collections.abc import Iterator
from operator import attrgetter

from django.db import connections

from .paging import in_order


def server_side_cursors(alias: str) -> bool:
    return not connections[alias].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")


def in_chunks(queryset, chunk_size: int = 2000, key=attrgetter("pk")) -> Iterator:
    """The rows of `queryset` (model instances, or tuples of a `values_list` with `key` finding the id in one), in
    its order, `chunk_size` rows held at a time."""
    if server_side_cursors(queryset.db):
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    ids = list(queryset.values_list("pk", flat=True))
    rows = queryset.order_by()
    for start in range(0, len(ids), chunk_size):
        yield from in_order(rows, ids[start : start + chunk_size], key)
