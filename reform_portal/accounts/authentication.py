"""`Authorization: Token <key>` with the accounts app's expiring, hashed, revocable tokens. A missing credential on
a protected endpoint and a bad, expired or revoked token answer 401 with `WWW-Authenticate: Token`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .services import token_check

KEYWORD = "Token"


class ExpiringTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为：Token <令牌>。"))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌含有非法字符。")) from None
        token = token_check(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已被吊销。"))
        return token.user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'
