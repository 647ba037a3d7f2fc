"""Supervision orders in a real browser (Playwright driving /usr/bin/chromium), issue 14's "done when": sasac-yn
issues an order to two lagging Kunming enterprises; enterprise-yn sees it on its home page with the working days
left and replies with evidence; officer-yn sees the reply; sasac-yn closes one; after its due date (time moved by
patching the rule's one clock) the other turns red and is escalated (ledger row and its mail in the outbox)."""

from datetime import timedelta

import pytest

from enterprises.models import Enterprise, Profile
from measures.choices import Status
from measures.lagging import is_lagging
from measures.models import Progress
from reform_portal import workdays
from reform_portal.outbox.models import OutboxMessage
from reporting.supervision import lights, services
from reporting.supervision.models import OrderEscalation, SupervisionOrder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _make_lagging(enterprise):
    """A measure still 未启动 makes a registered enterprise lagging (measures/lagging.py; no grace in tests)."""
    if not is_lagging(enterprise):
        row = Progress.objects.filter(enterprise=enterprise).order_by("pk").first()
        Progress.objects.filter(pk=row.pk).update(status=Status.NOT_STARTED, percent=0)
        enterprise.refresh_from_db()
    assert is_lagging(enterprise)


def test_order_issued_replied_closed_and_escalated(login, portal, tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    first = Profile.objects.select_related("enterprise").get(user__username="enterprise-yn").enterprise
    second = Enterprise.objects.filter(region=first.region).exclude(pk=first.pk).order_by("pk").first()
    assert first.region.code == "530100" and second is not None
    for enterprise in (first, second):
        _make_lagging(enterprise)
    today = lights.today()
    due = workdays.nth_workday_after(today, 3)  # 3 working days left (today not counted)

    # sasac-yn issues an order to each, from the enterprise's page
    sasac = login("sasac-yn")
    for enterprise in (first, second):
        sasac.goto(f"{portal}/enterprises/{enterprise.pk}/")
        sasac.click("#issue-order")
        sasac.locator("input[name=measures]").first.check()
        sasac.fill("textarea[name=request]", "请于期限内完成整改并上传佐证材料。")
        sasac.fill("input[name=due_date]", due.isoformat())
        sasac.get_by_role("button", name="下达督办单").click()
        sasac.wait_for_selector("#order-number")
    orders = {o.enterprise_id: o for o in SupervisionOrder.objects.all()}
    assert set(orders) == {first.pk, second.pk}
    mine, other = orders[first.pk], orders[second.pk]

    # enterprise-yn sees it on its home page with the working days left, and replies with evidence
    enterprise = login("enterprise-yn")
    row = enterprise.locator(f"#home-orders tr[data-order='{mine.pk}']")
    assert "剩余 3 个工作日" in row.inner_text() and mine.number in row.inner_text()
    row.get_by_role("link", name=mine.number).click()
    evidence = tmp_path / "整改报告.pdf"
    evidence.write_bytes(PDF)
    enterprise.fill("textarea[name=text]", "已修订制度并组织培训，附整改报告。")
    enterprise.set_input_files("input[name=files]", str(evidence))
    enterprise.get_by_role("button", name="提交回复").click()
    enterprise.wait_for_selector("#order-timeline [data-kind=reply]")
    assert enterprise.inner_text("#order-status") == "已回复待核查"

    # officer-yn sees the reply (the list of replied orders, then the order's timeline with the file)
    officer = login("officer-yn")
    officer.goto(f"{portal}/supervision/?status=replied")
    officer.get_by_role("link", name=mine.number).click()
    timeline = officer.inner_text("#order-timeline")
    assert "已修订制度并组织培训" in timeline and "整改报告.pdf" in timeline

    # sasac-yn accepts the reply: closed
    sasac.goto(f"{portal}/supervision/{mine.pk}/")
    sasac.check("input[name=action][value=accept]")
    sasac.get_by_role("button", name="提交核查结果").click()
    sasac.wait_for_selector("text=已办结")
    assert sasac.inner_text("#order-status") == "已办结"

    # the day after the due date: the other order turns red, the closed one stays green; the beat escalates
    monkeypatch.setattr(lights, "today", lambda: due + timedelta(days=1))
    sasac.goto(f"{portal}/supervision/")
    assert sasac.get_attribute(f"tr[data-order='{other.pk}'] .order-light", "data-light") == "red"
    assert "红灯（逾期）" in sasac.inner_text(f"tr[data-order='{other.pk}']")
    assert sasac.get_attribute(f"tr[data-order='{mine.pk}'] .order-light", "data-light") == "green"
    assert services.order_escalations_run() >= 1
    assert services.order_escalations_run() == 0  # the beat again: nothing twice
    escalation = OrderEscalation.objects.get(order=other)
    assert escalation.stage == 0 and escalation.recipients
    assert not OrderEscalation.objects.filter(order=mine).exists()
    assert OutboxMessage.objects.filter(
        task="reporting.supervision.tasks.order_notify", kwargs__event="escalated", kwargs__ids=[escalation.pk]
    ).exists()
