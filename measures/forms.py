from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reform_portal.text_limits import NOTE_MAX_CHARS

from .choices import IndicatorKind, Status
from .indicator_values import TEXT_MAX
from .models import WITHDRAWAL_REASON_MAX, Measure


class ProgressForm(forms.Form):
    """The in-place edit of one measure. `version` carries the version the officer read."""

    status = forms.ChoiceField(label=_("状态"), choices=Status.choices)
    percent = forms.IntegerField(label=_("完成百分比"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=NOTE_MAX_CHARS,
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


class YesNoSwitch(forms.RadioSelect):
    """是 / 否 as a switch of buttons, with a third for no value (a yes/no answer may be cleared, or left "as
    claimed" on review). The group carries the field's id and aria attributes (the label, a problem's
    aria-invalid and message): the problem list's jump focuses it; each button is a radio of the field's name."""

    template_name = "measures/widgets/yes_no_switch.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        group = {k: v for k, v in context["widget"]["attrs"].items() if k == "id" or k.startswith("aria-")}
        context["widget"]["group_attrs"] = flatatt(group)
        return context

    def id_for_label(self, id_, index=None):
        # the group's own id for the field (a <label for>, the jump to a problem); each button's id for its radio
        return id_ if index is None else super().id_for_label(id_, index)


def indicator_value_widget(indicator, *, blank_label=None, attrs=None) -> forms.Widget:
    """The input for a value of `indicator`, by its kind: 是/否 a choice, a count a whole number, a share a number
    from 0 to 100 in steps of 0.01 (the page adds the “%”), a date a date picker (not after today), a text a line
    of at most 300 characters. The browser's limits only help: the service judges the value
    (measures.indicator_values), with the same message on every path."""
    attrs = {"aria-label": indicator.name, **(attrs or {})}
    kind = indicator.kind
    if kind == IndicatorKind.BOOLEAN:
        return YesNoSwitch(choices=[("1", _("是")), ("0", _("否")), ("", blank_label or _("未填"))], attrs=attrs)
    if kind == IndicatorKind.COUNT:
        return forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric", **attrs})
    if kind == IndicatorKind.SHARE:
        return forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal", **attrs})
    if kind == IndicatorKind.DATE:
        return forms.DateInput(attrs={"type": "date", "max": timezone.localdate().isoformat(), **attrs})
    return forms.TextInput(attrs={"maxlength": TEXT_MAX, **attrs})


def indicator_value_field(indicator, *, label=None, blank_label=None, attrs=None) -> forms.CharField:
    """A form field for a value of `indicator`: never required (blank is no value), taken as typed, its widget by
    kind (`indicator_value_widget`)."""
    return forms.CharField(
        label=label or indicator.name,
        required=False,
        strip=False,
        widget=indicator_value_widget(indicator, blank_label=blank_label, attrs=attrs),
    )


class IndicatorValueForm(forms.Form):
    """The in-place edit of one indicator value. `version` carries the version read (0: there was no value);
    the page always sends it, a post without it (a script) is saved without the stale check. The value is
    judged by the service (`measures.indicator_values`), as the self-assessment's answers are. With `indicator`,
    the value's input is the one of its kind."""

    value = forms.CharField(label=_("数值"), strip=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator is not None:
            self.fields["value"].widget = indicator_value_widget(indicator)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class BulkValuesForm(forms.Form):
    """A measure and the values a bulk update sets on it: the fields of both ways of choosing the enterprises (the
    list's check boxes, `BulkProgressForm`; the list's filter, enterprises/bulk_forms.py)."""

    measure = forms.ModelChoiceField(
        label=_("措施"),
        queryset=Measure.objects.tracked().select_related("document").order_by("document__issued_on", "position"),
    )
    status = forms.ChoiceField(label=_("状态"), choices=Status.choices)
    percent = forms.IntegerField(label=_("完成百分比"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].label_from_instance = lambda m: f"{m.code} {m.title}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class BulkProgressForm(BulkValuesForm):
    """One measure's status for many enterprises at once (chosen with the list's check boxes)."""

    enterprises = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True, label=_("企业"))

    field_order = ["enterprises", "measure", "status", "percent", "note"]

    def __init__(self, *args, enterprise_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].choices = [(pk, pk) for pk in enterprise_ids]
        self.fields["enterprises"].error_messages["required"] = _("请先勾选要更新的企业。")


class EvidenceWithdrawForm(forms.Form):
    """Withdraw a wrong evidence file: the reason is required, and stays in the history."""

    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=WITHDRAWAL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：误传了其他企业的文件。撤回后该文件不再作为证明材料，仍保留在变更记录中。"),
        error_messages={"required": _("请填写撤回原因。")},
    )
