"""Writes to progress and indicator values. Views, API, admin, commands and tasks call these."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from reform_portal.locks import lock_first, lock_one, lock_rows

from .applicability import applicable_measures
from .choices import STATUS_ORDER, ChangeSource, Comparison, Status
from .history import change_context
from .models import IndicatorValue, Progress


def progress_ensure(*, enterprise: Enterprise, by=None) -> int:
    """Create the missing progress rows (未启动) for every measure that applies to `enterprise`."""
    existing = set(Progress.objects.filter(enterprise=enterprise).values_list("measure_id", flat=True))
    missing = [
        Progress(enterprise=enterprise, measure_id=pk)
        for pk in applicable_measures(enterprise).values_list("pk", flat=True)
        if pk not in existing
    ]
    with change_context(by=by, source=ChangeSource.SYSTEM):
        Progress.objects.bulk_create(missing)
    return len(missing)


def progress_problems(*, old: Progress | None, status: str, percent: int, note: str) -> dict[str, list[str]]:
    """Field errors for moving a progress record to (status, percent, note)."""
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = [_("无效的状态。")]
        return errors
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = [_("完成百分比应在 0 到 100 之间。")]
    elif status in (Status.DONE, Status.ONGOING) and percent != 100:
        errors["percent"] = [_("状态为“%(status)s”时完成百分比应为 100。") % {"status": Status(status).label}]
    elif status == Status.NOT_STARTED and percent != 0:
        errors["percent"] = [_("状态为“未启动”时完成百分比应为 0。")]
    if old is not None and not note.strip():
        backwards = STATUS_ORDER[Status(status)] < STATUS_ORDER[Status(old.status)] or (
            percent is not None and percent < old.percent
        )
        if backwards:
            errors["note"] = [_("状态或百分比回退时必须填写说明。")]
    return errors


class StaleProgress(Exception):
    """The record changed since the editor read it; `current` holds what is there now."""

    def __init__(self, current: Progress):
        super().__init__("stale progress")
        self.current = current


@dataclass
class ProgressEdit:
    status: str
    percent: int
    note: str


@transaction.atomic
def progress_update(
    *,
    progress: Progress,
    status: str,
    percent: int,
    note: str,
    by,
    expected_version: int | None,
    source: str = ChangeSource.MANUAL,
    comment: str = "",
) -> Progress:
    """Move one record to new values, refusing a stale edit and invalid values."""
    current = lock_one(Progress, progress.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleProgress(current)
    errors = progress_problems(old=current, status=status, percent=percent, note=note)
    if errors:
        raise ValidationError(errors)
    current.status, current.percent, current.note = status, percent, note.strip()
    current.updated_by = by
    with change_context(by=by, source=source, comment=comment):
        current.save(update_fields=["status", "percent", "note", "updated_by", "updated_at"])
    current.refresh_from_db(fields=["version"])  # raised by the database (history.version_trigger)
    return current


class StaleIndicatorValue(Exception):
    """The value changed since the editor read it; `current` holds what is there now (None: no value)."""

    def __init__(self, current: IndicatorValue | None):
        super().__init__("stale indicator value")
        self.current = current


def indicator_value_problems(*, indicator, value) -> tuple[Decimal | None, dict[str, list[str]]]:
    """The value as a Decimal, and field errors when it is not acceptable for `indicator`."""
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, {"value": [_("请输入数字。")]}
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        return None, {"value": [_("请输入数字。")]}
    if value < 0:
        return value, {"value": [_("指标值不能为负数。")]}
    if indicator.comparison == Comparison.TRUE and value not in (0, 1):
        return value, {"value": [_("此项指标只能填“是”（1）或“否”（0）。")]}
    if indicator.unit == "%" and value > 100 and indicator.comparison != Comparison.GTE:
        return value, {"value": [_("百分比不能超过 100。")]}
    return value, {}


@transaction.atomic
def indicator_value_set(
    *,
    enterprise: Enterprise,
    indicator,
    year: int,
    value,
    by,
    source: str = ChangeSource.MANUAL,
    comment: str = "",
    expected_version: int | None = None,
) -> IndicatorValue:
    """Record one enterprise's value of an indicator for a year (upsert on enterprise, indicator, year).

    The database records each creation and change in `IndicatorValueEvent` and raises `version`. With
    `expected_version` (0 = the editor saw no value yet) a stale edit raises StaleIndicatorValue."""
    value, errors = indicator_value_problems(indicator=indicator, value=value)
    if errors:
        raise ValidationError(errors)
    key = {"enterprise": enterprise, "indicator": indicator, "year": year}
    current = lock_first(IndicatorValue, **key)
    if current is None:
        try:
            # A savepoint: someone else may create the same row meanwhile.
            with transaction.atomic(), change_context(by=by, source=source, comment=comment):
                current = IndicatorValue.objects.create(**key, value=value, updated_by=by)
        except IntegrityError:
            current = lock_one(IndicatorValue, **key)
        else:
            if expected_version not in (None, 0):  # the editor read a value that is gone
                raise StaleIndicatorValue(None)
            return current
    if expected_version is not None and current.version != expected_version:
        raise StaleIndicatorValue(current)
    if current.value == value:
        return current
    current.value, current.updated_by = value, by
    with change_context(by=by, source=source, comment=comment):
        current.save(update_fields=["value", "updated_by", "updated_at"])
    current.refresh_from_db(fields=["version"])  # raised by the database (history.version_trigger)
    return current


@transaction.atomic
def evidence_add(*, progress: Progress, upload, by):
    """Store an uploaded file as evidence for `progress`, after checking it by content and size.

    Raises ValidationError (with the message `check_upload` gives) when the file is refused."""
    from reform_portal.uploads import check_upload

    from .models import Evidence

    checked = check_upload(upload)
    evidence = Evidence(
        progress=progress,
        original_name=checked.name[:255],
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=by,
    )
    # The file is written first; should the row fail to save, the file is removed again. (A rollback
    # of an enclosing transaction can leave an unreferenced file under a random name, never a dangling row.)
    evidence.file.save(checked.name, upload, save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def progress_edit_with_evidence(
    *, progress: Progress, status: str, percent: int, note: str, by, expected_version: int | None, upload=None
) -> Progress:
    """The officer's edit of one measure: new values and, optionally, a file; both or neither are saved."""
    if upload is not None:
        from reform_portal.uploads import check_upload

        try:
            check_upload(upload)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.messages}) from None
    updated = progress_update(
        progress=progress, status=status, percent=percent, note=note, by=by, expected_version=expected_version
    )
    if upload is not None:
        evidence_add(progress=updated, upload=upload, by=by)
    return updated


