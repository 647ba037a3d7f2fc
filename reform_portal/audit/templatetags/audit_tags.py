import json

from django import template

from ..choices import label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return label(action)


@register.filter
def details_text(details) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""
