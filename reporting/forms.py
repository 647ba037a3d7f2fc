from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.choices import Industry, Ownership, SizeClass, SupervisionLevel
from enterprises.models import Region
from measures.models import PolicyDocument

from .choices import STATE_OWNED


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, in any combination: document, prefecture, ownership (or all state-owned), supervision
    level, industry and size class."""

    document = forms.ModelChoiceField(queryset=PolicyDocument.objects.none(), label=_("政策文件"), required=False)
    prefecture = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=_("州（市）"), required=False, empty_label=_("全部州（市）")
    )
    ownership = forms.ChoiceField(
        label=_("所有制"),
        required=False,
        choices=[("", _("全部所有制")), (STATE_OWNED, _("全部国有企业（国有独资和国有控股）")), *Ownership.choices],
    )
    supervision_level = forms.ChoiceField(
        label=_("监管层级"), required=False, choices=[("", _("全部监管层级")), *SupervisionLevel.choices]
    )
    industry = forms.ChoiceField(label=_("行业门类"), required=False, choices=[("", _("全部行业")), *Industry.choices])
    size_class = forms.ChoiceField(
        label=_("企业规模"), required=False, choices=[("", _("全部规模")), *SizeClass.choices]
    )

    def __init__(self, *args, documents, prefectures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents
        self.fields["document"].empty_label = None
        self.fields["prefecture"].queryset = prefectures
