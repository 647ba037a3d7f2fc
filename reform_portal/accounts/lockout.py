"""What a locked-out login gets (settings.AXES_LOCKOUT_CALLABLE): the API keeps the precise JSON error its view
wrote (429, code "locked_out"); a page gets registration/lockout.html in Chinese, with status 429."""

from django.shortcuts import render

from reform_portal.api_auth import lockout_minutes


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/") and original_response is not None and original_response.status_code == 429:
        return original_response
    return render(request, "registration/lockout.html", {"cooloff_minutes": lockout_minutes()}, status=429)
