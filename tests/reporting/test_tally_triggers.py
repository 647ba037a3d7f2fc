"""The tally triggers are declared with the models (reporting/triggers.py): every change of their SQL is in a
migration, and a database whose triggers differ from the code is reported."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from pgtrigger.core import UNINSTALLED

from reporting import triggers
from reporting.triggers import TalliedEnterprise, TalliedIndicator, TalliedIndicatorValue, TalliedProgress

pytestmark = pytest.mark.django_db

TALLIED = (TalliedProgress, TalliedIndicatorValue, TalliedIndicator, TalliedEnterprise)


def _pgid(model, name: str) -> str:
    return next(t.get_pgid(model) for t in model._meta.triggers if t.name == name)


def test_every_tally_trigger_of_the_code_is_what_the_migrations_install():
    # given the triggers the migrations leave (the migration graph's final state)
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    for model in TALLIED:
        migrated = {t.name: t.sql.hash for t in state.models["reporting", model._meta.model_name].options["triggers"]}
        # then each trigger of the code is there with the same SQL (else: run makemigrations)
        assert migrated == {t.name: t.compile(model).hash for t in model._meta.triggers}, model


def test_the_watched_tables_carry_the_tally_triggers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_tally_%'")
        installed = set(cursor.fetchall())
    declared = {(m._meta.db_table, t.get_pgid(m)) for m in TALLIED for t in m._meta.triggers}
    assert installed == declared
    assert {table for table, _ in installed} == {
        "measures_progress",
        "measures_indicatorvalue",
        "measures_indicator",
        "enterprises_enterprise",
    }


def test_the_installed_triggers_agree_with_the_code():
    assert triggers.installed_differences() == []
    assert triggers.check_installed_triggers(databases=["default"]) == []


def test_a_trigger_function_changed_by_hand_is_reported():
    # given the function of the value triggers rewritten in the database (≥ turned into >), its trigger untouched
    pgid = _pgid(TalliedIndicatorValue, "tally_value_insert")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [pgid])
        definition = cursor.fetchone()[0]
        assert ">=" in definition
        cursor.execute(definition.replace(">=", ">"))
    # then the check, the system check and `rollup --check-tallies` report it
    assert triggers.installed_differences() == [
        f"reporting.TalliedIndicatorValue:tally_value_insert: its function {pgid}() differs from the code"
    ]
    (warning,) = triggers.check_installed_triggers(databases=["default"])
    assert warning.id == "reporting.W001" and "tally_value_insert" in warning.msg
    with pytest.raises(CommandError, match="triggers differ from the code"):
        call_command("rollup", "--check-tallies", stdout=StringIO())


def test_a_missing_or_disabled_trigger_is_reported():
    progress = _pgid(TalliedProgress, "tally_progress_update")
    enterprise = _pgid(TalliedEnterprise, "tally_enterprise_insert")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {progress} ON measures_progress")
        cursor.execute(f"ALTER TABLE enterprises_enterprise DISABLE TRIGGER {enterprise}")
    assert triggers.installed_differences() == [
        "reporting.TalliedProgress:tally_progress_update: not installed (run `manage.py migrate`)",
        "reporting.TalliedEnterprise:tally_enterprise_insert: disabled",
    ]
    # and pgtrigger's own listing agrees that one is missing
    status = TalliedProgress._meta.triggers[1].get_installation_status(TalliedProgress)
    assert status == (UNINSTALLED, None)
