"""Indicator value history is written by the database, like progress history: every write path, who and source,
old → new, the version raised; a write that changes nothing leaves nothing."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from measures.models import Indicator, IndicatorValue, IndicatorValueEvent
from measures.services import indicator_value_set
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def value(yn_enterprise):
    indicator = Indicator.objects.get(code="YN-06-edu-fund")
    return indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=2025, value="5", by=None)


def events_of(value) -> list[tuple]:
    rows = IndicatorValueEvent.objects.filter(pgh_obj=value).order_by("pgh_id")
    return [(e.pgh_label, e.old_value, e.value, e.source, e.changed_by_id, e.comment) for e in rows]


def test_the_service_records_creation_and_change_with_who_source_and_comment(yn_enterprise):
    # given
    officer = UserFactory()
    indicator = Indicator.objects.get(code="YN-06-edu-fund")
    # when
    first = indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=2025, value="5", by=officer)
    second = indicator_value_set(
        enterprise=yn_enterprise,
        indicator=indicator,
        year=2025,
        value="8",
        by=None,
        source=ChangeSource.IMPORT,
        comment="导入核对",
    )
    # then
    assert events_of(first) == [
        ("insert", None, Decimal("5.00"), ChangeSource.MANUAL, officer.pk, ""),
        ("update", Decimal("5.00"), Decimal("8.00"), ChangeSource.IMPORT, None, "导入核对"),
    ]
    assert (first.version, second.version, IndicatorValue.objects.get(pk=first.pk).version) == (1, 2, 2)


def test_a_raw_sql_update_is_in_the_history_from_the_system_and_raises_the_version(value):
    # when
    with connection.cursor() as cursor:
        cursor.execute("UPDATE measures_indicatorvalue SET value = 12 WHERE id = %s", [value.pk])
    # then
    assert events_of(value)[-1] == ("update", Decimal("5.00"), Decimal("12.00"), ChangeSource.SYSTEM, None, "")
    assert IndicatorValue.objects.get(pk=value.pk).version == value.version + 1


def test_a_write_from_a_migrations_historical_model_is_in_the_history(value):
    # given
    state = MigrationExecutor(connection).loader.project_state(("measures", "0009_drop_indicator_value_change"))
    row = state.apps.get_model("measures", "IndicatorValue").objects.get(pk=value.pk)
    # when
    row.value = Decimal("7")
    row.save()
    # then
    assert events_of(value)[-1][:3] == ("update", Decimal("5.00"), Decimal("7.00"))


def test_queryset_update_and_bulk_create_carry_the_context(value, yn_enterprise):
    # given
    user = UserFactory()
    indicator = Indicator.objects.get(code="YN-06-edu-fund")
    # when
    with change_context(by=user, source=ChangeSource.BULK):
        IndicatorValue.objects.filter(pk=value.pk).update(value=6)
        created = IndicatorValue.objects.bulk_create(
            [IndicatorValue(enterprise=yn_enterprise, indicator=indicator, year=2024, value=4)]
        )
    # then
    assert events_of(value)[-1] == ("update", Decimal("5.00"), Decimal("6.00"), ChangeSource.BULK, user.pk, "")
    assert events_of(created[0]) == [("insert", None, Decimal("4.00"), ChangeSource.BULK, user.pk, "")]


def test_a_write_that_changes_nothing_records_nothing(value):
    # given
    before = events_of(value)
    # when: the same value, and a field the history does not follow
    IndicatorValue.objects.filter(pk=value.pk).update(value=Decimal("5.00"), updated_by=UserFactory())
    # then
    assert events_of(value) == before
    assert IndicatorValue.objects.get(pk=value.pk).version == value.version
