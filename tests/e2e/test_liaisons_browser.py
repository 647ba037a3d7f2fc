"""产改联络员 and 直通车 visits in a real browser (Playwright driving /usr/bin/chromium): officer-yn, the demo's 联络员
of 昆明云岭数控机床, finds it under "我联系的企业", logs a visit, assigns itself 联络员 of 滇中装备 from that
enterprise's page; sasac-yn's dashboard counts Kunming's visits as a count of the rows does."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from enterprises.liaisons.models import LiaisonAssignment, Visit
from enterprises.models import Enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_liaison_logs_a_visit_and_the_dashboard_counts_it(login, portal):
    yunling = Enterprise.objects.get(name="昆明云岭数控机床有限公司")
    dianzhong = Enterprise.objects.get(name="云南滇中装备制造集团有限公司")
    officer = login("officer-yn")
    officer.goto(f"{portal}/enterprises/liaisons/mine/")
    row = officer.locator(f"#mine-table tr[data-enterprise='{yunling.pk}']")
    assert (timezone.localdate() - timedelta(days=3)).isoformat() in row.inner_text()  # the demo's last visit
    row.get_by_role("link", name="记录走访").click()
    officer.fill("input[name=visited_on]", timezone.localdate().isoformat())
    officer.fill("textarea[name=people_met]", "工会主席 陈红")
    officer.fill("textarea[name=questions_answered]", "首席技师津贴的发放办法")
    officer.fill("textarea[name=follow_ups]", "下周寄送文件汇编")
    officer.get_by_role("button", name="保存").click()
    officer.wait_for_selector("#visit-detail")
    assert "首席技师津贴的发放办法" in officer.inner_text("#visit-detail")
    visit = Visit.objects.get(questions_answered="首席技师津贴的发放办法")
    assert visit.recorded_by.username == "officer-yn" and visit.enterprise_id == yunling.pk

    # from another Kunming enterprise's page, the officer assigns itself its 联络员
    officer.goto(f"{portal}/enterprises/{dianzhong.pk}/")
    form = officer.locator("#liaison-assign")
    form.locator("select[name=role]").select_option("liaison")
    form.locator("select[name=user]").select_option(str(get_user_model().objects.get(username="officer-yn").pk))
    form.get_by_role("button", name="指派").click()
    officer.wait_for_selector("#liaison-assignments")
    assignment = LiaisonAssignment.objects.get(enterprise=dianzhong, user__username="officer-yn", ended_at=None)
    assert officer.locator(f"#liaison-assignments li[data-assignment='{assignment.pk}']").count() == 1
    assert officer.console_errors == []

    # sasac-yn's dashboard: Kunming's visits over the last 90 days, as the rows count them
    start = timezone.localdate() - timedelta(days=89)
    expected = Visit.objects.filter(enterprise__region__code="530100", visited_on__gte=start).count()
    sasac = login("sasac-yn")
    sasac.goto(f"{portal}/reporting/dashboard/")
    sasac.wait_for_selector("#visits-panel")
    cell = sasac.locator("#visits-by-prefecture tr[data-prefecture='530100'] .visits-count")
    assert int(cell.inner_text()) == expected == 3
    assert "统计区间" in sasac.inner_text("#visits-window")
    assert sasac.console_errors == []
