"""The one filter of the pilots' list: the page, its export and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from enterprises.choices import RegionLevel
from enterprises.models import Region
from measures.models import Measure

from .choices import DOCUMENT_NUMBER_MAX_CHARS, PilotStatus


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A row by its code (a prefecture's 6-digit code, a measure's code such as YN-06)."""


class PilotFilter(django_filters.FilterSet):
    prefecture = CodeChoiceFilter(
        label=_("所在州（市）"),
        field_name="enterprise__region",
        to_field_name="code",
        queryset=Region.objects.filter(level=RegionLevel.PREFECTURE).order_by("code"),
        help_text=_("州（市）的行政区划代码，如 530100"),
    )
    document = django_filters.CharFilter(
        label=_("认定文号"),
        field_name="document_number",
        lookup_expr="icontains",
        max_length=DOCUMENT_NUMBER_MAX_CHARS,
        help_text=_("文号（包含即可），如“云工发〔2024〕”"),
    )
    measure = CodeChoiceFilter(
        label=_("试点措施"),
        method="filter_measure",
        to_field_name="code",
        queryset=Measure.objects.tracked().order_by("document_id", "position"),
        help_text=_("措施代码，如 YN-06"),
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PilotStatus.choices)

    class Meta:
        fields = ["prefecture", "document", "measure", "status"]

    def filter_measure(self, queryset, name, value):
        """Designations piloting the measure (a subquery: one row per designation, whatever its scope's size)."""
        if not value:
            return queryset
        through = queryset.model.measures.through.objects.filter(measure=value).values("pilotdesignation_id")
        return queryset.filter(pk__in=through)

    def __init__(self, data=None, *args, prefectures=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if prefectures is not None:
            self.filters["prefecture"].queryset = prefectures
            self.form.fields["prefecture"].queryset = prefectures
        self.form.fields["prefecture"].label_from_instance = lambda r: (
            f"{r.parent.name if r.parent_id else ''} {r.name}"
        )
        self.form.fields["measure"].label_from_instance = lambda m: m.label
