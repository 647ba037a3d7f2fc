"""The pages' forms. They check the shape of what is typed; the rules (who, dates, lengths) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS

from .choices import PEOPLE_MET_MAX_CHARS, VISITORS_MAX_CHARS, LiaisonRole

DATE = forms.DateInput(attrs={"type": "date"})


class AssignForm(forms.Form):
    """Assign an officer to one enterprise: the people offered are those who may be assigned (the service checks the
    role's qualification again)."""

    role = forms.ChoiceField(label=_("角色"), choices=LiaisonRole.choices)
    user = forms.TypedChoiceField(
        label=_("人员"), coerce=int, help_text=_("负责该企业、并具有联络员或指导员资格的工会干部")
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "---------"), *people]


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE)
    other_visitors = forms.CharField(
        label=_("其他走访人员"),
        max_length=VISITORS_MAX_CHARS,
        required=False,
        help_text=_("与您同去的人员，姓名、单位"),
    )
    people_met = forms.CharField(
        label=_("接待人员"),
        max_length=PEOPLE_MET_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("企业方面见到的人员：姓名、职务"),
    )
    questions_answered = forms.CharField(
        label=_("解答的问题"), max_length=ANSWER_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )
    follow_ups = forms.CharField(
        label=_("后续事项"), max_length=NOTE_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up_due = forms.DateField(label=_("后续事项完成期限"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
