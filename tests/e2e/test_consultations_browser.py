"""产改直通车 in a real browser (Playwright driving /usr/bin/chromium), issue 15's "done when": enterprise-yn asks a
question about YN-06 and later sees the answer; officer-yn answers and publishes it to the FAQ, which then shows,
without the asker's name, beside YN-06 for the user of another Yunnan enterprise; an overdue question (its due date
in the past) turns up in the officer's work queue on the home page."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from enterprises.choices import Role
from enterprises.consultations import services, sla
from enterprises.consultations.models import FaqEntry, Question
from enterprises.models import Enterprise, Profile
from measures.applicability import applicable_measures
from reform_portal.accounts.services import mark_demo_account
from tests.e2e.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FAQ_TITLE = "职工教育经费按什么比例提取？"


def _other_yunnan_user():
    """A user of another Yunnan enterprise that YN-06 applies to (the demo has none: made here)."""
    asker = Profile.objects.select_related("enterprise").get(user__username="enterprise-yn").enterprise
    others = Enterprise.objects.filter(region__parent__code="530000").exclude(pk=asker.pk).order_by("pk")
    other = next(e for e in others if applicable_measures(e).filter(code="YN-06").exists())
    user = get_user_model().objects.create_user("enterprise-yn-2", password=PASSWORD, first_name="另一家企业填报员")
    mark_demo_account(user=user)
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=other)
    return asker, other


def test_question_answered_published_and_overdue(login, portal, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    asker_enterprise, other = _other_yunnan_user()

    # enterprise-yn asks about YN-06, with a file
    enterprise = login("enterprise-yn")
    enterprise.goto(f"{portal}/consultations/ask/?measure=YN-06")
    enterprise.fill("input[name=title]", "昆明云岭数控机床：职工教育经费的提取比例")
    enterprise.fill("textarea[name=body]", "我公司按工资总额的 1.5% 提取，是否符合要求？")
    attachment = tmp_path / "工资总额.pdf"
    attachment.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    enterprise.set_input_files("input[name=files]", str(attachment))
    enterprise.get_by_role("button", name="提交问题").click()
    enterprise.wait_for_selector("#question-thread [data-kind=ask]")
    assert enterprise.inner_text("#question-status") == "待答复"
    assert "剩余 5 个工作日" in enterprise.inner_text("#question-sla")
    question = Question.objects.get()
    assert question.measure.code == "YN-06" and question.enterprise_id == asker_enterprise.pk

    # officer-yn finds it in the list, answers, and publishes it to the FAQ without names
    officer = login("officer-yn")
    officer.goto(f"{portal}/consultations/?mine=true")
    officer.get_by_role("link", name=question.title).click()
    assert "工资总额.pdf" in officer.inner_text("#question-thread")
    officer.fill(
        "#answer-form textarea[name=text]", "应按职工工资总额的 8% 提取职工教育经费，主要用于一线职工技能提升。"
    )
    officer.get_by_role("button", name="提交答复").click()
    officer.wait_for_selector("#question-thread [data-kind=answer]")
    officer.click("#publish-faq")
    officer.fill("input[name=title]", FAQ_TITLE)
    officer.get_by_role("button", name="发布").click()
    officer.wait_for_selector("#faq-answer")
    entry = FaqEntry.objects.get()
    assert entry.measure.code == "YN-06" and "8%" in entry.answer

    # enterprise-yn sees the answer
    enterprise.reload()
    assert enterprise.inner_text("#question-status") == "已答复"
    assert "8% 提取" in enterprise.inner_text("#question-thread [data-kind=answer]")

    # the user of another Yunnan enterprise sees it beside YN-06, with no name of the asker or its enterprise
    neighbour = login("enterprise-yn-2")
    neighbour.goto(f"{portal}/enterprises/{other.pk}/")
    beside = neighbour.locator(".faq-beside[data-measure='YN-06']")
    beside.locator("summary").click()
    assert FAQ_TITLE in beside.inner_text()
    page = neighbour.content()
    assert asker_enterprise.name not in page and "企业填报员（昆明云岭数控机床）" not in page
    beside.get_by_role("link", name=FAQ_TITLE).click()
    assert "8%" in neighbour.inner_text("#faq-answer")
    assert asker_enterprise.name not in neighbour.content()

    # an overdue question turns up in officer-yn's work queue on the home page
    late = services.question_ask(
        enterprise=asker_enterprise, topic="assessment", title="自评表的填报口径", body="？",
        by=get_user_model().objects.get(username="enterprise-yn"),
    )  # fmt: skip
    assert officer_handles(late, "officer-yn")
    Question.objects.filter(pk=late.pk).update(due_date=sla.today() - timedelta(days=3))
    officer.goto(f"{portal}/")
    item = officer.locator("#work-queue [data-queue=questions-overdue]")
    assert item.locator("[data-queue-count]").inner_text() == "1"
    item.click()
    officer.wait_for_selector("#question-table")
    assert "已逾期" in officer.inner_text(f"#question-table tr[data-question='{late.pk}']")
    assert not enterprise.console_errors and not officer.console_errors and not neighbour.console_errors


def officer_handles(question, username) -> bool:
    return get_user_model().objects.get(username=username).pk in question.handler_ids
