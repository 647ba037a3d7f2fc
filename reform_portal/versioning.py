"""The version / If-Match contract, the same for every row people edit: progress, indicator values, enterprises,
and the self-assessment (the form and each of its answers).

Each such row carries `version`, which rises with every change. An editor sends back the version it read; a
write based on an older one is refused with `StaleEdit`, which carries the row as it is now:

- the services call `check_version(current, expected_version, label=…)` on the row they locked;
- the pages catch `StaleEdit` and show the current values beside the editor's own (theirs vs mine);
- the API reads the version with `version_read` (the body's `version`, else an `If-Match` header: `3`, `"3"` or
  `W/"3"`; absent or malformed: 400 naming `version`) and answers a `StaleEdit` with `stale_response`, always
  the same 409 body: `{"detail": "<message>", "code": "stale", "current": {<the row as GET returns it>}}`
  (`current` is null when the row the client read is gone).
"""

from collections.abc import Callable, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

STALE_CODE = "stale"


class StaleEdit(Exception):
    """The row changed since the editor read it. `current` is the row as it is now (None: it is gone), `label`
    names it for a person (a measure, an enterprise, an indicator), `message` says what happened."""

    status_code = 409

    def __init__(self, current, *, label: str):
        self.current = current
        self.label = label
        self.message = _("“%(label)s”已在别处被修改（可能是另一个窗口），请刷新后再改。") % {"label": label}
        super().__init__(self.message)


def check_version(current, expected_version: int | None, *, label: str | Callable[[], str]) -> None:
    """Refuse an edit based on another version than `current.version`. None: the caller checks nothing (an
    import, the admin, the system). `label` may be a function, called only for a stale edit (when naming the
    row costs a query)."""
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, label=label() if callable(label) else label)


def parse_version(raw) -> int | None:
    """The version in `raw` (an integer, or its digits as text, possibly quoted as an ETag: `"3"`, `W/"3"`); None
    when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if not isinstance(raw, str):
        return None
    text = raw.strip().removeprefix("W/")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    # isdecimal, not isdigit: '³'.isdigit() is true but int('³') raises
    if not text.isdecimal() or len(text) > 18:
        return None
    return int(text)


MISSING_VERSION = gettext_lazy("请发送读取时的版本号（version 字段或 If-Match 头），以免覆盖他人的修改。")
MALFORMED_VERSION = gettext_lazy('版本号应为读取时得到的整数（version 字段，或 If-Match 头，如 "3"）。')
VERSION_HELP = gettext_lazy("读取时的版本号（也可用 If-Match 头发送）；版本不符时返回 409 和当前值。")


@extend_schema_field(OpenApiTypes.INT)
class VersionField(serializers.Field):
    """The `version` of a row: written by the server, sent back by the client with a write (parsed by
    `parse_version`, so the body and the If-Match header accept the same)."""

    default_error_messages = {"invalid": MALFORMED_VERSION}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", VERSION_HELP)
        kwargs.setdefault("allow_null", True)  # null: not sent (version_read then tries If-Match)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int | None:
        if isinstance(data, str) and not data.strip():
            return None  # a blank form field: not sent, as null
        version = parse_version(data)
        if version is None:
            self.fail("invalid")
        return version

    def to_representation(self, value) -> int:
        return int(value)


def version_read(request, data: Mapping) -> int:
    """The version the client read: `version` in the validated body (a `VersionField`), else the `If-Match`
    header. A write without one is a 400 naming `version`: it could silently overwrite someone else's change."""
    version = data.get("version")
    if version is not None:
        return version
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ValidationError({"version": [str(MISSING_VERSION)]})
    version = parse_version(header)
    if version is None:
        raise ValidationError({"version": [str(MALFORMED_VERSION)]})
    return version


def etag(version: int) -> str:
    """The ETag header of a row at `version` (what If-Match sends back)."""
    return f'"{version}"'


class ETagOnRetrieve:
    """A viewset mixin: the detail (GET) answers the row's version as its ETag, for the next write's If-Match."""

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response


def stale_response(exc: StaleEdit, *, current: Mapping | None) -> Response:
    """The one 409 body: the message, `"code": "stale"`, and the row as it is now, serialized as GET returns it."""
    body = {"detail": exc.message, "code": STALE_CODE, "current": current}
    headers = {"ETag": etag(current["version"])} if current and "version" in current else None
    return Response(body, status=status.HTTP_409_CONFLICT, headers=headers)


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy('读取时的版本号（可代替请求体中的 version），如 "3"'),
)


def stale_schema(name: str, current) -> serializers.Serializer:
    """The 409 body for the API schema, with `current` (a serializer instance) as the row's shape."""
    return inline_serializer(
        name,
        fields={
            "detail": serializers.CharField(),
            "code": serializers.CharField(help_text=f'always "{STALE_CODE}"'),
            "current": current,
        },
    )
