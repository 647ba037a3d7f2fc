"""What every list of an enterprise's things filters by alike: its prefecture, its county, a measure by its code, the
enterprise by name or credit code — declared once for the lists of pilots, supervision orders, visits and questions
(each list's page, export and API share its FilterSet)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from enterprises.choices import RegionLevel
from enterprises.credit_code import normalise_credit_code
from enterprises.models import Region
from measures.models import Measure
from reform_portal.access import RegionPolicy

ENTERPRISE_QUERY_MAX_CHARS = 100


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A row by its code (a region's 6-digit code, a measure's code such as YN-06)."""


def prefecture_filter(field_name: str = "enterprise__region", **extra) -> CodeChoiceFilter:
    return CodeChoiceFilter(
        label=_("所在州（市）"),
        field_name=field_name,
        to_field_name="code",
        queryset=Region.objects.filter(level=RegionLevel.PREFECTURE).select_related("parent").order_by("code"),
        help_text=_("州（市）的行政区划代码，如 530100"),
        **extra,
    )


def county_filter(field_name: str = "enterprise__county", **extra) -> CodeChoiceFilter:
    return CodeChoiceFilter(
        label=_("所在县（市、区）"),
        field_name=field_name,
        to_field_name="code",
        queryset=Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"),
        help_text=_("县（市、区）的行政区划代码，如 530102"),
        **extra,
    )


def measure_filter(label, **extra) -> CodeChoiceFilter:
    """A tracked measure by its code: `field_name=` for a foreign key, `method="by_measures"` for the rows' many-to-many
    `measures`."""
    return CodeChoiceFilter(
        label=label,
        to_field_name="code",
        queryset=Measure.objects.tracked().order_by("document_id", "position"),
        help_text=_("措施代码，如 YN-06"),
        **extra,
    )


def enterprise_filter(label=None, help_text=None) -> django_filters.CharFilter:
    return django_filters.CharFilter(
        label=label or _("企业名称或信用代码"),
        method="by_enterprise",
        max_length=ENTERPRISE_QUERY_MAX_CHARS,
        help_text=help_text or _("企业名称（包含即可）或统一社会信用代码"),
    )


def enterprise_q(value: str, prefix: str = "enterprise__") -> Q:
    """The enterprise by its name (containing `value`) or its credit code (as typed or pasted)."""
    return Q(**{f"{prefix}name__icontains": value}) | Q(**{f"{prefix}credit_code": normalise_credit_code(value)})


def prefectures_for(user) -> QuerySet:
    """The prefectures a user may filter by: those of the provinces they work in (every one for administrators)."""
    return RegionPolicy.visible(user, Region.objects.filter(level=RegionLevel.PREFECTURE)).select_related("parent")


def counties_for(user) -> QuerySet:
    return RegionPolicy.visible(user, Region.objects.filter(level=RegionLevel.COUNTY)).order_by("code")


class PlaceFilterSet(django_filters.FilterSet):
    """A FilterSet whose `prefecture` (and `county`) choices a page narrows to the user's (`prefectures=`,
    `counties=`; the API keeps every place: the rows are scoped anyway), with the choices' labels every list shows."""

    def __init__(self, data=None, *args, prefectures=None, counties=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        for name, narrowed in (("prefecture", prefectures), ("county", counties)):
            if name in self.filters and narrowed is not None:
                narrowed = narrowed.order_by("code")
                self.filters[name].queryset = narrowed
                self.form.fields[name].queryset = narrowed
        fields = self.form.fields
        if "prefecture" in fields:
            fields["prefecture"].label_from_instance = lambda r: f"{r.parent.name if r.parent_id else ''} {r.name}"
        if "county" in fields:
            fields["county"].error_messages["invalid_choice"] = _("没有这个县（市、区）代码，或不在您的范围内。")
        if "measure" in fields:
            fields["measure"].label_from_instance = lambda m: m.label

    def by_measures(self, queryset, name, value):
        """Rows whose `measures` hold the measure (a subquery: one row each, whatever the number of their measures)."""
        if not value:
            return queryset
        through = queryset.model.measures.through
        owner = f"{queryset.model._meta.model_name}_id"
        return queryset.filter(pk__in=through.objects.filter(measure=value).values(owner))

    def by_enterprise(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(enterprise_q(value)) if value else queryset
