"""A request larger than its upload limit is refused before anything of it is stored.

- `RequestSizeLimitMiddleware` (early in MIDDLEWARE) answers 413 when the declared Content-Length passes the limit
  for the path, before the body is read; 411 when a body comes without a length (chunked): Django would not read it
  anyway, and the user gets a reason instead of an empty form. For a multipart body it then has the upload parsed at
  once, so that the handler below can refuse it before any view runs.
- `UploadLimitHandler` (first of FILE_UPLOAD_HANDLERS) counts the bytes as they stream in: a file past the per-file
  limit is not kept (its remaining bytes are dropped, the view receives an `OversizedUpload` that carries only its
  name and size, and `uploads.check_upload` refuses it with the usual "文件过大" message next to the field); a body
  whose files pass the request limit stops the upload (`StopUpload`), and the middleware answers 413.

The limit of a path: the import page takes IMPORT_MAX_BYTES, every other path EVIDENCE_MAX_BYTES (the largest
legitimate file), plus UPLOAD_FORM_OVERHEAD_BYTES for the form around it.
"""

import io
import json

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.html import escape
from django.utils.translation import gettext as _

# Views whose uploads have their own limit (a setting's name) instead of EVIDENCE_MAX_BYTES.
FILE_LIMIT_BY_VIEW = {"enterprises:import": "IMPORT_MAX_BYTES"}


def file_limit(path: str) -> int:
    """The largest file a request to this path may carry."""
    try:
        view_name = resolve(path).view_name
    except Resolver404:
        view_name = ""
    return getattr(settings, FILE_LIMIT_BY_VIEW.get(view_name, "EVIDENCE_MAX_BYTES"))


def request_limit(path: str) -> int:
    return file_limit(path) + settings.UPLOAD_FORM_OVERHEAD_BYTES


def _refusal(request, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        body = json.dumps({"detail": message, "code": "too_large" if status == 413 else "length_required"})
        response = HttpResponse(body, status=status, content_type="application/json")
    else:
        page = (
            '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{title}</title>'
            "<body><h1>{title}</h1><p>{message}</p><p>{back}</p></body></html>"
        ).format(title=escape(_("文件过大")), message=escape(message), back=escape(_("请返回上一页重新选择文件。")))
        response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    # The body was not read. No "Connection: close" here: it is a hop-by-hop header, which a WSGI application may not
    # set (wsgiref, hence runserver and the live test server, answer 500); the server discards or closes instead.
    return response


def _too_large(request, limit: int) -> HttpResponse:
    return _refusal(
        request,
        413,
        _("上传内容过大，单个文件不能超过 %(max)s，文件未保存。请压缩或拆分后重新上传。")
        % {"max": filesizeformat(file_limit(request.path_info))},
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request_limit(request.path_info)
        request.upload_limits = (file_limit(request.path_info), limit)
        declared = request.META.get("CONTENT_LENGTH")
        try:
            length = int(declared) if declared else None
        except ValueError:
            length = None  # Django refuses a malformed length itself
        if length is not None and length > limit:
            return _too_large(request, limit)
        if length is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refusal(request, 411, _("请求缺少长度信息（Content-Length），无法接收文件，请重新上传。"))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Parse a multipart body here, before CSRF and the view, so an upload the handler stopped is answered
        with 413 and reaches no view."""
        if request.method not in ("POST", "PUT", "PATCH") or request.content_type != "multipart/form-data":
            return None
        try:
            request.FILES  # noqa: B018 - parsing is the point
        except MultiPartParserError:
            return _refusal(request, 400, _("上传的数据格式不正确，请重新上传。"))
        if getattr(request, "upload_stopped", False):
            return _too_large(request, request.upload_limits[1])
        return None


class OversizedUpload(UploadedFile):
    """What is left of a file past the per-file limit: its name and its real size, no content. `check_upload`
    refuses it by its size before reading anything."""

    def __init__(self, name, content_type, size, charset, content_type_extra):
        super().__init__(io.BytesIO(b""), name, content_type, size, charset, content_type_extra)


class UploadLimitHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limits = getattr(self.request, "upload_limits", None) if self.request is not None else None
        self.file_max, self.request_max = limits or (settings.EVIDENCE_MAX_BYTES, request_limit("/"))
        self.total = 0

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.total > self.request_max:
            if self.request is not None:
                self.request.upload_stopped = True
            raise StopUpload(connection_reset=True)
        if self.received > self.file_max:
            self.oversized = True
        # Past the per-file limit nothing more is handed on to the handlers that keep the bytes.
        return None if self.oversized else raw_data

    def file_complete(self, file_size):
        if not self.oversized:
            return None  # the next handler (memory or temporary file) returns the file
        # The handlers after this one hold the first file_max bytes: dropped (a temporary file is deleted on close).
        for handler in getattr(self.request, "upload_handlers", ()):
            if handler is not self and getattr(handler, "file", None) is not None:
                handler.file.close()
        return OversizedUpload(self.file_name, self.content_type, self.received, self.charset, self.content_type_extra)
