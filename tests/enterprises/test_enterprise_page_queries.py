"""The enterprise page runs a fixed number of queries whatever the number of measures, files and changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enterprises.services import enterprise_update
from measures.applicability import applicable_indicators
from measures.choices import Status
from measures.models import Progress
from measures.services import evidence_add, indicator_value_set, progress_update

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
VALUES = {"boolean": "是", "count": "1", "share": "1", "date": "2024-03-01", "text": "《制度》"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def enrich(enterprise, officer):
    """Give every measure a change and two files, every indicator a value, the record a few changes."""
    for p in Progress.objects.filter(enterprise=enterprise):
        p = progress_update(
            progress=p, status=Status.IN_PROGRESS, percent=50, note="n", by=officer, expected_version=None
        )
        for i in range(2):
            evidence_add(progress=p, upload=SimpleUploadedFile(f"f{i}.pdf", PDF), by=officer)
    # (every indicator asked of it: the derived ones come from the register; a value of each one's kind)
    for indicator in applicable_indicators(enterprise).filter(derived_from=""):
        indicator_value_set(
            enterprise=enterprise,
            indicator=indicator,
            year=timezone.localdate().year,
            value=VALUES[indicator.kind],
            by=officer,
        )
    for n in range(3):
        enterprise_update(enterprise=enterprise, data={"employees": 600 + n}, by=officer)


def test_enterprise_page_query_count_is_fixed(client, users, yn_enterprise, django_assert_max_num_queries):
    officer = users["officer-yn"]
    client.force_login(officer)
    url = f"/enterprises/{yn_enterprise.pk}/"
    # given: a nearly empty page (one measure, nothing else)
    keep = Progress.objects.filter(enterprise=yn_enterprise).order_by("pk").first()
    removed = list(
        Progress.objects.filter(enterprise=yn_enterprise).exclude(pk=keep.pk).values_list("measure", flat=True)
    )
    Progress.objects.filter(enterprise=yn_enterprise).exclude(pk=keep.pk).delete()
    client.get(url)
    # (2 of them: the login gate reads the account's state and second-factor devices, accounts/middleware.py; 1 the
    # 常见问题 beside the measures, enterprises/consultations' faq_beside; 5 the 产改联络员 box: the assignments, the
    # officers in charge (2) and their qualifications for the assign form, the latest visits)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200

    # when: every measure back, each with history and files, indicators filled, the record changed
    from measures.services import progress_ensure

    progress_ensure(enterprise=yn_enterprise)
    assert Progress.objects.filter(enterprise=yn_enterprise).count() == len(removed) + 1
    enrich(yn_enterprise, officer)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)

    # then
    html = response.content.decode()
    assert response.status_code == 200 and html.count("f1.pdf") == len(removed) + 1 and "职工总数" in html
    assert len(large.captured_queries) == len(small.captured_queries)
