"""One history for every audited model, written by PostgreSQL (django-pghistory).

`@audited(...)` on a model declares its event model (`ProgressEvent`, `IndicatorValueEvent`, …) and the two
triggers that fill it: one event for each row inserted, and one for each row an update changes an audited field
of, holding the new values (under the fields' own names), the old ones (`old_<field>`), who (`changed_by`), from
where (`source`, a ChangeSource) and why (`comment`). The database writes them, so no write path can skip them:
ORM save/update/bulk_update/bulk_create, the admin, imports, raw SQL, a data migration's historical models.
A write that changes none of the audited fields records nothing. With `deletions=True` a third trigger records each
row deleted (label `delete`, the row's last values under the fields' own names): removed evidence stays on record.

The triggers run once per statement, not once per row: each writes all of its statement's events in one
INSERT … SELECT from the statement's transition tables (`new_values`, and on updates `old_values`, joined on the
primary key). A trigger running a statement of its own for each row would cost a statement writing N rows O(N²):
at the end of every nested statement PostgreSQL rescans the queue of deferred foreign-key checks, which grows by
one per row (37,580 progress rows inserted by one statement: 16 s with row triggers, 0.7 s with these).

Who and from where come from pghistory's context, which pghistory sends with every SQL statement:
`change_context(by=…, source=…)` in services, `HistoryMiddleware` for requests (the signed-in user, 手工) and
`task_context` for Celery tasks (系统). A write outside any context is recorded as 系统 with no user.

`version_trigger(...)` keeps a model's `version` (the stale-edit check) the same way: the database raises it
on every update that changes an audited field, and nobody else may set it. It is a BEFORE UPDATE row trigger,
which changes the row itself and runs no statement.
"""

import functools
from contextlib import contextmanager

import pghistory
import pghistory.config
import pghistory.middleware
import pghistory.models
import pghistory.runtime
import pghistory.trigger
import pgtrigger
from django.conf import settings
from django.db import DatabaseError, connection, models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .choices import ChangeSource

# ---- who and from where ----


@contextmanager
def change_context(*, by, source: str, comment: str = ""):
    """Attribute every change written inside the block to `by` (a user or None), from `source`, with `comment`."""
    with _context(user=getattr(by, "pk", None), source=str(source), comment=comment[:300]):
        yield


@contextmanager
def _context(**metadata):
    # pghistory merges a nested context into the outer one and never takes it back out: put the outer
    # values back on the way out, so a request's writes after a service call keep the request's context.
    outer = getattr(pghistory.runtime._tracker, "value", None)
    saved = dict(outer.metadata) if outer is not None else None
    try:
        with pghistory.context(**metadata):
            yield
    finally:
        if outer is not None:
            outer.metadata.clear()
            outer.metadata.update(saved)
        elif connection.in_atomic_block:
            _forget_context()


def records_as(source: str):
    """Decorator for a service that takes `by=`: what it writes is attributed to `by`, from `source`."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            with change_context(by=kwargs.get("by"), source=source):
                return service(*args, **kwargs)

        return wrapper

    return decorate


def _forget_context() -> None:
    """pghistory's settings last until the transaction ends: clear them, so that what the transaction writes
    after the block is not attributed to it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pghistory.context_id', '', true), "
                "set_config('pghistory.context_metadata', '', true)"
            )
    except DatabaseError:  # the transaction failed inside the block and will be rolled back
        pass


def task_context(task_name: str):
    """The context of a Celery task: 系统, no user, and the task's name (reform_portal/celery.py enters it)."""
    return _context(user=None, source=str(ChangeSource.SYSTEM), comment="", task=task_name)


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware (the signed-in user, the URL), with 手工 as the source of a person's writes."""

    def get_context(self, request):
        return {**super().get_context(request), "source": str(ChangeSource.MANUAL)}


# ---- the event models and their triggers ----

# The context as a trigger reads it: pghistory sets it, local to the transaction, before each statement.
_CONTEXT = "NULLIF(CURRENT_SETTING('pghistory.context_metadata', TRUE), '')::JSONB"
_CONTEXT_ID = "NULLIF(CURRENT_SETTING('pghistory.context_id', TRUE), '')::UUID"


