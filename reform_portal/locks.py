"""Row locks for writes: only the rows meant, always in primary-key order.

Every `select_for_update` of the portal goes through these helpers, for two reasons:

- **Only the rows meant.** `select_for_update()` locks every table of the query, so a `select_related("period")`
  on an assessment also locks the province's reporting period, and every other enterprise's autosave then queues
  behind it. Here the lock is `of=("self",)`: joined rows are read, never locked.
- **A stable order.** Two transactions that lock the same rows in different orders can deadlock; rows are locked
  in primary-key order.

The lock is `FOR NO KEY UPDATE` (`no_key=True`): our writes never change a primary key, and this weaker lock lets
other transactions insert rows that refer to the locked one (a history entry, a notice, an evidence file) while it
is held, instead of waiting for it. It must be taken inside a transaction (`transaction.atomic`).
"""

from django.db import models


def _locking(queryset: models.QuerySet) -> models.QuerySet:
    return queryset.select_for_update(of=("self",), no_key=True).order_by("pk")


def lock_rows(queryset: models.QuerySet) -> list:
    """Lock the rows of `queryset` (and none of the rows it joins), in primary-key order; return them."""
    return list(_locking(queryset))


def lock_pks(queryset: models.QuerySet) -> list:
    """Lock the rows of `queryset` like `lock_rows`, returning only their primary keys."""
    return list(_locking(queryset).values_list("pk", flat=True))


def lock_one(model_or_queryset, pk=None, **lookup):
    """Lock one row, by primary key or by `lookup`, and return it; raises the model's DoesNotExist.

    `model_or_queryset` may carry `select_related(...)` for what the caller reads: those rows are not locked."""
    queryset = _queryset(model_or_queryset)
    if pk is not None:
        lookup["pk"] = pk
    return _locking(queryset).get(**lookup)


def lock_first(model_or_queryset, **lookup):
    """Lock the row matching `lookup` if there is one, and return it (or None)."""
    return _locking(_queryset(model_or_queryset)).filter(**lookup).first()


def _queryset(model_or_queryset) -> models.QuerySet:
    if isinstance(model_or_queryset, models.QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def lock_available(queryset: models.QuerySet, limit: int) -> list:
    """Lock up to `limit` rows of `queryset` that no one else holds (`SKIP LOCKED`), in primary-key order; return
    them. For queues worked by several processes at once (the outbox): each takes the rows the others have not."""
    return list(queryset.select_for_update(of=("self",), skip_locked=True).order_by("pk")[:limit])
