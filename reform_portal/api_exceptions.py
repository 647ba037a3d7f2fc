"""The API's exception handler: DRF's, with the machine-readable `code` beside every `detail`.

A refusal raised as an exception (a malformed JSON body or a NUL character: `parse_error`; no token:
`not_authenticated`; `permission_denied`, `not_found`, `throttled`…) answers `{"detail": "…", "code": "…"}`, the
shape `api_schema.ERROR` declares, so a client can branch on the code whatever the operation (the token endpoints
declare `code` as required). Field errors (`{"field": ["…"]}`) are left as they are."""

from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    if isinstance(response.data, dict) and set(response.data) == {"detail"}:
        code = exc.get_codes()
        if isinstance(code, str):
            response.data["code"] = code
    return response
