"""The form of a bulk update by filter (enterprises/bulk_views.py): the measure, the optional status the
enterprises must be in on it now, and the values to set."""

from django import forms
from django.utils.translation import gettext_lazy as _

from measures.choices import Status
from measures.forms import BulkValuesForm
from measures.services import progress_problems

from .bulk_selection import BulkValues


class BulkByFilterForm(BulkValuesForm):
    current = forms.ChoiceField(
        label=_("仅限目前在该措施上处于"),
        choices=[("", _("不限状态")), *Status.choices],
        required=False,
        help_text=_("例如只更新仍“未启动”的企业"),
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["measure", "current", "status", "percent", "note", "token"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # The values' own rule (status and percent agree), next to the fields; what depends on each enterprise's
        # current row (a move back needs a note) is judged per row in the preview.
        for name, messages in progress_problems(
            old=None, status=data["status"], percent=data["percent"], note=data.get("note")
        ).items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return data

    def values(self) -> BulkValues:
        data = self.cleaned_data
        return BulkValues(
            measure=data["measure"],
            current=data["current"],
            status=data["status"],
            percent=data["percent"],
            note=(data["note"] or "").replace("\r\n", "\n"),  # as the browser sends it back from a hidden input
        )
