"""Who sees and does what with a question (reform_portal/access.py QuestionPolicy) and an FAQ entry (FaqPolicy)."""

import pytest

from enterprises.consultations import services
from enterprises.consultations.models import FaqEntry, Question
from reform_portal.access import FaqPolicy, QuestionPolicy
from tests.factories import make_officer
from tests.factories.groups import make_group_user

from .conftest import ask

pytestmark = pytest.mark.django_db


def visible(user):
    return set(QuestionPolicy.visible(user, Question.objects.all()).values_list("pk", flat=True))


def test_each_role_sees_the_questions_of_its_scope(users, yn_enterprise, sx_soe, chain, other_yn):
    mine = ask(users, yn_enterprise)
    theirs = services.question_ask(enterprise=sx_soe, topic="other", title="t", body="b", by=users["enterprise-sx"])
    other, other_user = other_yn
    neighbour = services.question_ask(enterprise=other, topic="other", title="t", body="b", by=other_user)
    yn_enterprise.parent = sx_soe  # a subsidiary of the group (a grant counts below the head only)
    yn_enterprise.save(update_fields=["parent"])
    group = make_group_user("t-group", head=sx_soe, granted=[yn_enterprise])
    assert visible(users["enterprise-yn"]) == {mine.pk}
    assert visible(other_user) == {neighbour.pk}
    assert visible(group) == {mine.pk, theirs.pk}  # its head's and its granted subsidiary's
    assert visible(users["officer-yn"]) == {mine.pk, neighbour.pk}
    assert visible(chain["county"]) == {mine.pk}  # 五华区 only
    assert visible(users["officer-sx"]) == {theirs.pk}
    assert visible(users["sasac-yn"]) == {mine.pk, neighbour.pk}
    assert visible(users["admin"]) == {mine.pk, theirs.pk, neighbour.pk}


def test_a_handler_out_of_region_sees_what_was_escalated_to_them(users, yn_enterprise, chain):
    question = ask(users, yn_enterprise)
    stranger = make_officer("t-far", regions=[])
    assert question.pk not in visible(stranger)
    Question.objects.filter(pk=question.pk).update(handler_ids=[stranger.pk])
    question.refresh_from_db()
    assert question.pk in visible(stranger) and QuestionPolicy.can(stranger, QuestionPolicy.ANSWER, question)


def test_actions_by_role(users, yn_enterprise, chain):
    question = ask(users, yn_enterprise)
    can = QuestionPolicy.can
    assert can(users["enterprise-yn"], QuestionPolicy.ASK, yn_enterprise)
    assert not can(users["officer-yn"], QuestionPolicy.ASK, yn_enterprise)
    assert can(chain["county"], QuestionPolicy.ANSWER, question) and can(
        users["officer-yn"], QuestionPolicy.ANSWER, question
    )
    assert not can(users["sasac-yn"], QuestionPolicy.ANSWER, question)  # SASAC reads only
    assert can(users["sasac-yn"], QuestionPolicy.VIEW, question)
    assert not can(users["enterprise-yn"], QuestionPolicy.RESPOND, question)  # nothing answered yet
    services.question_answer(question=question, text="答", by=chain["county"], expected_version=None)
    question.refresh_from_db()
    assert can(users["enterprise-yn"], QuestionPolicy.RESPOND, question)
    assert not can(chain["county"], QuestionPolicy.ANSWER, question)  # answered: waits for nothing
    assert can(chain["county"], QuestionPolicy.PUBLISH, question)
    assert not can(users["officer-sx"], QuestionPolicy.VIEW, question)


def test_the_faq_of_a_yunnan_measure_is_for_whom_it_applies_and_the_province(users, yn_enterprise, yn06, chain):
    entry = services.faq_publish(
        question=None, measure=yn06, title="培训经费比例？", answer="8%", by=users["officer-yn"]
    )
    entries = FaqEntry.objects.all()
    for role in ("admin", "officer-yn", "sasac-yn", "enterprise-yn"):
        assert list(FaqPolicy.visible(users[role], entries)) == [entry], role
    for role in ("officer-sx", "sasac-sx", "enterprise-sx"):
        assert not FaqPolicy.visible(users[role], entries).exists(), role
    assert FaqPolicy.can(users["officer-yn"], FaqPolicy.MANAGE, entry)
    assert not FaqPolicy.can(users["officer-sx"], FaqPolicy.MANAGE, entry)
    assert not FaqPolicy.can(users["sasac-yn"], FaqPolicy.MANAGE, entry)
    services.faq_withdraw(entry=entry, by=users["officer-yn"], expected_version=entry.version)
    assert not FaqPolicy.visible(users["enterprise-yn"], entries).exists()
    assert FaqPolicy.visible(users["officer-yn"], entries).exists()  # those who manage it still see it
