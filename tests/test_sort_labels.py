"""Sort choices read in the user's language (issue 13, item 4): django-filter wrote "名称 (descending)" in the Chinese
interface; reform_portal.ordering gives each descending choice the portal's own label, translated when drawn."""

import pytest
from django.urls import reverse
from django.utils import translation

from enterprises.filters import EnterpriseFilter
from reform_portal.ordering import descending_label

pytestmark = pytest.mark.django_db


def test_descending_sort_choices_read_in_chinese_on_the_list(client, users):
    client.force_login(users["officer-yn"])
    html = client.get(reverse("enterprises:list")).content.decode()
    assert '<option value="-name">名称（降序）</option>' in html
    assert '<option value="name">名称</option>' in html
    assert "descending" not in html


def test_the_labels_follow_the_language_of_the_request():
    # built once with the filter set's class, drawn in each request's language
    for language, name in (("zh-hans", "名称"), ("en", "Name")):
        with translation.override(language):
            choices = {value: str(label) for value, label in EnterpriseFilter().form.fields["sort"].choices}
            assert choices["name"] == name
            assert choices["-name"] == descending_label(name)
            assert choices["-name"].startswith(name) and choices["-name"] != name
    with translation.override("zh-hans"):
        assert descending_label("最近更新") == "最近更新（降序）"
