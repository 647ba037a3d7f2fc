"""Writes of pilot designations and their funds. Keyword-only, one transaction each; every refusal is a
ValidationError naming the field ({field: [message]}) and saves nothing. The pages, the API and the demo call these.

The register's 试点企业 flag (`Enterprise.is_pilot`) follows the designations: set when an enterprise is designated,
cleared when its last active designation ends (a register change, in the enterprise's history like any other)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Region
from measures.applicability import scope_applies
from measures.choices import TRACKED_ADDRESSEES
from measures.models import Measure
from reform_portal.access import PilotPolicy, access_for
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one
from reform_portal.text_limits import NOTE_MAX_CHARS
from reform_portal.versioning import check_version

from .choices import (
    AMOUNT_MAX,
    DOCUMENT_NUMBER_MAX_CHARS,
    PURPOSE_MAX_CHARS,
    SCOPE_MAX_MEASURES,
    FundKind,
    PilotStatus,
)
from .models import PilotDesignation, PilotFund


def _add(problems: dict, name: str, message) -> None:
    problems.setdefault(name, []).append(str(message))


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


def yuan(amount: Decimal | None) -> str:
    """An amount as people read it: 12,500.00 元."""
    return "" if amount is None else f"{amount:,.2f}"


def scope_codes(measures) -> str:
    return ", ".join(m.code for m in sorted(measures, key=lambda m: (m.document_id, m.position, m.pk)))


def designation_problems(
    *, by, enterprise: Enterprise, region, document_number: str, designated_on, measures, note: str, exclude_pk=None
) -> dict[str, list[str]]:
    """Why these values cannot make (or change) a designation of `enterprise` by `by`; empty when they can. Reads the
    measures' scopes (loaded by the caller) and, for the unique check, one query."""
    problems: dict[str, list[str]] = {}
    if enterprise is None or not access_for(by).sees_enterprise(enterprise):
        _add(problems, "enterprise", _("未找到该企业，或该企业不在您负责的范围内。"))
        return problems
    allowed = PilotPolicy.designating_region_ids(by, enterprise)
    if not allowed:
        _add(problems, "enterprise", _("您不负责该企业所在的州（市）或省，不能认定其为试点。"))
        return problems
    if region is None or getattr(region, "pk", region) not in allowed:
        _add(problems, "region", _("认定单位应为您负责的、该企业所在的省或州（市）总工会。"))
    number = (document_number or "").strip()
    if not number:
        _add(problems, "document_number", _("请填写认定文件的文号，如“云工发〔2024〕5号”。"))
    elif len(number) > DOCUMENT_NUMBER_MAX_CHARS:
        _add(problems, "document_number", _("文号不能超过 %(n)s 个字。") % {"n": DOCUMENT_NUMBER_MAX_CHARS})
    if designated_on is None:
        _add(problems, "designated_on", _("请填写认定日期。"))
    elif designated_on > timezone.localdate():
        _add(problems, "designated_on", _("认定日期不能晚于今天。"))
    measures = list(measures or [])
    if not measures:
        _add(problems, "measures", _("请至少选择一项试点措施。"))
    elif len(measures) > SCOPE_MAX_MEASURES:
        _add(problems, "measures", _("试点措施不能超过 %(n)s 项。") % {"n": SCOPE_MAX_MEASURES})
    for measure in measures:
        # a measure addressed to the authorities (not tracked per enterprise) applies to no enterprise's progress
        if measure.addressee not in TRACKED_ADDRESSEES or not scope_applies(measure.scope, enterprise):
            _add(
                problems,
                "measures",
                _("措施“%(measure)s”不适用于该企业，不能作为其试点措施。") % {"measure": measure.label},
            )
    if len(note or "") > NOTE_MAX_CHARS:
        _add(problems, "note", _("备注不能超过 %(n)s 个字。") % {"n": NOTE_MAX_CHARS})
    if number and "document_number" not in problems:
        taken = PilotDesignation.objects.filter(
            enterprise=enterprise, document_number=number, status=PilotStatus.ACTIVE
        ).exclude(pk=exclude_pk)
        if taken.exists():
            _add(
                problems, "document_number", _("该企业已按文号“%(number)s”认定为试点（试点中）。") % {"number": number}
            )
    return problems


