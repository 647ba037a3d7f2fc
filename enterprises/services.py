"""Writes to the enterprise register. Views, API, import and admin call these; each records who changed what."""

import dataclasses
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.access import EnterprisePolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one, lock_rows
from reform_portal.versioning import StaleEdit, check_version

from .models import REGISTER_FIELDS, Enterprise


def display_value(enterprise: Enterprise, field: str) -> str:
    """The value of `field` as a reader sees it: choice labels, region names, 是/否, dates."""
    return display_of(field, getattr(enterprise, field))


def display_of(field: str, value) -> str:
    """`display_value` from the value alone (a foreign key's: the related row or its name), for rows read without
    model instances (the register export)."""
    if value is None or value == "":
        return ""
    model_field = Enterprise._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))  # as Model.get_FOO_display reads it
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def register_differences(*, current: Enterprise, data: dict) -> list[dict]:
    """The register fields where `data` (an editor's values) differs from `current`, as a reader sees both."""
    mine = Enterprise(**{f: data[f] for f in REGISTER_FIELDS if f in data})
    rows = []
    for f in REGISTER_FIELDS:
        if f not in data:
            continue
        theirs, ours = display_value(current, f), display_value(mine, f)
        if theirs != ours:
            rows.append(
                {"field": f, "label": Enterprise._meta.get_field(f).verbose_name, "current": theirs, "mine": ours}
            )
    return rows


def scope_problems(*, enterprise: Enterprise | None, data: dict, by) -> None:
    """Refuse (ValidationError naming the field) a change of what decides the enterprise's scope that `by` may not
    make (reform_portal.access: EnterprisePolicy.scope_change_problems). `by` None: the system, not refused."""
    if by is None:
        return
    problems = EnterprisePolicy.scope_change_problems(by, enterprise, data)
    if problems:
        raise ValidationError(problems)


def _check_may_keep(enterprise: Enterprise, by) -> None:
    # Run after the save, inside the transaction: the access policy itself decides whether the row
    # (with its new region) is one `by` may change; otherwise the caller's transaction rolls back.
    if by is not None and not EnterprisePolicy.can(by, EnterprisePolicy.CHANGE, enterprise):
        raise ValidationError({"region": [_("该州（市）不在您负责的范围内。")]})


def _save_register(enterprise: Enterprise, by) -> None:
    """Save, telling a credit code registered by someone else between the checks and the save (the unique index
    refuses it) as the form does: a ValidationError on `credit_code` naming the holder only to who may see it
    (credit_code_uniqueness), never a server error or the database's words."""
    from .credit_code_uniqueness import NEUTRAL, credit_code_taken

    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on to report the refusal
            enterprise.save()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
        if "credit_code" not in constraint:
            raise
        taken = credit_code_taken(user=by, code=enterprise.credit_code, exclude_pk=enterprise.pk) if by else None
        raise ValidationError({"credit_code": [taken[0] if taken else _(NEUTRAL)]}) from None


@transaction.atomic
def enterprise_create(*, data: dict, by, source: str = ChangeSource.MANUAL) -> Enterprise:
    """Register an enterprise from `data` (model field names → values) and create its progress rows and the values
    of the indicators derived from the register (measures.derived)."""
    from measures.derived import derived_values_sync
    from measures.services import progress_ensure

    scope_problems(enterprise=None, data=data, by=by)
    enterprise = Enterprise(**{f: v for f, v in data.items() if f in REGISTER_FIELDS or f == "credit_code_exception"})
    enterprise.full_clean()
    with change_context(by=by, source=source):  # the database records the registration
        _save_register(enterprise, by)
    _check_may_keep(enterprise, by)
    progress_ensure(enterprise=enterprise, by=by)
    derived_values_sync(enterprise, by=by)
    return enterprise


@transaction.atomic
def enterprise_update(
    *,
    enterprise: Enterprise,
    data: dict,
    by,
    source: str = ChangeSource.MANUAL,
    expected_version: int | None = None,
) -> Enterprise:
    """Change register fields from `data`; the database records the change (EnterpriseEvent) and raises `version`.

    With `expected_version` (the version the editor read), a row changed since then is not
    overwritten: StaleEdit is raised with the current row. Import and admin pass none.

    Measures that come to apply (e.g. after a change of ownership) get progress rows; rows of measures
    that no longer apply are kept, with their history, rather than silently deleted. The indicators derived from
    the register (measures.derived) follow the change."""
    from measures.derived import derived_values_sync
    from measures.services import progress_ensure

    current = lock_one(Enterprise.objects.select_related("region"), enterprise.pk)  # not the region: shared
    check_version(current, expected_version, label=current.name)
    scope_problems(enterprise=current, data=data, by=by)
    before = {f: display_value(current, f) for f in REGISTER_FIELDS}
    for field, value in data.items():
        if field in REGISTER_FIELDS or field == "credit_code_exception":
            setattr(current, field, value)
    current.full_clean()
    after = {f: display_value(current, f) for f in REGISTER_FIELDS}
    changed = [f for f in REGISTER_FIELDS if before[f] != after[f]]
    current.changed_fields = changed
    if not changed:
        return current
    with change_context(by=by, source=source):
        _save_register(current, by)
    current.refresh_from_db(fields=["version"])
    _check_may_keep(current, by)
    progress_ensure(enterprise=current, by=by)
    derived_values_sync(current, by=by)
    return current


