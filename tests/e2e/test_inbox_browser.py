"""The inbox in a real browser (Playwright driving /usr/bin/chromium): officer-yn sees the badge of an unread notice,
opens the notice of a submitted self-assessment from the inbox, lands on the form, and the badge goes down."""

import re

import pytest
from django.contrib.auth import get_user_model

from reform_portal.inbox.models import Notice
from reporting.assessments import services
from tests.factories import open_period
from tests.reporting.assessments.conftest import fill_complete

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _badge(page) -> int:
    badge = page.locator("#unread-badge")
    return int(badge.inner_text()) if badge.count() else 0


def test_officer_opens_the_notice_of_a_submitted_assessment_and_the_badge_goes_down(login, portal):
    # given: enterprise-yn submits its self-assessment (the trail's step tells the officers in charge)
    users = get_user_model().objects
    filler, officer = users.get(username="enterprise-yn"), users.get(username="officer-yn")
    enterprise = filler.profile.enterprise
    period = open_period(province_id=enterprise.region.parent_id)
    draft = services.assessment_start(period=period, enterprise=enterprise, by=filler)
    fill_complete(draft, filler)
    services.assessment_submit(assessment=draft, by=filler)
    notice = Notice.objects.get(recipient=officer, url=f"/reporting/assessments/{draft.pk}/")
    unread = Notice.objects.filter(recipient=officer, read_at__isnull=True).count()

    # when officer-yn logs in, the navigation shows the unread notices and the home page's queue the form to review
    page = login("officer-yn")
    assert _badge(page) == unread >= 1
    assert page.locator('#work-queue [data-queue="reviews"] [data-queue-count]').inner_text() == "1"

    # and opens the notice from the inbox
    page.locator("#inbox-link").click()
    page.wait_for_url(f"{portal}/inbox/")
    item = page.locator(f'[data-notice="{notice.pk}"]')
    assert enterprise.name in item.inner_text() and "未读" in item.inner_text()
    item.click()

    # then it lands on the submitted form, and the badge is one lower
    page.wait_for_url(re.compile(rf"/reporting/assessments/{draft.pk}/$"))
    assert enterprise.name in page.locator("h1").inner_text() or enterprise.name in page.content()
    assert _badge(page) == unread - 1
    notice.refresh_from_db()
    assert notice.read_at is not None
    page.goto(f"{portal}/inbox/?show=unread")
    assert page.locator(f'[data-notice="{notice.pk}"]').count() == 0
    assert page.console_errors == []
