"""Indicators derived from the register instead of typed in (`Indicator.derived_from`): their value is a fact of the
enterprise's register entry, so it can never disagree with it.

- 已建立工会 (union_founded): 是 when the register says the union is founded (1), otherwise 否 (0);
- 入会率 (union_membership_rate): union members ÷ employees × 100;
- 产业工人中党员占比 (party_share): party members among the workers ÷ frontline workers × 100.

A share is rounded to two places (half up); with no one to divide by (0 employees or workers) there is no value.

`derived_values_sync` writes the year's values of the derived indicators that apply to an enterprise; the register's
services call it after every change (enterprises/services.py), and so does the self-assessment when it starts.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.choices import ChangeSource
from reform_portal.locks import lock_first, lock_one, lock_rows

from .applicability import applicable_indicators
from .choices import Derivation
from .history import change_context
from .models import IndicatorValue

CENTS = Decimal("0.01")


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENTS, rounding=ROUND_HALF_UP)


def derived_value(indicator, enterprise) -> Decimal | None:
    """The value the register gives `indicator` for `enterprise` (None: the register gives none)."""
    derivation = indicator.derived_from
    if derivation == Derivation.UNION_FOUNDED:
        return Decimal("1.00") if enterprise.union_founded else Decimal("0.00")
    if derivation == Derivation.UNION_MEMBERSHIP_RATE:
        return _share(enterprise.union_members, enterprise.employees)
    if derivation == Derivation.PARTY_SHARE:
        return _share(enterprise.party_members, enterprise.frontline_workers)
    return None


@transaction.atomic
def derived_values_sync(enterprise, year: int | None = None, by=None) -> int:
    """Write `year`'s (this year's) values of the derived indicators of `enterprise` from its register entry: those
    that apply to it get a value (or lose it when the register gives none); a value kept from when one applied is
    kept true to the register too. Returns how many rows changed. The history records each change as 系统, by `by`
    (whose edit of the register caused it)."""
    year = year or timezone.localdate().year
    applicable = {i.pk: i for i in applicable_indicators(enterprise).exclude(derived_from="")}
    existing = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(enterprise=enterprise, year=year)
        .exclude(indicator__derived_from="")
        .select_related("indicator")
    }
    indicators = {**{pk: v.indicator for pk, v in existing.items()}, **applicable}
    changed = 0
    with change_context(by=by, source=ChangeSource.SYSTEM, comment=_("由企业信息推算")):
        for pk in sorted(indicators):
            changed += _write(enterprise, indicators[pk], year, derived_value(indicators[pk], enterprise), by)
    return changed


def _write(enterprise, indicator, year: int, value: Decimal | None, by) -> int:
    key = {"enterprise": enterprise, "indicator": indicator, "year": year}
    current = lock_first(IndicatorValue, **key)
    if value is None:
        if current is None:
            return 0
        current.delete()
        return 1
    if current is None:
        try:
            with transaction.atomic():  # a savepoint: someone else may create the same row meanwhile
                IndicatorValue.objects.create(**key, value=value, updated_by=by)
            return 1
        except IntegrityError:
            current = lock_one(IndicatorValue, **key)
    if current.value == value and not current.text:
        return 0
    current.value, current.text, current.updated_by = value, "", by
    current.save(update_fields=["value", "text", "updated_by", "updated_at"])
    return 1


def derived_values_sync_many(enterprises, year: int | None = None, by=None) -> int:
    """`derived_values_sync` for many enterprises (an import) in a fixed number of queries, whatever their number:
    the derived indicators are read once, `scope_applies` (the one applicability rule) decides which apply, the
    existing values are locked in one statement, and the changes are written with one statement per kind. Each
    enterprise needs its `region` loaded (its province). Should someone create one of the values meanwhile (an
    enterprise starting its self-assessment), the enterprises are synced one by one instead."""
    from .applicability import scope_applies
    from .choices import TRACKED_ADDRESSEES
    from .models import Indicator

    enterprises = [e for e in enterprises if e.pk is not None]
    if not enterprises:
        return 0
    year = year or timezone.localdate().year
    derived = list(
        Indicator.objects.filter(measure__addressee__in=TRACKED_ADDRESSEES)
        .exclude(derived_from="")
        .select_related("scope")
        .order_by("pk")
    )
    values = lock_rows(
        IndicatorValue.objects.filter(enterprise_id__in=[e.pk for e in enterprises], year=year)
        .exclude(indicator__derived_from="")
        .select_related("indicator")
    )
    existing = {(v.enterprise_id, v.indicator_id): v for v in values}
    held = {}  # each enterprise's existing values' indicators, grouped once (not a scan of every value per enterprise)
    for v in values:
        held.setdefault(v.enterprise_id, {})[v.indicator_id] = v.indicator
    create, update, delete = [], [], []
    for enterprise in enterprises:
        indicators = {i.pk: i for i in derived if scope_applies(i.scope, enterprise)}
        indicators |= held.get(enterprise.pk, {})
        for pk in sorted(indicators):
            value, current = derived_value(indicators[pk], enterprise), existing.get((enterprise.pk, pk))
            if value is None:
                if current is not None:
                    delete.append(current.pk)
            elif current is None:
                key = {"enterprise": enterprise, "indicator": indicators[pk], "year": year}
                create.append(IndicatorValue(**key, value=value, updated_by=by))
            elif current.value != value or current.text:
                current.value, current.text, current.updated_by = value, "", by
                current.updated_at = timezone.now()
                update.append(current)
    with change_context(by=by, source=ChangeSource.SYSTEM, comment=_("由企业信息推算")):
        if delete:
            IndicatorValue.objects.filter(pk__in=delete).delete()
        if update:
            for start in range(0, len(update), UPDATE_BATCH):
                _update_values(update[start : start + UPDATE_BATCH])
        try:
            with transaction.atomic():  # a savepoint: someone else may create one of the rows meanwhile
                IndicatorValue.objects.bulk_create(create, batch_size=50_000)
        except IntegrityError:
            return len(delete) + len(update) + sum(derived_values_sync(e, year=year, by=by) for e in enterprises)
    return len(delete) + len(update) + len(create)


UPDATE_BATCH = 1000  # values per UPDATE statement


def _update_values(values: list[IndicatorValue]) -> None:
    """One UPDATE … FROM (VALUES …) setting value, text, updated_by and updated_at of `values`: a bulk_update's CASE
    WHEN costs seconds of Python (and of PostgreSQL, quadratic in the batch) for thousands of rows."""
    fields = [IndicatorValue._meta.get_field(f) for f in ("value", "text", "updated_by", "updated_at")]
    pk = IndicatorValue._meta.pk
    columns = [pk, *fields]
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    params = [f.get_db_prep_save(getattr(v, f.attname), connection) for v in values for f in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    table, key = quote(IndicatorValue._meta.db_table), quote(pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(values))}) AS v({names})"
            f" WHERE {table}.{key} = v.{key}",
            params,
        )


def derived_values_sync_all(year: int | None = None, by=None) -> int:
    """`derived_values_sync` for every enterprise (each in its own transaction): for a register loaded or seeded
    without the register's services, or after the catalogue gains a derived indicator. Returns the rows changed."""
    from enterprises.models import Enterprise

    changed = 0
    for enterprise in Enterprise.objects.select_related("region").order_by("pk").iterator(chunk_size=500):
        changed += derived_values_sync(enterprise, year=year, by=by)
    return changed