@dataclass
class BulkResult:
    updated: list  # Progress rows changed
    unchanged: list  # Progress rows already at these values


@transaction.atomic
def progress_bulk_update(*, user, enterprise_ids, measure, status: str, percent: int, note: str) -> BulkResult:
    """Set one measure's status on many enterprises at once, on behalf of `user`: all of them, or none.

    PermissionDenied when any of the enterprises is outside the user's charge (the whole request is
    refused, however many are in scope) or the user may not update their progress. Enterprises the
    measure does not apply to, and rows the values are invalid for (e.g. moving backwards without a
    note), are reported per enterprise in the ValidationError; nothing is saved."""
    from reform_portal.access import EnterprisePolicy

    wanted = set(enterprise_ids)
    in_scope = EnterprisePolicy.visible(user, Enterprise.objects.select_related("region", "region__parent"))
    enterprises = list(in_scope.filter(pk__in=wanted))
    if len(enterprises) != len(wanted):
        raise PermissionDenied
    if not all(EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, e) for e in enterprises):
        raise PermissionDenied
    by = user
    enterprises = sorted(enterprises, key=lambda e: e.pk)
    rows = {
        p.enterprise_id: p
        for p in lock_rows(Progress.objects.filter(measure=measure, enterprise__in=[e.pk for e in enterprises]))
    }
    problems = []
    for enterprise in enterprises:
        row = rows.get(enterprise.pk)
        if row is None:
            problems.append(
                _("%(name)s：措施 %(code)s 不适用于该企业。") % {"name": enterprise.name, "code": measure.code}
            )
            continue
        for messages in progress_problems(old=row, status=status, percent=percent, note=note).values():
            problems.extend(f"{enterprise.name}：{m}" for m in messages)
    if problems:
        raise ValidationError(problems)
    result = BulkResult(updated=[], unchanged=[])
    for enterprise in enterprises:
        row = rows[enterprise.pk]
        if (row.status, row.percent, row.note) == (status, percent, note.strip() or row.note):
            result.unchanged.append(row)
            continue
        result.updated.append(
            progress_update(
                progress=row,
                status=status,
                percent=percent,
                note=note.strip() or row.note,
                by=by,
                expected_version=None,
                source=ChangeSource.BULK,
            )
        )
    return result
