"""Writes to the enterprise register. Views, API, import and admin call these; each records who changed what."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reform_portal.access import EnterprisePolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one
from reform_portal.versioning import check_version

from .models import REGISTER_FIELDS, Enterprise


def display_value(enterprise: Enterprise, field: str) -> str:
    """The value of `field` as a reader sees it: choice labels, region names, 是/否, dates."""
    value = getattr(enterprise, field)
    if value is None or value == "":
        return ""
    model_field = Enterprise._meta.get_field(field)
    if model_field.choices:
        return str(getattr(enterprise, f"get_{field}_display")())
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


def _check_may_keep(enterprise: Enterprise, by) -> None:
    # Run after the save, inside the transaction: the access policy itself decides whether the row
    # (with its new region) is one `by` may change; otherwise the caller's transaction rolls back.
    if by is not None and not EnterprisePolicy.can(by, EnterprisePolicy.CHANGE, enterprise):
        raise ValidationError({"region": [_("该州（市）不在您负责的范围内。")]})


@transaction.atomic
def enterprise_create(*, data: dict, by, source: str = ChangeSource.MANUAL) -> Enterprise:
    """Register an enterprise from `data` (model field names → values) and create its progress rows and the values
    of the indicators derived from the register (measures.derived)."""
    from measures.derived import derived_values_sync
    from measures.services import progress_ensure

    enterprise = Enterprise(**{f: v for f, v in data.items() if f in REGISTER_FIELDS or f == "credit_code_exception"})
    enterprise.full_clean()
    with change_context(by=by, source=source):  # the database records the registration
        enterprise.save()
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
        current.save()
    current.refresh_from_db(fields=["version"])
    _check_may_keep(current, by)
    progress_ensure(enterprise=current, by=by)
    derived_values_sync(current, by=by)
    return current
