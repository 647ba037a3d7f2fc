"""Sort choices that read in the user's language: django-filter's OrderingFilter builds its labels once, when the
filter set's class is defined, and writes a descending one with its own catalogue's "%s (descending)", which has no
Simplified Chinese (the list showed "名称 (descending)"). Here each descending label is our own message, and lazy, so
that it is translated when the form is drawn, in the language of the request."""

import django_filters
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import gettext


def descending_label(label) -> str:
    """`label` of a sort field, descending: "名称（降序）", in English "Name (descending)"."""
    return gettext("%(field)s（降序）") % {"field": label}


descending_label_lazy = lazy(descending_label, str)


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter with the portal's descending labels (`descending_label`)."""

    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            label = labels.get(field, pretty_name(param))
            choices.append((param, label))
            choices.append((f"-{param}", labels.get(f"-{field}", descending_label_lazy(label))))
        return choices
