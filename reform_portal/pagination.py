"""The API lists' pagination: page numbers by default, keyset (cursor) pages when the client asks (docs/pagination.md).

Page mode (`?page=`) answers `{count, next, previous, next_cursor, results}` as always. It pages the ids first
(`paging.IdsFirstPaginator`): the query that sorts and skips selects the ids alone, the page's rows are then read by
their ids; a count of 5,000 or more is kept a minute; a page past the middle is read from the end of the list in
reverse order (the last page skips nothing). A page in the middle still skips half the list's ids (docs/pagination.md).

Cursor mode (`?cursor=`, empty for the first page) walks the list's ids in primary-key order from the last row seen
— `WHERE pk > last ORDER BY pk LIMIT n+1` on the primary key's index — then reads the page's rows by their ids, so
page 1,000 costs what page 1 costs; it answers `{next, previous, results}` without a count. The token only holds an
ordering value (the boundary row's id) and a direction: filters and the access scope are applied afresh on every
request, so a token taken from another user's list reveals nothing.
"""

import base64
import binascii
import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .paging import IdsFirstPaginator, in_order

FORWARD, BACKWARD = "n", "p"


def encode_cursor(pk, direction: str) -> str:
    raw = json.dumps({"pk": pk, "d": direction}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, pk_field) -> tuple:
    """(pk, direction) of a token; ValidationError (400) naming `cursor` when it is not one this API gave."""
    refusal = ValidationError({"cursor": [_("游标无效：请使用上一页答复中 next 或 previous 给出的链接。")]})
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        pk, direction = data["pk"], data["d"]
        if direction not in (FORWARD, BACKWARD) or isinstance(pk, (bool, dict, list)) or pk is None:
            raise refusal
        pk = pk_field.to_python(pk)
        pk_field.get_prep_value(pk)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, DjangoValidationError):
        raise refusal from None
    if isinstance(pk, int) and not -(2**63) <= pk < 2**63:  # beyond bigint: PostgreSQL would refuse the query
        raise refusal
    return pk, direction


def _replace_query(url: str, **params) -> str:
    """`url` with `params` set (None removes one) and the page-mode-only parameters dropped as told."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in params]
    pairs += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit((scheme, netloc, path, urlencode(pairs), fragment))


def with_tie(qs):
    """`qs` with the primary key as the last sort key (ties between equal values always in the same order: a page
    read from the end of the list is then exactly the one read from its start)."""
    order = list(qs.query.order_by) or list(qs.model._meta.ordering)
    last = order[-1] if order else None
    return qs if last in ("pk", "-pk", "id", "-id") else qs.order_by(*order, "pk")


def _as_listed(rows):
    return rows


class IdsFirstPagePaginator(IdsFirstPaginator):
    """The page mode's paginator: the ids of the page (sorted and skipped over the ids alone, from the nearer end of
    the list), then the page's rows by those ids with what the view selects and prefetches (`page_rows`, below)."""

    def __init__(self, object_list, per_page, page_rows=_as_listed, **kwargs):
        if hasattr(object_list, "query"):
            object_list = with_tie(object_list)
            rows = page_rows(object_list.order_by())
            fetch = lambda ids: in_order(rows, ids)  # noqa: E731
        else:  # a list: sliced as it is
            fetch = None
        super().__init__(object_list, per_page, fetch=fetch, **kwargs)

    def page(self, number, **kwargs):
        if self.fetch is None:
            return super(IdsFirstPaginator, self).page(number)
        return super().page(number, **kwargs)


class PortalPagination(PageNumberPagination):
    """Pages of 50; `page_size` from 1 to 500 (the schema says so; a larger one is cut to 500). A page past the last
    is a 404 (declared by reform_portal.api_schema). With `?cursor=` the list is walked by keyset instead (above).

    A list's pagination may name what its page's rows carry beyond the list's own columns, as `page_rows(queryset)`
    (e.g. the names of related rows as annotations): only the page's rows are read so, never the rows the walk or
    the sort passes over."""

    page_rows = staticmethod(_as_listed)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"
    ordering_query_param = "ordering"

    def django_paginator_class(self, object_list, per_page):  # DRF builds its paginator with this
        return IdsFirstPagePaginator(object_list, per_page, page_rows=self.page_rows)

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_mode = self.cursor_query_param in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        return self._paginate_by_cursor(queryset, request)

    def _paginate_by_cursor(self, queryset, request):
        self.request = request
        if request.query_params.get(self.ordering_query_param):
            raise ValidationError(
                {self.ordering_query_param: [_("游标分页按 id 排序，不能同时指定 ordering；请改用页码分页。")]}
            )
        size = self.get_page_size(request)
        token = request.query_params[self.cursor_query_param]
        pk_field = queryset.model._meta.pk
        position, direction = decode_cursor(token, pk_field) if token else (None, FORWARD)
        if direction == FORWARD:
            walk = queryset.order_by("pk")
            walk = walk.filter(pk__gt=position) if position is not None else walk
        else:
            walk = queryset.order_by("-pk").filter(pk__lt=position)
        # The page's ids first (the walk reads no column it does not filter on), then its rows by those ids.
        ids = list(walk.values_list("pk", flat=True)[: size + 1])  # one more tells whether there is a further page
        more = len(ids) > size
        ids = ids[:size]
        if direction == BACKWARD:
            ids.reverse()
        rows = in_order(self.page_rows(queryset.order_by()), ids)
        # Going forward, a page exists behind us when we came from somewhere; going back, ahead of us always.
        self.has_next = more if direction == FORWARD else True
        self.has_previous = position is not None if direction == FORWARD else more
        self.cursor_rows = rows
        return rows

    def _cursor_link(self, token: str) -> str:
        return _replace_query(
            self.request.build_absolute_uri(),
            **{self.cursor_query_param: token, self.page_query_param: None, self.ordering_query_param: None},
        )

    def get_next_cursor_link(self):
        """In page mode: the first cursor page of the same filtered list. Cursor pages go in id order, not in the page
        mode's order, so a client switching walks from the start rather than from this page's last row."""
        return self._cursor_link("")

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return Response(
                {
                    "count": self.page.paginator.count,
                    "next": self.get_next_link(),
                    "previous": self.get_previous_link(),
                    "next_cursor": self.get_next_cursor_link(),
                    "results": data,
                }
            )
        rows = self.cursor_rows
        return Response(
            {
                "next": self._cursor_link(encode_cursor(rows[-1].pk, FORWARD)) if rows and self.has_next else None,
                "previous": (
                    self._cursor_link(encode_cursor(rows[0].pk, BACKWARD)) if rows and self.has_previous else None
                ),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "example": 123, "description": _("总条数（仅页码分页）")},
                "next": {**link, "description": _("下一页的链接（两种分页都有）")},
                "previous": {**link, "description": _("上一页的链接（两种分页都有）")},
                "next_cursor": {**link, "description": _("同一筛选列表的游标分页第一页（仅页码分页）")},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1})
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _(
                    "游标分页：空值取第一页，之后使用答复中 next / previous 的链接；按 id 排序，不计总数，"
                    "不能与 ordering 同用（docs/pagination.md）"
                ),
                "schema": {"type": "string"},
            }
        )
        return parameters
