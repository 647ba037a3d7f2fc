"""Indicator values in templates, as measures/indicator_values.py shows them everywhere (pages, PDF, workbook).

{% load indicators %}
{{ row.value|indicator_value:row.indicator|default:"—" }}    是/否, 12个, 60%, 2024-03-01, a text
{{ row.value|indicator_verdict:row.indicator }}               达标 / 未达标 / 仅统计 (empty: nothing to judge)
{% indicator_input row.indicator "value" row.value %}         the input of the indicator's kind
"""

from django import template

from ..forms import indicator_value_widget
from ..indicator_values import derived_source, value_display, value_input, verdict_display

register = template.Library()


@register.filter
def indicator_value(value, indicator) -> str:
    """`value` (an IndicatorValue, an answer, a number, a text or None) of `indicator` as it reads."""
    if indicator is None:
        return "" if value is None else str(value)
    return value_display(indicator, value)


@register.filter
def indicator_verdict(value, indicator) -> str:
    return verdict_display(indicator, value)


@register.filter
def indicator_source(indicator) -> str:
    """Where a derived indicator's value comes from (empty for one that is typed in)."""
    return derived_source(indicator)


@register.simple_tag
def indicator_input(indicator, name, value=None, css_class="form-control form-control-sm", **attrs):
    """The input of `indicator`'s kind named `name`, holding `value` (as typed back: 1/0, 60, a date, a text)."""
    css = "form-select form-select-sm" if indicator.kind == "boolean" else css_class
    attrs = {"class": f"{css} {attrs.pop('extra_class', '')}".strip(), "id": attrs.pop("id", f"id_{name}"), **attrs}
    widget = indicator_value_widget(indicator, attrs=attrs)
    return widget.render(name, value_input(indicator, value))
