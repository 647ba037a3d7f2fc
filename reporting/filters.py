import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Region
from reform_portal.quick_select import QuickSelect, quicken

from .forms import DashboardFilterForm
from .models import RollupSnapshot


class RollupFilter(django_filters.FilterSet):
    """Filters of /api/rollups/. An omitted key matches every value of it; `none` asks for the rows without it
    (e.g. `prefecture=none` for province-wide rows, `county=none` for all but the county rows, which name their
    prefecture too)."""

    province = django_filters.CharFilter(field_name="province__code", label=_("省份代码"))
    prefecture = django_filters.CharFilter(method="by_code", label=_("州（市）代码，none 为全省"))
    county = django_filters.CharFilter(method="by_code", label=_("县（市、区）代码，none 为不分县"))
    document = django_filters.CharFilter(method="by_document", label=_("政策文件（文号、代码或 id）"))
    measure = django_filters.CharFilter(method="by_code", label=_("措施代码，none 为全部措施"))
    ownership = django_filters.CharFilter(method="by_value", label=_("所有制，none 为全部"))
    industry = django_filters.CharFilter(method="by_value", label=_("行业门类，none 为全部"))
    date = django_filters.DateFromToRangeFilter(field_name="day", label=_("日期范围（date_after, date_before）"))

    class Meta:
        model = RollupSnapshot
        fields = ["province", "prefecture", "county", "document", "measure", "ownership", "industry", "date"]

    def by_code(self, qs, name, value):
        if value == "none":
            return qs.filter(**{f"{name}__isnull": True})
        return qs.filter(**{f"{name}__code": value})

    def by_value(self, qs, name, value):
        if value == "none":
            return qs.filter(**{f"{name}__isnull": True})
        return qs.filter(**{name: value})

    def by_document(self, qs, name, value):
        q = Q(document__number=value) | Q(document__code=value)
        if value.isdecimal():
            q |= Q(document_id=int(value))
        return qs.filter(q)


class CountySelect(QuickSelect):
    """Each county's option names its prefecture (`data-prefecture`), so that the page offers only the counties of
    the prefecture chosen (reporting/static/reporting/dashboard.js)."""

    def option_attrs(self, value) -> dict:
        instance = getattr(value, "instance", None)
        return {"data-prefecture": instance.parent_id} if instance is not None else {}


class DashboardFilters(DashboardFilterForm):
    """The dashboard's filters with the county, next to the prefecture: a county stands for its prefecture too. A
    county with an attribute filter is answered live (reporting.live), like every combination the snapshots lack."""

    county = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        label=_("县（市、区）"),
        required=False,
        empty_label=_("全部县（市、区）"),
        widget=CountySelect,
    )
    field_order = ["document", "prefecture", "county", "ownership", "supervision_level", "industry", "size_class"]

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        # the selects written in Python (a province's 129 counties through Django's option template and crispy's
        # field templates were most of the warm dashboard's time)
        quicken(self)

    def clean(self):
        data = super().clean()
        county, prefecture = data.get("county"), data.get("prefecture")
        if county is not None and prefecture is not None and county.parent_id != prefecture.pk:
            self.add_error("county", _("所选县（市、区）不属于所选州（市）。"))
        return data
