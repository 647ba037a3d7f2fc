"""The one filter of the visits' list: the page, its export and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from enterprises.choices import RegionLevel
from enterprises.credit_code import normalise_credit_code
from enterprises.models import Region

DATE = forms.DateInput(attrs={"type": "date"})
ENTERPRISE_QUERY_MAX_CHARS = 100


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A region by its code (a prefecture's or a county's 6-digit code)."""


class VisitFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class VisitFilter(django_filters.FilterSet):
    prefecture = CodeChoiceFilter(
        label=_("所在州（市）"),
        field_name="enterprise__region",
        to_field_name="code",
        queryset=Region.objects.filter(level=RegionLevel.PREFECTURE).order_by("code"),
        help_text=_("州（市）的行政区划代码，如 530100"),
    )
    county = CodeChoiceFilter(
        label=_("所在县（市、区）"),
        field_name="enterprise__county",
        to_field_name="code",
        queryset=Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"),
        widget=forms.TextInput(attrs={"placeholder": "530102"}),
        help_text=_("县（市、区）的行政区划代码，如 530102"),
    )
    date_from = django_filters.DateFilter(
        label=_("走访日期自"), field_name="visited_on", lookup_expr="gte", widget=DATE, help_text=_("如 2025-01-01")
    )
    date_to = django_filters.DateFilter(
        label=_("走访日期至"), field_name="visited_on", lookup_expr="lte", widget=DATE, help_text=_("如 2025-12-31")
    )
    enterprise = django_filters.CharFilter(
        label=_("企业"),
        method="filter_enterprise",
        max_length=ENTERPRISE_QUERY_MAX_CHARS,
        help_text=_("企业名称（包含即可）或统一社会信用代码"),
    )

    class Meta:
        fields = ["prefecture", "county", "date_from", "date_to", "enterprise"]
        form = VisitFilterForm

    def filter_enterprise(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        code = normalise_credit_code(value)
        if len(code) == 18 and code.isalnum():
            return queryset.filter(enterprise__credit_code=code)
        return queryset.filter(enterprise__name__icontains=value)

    def __init__(self, data=None, *args, prefectures=None, counties=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if prefectures is not None:
            self.filters["prefecture"].queryset = prefectures
            self.form.fields["prefecture"].queryset = prefectures
        if counties is not None:
            self.filters["county"].queryset = counties
            self.form.fields["county"].queryset = counties
        self.form.fields["prefecture"].label_from_instance = lambda r: (
            f"{r.parent.name if r.parent_id else ''} {r.name}"
        )
        self.form.fields["county"].error_messages["invalid_choice"] = _("没有这个县（市、区）代码，或不在您的范围内。")
