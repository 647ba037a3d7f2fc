"""Indexes the enterprise list's orders walk (docs/performance/lists.md): name within a prefecture, and name.

Built CONCURRENTLY (outside a transaction): at a million enterprises each takes seconds, during which writes to the
register go on."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("enterprises", "0010_groups_counties_and_applicability_facts"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="enterprise",
            index=models.Index(fields=["region", "name", "id"], name="enterprise_region_name"),
        ),
        AddIndexConcurrently(
            model_name="enterprise",
            index=models.Index(fields=["name", "id"], name="enterprise_name"),
        ),
    ]
