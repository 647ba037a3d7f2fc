"""The tally triggers, declared on the models they watch (django-pgtrigger).

Progress, indicator values, indicators and enterprises belong to the write side (`measures`, `enterprises`), which
knows nothing of the read model; the tallies belong to `reporting`. So each watched model gets a proxy here whose
`Meta.triggers` declares the statement-level triggers that keep the tallies current (their SQL is written in
`reporting/tallies.py`). The proxies add no table: the triggers are created on the watched models' tables, and
`makemigrations` writes their install and every later change of their SQL into `reporting/migrations/`.

`installed_differences()` says where the triggers in the database are not those of the code: missing, disabled, or
with a function body changed by hand or by a migration not yet run. `manage.py rollup --check-tallies` and the
`reporting.W001` database check (`manage.py check --database default`) report it.
"""

import re

import pgtrigger
from django.core import checks
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from enterprises.models import Enterprise
from measures.models import Indicator, IndicatorValue, Measure, Progress, Scope

from . import list_counts, tallies
from .models import DocumentSummary, IndicatorTally, ProgressSummary, ProgressTally, ScopeTally

_OPERATIONS = {"INSERT": pgtrigger.Insert, "UPDATE": pgtrigger.Update, "DELETE": pgtrigger.Delete}
_REFERENCING = {
    "INSERT": pgtrigger.Referencing(new=tallies.NEW_ROWS),
    "UPDATE": pgtrigger.Referencing(old=tallies.OLD_ROWS, new=tallies.NEW_ROWS),
    "DELETE": pgtrigger.Referencing(old=tallies.OLD_ROWS),
}


def _after(op: str, *, name: str, func: str, declare=None) -> pgtrigger.Trigger:
    """An AFTER `op` trigger run once per statement, seeing the statement's rows as OLD_ROWS / NEW_ROWS."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=_OPERATIONS[op],
        level=pgtrigger.Statement,
        referencing=_REFERENCING[op],
        func=func,
        declare=declare,
    )


def _after_truncate(*, name: str, emptied: list[str]) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func=tallies.truncate_trigger(*emptied),
    )


_WRITES = ("INSERT", "UPDATE", "DELETE")


class TalliedProgress(Progress):
    """Progress, counted into ProgressTally and summarised per enterprise in ProgressSummary."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            *(
                _after(
                    op,
                    name=f"tally_progress_{op.lower()}",
                    func=tallies.progress_trigger(op),
                    declare=tallies.PROGRESS_DECLARE,
                )
                for op in _WRITES
            ),
            _after_truncate(
                name="tally_progress_truncate",
                emptied=[ProgressTally._meta.db_table, ProgressSummary._meta.db_table],
            ),
            # per (enterprise, document): after the tallies' (the names order them), which lock the enterprises
            *(
                _after(
                    op,
                    name=f"tally_summary_by_document_{op.lower()}",
                    func=list_counts.progress_trigger(op),
                    declare=list_counts.PROGRESS_DECLARE,
                )
                for op in _WRITES
            ),
            _after_truncate(name="tally_summary_by_document_truncate", emptied=[DocumentSummary._meta.db_table]),
        ]


class TalliedIndicatorValue(IndicatorValue):
    """Indicator values, counted into IndicatorTally when they meet their indicator's target."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            *(_after(op, name=f"tally_value_{op.lower()}", func=tallies.value_trigger(op)) for op in _WRITES),
            _after_truncate(name="tally_value_truncate", emptied=[IndicatorTally._meta.db_table]),
        ]


class TalliedIndicator(Indicator):
    """Indicators: a changed target, comparison or scope judges their values again."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [_after("UPDATE", name="tally_indicator_update", func=tallies.indicator_update_trigger())]


