"""The daily task: an overdue question's officers are told once and it goes one level up; running it twice (or the
next day for the same due date) sends nothing more; a follow-up's new due date may escalate again."""

from datetime import timedelta

import pytest

from enterprises.consultations import services, sla
from enterprises.consultations.models import Question, QuestionEscalation
from enterprises.consultations.tasks import question_escalations_send
from reform_portal.inbox.models import Notice

from .conftest import ask

pytestmark = pytest.mark.django_db


def test_overdue_questions_escalate_once_per_due_date(users, yn_enterprise, chain, monkeypatch):
    late = ask(users, yn_enterprise, title="逾期的问题")
    on_time = ask(users, yn_enterprise, title="未逾期的问题")
    Question.objects.filter(pk=late.pk).update(due_date=sla.today() - timedelta(days=1))
    before = Notice.objects.count()

    assert question_escalations_send() == {"escalations": 1}
    assert question_escalations_send() == {"escalations": 0}
    assert services.question_escalations_run(today=sla.today() + timedelta(days=3)) == 0

    (row,) = QuestionEscalation.objects.all()
    assert (row.question_id, row.from_stage, row.to_stage, row.level) == (late.pk, 0, 1, "prefecture")
    assert sorted(row.recipients) == sorted([chain["county"].pk, chain["prefecture"].pk])
    late.refresh_from_db()
    assert (late.status, late.handler_ids) == ("forwarded", [chain["prefecture"].pk])
    on_time.refresh_from_db()
    assert on_time.stage == 0
    told = Notice.objects.order_by("pk")[before:]
    assert sorted((n.recipient_id, n.title) for n in told) == sorted(
        [
            (chain["county"].pk, "产改直通车：问题已逾期未答复"),
            (chain["prefecture"].pk, "产改直通车：逾期问题已上报给您"),
        ]
    )
    assert late.messages.filter(kind="escalate", by=None).count() == 1


def test_answered_questions_do_not_escalate(users, yn_enterprise, chain):
    question = ask(users, yn_enterprise)
    services.question_answer(question=question, text="答", by=chain["county"], expected_version=None)
    Question.objects.filter(pk=question.pk).update(due_date=sla.today() - timedelta(days=10))
    assert services.question_escalations_run() == 0
