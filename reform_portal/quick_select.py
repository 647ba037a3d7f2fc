"""Select widgets that write their options in Python, for the filter forms of the enterprise list and the dashboard
(docs/performance/lists.md).

Django renders each option of a select through a template of its own, and crispy-forms its fields through several:
the list's filter form (a province's counties and groups, the regions, industries, documents, sorts) took about half
of the list page's time. These widgets keep Django's choices, groups, selection and attributes and write the same
HTML with `format_html`."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            # an option's attributes as Django's template writes them: `selected`, and any a widget adds
            # (reporting.filters.CountySelect's data-prefecture)
            html = format_html_join(
                "", '<option value="{}"{}>{}</option>', ((o["value"], flatatt(o["attrs"]), o["label"]) for o in options)
            )
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, html) if group else html)
        attrs = {**widget["attrs"], "multiple": True} if self.allow_multiple_selected else widget["attrs"]
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(attrs), mark_safe("".join(parts)))


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickSelectMixin, forms.SelectMultiple):
    pass


def quicken(form: forms.Form) -> None:
    """Give `form`'s selects the quick widgets (same choices and attributes) and Bootstrap's classes."""
    for field in form.fields.values():
        old = field.widget
        # plain selects only: a filter's own widget (the sort's CSV widget) reads its value its own way
        if type(old) in (forms.Select, forms.SelectMultiple):
            quick = QuickSelectMultiple if old.allow_multiple_selected else QuickSelect
            field.widget = quick(attrs={**old.attrs, "class": "form-select"}, choices=old.choices)
            field.widget.is_required = old.is_required
        elif isinstance(old, forms.CheckboxSelectMultiple):
            old.attrs.setdefault("class", "form-check-input")
        elif isinstance(old, forms.Select):
            old.attrs.setdefault("class", "form-select")
        elif not isinstance(old, QuickSelectMixin):
            old.attrs.setdefault("class", "form-control")
