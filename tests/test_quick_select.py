"""reform_portal/quick_select.py writes what Django's own select widgets write (parsed: the same select, groups,
options, values, labels, selection and attributes), and reform_portal/script_json.py what json_script writes."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.utils.html import json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from enterprises.models import Region
from reform_portal.quick_select import QuickSelect, QuickSelectMultiple
from reform_portal.script_json import script_json
from reporting.filters import CountySelect


class Elements(HTMLParser):
    """The elements of a select, in order: (tag, attributes, text)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[list] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append([tag, dict(attrs), ""])

    def handle_data(self, data):
        self.found[-1][2] += data


def parsed(widget, name, value, attrs=None) -> list:
    """The elements, their text without the layout's white space around it (Django's templates write new lines)."""
    return [[tag, attrs, text.strip()] for tag, attrs, text in Elements(str(widget.render(name, value, attrs))).found]


CHOICES = [
    (None, "—— 全部 ——"),
    ("a", gettext_lazy("国有独资")),
    ('x"<&>', '引号 " 与 <b>标签</b> & 符号'),
    ("safe", mark_safe("<i>已标记安全</i>")),
    ("a", "重复的值"),  # a single select marks only the first match
    ("组一 <甲>", [(1, "一"), (2, "二"), ("a", "组内重复")]),
    ("组二", [(3, "三")]),
    (None, [(4, "无名组的选项")]),  # a group without a name: its options, no <optgroup>
]


@pytest.mark.parametrize("value", [None, "", "a", 'x"<&>', 2, "3", "not offered"])
def test_a_single_select_is_written_as_django_writes_it(value):
    attrs = {"id": "id_f", "class": "form-select", "required": True, "data-x": 'v"<'}
    expected = parsed(forms.Select(choices=CHOICES), "f", value, attrs)
    assert parsed(QuickSelect(choices=CHOICES), "f", value, attrs) == expected
    assert len(expected) == 14  # the select, 2 named groups, 10 options and the <i> of the safe label


@pytest.mark.parametrize("value", [None, [], ["a"], ["a", "2", "3"], [1, 'x"<&>']])
def test_a_multiple_select_is_written_as_django_writes_it(value):
    expected = parsed(forms.SelectMultiple(choices=CHOICES), "m", value, {"id": "id_m"})
    assert parsed(QuickSelectMultiple(choices=CHOICES), "m", value, {"id": "id_m"}) == expected
    assert expected[0][1].get("multiple", "absent") is None  # the flag, written without a value


@pytest.mark.django_db
def test_the_county_select_adds_each_county_s_prefecture():
    field = forms.ModelChoiceField(Region.objects.filter(parent__code="530100").order_by("code"), widget=CountySelect)
    counties = list(field.queryset)
    chosen = counties[2]
    quick, django = field.widget, forms.Select(choices=field.choices)
    written, expected = parsed(quick, "county", chosen.pk), parsed(django, "county", chosen.pk)
    # Django's select with the data-prefecture the county select adds, written out from each county
    for element, county in zip(expected[2:], counties, strict=True):
        element[1]["data-prefecture"] = str(county.parent_id)
    assert written == expected
    assert [e[1] for e in written if "selected" in e[1]] == [
        {"value": str(chosen.pk), "data-prefecture": str(chosen.parent_id), "selected": None}
    ]


def test_script_json_is_json_script():
    value = {"名称": "</script><script>alert(1)</script>", "href": "/a?b=1&c=<2>", "n": [1, 2.5, None, True]}
    assert f'<script id="d" type="application/json">{script_json(value)}</script>' == json_script(value, "d")
