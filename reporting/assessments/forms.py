"""Forms for the assessment pages. Validation of values lives in services; these only shape input."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.choices import RegionLevel
from enterprises.models import Region
from measures.choices import IndicatorKind, Status
from measures.forms import indicator_value_field
from measures.indicator_values import value_input
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS

from .choices import SelfRating
from .deadlines import DEFAULT_REMINDER_OFFSETS, offsets_display, parse_offsets
from .period_limits import YEAR_MAX, YEAR_MIN, period_problems

BLANK = [("", "—")]


class ItemForm(forms.Form):
    """The enterprise's answer for one measure (prefix = the measure's code)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    self_rating = forms.ChoiceField(label=_("自评等级"), choices=BLANK + list(SelfRating.choices), required=False)
    claimed_status = forms.ChoiceField(label=_("推进状态"), choices=BLANK + list(Status.choices), required=False)
    claimed_percent = forms.CharField(
        label=_("完成百分比"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
    )
    what_done = forms.CharField(
        label=_("主要工作"),
        required=False,
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("状态为已完成或常态化推进时必填：做了什么、覆盖多少人、取得什么成效。"),
    )

    @classmethod
    def for_item(cls, item, data=None):
        initial = {
            "version": item.version,
            "self_rating": item.self_rating,
            "claimed_status": item.claimed_status,
            "claimed_percent": "" if item.claimed_percent is None else item.claimed_percent,
            "what_done": item.what_done,
        }
        return cls(data=data, initial=initial, prefix=item.measure.code)


class IndicatorForm(forms.Form):
    """The enterprise's value of one indicator (prefix = the indicator's code), with the input of its kind
    (measures.forms.indicator_value_widget). Never asked for a derived indicator: the page shows its value."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    value = forms.CharField(label=_("本年度数值"), required=False, strip=False)

    def __init__(self, *args, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator is not None:
            attrs = {"class": _input_class(indicator), "aria-label": indicator.name}
            self.fields["value"] = indicator_value_field(indicator, label=_("本年度数值"), attrs=attrs)

    @classmethod
    def for_answer(cls, answer, data=None):
        initial = {"version": answer.version, "value": value_input(answer.indicator, answer.claimed)}
        return cls(data=data, initial=initial, prefix=answer.indicator.code, indicator=answer.indicator)


def _input_class(indicator) -> str:
    return "form-select form-select-sm" if indicator.kind == IndicatorKind.BOOLEAN else "form-control form-control-sm"


class ReviewItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    verified_status = forms.ChoiceField(
        label=_("核实状态"), choices=[("", _("与填报一致"))] + list(Status.choices), required=False
    )
    verified_percent = forms.CharField(
        label=_("核实百分比"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "placeholder": _("与填报一致")}),
    )
    officer_comment = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回时即为该措施的退回理由。"),
    )

    @classmethod
    def for_item(cls, item, data=None):
        initial = {
            "version": item.version,
            "verified_status": item.verified_status,
            "verified_percent": "" if item.verified_percent is None else item.verified_percent,
            "officer_comment": item.officer_comment,
        }
        return cls(data=data, initial=initial, prefix=f"review-{item.measure.code}")


class ReviewIndicatorForm(forms.Form):
    """The officer's verified value of one indicator (blank: as claimed), with the input of its kind."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    verified_value = forms.CharField(
        label=_("核实值"), required=False, strip=False, widget=forms.TextInput(attrs={"placeholder": _("与填报一致")})
    )

    def __init__(self, *args, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator is not None:
            attrs = {"class": _input_class(indicator), "aria-label": _("核实值"), "placeholder": _("与填报一致")}
            self.fields["verified_value"] = indicator_value_field(
                indicator, label=_("核实值"), blank_label=_("与填报一致"), attrs=attrs
            )

    @classmethod
    def for_answer(cls, answer, data=None):
        return cls(
            data=data,
            initial={"version": answer.version, "verified_value": value_input(answer.indicator, answer.verified)},
            prefix=f"review-{answer.indicator.code}",
            indicator=answer.indicator,
        )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("上传佐证材料"), help_text=_("PDF、图片、Word 或 Excel"))
    valid_until = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空表示长期有效，次年自动沿用"),
    )


REVIEW_LEVEL_CHOICES = [(1, _("一级审核")), (2, _("两级审核"))]


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("总体意见"), required=False, max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    province = forms.ModelChoiceField(label=_("省份"), queryset=Region.objects.filter(level=RegionLevel.PROVINCE))
    opens_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    reminder_offsets = forms.CharField(
        label=_("提醒时点"),
        required=False,
        initial=offsets_display(DEFAULT_REMINDER_OFFSETS),
        help_text=_("正数：截止前的天数；负数：逾期的工作日数（-1 即逾期第一个工作日）；留空则不自动提醒。"),
    )

    review_levels = forms.TypedChoiceField(
        label=_("审核层级"),
        choices=REVIEW_LEVEL_CHOICES,
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,
        help_text=_("两级审核：县级或州（市）级工会初审上报，省级工会审核通过或退回初审。"),
    )

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is not None:
            self.fields["province"].queryset = provinces
        self.initial.setdefault("year", timezone.localdate().year)
        self.initial.setdefault("opens_on", timezone.localdate())

    def clean_reminder_offsets(self):
        try:
            return parse_offsets(self.cleaned_data.get("reminder_offsets") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        if "year" in data:  # a year out of range is already refused at its field
            problems = period_problems(year=data["year"], opens_on=data.get("opens_on"), deadline=data.get("deadline"))
            for field, messages in problems.items():
                for message in messages:
                    self.add_error(field, message)
        return data


class PeriodUpdateForm(forms.Form):
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_open = forms.BooleanField(label=_("开放中"), required=False)
    # absent from the request: left as it is
    review_levels = forms.TypedChoiceField(
        label=_("审核层级"), choices=REVIEW_LEVEL_CHOICES, coerce=int, required=False, empty_value=None
    )
    # absent from the request: left as it is (None); empty: no automatic reminders
    reminder_offsets = forms.CharField(label=_("提醒时点"), required=False)

    def clean_reminder_offsets(self):
        if "reminder_offsets" not in self.data:
            return None
        try:
            return parse_offsets(self.cleaned_data.get("reminder_offsets") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
