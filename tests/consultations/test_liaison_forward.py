"""转交联络员: an officer forwards a question to a 产改联络员 / 指导员 assigned to the enterprise
(enterprises/liaisons), who then sees and answers it; anyone else is refused at the field."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enterprises.consultations import services
from enterprises.consultations.models import Question
from enterprises.liaisons.models import LiaisonAssignment
from reform_portal.access import QuestionPolicy
from reform_portal.inbox.models import Notice
from tests.factories import make_officer

from .conftest import ask

pytestmark = pytest.mark.django_db


def test_a_liaison_sees_and_answers_what_is_forwarded_to_them(client, users, yn_enterprise, chain):
    liaison = make_officer("t-liaison", regions=[])  # assigned to the enterprise, in charge of no region
    LiaisonAssignment.objects.create(
        enterprise=yn_enterprise, user=liaison, role="instructor", assigned_at=timezone.now()
    )
    stranger = make_officer("t-stranger", regions=[])
    question = ask(users, yn_enterprise)
    assert not QuestionPolicy.visible(liaison, Question.objects.all()).exists()

    with pytest.raises(ValidationError) as refused:
        services.question_forward_to_liaison(
            question=question, user=stranger, by=chain["county"], expected_version=None
        )
    assert "user" in refused.value.message_dict

    client.force_login(chain["county"])
    page = client.get(f"/consultations/{question.pk}/").content.decode()
    assert 'id="forward-liaison-form"' in page and "t-liaison" in page
    response = client.post(
        f"/consultations/{question.pk}/forward-liaison/", {"user": liaison.pk, "note": "请指导员答复", "version": 1}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.status, question.assignee_id, question.handler_ids) == (
        "forwarded",
        liaison.pk,
        [chain["county"].pk],
    )
    assert Notice.objects.filter(recipient=liaison, kind="question").count() == 1
    message = question.messages.get(kind="forward_liaison")
    assert (message.by_id, message.to_user_id, message.text) == (chain["county"].pk, liaison.pk, "请指导员答复")

    assert list(QuestionPolicy.visible(liaison, Question.objects.all())) == [question]
    assert not QuestionPolicy.can(liaison, QuestionPolicy.FORWARD, question)  # forwarded to, not in charge
    services.question_answer(question=question, text="指导员的答复", by=liaison, expected_version=question.version)
    question.refresh_from_db()
    assert question.status == "answered"
    assert not QuestionPolicy.visible(stranger, Question.objects.all()).exists()


def test_the_api_forwards_to_a_liaison(users, yn_enterprise, chain):
    from rest_framework.test import APIClient

    liaison = make_officer("t-liaison", regions=[])
    LiaisonAssignment.objects.create(enterprise=yn_enterprise, user=liaison, role="liaison", assigned_at=timezone.now())
    question = ask(users, yn_enterprise)
    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    wrong = api.post(f"/api/questions/{question.pk}/forward-liaison/", {"user": users["sasac-yn"].pk, "version": 1})
    assert wrong.status_code == 400 and "user" in wrong.json()
    done = api.post(f"/api/questions/{question.pk}/forward-liaison/", {"user": liaison.pk, "version": 1})
    assert done.status_code == 200 and done.json()["status"] == "forwarded"
