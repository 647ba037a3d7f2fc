"""The one filter of the orders' list: the page, its export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from enterprises.choices import RegionLevel
from enterprises.credit_code import normalise_credit_code
from enterprises.models import Region
from measures.models import Measure
from reform_portal.access import OrderPolicy

from . import lights
from .choices import IssuerBody, Light, OrderStatus


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A row by its code (a region's 6-digit code, a measure's code such as YN-06)."""


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=OrderStatus.choices)
    light = django_filters.ChoiceFilter(label=_("红黄绿灯"), choices=Light.choices, method="by_light")
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
        help_text=_("县（市、区）的行政区划代码，如 530102"),
    )
    q = django_filters.CharFilter(
        label=_("企业名称或信用代码"), method="by_enterprise", max_length=100, help_text=_("名称包含即可")
    )
    measure = CodeChoiceFilter(
        label=_("督办措施"),
        method="by_measure",
        to_field_name="code",
        queryset=Measure.objects.tracked().order_by("document_id", "position"),
        help_text=_("措施代码，如 YN-06"),
    )
    issuer_body = django_filters.ChoiceFilter(label=_("督办单位"), choices=IssuerBody.choices)
    overdue = django_filters.BooleanFilter(label=_("逾期未办结"), method="by_overdue")
    awaiting = django_filters.BooleanFilter(label=_("待我核查"), method="by_awaiting")
    due_from = django_filters.DateFilter(label=_("办结期限自"), field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(label=_("办结期限至"), field_name="due_date", lookup_expr="lte")

    class Meta:
        fields = [
            "status", "light", "prefecture", "county", "q", "measure", "issuer_body", "overdue", "awaiting",
            "due_from", "due_to",
        ]  # fmt: skip

    def by_light(self, queryset, name, value):
        return queryset.filter(lights.light_q(value)) if value else queryset

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(lights.overdue_q()) if value else queryset.exclude(lights.overdue_q())

    def by_awaiting(self, queryset, name, value):
        """Replies awaiting the user's check (OrderPolicy.decidable); needs the request's user."""
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return OrderPolicy.decidable(user, queryset).filter(status=OrderStatus.REPLIED)

    def by_enterprise(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        code = normalise_credit_code(value)
        return queryset.filter(Q(enterprise__name__icontains=value) | Q(enterprise__credit_code=code))

    def by_measure(self, queryset, name, value):
        if not value:
            return queryset
        through = queryset.model.measures.through.objects.filter(measure=value).values("supervisionorder_id")
        return queryset.filter(pk__in=through)

    def __init__(self, data=None, *args, prefectures=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if prefectures is not None:
            self.filters["prefecture"].queryset = prefectures
            self.form.fields["prefecture"].queryset = prefectures
        self.form.fields["measure"].label_from_instance = lambda m: m.label
