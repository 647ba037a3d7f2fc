"""The API schema declares every answer the API gives, so that a client generated from it can read them all
(tests/test_api_fuzz.py checks status codes, content types and bodies against it over the whole schema).

Views declare their own successes and the answers particular to them (409 for a stale edit, 400 for a refused
file…). The refusals any operation may give are declared here once, by a drf-spectacular postprocessing hook:
400 (a malformed request: a NUL character, JSON nested too deep, a field refused), 401 (no or a bad token),
403 (not allowed), 404 (out of the user's reach or no such page), 413 (a body over the upload limit), 429 (too
many failed logins)."""

from django.utils.translation import gettext_lazy as _

ERROR = {
    "type": "object",
    "description": "拒绝的原因：detail（说明）和 code（机器可读的代码）",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}
# Field errors ({"field": ["message"]}), a detail ({"detail": "…"}) or a list of messages.
VALIDATION_ERRORS = {
    "oneOf": [{"type": "object", "additionalProperties": True}, {"type": "array", "items": {"type": "string"}}],
    "description": "按字段列出的错误（{字段: [说明]}），或 detail",
}
DESCRIPTIONS = {
    "400": _("请求有误：字段未通过校验、JSON 格式错误或嵌套过深、含 NUL 字符"),
    "401": _("未登录、令牌无效或已过期"),
    "403": _("无权执行此操作"),
    "404": _("不存在或不在您的范围内；或页码超出范围"),
    "413": _("请求体超过上传大小限制"),
    "429": _("登录失败次数过多，账号或地址已被暂时锁定"),
}
WITH_BODY = {"post", "put", "patch"}
METHODS = {"get", "post", "put", "patch", "delete"}


def _response(code: str) -> dict:
    schema = (
        {"$ref": "#/components/schemas/ValidationErrors"} if code == "400" else {"$ref": "#/components/schemas/Error"}
    )
    return {"description": str(DESCRIPTIONS[code]), "content": {"application/json": {"schema": schema}}}


def declare_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation declares the refusals any request may get."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationErrors", VALIDATION_ERRORS)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "429"] + (["413"] if method in WITH_BODY else [])
            for code in codes:
                responses.setdefault(code, _response(code))
    return result
