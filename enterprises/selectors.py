"""Reads of enterprises, always narrowed by the access policy first."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from reform_portal.access import EnterprisePolicy, RegionPolicy

from .choices import RegionLevel
from .credit_code import normalise_credit_code
from .models import Enterprise, Region


def enterprises_visible(*, user) -> QuerySet:
    return EnterprisePolicy.visible(
        user, Enterprise.objects.select_related("region", "region__parent", "county", "parent")
    )


def enterprise_by_credit_code(*, user, code) -> Enterprise | None:
    """The enterprise `user` may see whose credit code is `code` (normalised: spaces, full-width characters and
    lower case do not matter), else None."""
    code = normalise_credit_code(code)
    return enterprises_visible(user=user).filter(credit_code=code).first() if code else None


# Groups: an enterprise and its subsidiaries, at any depth -------------------------------------------------------


def group_member_ids(head_id: int) -> RawSQL:
    """The ids of the enterprise `head_id` and of all its descendants (subsidiaries, their subsidiaries, …), as a
    subquery for `pk__in` (one recursive query whatever the depth; UNION stops at a cycle)."""
    table = Enterprise._meta.db_table
    return RawSQL(
        f"WITH RECURSIVE grp(id) AS (SELECT id FROM {table} WHERE id = %s"
        f" UNION SELECT e.id FROM {table} e JOIN grp ON e.parent_id = grp.id) SELECT id FROM grp",
        [head_id],
    )


def in_group(qs: QuerySet, head) -> QuerySet:
    """`qs` narrowed to the group headed by `head`: the enterprise itself and all its descendants."""
    return qs.filter(pk__in=group_member_ids(head.pk))


def group_heads(*, user) -> QuerySet:
    """Enterprises with subsidiaries that a group filter may offer `user`: those the user sees, and the parents of
    enterprises the user sees (a prefecture's officer filters by the provincial group one of its enterprises
    belongs to)."""
    # From the parents' side (the index on parent_id holds the few enterprises that have one), never an EXISTS per
    # enterprise of the province: the heads are few, the province is large.
    members = Enterprise.objects.filter(parent__isnull=False)
    heads = Enterprise.objects.filter(pk__in=members.values("parent_id"))
    seen = EnterprisePolicy.visible(user, heads).values("pk")
    parents_of_seen = EnterprisePolicy.visible(user, members).values("parent_id")
    return Enterprise.objects.filter(pk__in=seen.union(parents_of_seen)).order_by("name")


def subsidiaries_visible(*, enterprise, user) -> QuerySet:
    """The direct subsidiaries of `enterprise` that `user` may see."""
    return enterprises_visible(user=user).filter(parent=enterprise).order_by("name")


# Where an enterprise is: its county (县级) and the prefecture (州（市）) that follows from it -------------------


def prefectures_visible(*, user) -> QuerySet:
    return RegionPolicy.visible(user, Region.objects.filter(level=RegionLevel.PREFECTURE))


def counties_visible(*, user) -> QuerySet:
    """The counties of the prefectures of the provinces `user` works in."""
    return Region.objects.filter(level=RegionLevel.COUNTY, parent__in=prefectures_visible(user=user))


def location_choices(*, user) -> list[Region]:
    """What the register offers as an enterprise's location: every county of the prefectures `user` works in, and
    each such prefecture that has no county-level division of its own (杨凌示范区), ordered by prefecture, then code.
    Each region carries `prefecture` (itself or its parent) for grouping."""
    prefectures = list(prefectures_visible(user=user).select_related("parent").order_by("code"))
    counties = Region.objects.filter(level=RegionLevel.COUNTY, parent__in=[p.pk for p in prefectures])
    by_prefecture: dict[int, list[Region]] = {p.pk: [] for p in prefectures}
    for county in counties.order_by("code"):
        by_prefecture[county.parent_id].append(county)
    out = []
    for prefecture in prefectures:
        members = by_prefecture[prefecture.pk] or [prefecture]
        for region in members:
            region.prefecture = prefecture
            out.append(region)
    return out


def resolve_location(*, county: Region | None, region: Region | None, current: Enterprise | None = None) -> Region:
    """The enterprise's prefecture, given its county and/or prefecture; raises ValidationError (one message) when they
    do not fit.

    The county decides the prefecture; a prefecture given as well must be the county's. Without a county, the
    prefecture alone does only where it has no county-level division (杨凌示范区), or for an enterprise registered
    before counties were kept that stays where it is (`current`: the enterprise being changed)."""
    if county is not None:
        if county.level != RegionLevel.COUNTY:
            raise ValidationError(_("“%(name)s”不是县级行政区划，请选择县（市、区）。") % {"name": county.name})
        if region is not None and county.parent_id != region.pk:
            raise ValidationError(
                _("%(county)s属于%(prefecture)s，不在%(region)s。")
                % {"county": county.name, "prefecture": county.parent.name, "region": region.name}
            )
        return county.parent
    if region is None:
        raise ValidationError(_("请选择所在县（市、区）。"))
    if current is not None and current.county_id is None and current.region_id == region.pk:
        return region
    if Region.objects.filter(parent=region, level=RegionLevel.COUNTY).exists():
        raise ValidationError(
            _("请选择%(prefecture)s的县（市、区）：只有不设县级区划的州（市）（如杨凌示范区）才只填州（市）。")
            % {"prefecture": region.name}
        )
    return region


# The progress figures of an enterprise, as the database keeps them: its ProgressSummary row (reporting's read
# model, reached through the `progress_summary` relation, no import of it), recounted by the database's triggers in
# the transaction of every progress write, fact change or scope change, counting only the measures that apply to it.
# An enterprise without a summary row has no applicable progress row.
SUMMARY = "progress_summary"
SUMMARY_FIELDS = {
    "applicable_count": f"{SUMMARY}__applicable",
    "done_count": f"{SUMMARY}__done",
    "not_started_count": f"{SUMMARY}__not_started",
    "mean_percent": f"{SUMMARY}__mean_percent",
    "last_update": f"{SUMMARY}__last_update",
}
COUNTS = ("applicable_count", "done_count", "not_started_count")  # zero without a summary row, the others NULL


def with_progress_summary(qs: QuerySet) -> QuerySet:
    """Annotate applicable / done / not-started measure counts, mean percent and the last update of each enterprise,
    read from its summary row (one joined row each, never its progress rows)."""
    return qs.annotate(
        **{name: Coalesce(F(path), 0) if name in COUNTS else F(path) for name, path in SUMMARY_FIELDS.items()}
    )


PROGRESS_FIGURES = tuple(SUMMARY_FIELDS)


def enterprises_in_charge(*, user) -> QuerySet:
    return with_progress_summary(enterprises_visible(user=user))


def enterprises_listed(*, user) -> QuerySet:
    """The enterprises `user` may see, without figures or joined rows: what a list filters, sorts, counts and pages
    (`paging.IdsFirstPaginator`), reading only the columns its filters and order need."""
    return EnterprisePolicy.visible(user, Enterprise.objects.all())


def rows_shown(ids: list) -> list:
    """The enterprises `ids` (a page's, already narrowed by the access policy, filtered, sorted and cut) in that
    order, with what a list row shows: region, county, parent and the progress figures, in one query keyed by ids."""
    qs = with_progress_summary(
        Enterprise.objects.select_related("region", "region__parent", "county", "parent").filter(pk__in=ids)
    )
    by_id = {e.pk: e for e in qs}
    return [by_id[pk] for pk in ids if pk in by_id]


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
