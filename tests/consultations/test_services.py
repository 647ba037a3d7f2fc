"""The question's life: asked to the officers in charge, answered, forwarded up, followed up, rated once; each step in
the thread with who and when; refusals naming their field; stale versions refused."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.consultations import services
from enterprises.consultations.choices import MAX_FILES, MessageKind, QuestionStatus
from enterprises.consultations.models import QuestionEvent
from measures.models import Measure
from reform_portal.inbox.models import Notice
from reform_portal.versioning import StaleEdit

from .conftest import ask, pdf

pytestmark = pytest.mark.django_db


def test_a_question_goes_to_the_nearest_level_in_charge_and_they_are_told(
    users, yn_enterprise, chain, yn06, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    question = ask(users, yn_enterprise, yn06, files=[pdf()])
    assert question.status == QuestionStatus.OPEN
    assert (question.stage, question.level, question.handler_ids) == (0, "county", [chain["county"].pk])
    (message,) = question.messages.all()
    assert message.kind == MessageKind.ASK and message.by == users["enterprise-yn"]
    assert [f.original_name for f in message.files.all()] == ["材料.pdf"]
    stored = message.files.get().file.name  # stored_files.random_name: the enterprise's folder, a random name
    assert re.fullmatch(rf"consultations/{yn_enterprise.pk}/[0-9a-f]{{32}}\.pdf", stored), stored
    assert Notice.objects.filter(recipient=chain["county"], url=f"/consultations/{question.pk}/").count() == 1
    assert not Notice.objects.filter(recipient=chain["prefecture"]).exists()
    assert QuestionEvent.objects.filter(pgh_obj=question).count() == 1  # the database's history


def test_asking_refuses_a_measure_that_does_not_apply_and_bad_input(users, yn_enterprise, chain):
    shaanxi = Measure.objects.filter(code__startswith="SX").first()
    with pytest.raises(ValidationError) as refused:
        ask(users, yn_enterprise, shaanxi, title="", body="x" * 2001)
    problems = refused.value.message_dict
    assert set(problems) == {"measure", "title", "body"}
    too_many = [pdf(f"{n}.pdf") for n in range(MAX_FILES + 1)]
    with pytest.raises(ValidationError) as refused:
        ask(users, yn_enterprise, files=too_many)
    assert "files" in refused.value.message_dict
    fake = SimpleUploadedFile("a.pdf", b"MZ not a pdf")
    with pytest.raises(ValidationError) as refused:
        ask(users, yn_enterprise, files=[fake])
    assert "a.pdf" in refused.value.message_dict["files"][0]


def test_only_the_enterprise_side_asks(users, yn_enterprise, sx_soe):
    with pytest.raises(ValidationError) as refused:
        services.question_ask(enterprise=yn_enterprise, topic="other", title="t", body="b", by=users["officer-yn"])
    assert "enterprise" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.question_ask(enterprise=sx_soe, topic="other", title="t", body="b", by=users["enterprise-yn"])


def test_answer_follow_up_and_rate_once(users, yn_enterprise, chain, yn06):
    question = ask(users, yn_enterprise, yn06)
    services.question_answer(question=question, text="按工资总额的 8%。", by=chain["county"], expected_version=1)
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED and question.version == 2
    assert Notice.objects.filter(recipient=users["enterprise-yn"], kind="question").count() == 1

    with pytest.raises(StaleEdit):
        services.question_follow_up(question=question, text="还有呢？", by=users["enterprise-yn"], expected_version=1)
    services.question_follow_up(question=question, text="还有呢？", by=users["enterprise-yn"], expected_version=2)
    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN

    with pytest.raises(PermissionDenied):  # not answered yet: nothing to rate
        services.question_rate(question=question, rating=5, by=users["enterprise-yn"], expected_version=None)
    services.question_answer(question=question, text="详见文件。", by=chain["prefecture"], expected_version=None)
    services.question_rate(
        question=question, rating=4, comment="清楚", by=users["enterprise-yn"], expected_version=None
    )
    question.refresh_from_db()
    assert (question.rating, question.status) == (4, QuestionStatus.CLOSED)
    services.question_follow_up(question=question, text="再问一句", by=users["enterprise-yn"], expected_version=None)
    services.question_answer(question=question, text="好的", by=chain["county"], expected_version=None)
    with pytest.raises(ValidationError) as refused:
        services.question_rate(question=question, rating=1, by=users["enterprise-yn"], expected_version=None)
    assert "rating" in refused.value.message_dict
    kinds = list(question.messages.values_list("kind", flat=True))
    assert kinds == ["ask", "answer", "follow_up", "answer", "rate", "follow_up", "answer"]


def test_forward_up_the_hierarchy_until_the_province(users, yn_enterprise, chain):
    question = ask(users, yn_enterprise)
    services.question_forward_up(question=question, note="请市总答复", by=chain["county"], expected_version=None)
    question.refresh_from_db()
    assert (question.status, question.level, question.handler_ids) == (
        "forwarded",
        "prefecture",
        [chain["prefecture"].pk],
    )
    assert Notice.objects.filter(recipient=chain["prefecture"], title__contains="转交").count() == 1
    services.question_forward_up(question=question, by=chain["prefecture"], expected_version=None)
    question.refresh_from_db()
    assert question.handler_ids == [chain["province"].pk]
    with pytest.raises(ValidationError):
        services.question_forward_up(question=question, by=chain["province"], expected_version=None)
    with pytest.raises(PermissionDenied):  # the enterprise cannot forward
        services.question_forward_up(question=question, by=users["enterprise-yn"], expected_version=None)
    levels = list(question.messages.filter(kind="forward_up").values_list("level", "by"))
    assert levels == [("prefecture", chain["county"].pk), ("province", chain["prefecture"].pk)]


def test_officers_out_of_charge_cannot_answer(users, yn_enterprise, chain):
    question = ask(users, yn_enterprise)
    with pytest.raises(PermissionDenied):
        services.question_answer(question=question, text="x", by=users["officer-sx"], expected_version=None)
    with pytest.raises(PermissionDenied):
        services.question_answer(question=question, text="x", by=users["sasac-yn"], expected_version=None)


def test_the_thread_is_append_only(users, yn_enterprise, chain):
    from django.db import InternalError, ProgrammingError, transaction

    question = ask(users, yn_enterprise)
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        question.messages.update(text="改写")
    assert question.messages.get().text == "按工资总额吗？"
