import django_filters
from django.db.models import Q

from .choices import Industry, Ownership, SupervisionLevel
from .models import Enterprise, Region


class EnterpriseFilter(django_filters.FilterSet):
    """One definition for the enterprise list page and the API."""

    q = django_filters.CharFilter(method="search", label="名称或信用代码")
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label="州（市）", method="in_region")
    ownership = django_filters.MultipleChoiceFilter(choices=Ownership.choices, label="所有制")
    supervision_level = django_filters.ChoiceFilter(choices=SupervisionLevel.choices, label="国资监管层级")
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label="行业门类")

    class Meta:
        model = Enterprise
        fields = ["q", "region", "ownership", "supervision_level", "industry", "size_class", "is_pilot"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper())) if value else qs

    def in_region(self, qs, name, region):
        # A province means every prefecture in it.
        return qs.filter(Q(region=region) | Q(region__parent=region)) if region else qs
