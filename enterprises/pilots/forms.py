"""The pages' forms. They check the shape of what is typed; the rules (scope, access, amounts) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.credit_code import normalise_credit_code
from reform_portal.text_limits import NOTE_MAX_CHARS

from .choices import AMOUNT_MAX, DOCUMENT_NUMBER_MAX_CHARS, PURPOSE_MAX_CHARS, FundKind

DATE = forms.DateInput(attrs={"type": "date"})


class DesignationForm(forms.Form):
    """Designate (or change) a pilot of one enterprise: the regions and measures offered are those the user may
    choose for it (the service checks them again)."""

    region = forms.TypedChoiceField(label=_("认定单位"), coerce=int)
    document_number = forms.CharField(
        label=_("认定文号"), max_length=DOCUMENT_NUMBER_MAX_CHARS, help_text=_("如“云工发〔2024〕5号”")
    )
    designated_on = forms.DateField(label=_("认定日期"), widget=DATE)
    measures = forms.TypedMultipleChoiceField(
        label=_("试点措施"), coerce=int, widget=forms.CheckboxSelectMultiple, help_text=_("只能选择适用于该企业的措施")
    )
    note = forms.CharField(
        label=_("备注"), max_length=NOTE_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, regions=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, _("%(name)s总工会") % {"name": r.name}) for r in regions]
        self.fields["measures"].choices = [(m.pk, m.label) for m in measures]


class FindForm(forms.Form):
    """The list's "认定试点企业": an enterprise by its credit code, then its designation page."""

    code = forms.CharField(label=_("企业统一社会信用代码"), max_length=40)

    def clean_code(self):
        return normalise_credit_code(self.cleaned_data["code"])


class EndForm(forms.Form):
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    note = forms.CharField(
        label=_("备注"), max_length=NOTE_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class FundForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=FundKind.choices)
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=11, decimal_places=2, min_value=0.01, max_value=AMOUNT_MAX
    )
    on_date = forms.DateField(label=_("日期"), widget=DATE)
    purpose = forms.CharField(label=_("用途"), max_length=PURPOSE_MAX_CHARS)