class _AuditTrigger(pghistory.trigger.Event):
    """The statement-level trigger of an event model: one set-based INSERT … SELECT of the statement's events.

    On insert, one event per row of the transition table `new_values`; on update, one per row whose audited
    fields changed, `old_values` joined to `new_values` on the primary key, with the old values in `old_<field>`;
    on delete, one per row of `old_values`, with the values the row had.
    """

    declare = [("_context", "JSONB")]  # the context's metadata, read once per statement

    def __init__(self, **kwargs):
        super().__init__(level=pgtrigger.Statement, **kwargs)  # pgtrigger names the transition tables

    def get_func(self, model) -> str:
        event, names = self.event_model, self.event_model.audited_fields
        update = self.operation == pgtrigger.Update
        source = "old_values" if self.operation == pgtrigger.Delete else "new_values"  # the rows the events are of

        def column(of, name: str) -> str:
            return f'"{of._meta.get_field(name).column}"'

        pk = f'"{model._meta.pk.column}"'
        # The context's metadata: the function's variable, or the parameter of the EXECUTE below.
        context = "$1" if update else "_context"
        values = {  # event column → value
            **{column(event, name): f"{source}.{column(model, name)}" for name in names},
            '"pgh_obj_id"': f"{source}.{pk}",
            '"pgh_label"': f"'{self.label}'",
            '"pgh_created_at"': pghistory.config.created_at_function(),
            '"pgh_context"': context,
            '"pgh_context_id"': _CONTEXT_ID,
            '"changed_by_id"': f"({context} ->> 'user')::INTEGER",
            '"source"': f"COALESCE({context} ->> 'source', '{ChangeSource.SYSTEM.value}')",
            '"comment"': f"LEFT(COALESCE({context} ->> 'comment', ''), 300)",
        }
        rows = source
        if update:
            values |= {column(event, f"old_{name}"): f"old_values.{column(model, name)}" for name in names}
            changed = " OR ".join(
                f"old_values.{column(model, name)} IS DISTINCT FROM new_values.{column(model, name)}" for name in names
            )
            rows = f"old_values JOIN new_values ON old_values.{pk} = new_values.{pk} WHERE {changed}"
        insert = f'INSERT INTO "{event._meta.db_table}" ({", ".join(values)}) '
        insert += f"SELECT {', '.join(values.values())} FROM {rows}"
        if not update:
            return f"_context := {_CONTEXT}; {insert}; RETURN NULL;"
        # EXECUTE plans the join for this statement's row counts. A static statement keeps the plan made for the
        # first statement of the session (a nested loop, for one row): 10,000 rows in one UPDATE then took 6.7 s.
        return f"_context := {_CONTEXT}; EXECUTE $sql${insert}$sql$ USING _context; RETURN NULL;"


class _Audits:
    """A pghistory tracker whose events an _AuditTrigger records."""

    def add_event_trigger(self, event_model):
        trigger = _AuditTrigger(
            event_model=event_model, label=self.label, name=self.trigger_name, operation=self.operation
        )
        pgtrigger.register(trigger)(event_model.pgh_tracked_model)


class Inserted(_Audits, pghistory.InsertEvent):
    """The row was created."""


class Changed(_Audits, pghistory.UpdateEvent):
    """An update changed at least one audited field (its trigger compares them with IS DISTINCT FROM)."""


class Deleted(_Audits, pghistory.DeleteEvent):
    """The row was deleted (declared with `audited(..., deletions=True)`)."""


def _old_field(field: models.Field) -> models.Field:
    """A nullable copy of `field` for its value before the change (an insert has none)."""
    verbose_name = format_lazy(_("原{}"), field.verbose_name)
    if field.is_relation:
        return models.ForeignKey(
            field.remote_field.model,
            verbose_name=verbose_name,
            null=True,
            blank=True,
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            related_name="+",
        )
    _name, _path, args, kwargs = field.deconstruct()
    for key in ("primary_key", "unique", "db_index", "default", "db_default", "validators", "editable", "help_text"):
        kwargs.pop(key, None)
    kwargs.update(verbose_name=verbose_name, null=True, blank=True)
    return field.__class__(*args, **kwargs)


class AuditEvent(pghistory.models.Event):
    """What every event model holds besides the audited values: who, from where, why, and when (`changed_at`)."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # a user may be deleted; their changes stay
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=20, choices=ChangeSource.choices)
    comment = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def changed_at(self):
        return self.pgh_created_at

    @property
    def is_creation(self) -> bool:
        return self.pgh_label == Inserted.label

    @property
    def is_deletion(self) -> bool:
        return self.pgh_label == Deleted.label


def audited(*fields: str, model_name: str, verbose_name, deletions: bool = False):
    """Class decorator: keep a database-written history of `fields` of the model in `<model_name>` (and, with
    `deletions`, of the rows deleted)."""

    def decorate(model):
        attrs = {
            "audited_fields": fields,
            **{f"old_{name}": _old_field(model._meta.get_field(name)) for name in fields},
        }
        prefix = model_name.lower()
        trackers = [Inserted(trigger_name=f"{prefix}_insert"), Changed(trigger_name=f"{prefix}_change")]
        if deletions:
            trackers.append(Deleted(trigger_name=f"{prefix}_delete"))
        return pghistory.track(
            *trackers,
            fields=list(fields),
            model_name=model_name,
            base_model=AuditEvent,
            obj_field=pghistory.ObjForeignKey(related_name="events"),
            context_field=pghistory.ContextJSONField(),
            context_id_field=pghistory.ContextUUIDField(),
            append_only=True,
            attrs=attrs,
            meta={
                "ordering": ["-pgh_created_at", "-pgh_id"],
                "verbose_name": verbose_name,
                "verbose_name_plural": verbose_name,
            },
        )(model)

    return decorate


def version_trigger(*, name: str, columns: tuple[str, ...]) -> pgtrigger.Trigger:
    """BEFORE UPDATE: `version` rises by one when any of `columns` changes and is otherwise kept, whoever writes."""
    new = ", ".join(f'NEW."{c}"' for c in columns)
    old = ", ".join(f'OLD."{c}"' for c in columns)
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        func=(
            f"IF ROW({new}) IS DISTINCT FROM ROW({old}) THEN NEW.version := OLD.version + 1; "
            "ELSE NEW.version := OLD.version; END IF; RETURN NEW;"
        ),
    )
