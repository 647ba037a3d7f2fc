import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Status
from .models import Evidence, Measure, Progress


class MeasureFilter(django_filters.FilterSet):
    document = django_filters.CharFilter(method="by_document", label=_("文件（文号、代码或 id）"))

    class Meta:
        model = Measure
        fields = ["document", "addressee"]

    def by_document(self, qs, name, value):
        q = Q(document__number=value) | Q(document__code=value)
        if value.isdecimal():
            q |= Q(document_id=int(value))
        return qs.filter(q)


class ProgressFilter(django_filters.FilterSet):
    """Progress rows, for the API: by enterprise (id), measure (code), status and document."""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业 id"))
    measure = django_filters.CharFilter(field_name="measure__code", label=_("措施代码"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("状态"))
    document = django_filters.CharFilter(method="by_document", label=_("文件（文号、代码或 id）"))

    class Meta:
        model = Progress
        fields = ["enterprise", "measure", "status", "document"]

    def by_document(self, qs, name, value):
        q = Q(measure__document__number=value) | Q(measure__document__code=value)
        if value.isdecimal():
            q |= Q(measure__document_id=int(value))
        return qs.filter(q)


class EvidenceFilter(django_filters.FilterSet):
    """Evidence files; `withdrawn`: the withdrawn ones (true) or the current ones (false). The API's list holds the
    current ones when it is not given (measures.api.progress.EvidenceViewSet)."""

    progress = django_filters.NumberFilter(field_name="progress_id", label=_("推进情况 id"))
    enterprise = django_filters.NumberFilter(field_name="progress__enterprise_id", label=_("企业 id"))
    withdrawn = django_filters.BooleanFilter(method="by_withdrawn", label=_("已撤回"))

    class Meta:
        model = Evidence
        fields = ["progress", "enterprise", "withdrawn"]

    def by_withdrawn(self, qs, name, value):
        return qs if value is None else qs.filter(withdrawn_at__isnull=not value)
