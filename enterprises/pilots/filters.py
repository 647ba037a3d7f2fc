"""The one filter of the pilots' list: the page, its export and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from enterprises.place_filters import PlaceFilterSet, measure_filter, prefecture_filter

from .choices import DOCUMENT_NUMBER_MAX_CHARS, PilotStatus


class PilotFilter(PlaceFilterSet):
    prefecture = prefecture_filter()
    document = django_filters.CharFilter(
        label=_("认定文号"),
        field_name="document_number",
        lookup_expr="icontains",
        max_length=DOCUMENT_NUMBER_MAX_CHARS,
        help_text=_("文号（包含即可），如“云工发〔2024〕”"),
    )
    measure = measure_filter(_("试点措施"), method="by_measures")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PilotStatus.choices)

    class Meta:
        fields = ["prefecture", "document", "measure", "status"]
