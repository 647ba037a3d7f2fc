"""Select widgets that write their options in Python, for the filter forms of the enterprise list and the dashboard
(docs/performance/lists.md).

Django renders each option of a select through a template of its own, and crispy-forms its fields through several:
the list's filter form (a province's counties and groups, the regions, industries, documents, sorts) took about half
of the list page's time. These widgets keep Django's choices, groups, selection and attributes and write the same
HTML in plain f-strings (Django's `format_html` and `flatatt`, asked once per option, were most of what was left:
a province's 129 counties took 14 ms to write; tests/test_quick_select.py compares both)."""

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _text(value) -> str:
    """`conditional_escape` without its lazy-argument wrapper (asked for every option): safe HTML as it is, anything
    else escaped."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _attributes(attrs: dict) -> str:
    """`flatatt`: `name="value"` for each attribute, the name alone for True, nothing for False or None."""
    return "".join(
        f" {k}" if v is True else f' {k}="{_text(v)}"' for k, v in attrs.items() if v is not False and v is not None
    )


class QuickSelectMixin:
    """Writes what Django's select template writes: the same options, groups, selection (the first matching option
    of a single select, every one of a multiple) and attributes, from `self.choices` directly."""

    def option_attrs(self, value) -> dict:
        """Attributes of one option beyond `selected` (a subclass adds its own: CountySelect's data-prefecture)."""
        return {}

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        multiple = self.allow_multiple_selected
        any_selected = False
        parts = []
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, (list, tuple))
            options = []
            for option_value, label in (
                group_label if grouped else [("" if group_value is None else group_value, group_label)]
            ):
                selected = (multiple or not any_selected) and str(option_value) in chosen
                any_selected |= selected
                extra = _attributes(self.option_attrs(option_value))
                mark = " selected" if selected else ""
                options.append(f'<option value="{_text(option_value)}"{extra}{mark}>{_text(label)}</option>')
            # as Django's template: a group without a name (None, "") writes its options without an <optgroup>
            html = "".join(options)
            parts.append(
                f'<optgroup label="{_text(group_value)}">{html}</optgroup>' if grouped and group_value else html
            )
        final = {**self.build_attrs(self.attrs, attrs), **({"multiple": True} if multiple else {})}
        return mark_safe(f'<select name="{_text(name)}"{_attributes(final)}>{"".join(parts)}</select>')


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
