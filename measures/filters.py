import django_filters
from django.db.models import Q

from .models import Measure


class MeasureFilter(django_filters.FilterSet):
    document = django_filters.CharFilter(method="by_document", label="文件（文号、代码或 id）")

    class Meta:
        model = Measure
        fields = ["document", "addressee"]

    def by_document(self, qs, name, value):
        q = Q(document__number=value) | Q(document__code=value)
        if value.isdigit():
            q |= Q(document_id=int(value))
        return qs.filter(q)
