"""The answer-time rule with fixed dates, National Day 2025 (1–8 October off; Sunday 28 September and Saturday 11
October worked, State Council 国办发明电〔2024〕12号): five working days after Tuesday 30 September is Tuesday 14
October (9, 10, 11, 13, 14)."""

from datetime import date

import pytest

from enterprises.consultations import sla
from enterprises.consultations.models import Question

pytestmark = pytest.mark.django_db

ASKED = date(2025, 9, 30)
DUE = date(2025, 10, 14)


def test_the_due_date_counts_working_days_with_the_holidays_and_the_saturday_worked(settings):
    settings.QUESTION_SLA_WORKDAYS = 5
    assert sla.due_date_for(ASKED) == DUE
    settings.QUESTION_SLA_WORKDAYS = 3
    assert sla.due_date_for(ASKED) == date(2025, 10, 11)  # the Saturday worked


def test_working_days_left_and_overdue():
    question = Question(status="open", due_date=DUE)
    assert sla.sla_view(question, date(2025, 10, 1)).text == "剩余 5 个工作日"  # 9, 10, 11, 13, 14
    assert sla.sla_view(question, date(2025, 10, 13)).text == "剩余 1 个工作日"
    assert sla.sla_view(question, DUE).text == "今日到期"
    late = sla.sla_view(question, date(2025, 10, 16))
    assert late.overdue and late.text == "已逾期 2 个工作日" and late.badge == "danger"
    assert sla.is_overdue(question, date(2025, 10, 15)) and not sla.is_overdue(question, DUE)
    answered = Question(status="answered", due_date=DUE)
    assert not sla.is_overdue(answered, date(2025, 12, 1)) and sla.sla_view(answered, date(2025, 12, 1)).text == ""


def test_overdue_q_agrees_with_is_overdue(users, yn_enterprise):
    rows = [
        Question.objects.create(
            enterprise=yn_enterprise,
            asked_by=users["enterprise-yn"],
            topic="other",
            title=f"q{n}",
            body="b",
            status=status,
            due_date=due,
        )  # fmt: skip
        for n, (status, due) in enumerate(
            [
                ("open", date(2025, 10, 14)),
                ("forwarded", date(2025, 10, 10)),
                ("answered", date(2025, 10, 1)),
                ("open", date(2025, 10, 20)),
            ]  # fmt: skip
        )
    ]
    on = date(2025, 10, 15)
    expected = {q.pk for q in rows if q.status in ("open", "forwarded") and q.due_date < on}
    assert set(Question.objects.filter(sla.overdue_q(on)).values_list("pk", flat=True)) == expected
    assert expected == {q.pk for q in rows if sla.is_overdue(q, on)}
