"""The self-assessment's title is one sentence to translate ("%(period)s自评表"), not a year glued to a word: the
English page read "2026Self-assessment" (issue 13, item 4)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_title_reads_as_one_phrase_in_both_languages(client, submitted, users):
    client.force_login(users["officer-yn"])
    url = reverse("reporting:assessments:detail", args=[submitted.pk])
    year = submitted.period.year
    html = client.get(url).content.decode()
    assert f"{year}年度自评表 · {submitted.enterprise.name}" in html
    client.cookies["django_language"] = "en"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert f"{year}Self-assessment" not in html and f"{year}self-assessment" not in html
