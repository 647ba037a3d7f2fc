"""The pages: ask, answer, publish to the FAQ (anonymised), the FAQ beside the measure on another enterprise's page
and on its self-assessment form, the work queue on the home page, the menu entry."""

from datetime import timedelta

import pytest
from django.urls import reverse

from enterprises.consultations import services, sla
from enterprises.consultations.models import FaqEntry, Question
from reporting import work_queue
from reporting.assessments import services as assessment_services
from tests.factories import open_period

from .conftest import ask

pytestmark = pytest.mark.django_db


def test_ask_answer_and_publish_through_the_pages(client, users, yn_enterprise, yn06, other_yn, chain):
    client.force_login(users["enterprise-yn"])
    response = client.get(reverse("consultations:ask") + "?measure=YN-06")
    assert response.status_code == 200 and "YN-06" in response.content.decode()
    assert "一般在 5 个工作日内答复" in response.content.decode()
    bad = client.post(reverse("consultations:ask"), {"enterprise": yn_enterprise.pk, "topic": "measure", "title": ""})
    assert bad.status_code == 400
    posted = client.post(
        reverse("consultations:ask"),
        {"enterprise": yn_enterprise.pk, "topic": "measure", "measure": yn06.pk, "title": "培训经费", "body": "比例？"},
    )
    question = Question.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse("consultations:detail", args=[question.pk])
    page = client.get(posted["Location"]).content.decode()
    assert "待答复" in page and "剩余 5 个工作日" in page

    client.force_login(users["officer-yn"])
    assert "县级总工会" in client.get(posted["Location"]).content.decode()  # the level in charge: 五华区's union
    answered = client.post(reverse("consultations:answer", args=[question.pk]), {"text": "按 8% 提取", "version": 1})
    assert answered.status_code == 302
    form = client.get(reverse("consultations:publish", args=[question.pk])).content.decode()
    assert "按 8% 提取" in form
    published = client.post(
        reverse("consultations:publish", args=[question.pk]),
        {"measure": yn06.pk, "title": "职工教育经费按什么比例提取？", "answer": "按工资总额的 8%。"},
    )
    assert published.status_code == 302
    entry = FaqEntry.objects.get()

    other, other_user = other_yn
    client.force_login(other_user)
    page = client.get(reverse("enterprises:detail", args=[other.pk])).content.decode()
    assert "职工教育经费按什么比例提取？" in page and f'data-measure="{yn06.code}"' in page
    assert yn_enterprise.name not in page and users["enterprise-yn"].username not in page
    faq = client.get(reverse("consultations:faq"), {"q": "教育经费"}).content.decode()
    assert entry.title in faq
    period = open_period(province_id=other.region.parent_id)
    assessment = assessment_services.assessment_start(period=period, enterprise=other, by=other_user)
    form = client.get(reverse("reporting:assessments:detail", args=[assessment.pk])).content.decode()
    assert entry.title in form


def test_the_work_queue_counts_awaiting_and_overdue_questions(client, users, yn_enterprise, chain):
    first, second = ask(users, yn_enterprise, title="一"), ask(users, yn_enterprise, title="二")
    Question.objects.filter(pk=second.pk).update(due_date=sla.today() - timedelta(days=1))
    items = {i.key: i.count for i in work_queue.questions(chain["county"])}
    assert items == {"questions-awaiting": 2, "questions-overdue": 1}
    assert {i.key: i.count for i in work_queue.questions(users["officer-yn"])} == {
        "questions-awaiting": 0,
        "questions-overdue": 0,
    }  # in charge, but the county's officers handle them
    services.question_answer(question=first, text="答", by=chain["county"], expected_version=None)
    assert {i.key: i.count for i in work_queue.questions(users["enterprise-yn"])} == {"questions-answered": 1}
    assert work_queue.questions(users["sasac-yn"]) == []
    client.force_login(chain["county"])
    home = client.get(reverse("home")).content.decode()
    assert 'data-queue="questions-overdue"' in home and reverse("consultations:list") in home


def test_the_menu_offers_the_consultations_to_every_role(client, users):
    for role in ("officer-yn", "sasac-yn", "enterprise-yn", "admin"):
        client.force_login(users[role])
        assert f'href="{reverse("consultations:list")}"' in client.get(reverse("home")).content.decode(), role