class StaleRows(Exception):
    """Rows of an import changed by someone else between its checks and its write: [(row, StaleEdit)]."""

    def __init__(self, rows: list):
        super().__init__(f"{len(rows)} stale rows")
        self.rows = rows


@dataclass
class ImportWrite:
    """What an import writes, once every row has been checked: the new enterprises (`creates`, a parent before its
    subsidiaries; a parent may be one of them, still unsaved) and the changed ones (`updates`: the row's key, the
    enterprise with its new values, the version the checks read)."""

    creates: list[Enterprise] = dataclasses.field(default_factory=list)
    updates: list[tuple[object, Enterprise, int]] = dataclasses.field(default_factory=list)


BULK_BATCH = 1000  # rows per UPDATE statement (its CASE WHEN lists grow with it)


@transaction.atomic
def enterprises_write_many(*, plan: ImportWrite, by, source: str = ChangeSource.IMPORT) -> None:
    """Write a checked import in one short transaction, with a fixed number of statements per batch of rows,
    whatever the number of rows: lock the enterprises to change (primary-key order), check under the lock that
    none changed since the checks read it (StaleRows, and nothing written, if one did), update them in bulk,
    create the new ones (one statement per generation of parents in the file), then their progress rows and derived
    values. The database records every change (EnterpriseEvent, source `source`, by `by`) and raises the versions,
    as for any other write; the row locks are held only for this write."""
    from measures.derived import derived_values_sync_many
    from measures.services import progress_ensure_many

    updates = sorted(plan.updates, key=lambda u: u[1].pk)
    pks = [candidate.pk for _key, candidate, _version in updates]
    current = {
        e.pk: e for e in lock_rows(Enterprise.objects.select_related("region", "county", "parent").filter(pk__in=pks))
    }
    stale = []
    for key, candidate, version in updates:
        now = current.get(candidate.pk)
        try:
            if now is None:
                raise StaleEdit(None, label=candidate.name)
            check_version(now, version, label=now.name)
        except StaleEdit as exc:
            stale.append((key, exc))
    if stale:
        raise StaleRows(stale)
    with change_context(by=by, source=source):
        if updates:
            now = timezone.now()
            changed = [candidate for _key, candidate, _version in updates]
            for candidate in changed:
                candidate.updated_at = now  # bulk_update does not set auto_now fields
            for start in range(0, len(changed), BULK_BATCH):
                _update_rows(changed[start : start + BULK_BATCH])
        pending = list(plan.creates)
        while pending:  # a parent that is new too is created one statement before its subsidiaries
            ready = [e for e in pending if e.parent is None or e.parent.pk is not None]
            if not ready:
                raise ValueError("the import's new parents form a cycle")  # the checks refuse it first
            Enterprise.objects.bulk_create(ready, batch_size=BULK_BATCH)
            pending = [e for e in pending if e.pk is None]
    written = [*plan.creates, *(candidate for _key, candidate, _version in updates)]
    progress_ensure_many(enterprises=written, by=by)
    derived_values_sync_many(written, by=by)


def _update_rows(enterprises: list[Enterprise]) -> None:
    """One UPDATE … FROM (VALUES …) setting the register fields of `enterprises` to their values: set-based SQL (a
    bulk_update's CASE WHEN per field costs seconds of Python for a few hundred rows)."""
    fields = [Enterprise._meta.get_field(f) for f in (*REGISTER_FIELDS, "updated_at")]
    pk = Enterprise._meta.pk
    columns = [pk, *fields]
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    params = [f.get_db_prep_save(getattr(e, f.attname), connection) for e in enterprises for f in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.{connection.ops.quote_name(f.column)}" for f in fields
    )
    table, key = connection.ops.quote_name(Enterprise._meta.db_table), connection.ops.quote_name(pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(enterprises))}) AS v({names})"
            f" WHERE {table}.{key} = v.{key}",
            params,
        )
