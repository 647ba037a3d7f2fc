"""One filter for the inbox page and the API: 全部 / 未读, and the kind."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import NoticeKind
from .models import Notice


class NoticeFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("仅看未读"))
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices, label=_("类别"))

    class Meta:
        model = Notice
        fields = ["unread", "kind"]
