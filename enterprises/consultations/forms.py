"""The pages' forms. They check the shape of what is typed; the rules (scope, access, lengths, files) are the
services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import (
    ANSWER_TEXT_MAX_CHARS,
    BODY_MAX_CHARS,
    MAX_FILES,
    RATING_MAX,
    RATING_MIN,
    TITLE_MAX_CHARS,
    Topic,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _files():
    return MultipleFileField(
        label=_("附件"), help_text=_("最多 %(n)s 个：PDF、图片、Word 或 Excel 文件") % {"n": MAX_FILES}
    )


def _text(label, limit, rows=4, required=True):
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


class AskForm(forms.Form):
    enterprise = forms.TypedChoiceField(label=_("企业"), coerce=int)
    topic = forms.ChoiceField(label=_("问题类别"), choices=Topic.choices)
    measure = forms.TypedChoiceField(label=_("相关措施"), coerce=int, required=False, empty_value=None)
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX_CHARS)
    body = _text(_("问题内容"), BODY_MAX_CHARS, rows=6)
    files = _files()

    def __init__(self, *args, enterprises=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [(e.pk, e.name) for e in enterprises]
        self.fields["measure"].choices = [("", _("（不涉及具体措施）"))] + [(m.pk, m.label) for m in measures]
        if len(self.fields["enterprise"].choices) == 1:
            self.fields["enterprise"].widget = forms.HiddenInput()
            self.initial.setdefault("enterprise", self.fields["enterprise"].choices[0][0])


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class AnswerForm(VersionedForm):
    text = _text(_("答复内容"), ANSWER_TEXT_MAX_CHARS, rows=5)
    files = _files()


class ForwardUpForm(VersionedForm):
    note = _text(_("转交说明"), BODY_MAX_CHARS, rows=2, required=False)


class ForwardLiaisonForm(VersionedForm):
    user = forms.TypedChoiceField(label=_("联络员 / 指导员"), coerce=int)
    note = _text(_("转交说明"), BODY_MAX_CHARS, rows=2, required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, u.get_full_name() or u.username) for u in users]


class FollowUpForm(VersionedForm):
    text = _text(_("追问内容"), BODY_MAX_CHARS, rows=3)
    files = _files()


class RateForm(VersionedForm):
    rating = forms.TypedChoiceField(
        label=_("评价"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(RATING_MAX, RATING_MIN - 1, -1)],
        widget=forms.RadioSelect,
    )
    comment = _text(_("评价意见"), BODY_MAX_CHARS, rows=2, required=False)


class FaqForm(forms.Form):
    """Publish (or edit) an FAQ entry: the officer rewrites the question and the answer without names."""

    measure = forms.TypedChoiceField(label=_("措施"), coerce=int)
    title = forms.CharField(
        label=_("问题（已去除企业和提问人信息）"),
        max_length=TITLE_MAX_CHARS,
        help_text=_("发布前请删去企业名称、人名等信息"),
    )
    answer = _text(_("答复"), ANSWER_TEXT_MAX_CHARS, rows=6)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(m.pk, m.label) for m in measures]
