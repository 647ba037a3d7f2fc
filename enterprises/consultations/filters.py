"""The filters of the 直通车: one for the questions' list (page and API), one for the FAQ (page and API)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from enterprises.choices import RegionLevel
from enterprises.models import Region
from measures.models import Measure

from . import sla
from .choices import AWAITING_STATUSES, TITLE_MAX_CHARS, QuestionStatus, Topic


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A row by its code (a region's 6-digit code, a measure's code such as YN-06)."""


def _measure_filter(label):
    return CodeChoiceFilter(
        label=label,
        field_name="measure",
        to_field_name="code",
        queryset=Measure.objects.tracked().order_by("document_id", "position"),
        help_text=_("措施代码，如 YN-06"),
    )


class QuestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=QuestionStatus.choices)
    topic = django_filters.ChoiceFilter(label=_("问题类别"), choices=Topic.choices)
    overdue = django_filters.BooleanFilter(label=_("逾期未答复"), method="by_overdue")
    measure = _measure_filter(_("相关措施"))
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
    mine = django_filters.BooleanFilter(label=_("待我答复 / 我提出的"), method="by_mine")

    class Meta:
        fields = ["status", "topic", "overdue", "measure", "prefecture", "county", "mine"]

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(sla.overdue_q()) if value else queryset.exclude(sla.overdue_q())

    def by_mine(self, queryset, name, value):
        """An officer's: those waiting for their answer (they handle it, or it was forwarded to them); anyone
        else's: those they asked."""
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        waiting = Q(handler_ids__contains=[user.pk]) | Q(assignee_id=user.pk)
        return queryset.filter(Q(asked_by_id=user.pk) | (waiting & Q(status__in=AWAITING_STATUSES)))

    def __init__(self, data=None, *args, prefectures=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if prefectures is not None:
            self.filters["prefecture"].queryset = prefectures
            self.form.fields["prefecture"].queryset = prefectures
        self.form.fields["measure"].label_from_instance = lambda m: m.label


class FaqFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"), method="by_text", max_length=TITLE_MAX_CHARS, help_text=_("问题或答复包含的文字")
    )
    measure = _measure_filter(_("措施"))

    class Meta:
        fields = ["q", "measure"]

    def by_text(self, queryset, name, value):
        words = (value or "").split()[:5]
        for word in words:
            queryset = queryset.filter(Q(title__icontains=word) | Q(answer__icontains=word))
        return queryset

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["measure"].label_from_instance = lambda m: m.label
