"""The pages' forms: a new bulletin (scope, range, text blocks prefilled with the draft) and the text blocks' edit
(with the version read, for the stale-edit check)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import BLOCK_MAX_CHARS, TITLE_MAX_CHARS


class BlocksForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX_CHARS)
    opening = forms.CharField(
        label=_("开头"), max_length=BLOCK_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    assessment = forms.CharField(
        label=_("总体评价"), max_length=BLOCK_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_steps = forms.CharField(
        label=_("下一步工作"), max_length=BLOCK_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class EditForm(BlocksForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CreateForm(BlocksForm):
    scope = forms.TypedChoiceField(label=_("范围"), coerce=int, help_text=_("全省，或一个州（市）"))
    date_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["scope", "date_from", "date_to", "title", "opening", "assessment", "next_steps"]

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (r.pk, r.name if r.parent_id else _("%(name)s（全省）") % {"name": r.name}) for r in regions
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data
