"""Writes to progress and indicator values. Views, API, admin, commands and tasks call these."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from reform_portal.choices import ChangeSource
from reform_portal.locks import lock_first, lock_one, lock_rows
from reform_portal.versioning import StaleEdit, check_version

from .applicability import applicable_measures
from .choices import STATUS_ORDER, Status
from .history import change_context
from .indicator_values import indicator_value_clean
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


def progress_ensure_many(*, enterprises, by=None) -> int:
    """`progress_ensure` for many enterprises (an import) in a fixed number of queries, whatever their number: the
    tracked measures and their scopes are read once and `scope_applies` (the one applicability rule) decides, per
    enterprise and distinct scope. Each enterprise needs its `region` loaded (its province)."""
    from .applicability import scope_applies
    from .models import Measure

    enterprises = [e for e in enterprises if e.pk is not None]
    if not enterprises:
        return 0
    by_scope: dict = {}
    for measure in Measure.objects.tracked().select_related("scope").order_by("pk"):
        by_scope.setdefault(measure.scope_id, (measure.scope, []))[1].append(measure.pk)
    ids = [e.pk for e in enterprises]
    existing = set(Progress.objects.filter(enterprise_id__in=ids).values_list("enterprise_id", "measure_id"))
    missing = [
        Progress(enterprise=enterprise, measure_id=pk)
        for enterprise in enterprises
        for scope, measure_ids in by_scope.values()
        if scope_applies(scope, enterprise)
        for pk in measure_ids
        if (enterprise.pk, pk) not in existing
    ]
    with change_context(by=by, source=ChangeSource.SYSTEM):
        Progress.objects.bulk_create(missing, batch_size=50_000)
    return len(missing)


def progress_problems(*, old: Progress | None, status: str, percent: int, note: str | None) -> dict[str, list[str]]:
    """Field errors for moving a progress record to (status, percent, note); note None: none was given."""
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
    # A move back needs its own explanation, written with the move: the note already stored explains the
    # values being undone, so a request that leaves it (or sends it back unchanged) is refused.
    if old is not None and progress_moves_back(old=old, status=status, percent=percent):
        if not (note or "").strip():
            errors["note"] = [_("状态或百分比回退时必须填写说明。")]
        elif note.strip() == old.note.strip():
            errors["note"] = [_("状态或百分比回退时必须填写这次回退的原因，不能沿用原来的说明。")]
    return errors


def progress_moves_back(*, old: Progress, status: str, percent: int | None) -> bool:
    """Whether (status, percent) is behind what `old` records: an earlier status or a lower percent."""
    if status not in Status.values:
        return False
    return STATUS_ORDER[Status(status)] < STATUS_ORDER[Status(old.status)] or (
        percent is not None and percent < old.percent
    )


def _progress_label(progress: Progress) -> str:
    return progress.measure.label


@dataclass
class ProgressEdit:
    status: str
    percent: int
    note: str


def progress_update(
    *,
    progress: Progress,
    status: str,
    percent: int,
    note: str | None,
    by,
    expected_version: int | None,
    source: str = ChangeSource.MANUAL,
    comment: str = "",
    locked: bool = False,
) -> Progress:
    """Move one record to new values, refusing invalid values and a stale edit (StaleEdit, with `expected_version`
    the version the editor read; None checks nothing). `note` None (not sent) keeps the stored note, which a move
    back cannot keep: it needs its own.

    The row is locked (`locks.lock_one`) in a transaction of its own; `locked=True`: the caller locked `progress`
    with `locks` in the transaction it is in (the API reads, scopes and locks the row in one query), and the checks
    and the write run on that row, in that transaction. Returns the row, its `version` as the database raised it."""
    if locked:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("progress_update(locked=True) outside the transaction that locked the row")
        return _progress_write(progress, status, percent, note, by, expected_version, source, comment)
    with transaction.atomic():
        current = lock_one(Progress, progress.pk)
        return _progress_write(current, status, percent, note, by, expected_version, source, comment)


def _progress_write(current: Progress, status, percent, note, by, expected_version, source, comment) -> Progress:
    check_version(current, expected_version, label=lambda: _progress_label(current))
    errors = progress_problems(old=current, status=status, percent=percent, note=note)
    if errors:
        raise ValidationError(errors)
    current.status, current.percent = status, percent
    current.note = current.note if note is None else note.strip()
    current.updated_by = by
    with change_context(by=by, source=source, comment=comment):
        current.version = _update_returning_version(current, ("status", "percent", "note", "updated_by", "updated_at"))
    return current


def _update_returning_version(row: Progress, names: tuple[str, ...]) -> int:
    """`row.save(update_fields=names)` and `refresh_from_db(fields=["version"])` in one statement: UPDATE …
    RETURNING the version the database raised (history.version_trigger). Progress has no save signals."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = [Progress._meta.get_field(name) for name in names]
    values = [f.get_db_prep_save(f.pre_save(row, add=False), connection) for f in fields]  # pre_save: auto_now
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Progress._meta.db_table)} SET {assignments} WHERE {quote(Progress._meta.pk.column)} = %s"
            f" RETURNING {quote(Progress._meta.get_field('version').column)}",
            [*values, row.pk],
        )
        found = cursor.fetchone()
    if found is None:
        raise Progress.DoesNotExist  # cannot happen under the lock; never report a write that did not happen
    return found[0]


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
    `expected_version` (0 = the editor saw no value yet) a stale edit raises StaleEdit. The value must pass
    `measures.indicator_values` (ValidationError on `value`): one its kind takes, for an indicator that applies to
    the enterprise and is not derived from the register."""
    cleaned = indicator_value_clean(indicator=indicator, value=value, enterprise=enterprise)
    key = {"enterprise": enterprise, "indicator": indicator, "year": year}
    current = lock_first(IndicatorValue, **key)
    if current is None:
        try:
            # A savepoint: someone else may create the same row meanwhile.
            with transaction.atomic(), change_context(by=by, source=source, comment=comment):
                current = IndicatorValue.objects.create(**key, value=cleaned.value, text=cleaned.text, updated_by=by)
        except IntegrityError:
            current = lock_one(IndicatorValue, **key)
        else:
            if expected_version not in (None, 0):  # the editor read a value that is gone
                raise StaleEdit(None, label=indicator.name)
            return current
    check_version(current, expected_version, label=indicator.name)
    if (current.value, current.text) == cleaned:
        return current
    current.value, current.text, current.updated_by = cleaned.value, cleaned.text, by
    with change_context(by=by, source=source, comment=comment):
        current.save(update_fields=["value", "text", "updated_by", "updated_at"])
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
        with change_context(by=by, source=ChangeSource.MANUAL):  # the history names who added it, whoever calls
            evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


def evidence_withdraw(*, evidence, by, reason: str):
    """Withdraw a wrong evidence file, saying why: it is no longer offered as the record's evidence
    (`Evidence.objects.current()`), while the file, its row and its history stay. The database records the
    withdrawal in `EvidenceEvent` (the time, the reason, and `by`, from 手工; the reason is also the event's comment).

    PermissionDenied unless `by` may withdraw the file (access.EnterprisePolicy.WITHDRAW_EVIDENCE: the officers in
    charge of the enterprise and administrators); ValidationError on `reason` when it is blank or too long, and
    when the file was withdrawn already."""
    from reform_portal.access import EnterprisePolicy

    from .models import WITHDRAWAL_REASON_MAX, Evidence

    with transaction.atomic():
        current = lock_one(Evidence.objects.select_related("progress__enterprise"), evidence.pk)
        if not EnterprisePolicy.can(by, EnterprisePolicy.WITHDRAW_EVIDENCE, current.progress.enterprise):
            raise PermissionDenied
        reason = (reason or "").strip()
        if current.withdrawn_at is not None:
            raise ValidationError(
                {"reason": [_("该证明材料已于 %(at)s 撤回。") % {"at": _local(current.withdrawn_at)}]}
            )
        if not reason:
            raise ValidationError({"reason": [_("请填写撤回原因。")]})
        if len(reason) > WITHDRAWAL_REASON_MAX:
            raise ValidationError({"reason": [_("撤回原因不超过 %(n)s 字。") % {"n": WITHDRAWAL_REASON_MAX}]})
        current.withdrawn_at, current.withdrawn_by, current.withdrawal_reason = timezone.now(), by, reason
        with change_context(by=by, source=ChangeSource.MANUAL, comment=reason):
            current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    return current


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


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


@dataclass
class BulkPlan:
    """What a bulk update would do, judged without writing (`progress_bulk_plan`)."""

    updated: list  # Progress rows that would change
    unchanged: list  # Progress rows already at these values
    problems: list  # one message per refusal, naming the enterprise; any refusal saves nothing


def progress_bulk_plan(*, wanted, rows: dict, names: dict, measure, status: str, percent: int, note: str) -> BulkPlan:
    """Judge a bulk update of `measure` to (status, percent, note) for the enterprises `wanted`, whose rows are
    `rows` ({enterprise id: Progress}, read with status, percent, note) and names `names` ({enterprise id: name}).
    The service runs it on the locked rows; the by-filter preview (enterprises/bulk_selection.py) on the rows read,
    so that it shows what the write will do. No note: each row keeps its own."""
    plan = BulkPlan(updated=[], unchanged=[], problems=[])
    new_note = (note or "").strip()
    for pk in sorted(wanted):
        row = rows.get(pk)
        if row is None:
            plan.problems.append(
                _("%(name)s：措施 %(code)s 不适用于该企业。") % {"name": names[pk], "code": measure.code}
            )
            continue
        # The one rule, for each row (the new values are the same for all, the old ones differ).
        for messages in progress_problems(old=row, status=status, percent=percent, note=note).values():
            plan.problems.extend(f"{names[pk]}：{m}" for m in messages)
        target = (status, percent, new_note or row.note)
        (plan.unchanged if (row.status, row.percent, row.note) == target else plan.updated).append(row)
    return plan


@transaction.atomic
def progress_bulk_update(*, user, enterprise_ids, measure, status: str, percent: int, note: str) -> BulkResult:
    """Set one measure's status on many enterprises at once, on behalf of `user`: all of them, or none.

    PermissionDenied when any of the enterprises is outside the user's charge (the whole request is
    refused, however many are in scope) or the user may not update their progress. Enterprises the
    measure does not apply to, and rows the values are invalid for (e.g. moving backwards without a
    note), are reported per enterprise in the ValidationError; nothing is saved.

    Set-based (docs/performance/writes.md): a fixed number of queries whatever the number of enterprises: the
    enterprises in scope, the rows locked, one UPDATE; the database writes one ProgressEvent per changed row (by
    `user`, source 批量) and raises each version."""
    from reform_portal.access import EnterprisePolicy

    if not EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS):
        raise PermissionDenied
    wanted = set(enterprise_ids)
    # For a role that may update progress, what it sees is what it may update (EnterprisePolicy.can).
    names = dict(EnterprisePolicy.visible(user, Enterprise.objects.filter(pk__in=wanted)).values_list("pk", "name"))
    if len(names) != len(wanted):
        raise PermissionDenied
    rows = {
        p.enterprise_id: p
        for p in lock_rows(
            Progress.objects.filter(measure=measure, enterprise_id__in=wanted).only(
                "id", "enterprise_id", "status", "percent", "note", "version"
            )
        )
    }
    plan = progress_bulk_plan(
        wanted=wanted, rows=rows, names=names, measure=measure, status=status, percent=percent, note=note
    )
    if plan.problems:
        raise ValidationError(plan.problems)
    new_note = note.strip()
    result = BulkResult(updated=plan.updated, unchanged=plan.unchanged)
    if result.updated:
        values = {"status": status, "percent": percent, "updated_by": user, "updated_at": timezone.now()}
        if new_note:  # no note given: each row keeps its own
            values["note"] = new_note
        with change_context(by=user, source=ChangeSource.BULK):
            Progress.objects.filter(pk__in=[r.pk for r in result.updated]).update(**values)
        for row in result.updated:
            row.status, row.percent, row.note = status, percent, new_note or row.note
    return result
