"""The pages' forms. They check the shape of what is typed; the rules (scope, dates, applicability, states) are the
services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS

from .choices import DecisionAction

DATE = forms.DateInput(attrs={"type": "date"})


class IssueForm(forms.Form):
    measures = forms.TypedMultipleChoiceField(
        label=_("督办措施"), coerce=int, widget=forms.CheckboxSelectMultiple, help_text=_("只能选择适用于企业的措施")
    )
    request = forms.CharField(label=_("督办要求"), max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4}))
    due_date = forms.DateField(label=_("办结期限"), widget=DATE, required=False)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [(m.pk, m.label) for m in measures]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("办理情况"), max_length=ANSWER_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("佐证材料"), required=False, help_text=_("PDF、图片、Word 或 Excel，最多 5 个"))


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("核查结果"), choices=DecisionAction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("核查意见"), max_length=NOTE_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
