"""The one filter of the orders' list: the page, its export and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from enterprises.place_filters import (
    PlaceFilterSet,
    county_filter,
    enterprise_filter,
    measure_filter,
    prefecture_filter,
)
from reform_portal.access import OrderPolicy

from . import lights
from .choices import IssuerBody, Light, OrderStatus


class OrderFilter(PlaceFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=OrderStatus.choices)
    light = django_filters.ChoiceFilter(label=_("红黄绿灯"), choices=Light.choices, method="by_light")
    prefecture = prefecture_filter()
    county = county_filter()
    q = enterprise_filter(help_text=_("名称包含即可"))
    measure = measure_filter(_("督办措施"), method="by_measures")
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
