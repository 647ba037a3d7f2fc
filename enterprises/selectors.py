"""Reads of enterprises, always narrowed by the access policy first."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Max, Q, QuerySet

from measures.choices import DONE_STATUSES, Status
from reform_portal.access import EnterprisePolicy

from .models import Enterprise


def enterprises_visible(*, user) -> QuerySet:
    return EnterprisePolicy.visible(user, Enterprise.objects.select_related("region", "region__parent"))


def with_progress_summary(qs: QuerySet) -> QuerySet:
    """Annotate applicable / done / not-started measure counts, mean percent and the last update."""
    return qs.annotate(
        applicable_count=Count("progress"),
        done_count=Count("progress", filter=Q(progress__status__in=DONE_STATUSES)),
        not_started_count=Count("progress", filter=Q(progress__status=Status.NOT_STARTED)),
        mean_percent=Avg("progress__percent"),
        last_update=Max("progress__updated_at"),
    )


def enterprises_in_charge(*, user) -> QuerySet:
    return with_progress_summary(enterprises_visible(user=user))


@dataclass(frozen=True)
class RegisterChange:
    """One line of an enterprise's history as the pages show it: its registration, or one field's old → new."""

    changed_at: datetime
    changed_by: object
    source: str  # a ChangeSource
    source_label: str
    action: str  # "created" or "changed"
    field: str = ""
    field_label: str = ""
    old_value: str = ""
    new_value: str = ""


def enterprise_change_history(*, enterprise) -> list[RegisterChange]:
    """Every change to the register entry, newest first, a line per changed field (the history page paginates it).

    The database records each write as one event with the whole entry before and after (EnterpriseEvent); the
    lines show the fields that differ, as a reader sees them."""
    from .models import REGISTER_FIELDS, EnterpriseEvent
    from .services import display_value

    events = EnterpriseEvent.objects.filter(pgh_obj=enterprise).select_related("changed_by", "region", "old_region")
    lines = []
    for event in events:
        said = {
            "changed_at": event.changed_at,
            "changed_by": event.changed_by,
            "source": event.source,
            "source_label": event.get_source_display(),
        }
        if event.is_creation:
            lines.append(RegisterChange(**said, action="created", new_value=event.name))
            continue
        after = Enterprise(**{f: getattr(event, f) for f in REGISTER_FIELDS})
        before = Enterprise(**{f: getattr(event, f"old_{f}") for f in REGISTER_FIELDS})
        for field in reversed(REGISTER_FIELDS):  # as the old rows were listed: the form's last field first
            old, new = display_value(before, field), display_value(after, field)
            if old != new:
                label = str(Enterprise._meta.get_field(field).verbose_name)
                lines.append(
                    RegisterChange(
                        **said, action="changed", field=field, field_label=label, old_value=old, new_value=new
                    )
                )
    return lines


def enterprise_changes(*, enterprise, limit: int = 50) -> list[RegisterChange]:
    """The newest `limit` lines, for the enterprise page."""
    return enterprise_change_history(enterprise=enterprise)[:limit]
