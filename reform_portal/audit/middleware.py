"""Two things the audit log needs from every request: the request itself, for entries written by code that was not
handed it (`services.record`), and every refusal (403), pages and API alike, recorded in this one place."""

import logging

from django.db import DatabaseError
from django.urls import Resolver404, resolve

from . import choices
from .services import _current_request, record

logger = logging.getLogger(__name__)


class AuditRequestMiddleware:
    """Keeps the request for `record()` and records each 403 the request is answered with: who, the method and
    path (in the entry's columns) and, if the URL names one, the object's id. It runs after the view's transaction
    has ended (the portal does not use ATOMIC_REQUESTS; check audit.E001), so the refusal stays on record when the
    view's work was rolled back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                try:
                    record(choices.PERMISSION_DENIED, request=request, details=_refusal_details(request))
                except DatabaseError:  # the refusal stands; a 500 instead of it would put nothing more on record
                    logger.exception("audit: the refusal of %s %s could not be recorded", request.method, request.path)
            return response
        finally:
            _current_request.reset(token)


def _refusal_details(request) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    details = {"view": match.view_name if match else ""}
    if match and match.kwargs:
        details["object"] = {key: str(value)[:64] for key, value in match.kwargs.items()}
    return details
