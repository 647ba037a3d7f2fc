from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Status
from .models import Measure


class ProgressForm(forms.Form):
    """The in-place edit of one measure. `version` carries the version the officer read."""

    status = forms.ChoiceField(label=_("状态"), choices=Status.choices)
    percent = forms.IntegerField(label=_("完成百分比"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("状态或百分比回退时必填"),
    )
    evidence = forms.FileField(
        label=_("证明材料"),
        required=False,
        help_text=_("PDF、图片、Word 或 Excel，不超过 20 MB"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("status", css_class="col-md-3"),
                Div("percent", css_class="col-md-2"),
                Div("evidence", css_class="col-md-7"),
                css_class="row",
            ),
            "note",
            "version",
        )


class IndicatorValueForm(forms.Form):
    """The in-place edit of one indicator value. `version` carries the version read (0: there was no value);
    the page always sends it, a post without it (a script) is saved without the stale check. The value is
    judged by the service (`measures.indicator_values`), as the self-assessment's answers are."""

    value = forms.CharField(label=_("数值"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class BulkProgressForm(forms.Form):
    """One measure's status for many enterprises at once (chosen with the list's check boxes)."""

    enterprises = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True, label=_("企业"))
    measure = forms.ModelChoiceField(
        label=_("措施"),
        queryset=Measure.objects.tracked().select_related("document").order_by("document__issued_on", "position"),
    )
    status = forms.ChoiceField(label=_("状态"), choices=Status.choices)
    percent = forms.IntegerField(label=_("完成百分比"), min_value=0, max_value=100)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, enterprise_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].choices = [(pk, pk) for pk in enterprise_ids]
        self.fields["enterprises"].error_messages["required"] = _("请先勾选要更新的企业。")
        self.fields["measure"].label_from_instance = lambda m: f"{m.code} {m.title}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
