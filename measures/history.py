"""Every change to a progress record leaves a `ProgressChange`, whichever way it is written.

Services say who is acting and why with `change_context(by=…, source=…)`; `Progress.save()`,
`Progress.objects.….update()`, `bulk_update()` and `bulk_create()` all record through here, so
a queryset write in a shell or a data migration is no less traceable than a form.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction

from .choices import ChangeSource

TRACKED = ("status", "percent", "note")


@dataclass(frozen=True)
class ChangeContext:
    by: object = None
    source: str = ChangeSource.SYSTEM
    comment: str = ""


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("progress_change_context", default=None)


def _context() -> ChangeContext:
    return _current.get() or ChangeContext()


@contextmanager
def change_context(*, by, source: str, comment: str = ""):
    """Attribute every progress change made inside the block to `by`, from `source`."""
    token = _current.set(ChangeContext(by=by, source=source, comment=comment[:300]))
    try:
        yield
    finally:
        _current.reset(token)


def _snapshot(ids) -> dict[int, dict]:
    Progress = apps.get_model("measures", "Progress")
    rows = models.QuerySet(Progress).filter(pk__in=ids).values("pk", "version", *TRACKED)
    return {row["pk"]: row for row in rows}


def _changes(pairs) -> list:
    """ProgressChange rows for (old values or None, progress instance or new values) pairs that differ."""
    ProgressChange = apps.get_model("measures", "ProgressChange")
    ctx = _context()
    by_id = getattr(ctx.by, "pk", None)
    changes = []
    for old, new in pairs:
        if old is not None and all(old[f] == new[f] for f in TRACKED):
            continue
        changes.append(
            ProgressChange(
                progress_id=new["pk"],
                changed_by_id=by_id,
                source=ctx.source,
                comment=ctx.comment,
                old_status=old["status"] if old else "",
                new_status=new["status"],
                old_percent=old["percent"] if old else None,
                new_percent=new["percent"],
                old_note=old["note"] if old else "",
                new_note=new["note"],
            )
        )
    return changes


def _values(obj) -> dict:
    return {"pk": obj.pk, **{f: getattr(obj, f) for f in TRACKED}}


def _differs(old: dict, obj) -> bool:
    return any(old[f] != getattr(obj, f) for f in TRACKED)


def current_actor():
    return _context().by


@contextmanager
def record_saves(objs):
    """Wrap the saving of `objs`: bump versions of changed rows, then record what changed."""
    ProgressChange = apps.get_model("measures", "ProgressChange")
    with transaction.atomic():
        before = _snapshot([o.pk for o in objs if o.pk])
        for obj in objs:
            old = before.get(obj.pk)
            if old is not None and _differs(old, obj):
                obj.version = old["version"] + 1
            if obj.updated_by_id is None and current_actor() is not None:
                obj.updated_by = current_actor()
        yield
        ProgressChange.objects.bulk_create(_changes((before.get(o.pk), _values(o)) for o in objs))


class HistoryRecordingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if not set(kwargs) & set(TRACKED):
            return super().update(**kwargs)
        ProgressChange = apps.get_model("measures", "ProgressChange")
        with transaction.atomic(using=self.db):
            # Lock in primary-key order so concurrent bulk writes cannot deadlock.
            ids = list(self.select_for_update().order_by("pk").values_list("pk", flat=True))
            before = _snapshot(ids)
            if current_actor() is not None:
                kwargs.setdefault("updated_by", current_actor())
            count = (
                models.QuerySet(self.model, using=self.db)
                .filter(pk__in=ids)
                .update(version=models.F("version") + 1, **kwargs)
            )
            after = _snapshot(ids)
            ProgressChange.objects.bulk_create(_changes((before[pk], after[pk]) for pk in ids))
        return count

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        if not set(fields) & set(TRACKED):
            return super().bulk_update(objs, fields, batch_size=batch_size)
        objs = list(objs)
        fields = list(dict.fromkeys([*fields, "version", "updated_by"]))
        with record_saves(objs):
            # A plain queryset underneath: its internal update() must not record a second time.
            return models.QuerySet(self.model, using=self.db).bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        ProgressChange = apps.get_model("measures", "ProgressChange")
        objs = list(objs)
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise NotImplementedError("Progress.bulk_create with conflict handling would skip the history")
        with transaction.atomic(using=self.db):
            actor = current_actor()
            for obj in objs:
                if obj.updated_by_id is None and actor is not None:
                    obj.updated_by = actor
            created = super().bulk_create(objs, *args, **kwargs)
            ProgressChange.objects.bulk_create(_changes((None, _values(o)) for o in created), batch_size=2000)
        return created

    bulk_create.alters_data = True
