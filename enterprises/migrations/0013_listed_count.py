import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0012_search_trigram"),
        ("measures", "0015_evidence_withdrawal"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListedCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(blank=True, max_length=20, verbose_name="措施状态")),
                ("enterprises", models.IntegerField(verbose_name="企业数")),
                (
                    "county",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="enterprises.region",
                        verbose_name="所在县（市、区）",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="measures.policydocument",
                        verbose_name="政策文件",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="enterprises.region",
                        verbose_name="所在州（市）",
                    ),
                ),
            ],
            options={
                "verbose_name": "列表计数",
                "verbose_name_plural": "列表计数",
                "indexes": [
                    models.Index(fields=["document", "status", "region", "county"], name="listed_count_key")
                ],
            },
        ),
    ]