def _measures(measure_ids) -> list[Measure]:
    return list(Measure.objects.filter(pk__in=list(measure_ids)).select_related("scope", "document"))


def _set_is_pilot(enterprise_id: int) -> None:
    """The register's flag follows the active designations (one UPDATE when it changes, none otherwise)."""
    active = PilotDesignation.objects.filter(enterprise_id=enterprise_id, status=PilotStatus.ACTIVE).exists()
    Enterprise.objects.filter(pk=enterprise_id).exclude(is_pilot=active).update(is_pilot=active)


def _save_unique(designation, **kwargs) -> None:
    try:
        with transaction.atomic():
            designation.save(**kwargs)
    except IntegrityError:  # another request designated it by the same document meanwhile
        raise ValidationError({"document_number": [_("该企业已按此文号认定为试点（试点中）。")]}) from None


@transaction.atomic
def pilot_designate(
    *,
    enterprise: Enterprise,
    region: Region,
    document_number: str,
    designated_on: date,
    measures,
    note: str = "",
    by,
    source: str = ChangeSource.MANUAL,
) -> PilotDesignation:
    """Designate `enterprise` a pilot (试点中) by `region`'s union, by the document `document_number`, for `measures`
    (Measure rows or ids)."""
    measures = _measures(getattr(m, "pk", m) for m in measures)
    with change_context(by=by, source=source):
        _raise(
            designation_problems(
                by=by,
                enterprise=enterprise,
                region=region,
                document_number=document_number,
                designated_on=designated_on,
                measures=measures,
                note=note,
            )
        )
        designation = PilotDesignation(
            enterprise=enterprise,
            region_id=getattr(region, "pk", region),
            document_number=document_number.strip(),
            designated_on=designated_on,
            scope_codes=scope_codes(measures),
            note=note or "",
            created_by=by,
        )
        _save_unique(designation)
        designation.measures.set(measures)
        _set_is_pilot(enterprise.pk)
    return designation


@transaction.atomic
def pilot_update(
    *,
    designation: PilotDesignation,
    expected_version: int | None,
    region: Region,
    document_number: str,
    designated_on: date,
    measures,
    note: str = "",
    by,
) -> PilotDesignation:
    """Change a designation's region, document, date, scope and note; refused (StaleEdit) when it changed since the
    editor read `expected_version`."""
    current = lock_one(PilotDesignation.objects.select_related("enterprise__region"), pk=designation.pk)
    check_version(current, expected_version, label=lambda: str(current))
    measures = _measures(getattr(m, "pk", m) for m in measures)
    with change_context(by=by, source=ChangeSource.MANUAL):
        problems = designation_problems(
            by=by,
            enterprise=current.enterprise,
            region=region,
            document_number=document_number,
            designated_on=designated_on,
            measures=measures,
            note=note,
            exclude_pk=current.pk,
        )
        if current.ends_on and designated_on and designated_on > current.ends_on:
            _add(problems, "designated_on", _("认定日期不能晚于结束日期。"))
        if not PilotPolicy.can(by, PilotPolicy.CHANGE, current):
            _add(problems, "region", _("这项认定由其他单位作出，您不能修改。"))
        _raise(problems)
        current.region_id = getattr(region, "pk", region)
        current.document_number = document_number.strip()
        current.designated_on = designated_on
        current.note = note or ""
        current.scope_codes = scope_codes(measures)
        _save_unique(
            current, update_fields=["region", "document_number", "designated_on", "note", "scope_codes", "updated_at"]
        )
        current.measures.set(measures)
    current.refresh_from_db(fields=["version"])
    return current


