"""Copy every EnterpriseChange into EnterpriseEvent: same enterprise, who, when, source, field, old → new.

EnterpriseChange kept one row per changed field, as the reader saw it (labels, region names, 是/否); an event
keeps the whole register entry before and after. So each enterprise is walked back from its current entry,
newest change first: the entry after a change is what it is now, with the older changes undone one by one, and
the entry before it has the change's old value read back (a label to its choice, a region name to its region).
Each old row becomes one event, in the order of the rows, so the timelines read as before. A value that cannot
be read back leaves the field as it is (the event then shows no change of that field).

Backwards (after reversing 0006 recreated the table), each event goes back into EnterpriseChange rows, one per
field that differs, as a reader sees them, and the events are removed, so going forwards again doubles nothing.
"""

import datetime

from django.conf import settings
from django.db import migrations

REGISTER_FIELDS = (
    "name",
    "credit_code",
    "region",
    "ownership",
    "supervision_level",
    "supervising_body",
    "industry",
    "size_class",
    "employees",
    "frontline_workers",
    "union_members",
    "party_members",
    "skilled_workers",
    "highly_skilled_workers",
    "union_founded",
    "union_founded_on",
    "is_pilot",
)
COLUMN = {f: ("region_id" if f == "region" else f) for f in REGISTER_FIELDS}


def _reader(Enterprise, Region):
    """A function (field, text as shown) → the stored value, or raise KeyError/ValueError."""
    labels = {}
    for field in REGISTER_FIELDS:
        choices = Enterprise._meta.get_field(field).choices
        if choices:
            labels[field] = {str(label): value for value, label in choices}
    regions = {}
    for region in Region.objects.filter(level="prefecture"):
        regions.setdefault(region.name, region.pk)

    def read(field, text):
        kind = Enterprise._meta.get_field(field).get_internal_type()
        if text == "":
            if kind in ("DateField", "ForeignKey"):
                return None
            if kind in ("CharField", "TextField"):
                return ""
            raise ValueError(text)
        if field == "region":
            return regions[text]
        if field in labels:
            return labels[field][text]
        if kind == "BooleanField":
            return {"是": True, "否": False, "Yes": True, "No": False}[text]
        if kind == "DateField":
            return datetime.date.fromisoformat(text)
        if kind in ("PositiveIntegerField", "IntegerField"):
            return int(text)
        return text

    return read


def copy_changes(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    EnterpriseChange = apps.get_model("enterprises", "EnterpriseChange")
    EnterpriseEvent = apps.get_model("enterprises", "EnterpriseEvent")
    Region = apps.get_model("enterprises", "Region")
    read = _reader(Enterprise, Region)
    # Keep each change's own time (this historical model is the migration's own copy).
    EnterpriseEvent._meta.get_field("pgh_created_at").auto_now_add = False
    enterprise_ids = EnterpriseChange.objects.values_list("enterprise_id", flat=True).distinct().order_by()
    events = []
    for enterprise in Enterprise.objects.filter(pk__in=enterprise_ids).order_by("pk"):
        state = {COLUMN[f]: getattr(enterprise, COLUMN[f]) for f in REGISTER_FIELDS}
        walked = []
        for change in EnterpriseChange.objects.filter(enterprise=enterprise).order_by("-changed_at", "-id"):
            after = dict(state)
            if change.action == "created":
                walked.append((change, "insert", after, {}))
                continue
            if change.field in COLUMN:
                try:
                    state[COLUMN[change.field]] = read(change.field, change.old_value)
                except (KeyError, ValueError):
                    pass
            walked.append((change, "update", after, dict(state)))
        for change, label, after, before in reversed(walked):
            event = EnterpriseEvent(
                pgh_obj_id=enterprise.pk,
                pgh_created_at=change.changed_at,
                pgh_label=label,
                pgh_context={
                    "user": change.changed_by_id,
                    "source": change.source,
                    "comment": "",
                    "copied_from": "enterprises_enterprisechange",
                },
                changed_by_id=change.changed_by_id,
                source=change.source,
                comment="",
                **after,
                **{f"old_{column}": value for column, value in before.items()},
            )
            events.append(((change.changed_at, change.id), event))
    # One insert, in the order of the old rows: the event ids follow their order.
    events.sort(key=lambda pair: pair[0])
    EnterpriseEvent.objects.bulk_create([event for _key, event in events], batch_size=2000)


def copy_back(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    EnterpriseChange = apps.get_model("enterprises", "EnterpriseChange")
    EnterpriseEvent = apps.get_model("enterprises", "EnterpriseEvent")
    Region = apps.get_model("enterprises", "Region")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EnterpriseChange._meta.get_field("changed_at").auto_now_add = False
    regions = dict(Region.objects.values_list("pk", "name"))
    users = set(User.objects.values_list("pk", flat=True))
    enterprises = set(Enterprise.objects.values_list("pk", flat=True))

    def shown(field, value):
        model_field = Enterprise._meta.get_field(field)
        if value is None or value == "":
            return ""
        if field == "region":
            return regions.get(value, "")
        if model_field.choices:
            return str(dict(model_field.choices).get(value, value))
        if isinstance(value, bool):
            return "是" if value else "否"
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    rows = []
    for event in EnterpriseEvent.objects.filter(pgh_obj_id__in=enterprises).order_by("pgh_id"):
        said = {
            "enterprise_id": event.pgh_obj_id,
            "changed_at": event.pgh_created_at,
            "changed_by_id": event.changed_by_id if event.changed_by_id in users else None,
            "source": event.source,
        }
        if event.pgh_label == "insert":
            rows.append(EnterpriseChange(**said, action="created", new_value=event.name))
            continue
        for field in REGISTER_FIELDS:
            old, new = shown(field, getattr(event, f"old_{COLUMN[field]}")), shown(field, getattr(event, COLUMN[field]))
            if old != new:
                label = str(Enterprise._meta.get_field(field).verbose_name)
                rows.append(
                    EnterpriseChange(
                        **said, action="changed", field=field, field_label=label, old_value=old, new_value=new
                    )
                )
    EnterpriseChange.objects.bulk_create(rows, batch_size=2000)
    table = EnterpriseEvent._meta.db_table
    schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # the events are append-only
    schema_editor.execute(f"DELETE FROM {table}")
    schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_enterprise_events")]

    operations = [migrations.RunPython(copy_changes, copy_back)]
