"""The audit page's filters, for the page and its export alike."""

import ipaddress
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import LABELS
from .models import AuditEntry


def _ip_network(value: str):
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise forms.ValidationError(_("请输入 IP 地址（如 10.1.2.3）或网段（如 10.1.0.0/16）。")) from None


class NetworkField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return _ip_network(value) if value else None


class NetworkFilter(django_filters.Filter):
    field_class = NetworkField


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("事件"), choices=sorted((k, v) for k, v in LABELS.items()))
    user = django_filters.CharFilter(label=_("用户名"), field_name="username", lookup_expr="icontains", max_length=150)
    date_from = django_filters.DateFilter(label=_("起始日期"), method="filter_from")
    date_to = django_filters.DateFilter(label=_("截止日期"), method="filter_to")
    target = django_filters.CharFilter(label=_("对象"), method="filter_target", max_length=300)
    ip = NetworkFilter(label=_("IP 地址或网段"), method="filter_ip", max_length=50)

    class Meta:
        model = AuditEntry
        fields = []

    # Whole local days, as ranges over created_at (its index serves them).
    def filter_from(self, qs, name, value):
        return qs.filter(created_at__gte=timezone.make_aware(datetime.combine(value, time.min)))

    def filter_to(self, qs, name, value):
        return qs.filter(created_at__lt=timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min)))

    def filter_target(self, qs, name, value):
        return qs.filter(Q(target_repr__icontains=value) | Q(target_id=value))

    def filter_ip(self, qs, name, value):
        if value.num_addresses == 1:
            return qs.filter(ip=str(value.network_address))
        return qs.extra(where=["ip <<= %s::inet"], params=[str(value)])  # noqa: S610  (a validated network)