@transaction.atomic
def pilot_end(
    *, designation: PilotDesignation, expected_version: int | None, ends_on: date, note: str | None = None, by
) -> PilotDesignation:
    """End a pilot on `ends_on` (not before it began, not after today)."""
    current = lock_one(PilotDesignation.objects.select_related("enterprise__region"), pk=designation.pk)
    check_version(current, expected_version, label=lambda: str(current))
    problems: dict[str, list[str]] = {}
    if not PilotPolicy.can(by, PilotPolicy.CHANGE, current):
        _add(problems, "ends_on", _("这项认定由其他单位作出，您不能结束。"))
    if not current.is_active:
        _add(problems, "ends_on", _("该试点已经结束。"))
    if ends_on is None:
        _add(problems, "ends_on", _("请填写结束日期。"))
    elif ends_on < current.designated_on:
        _add(problems, "ends_on", _("结束日期不能早于认定日期。"))
    elif ends_on > timezone.localdate():
        _add(problems, "ends_on", _("结束日期不能晚于今天。"))
    if note is not None and len(note) > NOTE_MAX_CHARS:
        _add(problems, "note", _("备注不能超过 %(n)s 个字。") % {"n": NOTE_MAX_CHARS})
    _raise(problems)
    with change_context(by=by, source=ChangeSource.MANUAL):
        current.status = PilotStatus.ENDED
        current.ends_on = ends_on
        fields = ["status", "ends_on", "updated_at"]
        if note is not None:
            current.note = note
            fields.append("note")
        current.save(update_fields=fields)
        _set_is_pilot(current.enterprise_id)
    current.refresh_from_db(fields=["version"])
    return current


def fund_totals(designation_ids) -> dict[int, dict[str, Decimal]]:
    """{designation id: {"granted": …, "paid": …}} (zero when none), one grouped query."""
    totals = {pk: {"granted": Decimal(0), "paid": Decimal(0)} for pk in designation_ids}
    rows = (
        PilotFund.objects.filter(designation_id__in=list(totals))
        .values("designation_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        totals[row["designation_id"]][row["kind"]] = row["total"]
    return totals


def _amount(raw) -> Decimal | None:
    if isinstance(raw, Decimal):
        return raw
    try:
        return Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


@transaction.atomic
def fund_record(
    *, designation: PilotDesignation, kind: str, amount, on_date: date, purpose: str, by, source=ChangeSource.MANUAL
) -> PilotFund:
    """Record working funds granted or paid to a pilot. The designation is locked, so two payments at once cannot
    together pass the amount granted."""
    current = lock_one(PilotDesignation.objects.select_related("enterprise__region"), pk=designation.pk)
    problems: dict[str, list[str]] = {}
    if not PilotPolicy.can(by, PilotPolicy.CHANGE, current):
        _add(problems, "kind", _("这项认定由其他单位作出，您不能为其记录经费。"))
        _raise(problems)
    if kind not in FundKind.values:
        _add(problems, "kind", _("请选择“下达”或“拨付”。"))
    value = _amount(amount)
    if value is None or not value.is_finite():
        _add(problems, "amount", _("请填写金额（元），如 50000 或 12500.50。"))
    elif value <= 0:
        _add(problems, "amount", _("金额应大于 0。"))
    elif value > AMOUNT_MAX:
        _add(problems, "amount", _("单笔金额不能超过 %(max)s 元。") % {"max": yuan(AMOUNT_MAX)})
    elif value != value.quantize(Decimal("0.01")):
        _add(problems, "amount", _("金额最多保留两位小数（分）。"))
    if on_date is None:
        _add(problems, "on_date", _("请填写日期。"))
    else:
        if on_date < current.designated_on:
            _add(problems, "on_date", _("日期不能早于认定日期（%(d)s）。") % {"d": current.designated_on.isoformat()})
        if kind == FundKind.PAID and on_date > timezone.localdate():
            _add(problems, "on_date", _("拨付日期不能晚于今天：请在拨付后再记录。"))
    purpose = (purpose or "").strip()
    if not purpose:
        _add(problems, "purpose", _("请填写经费用途。"))
    elif len(purpose) > PURPOSE_MAX_CHARS:
        _add(problems, "purpose", _("用途不能超过 %(n)s 个字。") % {"n": PURPOSE_MAX_CHARS})
    if kind == FundKind.GRANTED and not current.is_active:
        _add(problems, "kind", _("该试点已经结束，不能再下达经费。"))
    if kind == FundKind.PAID and "amount" not in problems:
        totals = fund_totals([current.pk])[current.pk]
        if totals["paid"] + value > totals["granted"]:
            _add(
                problems,
                "amount",
                _("拨付合计（%(paid)s 元）将超过已下达的 %(granted)s 元：请先记录下达的经费。")
                % {"paid": yuan(totals["paid"] + value), "granted": yuan(totals["granted"])},
            )
    _raise(problems)
    with change_context(by=by, source=source):
        fund = PilotFund.objects.create(
            designation=current, kind=kind, amount=value, on_date=on_date, purpose=purpose, recorded_by=by
        )
    return fund
