"""The API's JSON parser: DRF's, with a bound on nesting. A body nested thousands of levels deep made the standard
parser raise RecursionError (a 500); it is now a 400 naming the problem, as is any body nested deeper than
`JSON_MAX_DEPTH` (no endpoint takes more than a few levels) or holding a NUL character in a string (PostgreSQL
cannot store one). Set as REST_FRAMEWORK's DEFAULT_PARSER_CLASSES and in the views that list their parsers."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

DEFAULT_MAX_DEPTH = 32


def _problem(data, max_depth: int) -> str | None:
    """Why `data` (parsed JSON) is refused, walking it without recursion; None when it is fine."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return _("JSON 文本中不能包含 NUL 字符（\\u0000）。")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > max_depth:
            return _("JSON 嵌套层数超过 %(n)s 层。") % {"n": max_depth}
        if isinstance(value, dict):
            stack.extend((key, depth + 1) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, refusing too deep a nesting and NUL characters with a 400 (ParseError)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON 格式错误：嵌套层数过多。")) from None
        problem = _problem(data, getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))
        if problem:
            raise ParseError(problem)
        return data