class TalliedEnterprise(Enterprise):
    """Enterprises, counted per scope and cell into ScopeTally; one changing cell or facts moves what it counted."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            _after("INSERT", name="tally_enterprise_insert", func=tallies.enterprise_insert_trigger()),
            _after(
                "UPDATE",
                name="tally_enterprise_update",
                func=tallies.enterprise_update_trigger(),
                declare=tallies.ENTERPRISE_DECLARE,
            ),
            _after("DELETE", name="tally_enterprise_delete", func=tallies.enterprise_delete_trigger()),
            # moves the enterprise's list counts with it: before tally_enterprise_update refreshes its summary
            _after(
                "UPDATE",
                name="tally_documents_enterprise_update",
                func=list_counts.enterprise_update_trigger(),
                declare=list_counts.ENTERPRISE_DECLARE,
            ),
            _after_truncate(name="tally_enterprise_truncate", emptied=[ScopeTally._meta.db_table]),
        ]


class TalliedMeasure(Measure):
    """Measures: one pointed at another scope counts its progress again."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            _after(
                "UPDATE",
                name="tally_measure_update",
                func=tallies.measure_update_trigger(),
                declare=tallies.MEASURE_DECLARE,
            ),
            _after(
                "UPDATE",
                name="tally_documents_measure_update",
                func=list_counts.measure_update_trigger(),
                declare=list_counts.MEASURE_DECLARE,
            ),
        ]


class TalliedScope(Scope):
    """Scopes: a new one counts the enterprises it applies to (scopes never change; see measures.models.Scope)."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            _after("INSERT", name="tally_scope_insert", func=tallies.scope_insert_trigger()),
            _after("DELETE", name="tally_scope_delete", func=tallies.scope_delete_trigger()),
        ]


class CountedProgressSummary(ProgressSummary):
    """Summaries: an enterprise entering or leaving a status is counted at its place (enterprises.ListedCount)."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            _after(
                op, name=f"count_listed_summary_{op.lower()}", func=list_counts.membership_trigger(op, documents=False)
            )
            for op in _WRITES
        ]


class CountedDocumentSummary(DocumentSummary):
    """Per-document summaries: likewise, per document (and "any applicable progress of the document")."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = [
            _after(
                op, name=f"count_listed_document_{op.lower()}", func=list_counts.membership_trigger(op, documents=True)
            )
            for op in _WRITES
        ]


# Checking what is installed --------------------------------------------------------------------------------------

_INSTALLED_SQL = """
    SELECT t.tgenabled, obj_description(t.oid, 'pg_trigger'), f.proname, f.prosrc
    FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid
    WHERE t.tgrelid = to_regclass(%s) AND t.tgname = %s
"""


def _declared_body(install_sql: str, pgid: str) -> str:
    """The function body (what PostgreSQL keeps in pg_proc.prosrc) that pgtrigger's install SQL creates."""
    match = re.search(rf"FUNCTION {re.escape(pgid)}\(\)\s*RETURNS TRIGGER AS \$\$(.*?)\$\$", install_sql, re.S)
    return match.group(1)


def installed_differences(using: str = "default") -> list[str]:
    """Every trigger declared with pgtrigger (the tally triggers, and any other app's) that the database does not
    hold exactly as the code declares it, each as '<app.Model:trigger>: <what differs>'. Empty when they agree."""
    differences = []
    with connections[using].cursor() as cursor:
        for model, trigger in pgtrigger.registered():
            uri, pgid, compiled = trigger.get_uri(model), trigger.get_pgid(model), trigger.compile(model)
            cursor.execute(_INSTALLED_SQL, [model._meta.db_table, pgid])
            row = cursor.fetchone()
            if row is None:
                differences.append(f"{uri}: not installed (run `manage.py migrate`)")
                continue
            enabled, installed_hash, function, body = row
            if installed_hash != compiled.hash:
                differences.append(f"{uri}: installed from other code (a migration not yet run?)")
            if function != pgid or body != _declared_body(compiled.install_sql, pgid):
                differences.append(f"{uri}: its function {function}() differs from the code")
            if enabled == "D":
                differences.append(f"{uri}: disabled")
    return differences


def _migrations_pending(alias: str) -> bool:
    executor = MigrationExecutor(connections[alias])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@checks.register(checks.Tags.database)
def check_installed_triggers(app_configs=None, databases=None, **kwargs):
    """`manage.py check --database default`: warn when the installed triggers are not those of the code (a warning,
    not an error: `migrate` runs this check before it installs the new triggers)."""
    warnings = []
    for alias in databases or ():
        if _migrations_pending(alias):
            continue  # `migrate` is about to install the triggers
        differences = installed_differences(alias)
        if differences:
            warnings.append(
                checks.Warning(
                    f"{len(differences)} database trigger(s) differ from the code: " + "; ".join(differences),
                    hint="Run `manage.py migrate`; a trigger changed by hand is restored by `manage.py pgtrigger "
                    "install` (then `manage.py rollup --rebuild-tallies`).",
                    id="reporting.W001",
                )
            )
    return warnings
