from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态验证码"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("身份验证器应用中显示的 6 位数字。"),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError(_("验证码应为数字。"))
        return code


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100, help_text=_("用于识别令牌的用途，例如“数据同步脚本”。"))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, and the new password must differ from the old one (the first-login change must change it)."""

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError(_("新密码不能与原密码相同。"), code="password_unchanged")
        return password
