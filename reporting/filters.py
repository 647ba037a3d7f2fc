import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import RollupSnapshot


class RollupFilter(django_filters.FilterSet):
    """Filters of /api/rollups/. An omitted key matches every value of it; `none` asks for the rows without it
    (e.g. `prefecture=none` for province-wide rows)."""

    province = django_filters.CharFilter(field_name="province__code", label=_("省份代码"))
    prefecture = django_filters.CharFilter(method="by_code", label=_("州（市）代码，none 为全省"))
    document = django_filters.CharFilter(method="by_document", label=_("政策文件（文号、代码或 id）"))
    measure = django_filters.CharFilter(method="by_code", label=_("措施代码，none 为全部措施"))
    ownership = django_filters.CharFilter(method="by_value", label=_("所有制，none 为全部"))
    industry = django_filters.CharFilter(method="by_value", label=_("行业门类，none 为全部"))
    date = django_filters.DateFromToRangeFilter(field_name="day", label=_("日期范围（date_after, date_before）"))

    class Meta:
        model = RollupSnapshot
        fields = ["province", "prefecture", "document", "measure", "ownership", "industry", "date"]

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
