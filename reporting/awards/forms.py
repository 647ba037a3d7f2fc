"""The pages' forms: a round (its quota typed as one "州（市）代码: 名额" per line) and a decision on a candidate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal.text_limits import NOTE_MAX_CHARS

from .choices import Decision
from .services import QUOTA_MAX, YEAR_MAX, YEAR_MIN

QUOTA_LINES_MAX = 100


class RoundForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如“2026年度五一劳动奖状推荐”"))
    year = forms.IntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    level = forms.CharField(label=_("级别"), max_length=20, help_text=_("如“省级”“市级”"))
    province = forms.TypedChoiceField(label=_("省份"), coerce=int)
    quota = forms.CharField(
        label=_("各州（市）名额"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个：州（市）代码: 名额，如“530100: 3”"),
    )

    def __init__(self, *args, provinces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [(p.pk, p.name) for p in provinces]

    def clean_quota(self):
        quota = {}
        lines = [line.strip() for line in self.cleaned_data["quota"].splitlines() if line.strip()]
        if len(lines) > QUOTA_LINES_MAX:
            raise forms.ValidationError(_("名额最多 %(n)s 行。") % {"n": QUOTA_LINES_MAX})
        for line in lines:
            code, sep, n = line.replace("：", ":").partition(":")
            code, n = code.strip(), n.strip()
            if not sep or not code or not n.isdigit() or int(n) > QUOTA_MAX:
                raise forms.ValidationError(_("无法识别“%(line)s”：应为“州（市）代码: 名额”。") % {"line": line[:40]})
            quota[code] = int(n)
        return quota


class DecisionForm(forms.Form):
    enterprise = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(label=_("决定"), choices=Decision.choices)
    reason = forms.CharField(label=_("理由"), max_length=NOTE_MAX_CHARS, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.STRIKE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("剔除须说明理由。"))
        return data
