from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.choices import Industry, Ownership
from enterprises.models import Region
from measures.models import PolicyDocument


class DashboardFilterForm(forms.Form):
    """The dashboard's filters: document, prefecture, and ownership or industry."""

    document = forms.ModelChoiceField(queryset=PolicyDocument.objects.none(), label=_("政策文件"), required=False)
    prefecture = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=_("州（市）"), required=False, empty_label=_("全部州（市）")
    )
    ownership = forms.ChoiceField(
        label=_("所有制"), required=False, choices=[("", _("全部所有制")), *Ownership.choices]
    )
    industry = forms.ChoiceField(label=_("行业门类"), required=False, choices=[("", _("全部行业")), *Industry.choices])

    def __init__(self, *args, documents, prefectures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents
        self.fields["document"].empty_label = None
        self.fields["prefecture"].queryset = prefectures

    def clean(self):
        data = super().clean()
        if data.get("ownership") and data.get("industry"):
            self.add_error("industry", _("所有制和行业一次只能选择其中一项。"))
        return data
