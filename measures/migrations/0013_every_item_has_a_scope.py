"""Every document, measure and indicator gets the scope its conditions make. A document that applied to the
province's state-owned enterprises (`applies_to` = state_owned, now dropped) keeps that meaning as conditions until
the catalogue is loaded again with the conditions of its file: state-owned ownership and a supervision level."""

import json

import django.db.models.deletion
from django.db import migrations, models

STATE_OWNED = {
    "ownership": ["state_controlled", "state_sole"],
    "supervision_level": ["central", "county", "municipal", "provincial"],
}


def scopes(apps, schema_editor):
    Scope = apps.get_model("measures", "Scope")
    PolicyDocument = apps.get_model("measures", "PolicyDocument")
    Measure = apps.get_model("measures", "Measure")
    Indicator = apps.get_model("measures", "Indicator")

    def scope(province_id, conditions):
        key = json.dumps({"province": province_id, **conditions}, sort_keys=True, ensure_ascii=False)
        return Scope.objects.get_or_create(key=key, defaults={"province_id": province_id, **conditions})[0]

    for document in PolicyDocument.objects.all():
        conditions = dict(STATE_OWNED) if document.applies_to == "state_owned" else {}
        document.conditions = conditions
        document.scope = scope(document.province_id, conditions)
        document.save(update_fields=["conditions", "scope"])
        Measure.objects.filter(document=document).update(scope=document.scope)
        Indicator.objects.filter(measure__document=document).update(scope=document.scope)


class Migration(migrations.Migration):
    dependencies = [("measures", "0012_scopes_and_indicator_kinds")]

    operations = [
        migrations.RunPython(scopes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="policydocument", name="applies_to"),
        *(
            migrations.AlterField(
                model_name=model,
                name="scope",
                field=models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to="measures.scope",
                    verbose_name="适用范围",
                ),
            )
            for model in ("policydocument", "measure", "indicator")
        ),
    ]
