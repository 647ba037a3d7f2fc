from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ChannelKind

MINE = "mine"


class ChannelForm(forms.Form):
    """A robot: whose (create only: the user's own, or a region the user manages), kind, name, address, secret."""

    owner = forms.ChoiceField(label=_("所属"), required=True)
    kind = forms.ChoiceField(label=_("类型"), choices=ChannelKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如“昆明市总工会工作群”"))
    webhook_url = forms.CharField(
        label=_("Webhook 地址"),
        max_length=500,
        help_text=_("群机器人设置中复制的完整地址（https://qyapi.weixin.qq.com/… 或 https://oapi.dingtalk.com/…）"),
    )
    secret = forms.CharField(
        label=_("签名密钥（仅钉钉“加签”）"),
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, region_choices=(), channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel is not None:  # who owns a robot does not change; the secret is never shown back
            del self.fields["owner"]
            self.fields["secret"].help_text = (
                _("已设置（%(hint)s）；留空则保持不变，填写则替换。") % {"hint": channel.secret_hint}
                if channel.secret
                else _("未设置；企业微信机器人请留空。")
            )
            self.fields["webhook_url"].help_text = _("当前：%(url)s；留空则保持不变。") % {"url": channel.url_display}
            self.fields["webhook_url"].required = False
            self.fields["clear_secret"] = forms.BooleanField(label=_("清除签名密钥"), required=False)
        else:
            self.fields["owner"].choices = [(MINE, _("我自己的群（个人渠道）"))] + [
                (str(pk), _("%(name)s（区域渠道）") % {"name": name}) for pk, name in region_choices
            ]

    def channel_data(self) -> dict:
        """The fields the services take: an empty address or secret on an edit keeps the stored one."""
        data = {k: self.cleaned_data[k] for k in ("kind", "name", "webhook_url", "secret", "active")}
        if self.channel is not None:
            if not data["webhook_url"]:
                del data["webhook_url"]
            if self.cleaned_data.get("clear_secret"):
                data["secret"] = ""
            elif not data["secret"]:
                data["secret"] = None
        return data
