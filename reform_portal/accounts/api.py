"""The token API: POST /api/auth/token/ (log in: password, and the code for users who have or need a second
factor), DELETE /api/auth/token/ (revoke the token used), GET /api/auth/tokens/ and GET/DELETE
/api/auth/tokens/{id}/ (one's own tokens)."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext as _
from django_otp import match_token
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from reform_portal.api_auth import auth_error, lockout_minutes

from . import policy, services
from .authentication import ExpiringTokenAuthentication
from .models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="动态验证码：已启用或必须启用双因素认证的账号必填"
    )
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="令牌名称（可选）")


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="只显示这一次；以 `Authorization: Token <令牌>` 发送")
    expires = serializers.DateTimeField()


class TokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token) -> bool:
        return self.context["request"].auth == token


ERROR = inline_serializer("AuthError", {"detail": serializers.CharField(), "code": serializers.CharField()})


def _locked():
    return auth_error(
        "locked_out",
        _("登录失败次数过多，账号已被暂时锁定，请 %(minutes)d 分钟后再试或联系管理员解锁。")
        % {"minutes": lockout_minutes()},
        status.HTTP_429_TOO_MANY_REQUESTS,
    )


class ObtainTokenView(APIView):
    """POST username and password (and `otp`), get `{"token", "expires"}` to send as `Authorization: Token …`."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenIssuedSerializer,
            400: OpenApiResponse(ERROR, description="用户名、密码或动态验证码不正确"),
            403: OpenApiResponse(ERROR, description="须先在网页上启用双因素认证或修改初始密码"),
            429: OpenApiResponse(ERROR, description="失败次数过多，已锁定"),
        },
        auth=[],
    )
    def post(self, request):
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data, django_request = form.validated_data, request._request
        username = data["username"]
        user = authenticate(request=django_request, username=username, password=data["password"])
        if getattr(django_request, "axes_locked_out", False):
            return _locked()
        if user is None:
            return auth_error("invalid_credentials", _("用户名或密码不正确。"), status.HTTP_400_BAD_REQUEST)
        if policy.asks_second_factor(user):
            if not policy.has_device(user):
                return auth_error(
                    "otp_setup_required",
                    _("您的账号须启用双因素认证，请先在网页上完成设置。"),
                    status.HTTP_403_FORBIDDEN,
                )
            code = "".join(data.get("otp", "").split())
            if not code:
                return auth_error("otp_required", _("请在 otp 字段中提供动态验证码。"), status.HTTP_400_BAD_REQUEST)
            if match_token(user, code) is None:
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=django_request)
                if getattr(django_request, "axes_locked_out", False):
                    return _locked()
                return auth_error("otp_invalid", _("动态验证码不正确。"), status.HTTP_400_BAD_REQUEST)
        if policy.must_change_password(user):
            return auth_error("password_change_required", _("请先在网页上修改初始密码。"), status.HTTP_403_FORBIDDEN)
        token, key = services.token_issue(user=user, name=data.get("name", ""), request=django_request)
        return Response({"token": key, "expires": token.expires_at})

    @extend_schema(request=None, responses={204: None, 400: OpenApiResponse(ERROR), 401: OpenApiResponse(ERROR)})
    def delete(self, request):
        """Revoke the token this request was sent with."""
        if not isinstance(request.auth, ApiToken):
            raise NotAuthenticated(_("请以要吊销的令牌认证此请求。"))
        services.token_revoke(token=request.auth, by=request.user, reason="logout", request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(generics.ListAPIView):
    """The live tokens of the user making the request."""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        return ApiToken.objects.live().filter(user=self.request.user).order_by("-created_at", "-pk")


class TokenDetailView(generics.RetrieveDestroyAPIView):
    """One of one's own live tokens; DELETE revokes it (another user's token is a 404)."""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return ApiToken.objects.live().filter(user=self.request.user)

    def perform_destroy(self, instance):
        services.token_revoke(token=instance, by=self.request.user, request=self.request._request)
