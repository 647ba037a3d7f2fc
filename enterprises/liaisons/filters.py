"""The one filter of the visits' list: the page, its export and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.place_filters import PlaceFilterSet, county_filter, enterprise_filter, prefecture_filter

DATE = forms.DateInput(attrs={"type": "date"})


class VisitFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class VisitFilter(PlaceFilterSet):
    prefecture = prefecture_filter()
    county = county_filter(widget=forms.TextInput(attrs={"placeholder": "530102"}))
    date_from = django_filters.DateFilter(
        label=_("走访日期自"), field_name="visited_on", lookup_expr="gte", widget=DATE, help_text=_("如 2025-01-01")
    )
    date_to = django_filters.DateFilter(
        label=_("走访日期至"), field_name="visited_on", lookup_expr="lte", widget=DATE, help_text=_("如 2025-12-31")
    )
    enterprise = enterprise_filter(_("企业"))

    class Meta:
        fields = ["prefecture", "county", "date_from", "date_to", "enterprise"]
        form = VisitFilterForm
