"""The API's answers about authentication, as precise JSON errors (the views are in reform_portal/accounts/api.py)."""

from django.conf import settings
from rest_framework.response import Response


def auth_error(code: str, detail: str, status: int, **extra) -> Response:
    """`{"detail", "code", …}` with `status`: 400 bad credentials or code, 403 a step to do on the web first,
    429 locked out."""
    return Response({"detail": detail, "code": code, **extra}, status=status)


def lockout_minutes() -> int:
    return round(float(settings.AXES_COOLOFF_TIME or 0) * 60)
