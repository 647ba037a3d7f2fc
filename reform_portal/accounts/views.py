"""The account pages: change password, set up / verify / turn off the second factor, API tokens, end all sessions."""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from reform_portal.api_auth import lockout_minutes

from . import policy, services
from .forms import OtpCodeForm, PasswordChangeForm, TokenCreateForm
from .models import ApiToken


def _next_or_home(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("home")


def _lockout(request):
    """The wrong code that reached the limit: the half-done login ends on the lockout page."""
    logout(request)
    return render(request, "registration/lockout.html", {"cooloff_minutes": lockout_minutes()}, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, must_change=policy.must_change_password(self.request.user))

    def form_valid(self, form):
        form.user._accounts_request = self.request  # the audit entry names where the change came from
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。您的 API 令牌已全部失效，其他设备上的登录已退出。"))
        return response


@login_required
def otp_setup(request):
    user = request.user
    if policy.has_device(user):
        return render(request, "accounts/otp_status.html", {"required": policy.needs_device(user)})
    device = services.otp_device_new(user=user)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            services.otp_confirm(device=device, request=request)
            otp_login(request, device)
            messages.success(request, _("双因素认证已启用。"))
            return _next_or_home(request)
        form.add_error("code", _("验证码不正确，请核对手机时间后重试。"))
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("双因素认证二维码")),
        "secret": base64.b32encode(device.bin_key).decode(),
        "required": policy.needs_device(user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_POST
def otp_disable(request):
    user = request.user
    if policy.needs_device(user):
        messages.error(request, _("您的角色必须使用双因素认证，不能关闭。"))
        return redirect("accounts:otp_setup")
    form = OtpCodeForm(request.POST)
    if not form.is_valid() or match_token(user, form.cleaned_data["code"]) is None:
        messages.error(request, _("验证码不正确，双因素认证未关闭。"))
        return redirect("accounts:otp_setup")
    services.otp_disable(user=user, request=request)
    messages.success(request, _("双因素认证已关闭。"))
    return redirect("accounts:otp_setup")


@login_required
def otp_verify(request):
    user = request.user
    if not policy.has_device(user) or user.is_verified():
        return _next_or_home(request)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return _next_or_home(request)
        # Counted by django-axes like a wrong password: enough wrong codes lock the account out.
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        if getattr(request, "axes_locked_out", False):
            return _lockout(request)
        form.add_error("code", _("验证码不正确。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def tokens(request):
    form = TokenCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.token_issue(user=request.user, name=form.cleaned_data["name"], request=request)
        form = TokenCreateForm()
    rows = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token, by=request.user, request=request)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:tokens")


@login_required
@require_POST
def logout_everywhere(request):
    services.end_all_sessions(user=request.user, request=request)
    logout(request)
    messages.info(request, _("已在所有设备上退出，所有 API 令牌已吊销。"))
    return redirect("home")  # which, logged out, leads to the login page
