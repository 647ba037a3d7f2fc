"""Refuses, in one place, a request whose path, query string or form body holds a NUL character: PostgreSQL cannot
store or compare one, so a `%00` in a filter or a field reached the database and answered 500. Now it is a 400
(JSON for the API, a short page otherwise) before any view runs. JSON bodies are checked by the API's parser
(reform_portal.json_parser); a multipart form's text fields are checked once parsed, before the view.
"""

from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"


def _has_nul(raw: str | bytes) -> bool:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    return b"\x00" in raw or b"\x00" in unquote_to_bytes(raw.replace(b"+", b" "))


def _refusal(request):
    message = _("请求中含有不允许的字符（NUL）。")
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "nul_character"}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class NulByteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.path_info) or _has_nul(request.META.get("QUERY_STRING", "")):
            return _refusal(request)
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == FORM_TYPE:
            if _has_nul(request.body):  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
                return _refusal(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A multipart form's text fields, once parsed by the upload handlers (the CSRF check parses them at this
        # point anyway; DRF reads a body parsed before it). Files are not text: their content is checked elsewhere.
        if request.method == "POST" and request.content_type == MULTIPART_TYPE:
            if any("\x00" in key + "".join(values) for key, values in request.POST.lists()):
                return _refusal(request)
        return None
