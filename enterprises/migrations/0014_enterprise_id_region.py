"""The enterprise's prefecture beside its id, for index-only lookups of where a row's enterprise is (a deep page of
`/api/progress/` under the access scope: docs/pagination.md).

Built CONCURRENTLY (outside a transaction): at a million enterprises it takes seconds, during which writes to the
register go on."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("enterprises", "0013_listed_count"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="enterprise",
            index=models.Index(fields=["id"], include=["region"], name="enterprise_id_region"),
        ),
    ]
