"""Assignments and visits through the services: the rules, each refusal at its field, the history."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enterprises.liaisons import services
from enterprises.liaisons.choices import LiaisonRole
from enterprises.liaisons.models import LiaisonAssignment, Visit
from enterprises.liaisons.selectors import assigned_enterprises, liaison_users
from reform_portal.text_limits import ANSWER_MAX_CHARS
from reform_portal.versioning import StaleEdit
from tests.factories import EnterpriseFactory, make_officer

from .conftest import log_visit, qualify

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _fields(exc) -> set:
    return set(exc.value.message_dict)


def test_assign_and_end(users, liaison, yn_enterprise):
    a = services.assignment_create(
        enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["officer-yn"]
    )
    services.assignment_create(
        enterprise=yn_enterprise, user=liaison, role=LiaisonRole.INSTRUCTOR, by=users["officer-yn"]
    )
    assert list(liaison_users(yn_enterprise)) == [liaison]
    assert list(liaison_users(yn_enterprise, role=LiaisonRole.INSTRUCTOR)) == [liaison]
    assert list(assigned_enterprises(liaison)) == [yn_enterprise]
    assert a.assigned_by == users["officer-yn"] and a.is_active
    # the same person in the same role twice: refused at the person
    with pytest.raises(ValidationError) as exc:
        services.assignment_create(
            enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["officer-yn"]
        )
    assert _fields(exc) == {"user"}
    ended = services.assignment_end(assignment=a, by=users["officer-yn"])
    assert ended.ended_at is not None and ended.ended_by == users["officer-yn"]
    assert list(liaison_users(yn_enterprise, role=LiaisonRole.LIAISON)) == []
    assert list(assigned_enterprises(liaison)) == [yn_enterprise]  # still its 指导员
    with pytest.raises(ValidationError) as exc:
        services.assignment_end(assignment=a, by=users["officer-yn"])
    assert _fields(exc) == {"ended_at"}
    # ended: the person may be assigned again (a new row; the old one stays)
    services.assignment_create(enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["admin"])
    assert LiaisonAssignment.objects.filter(enterprise=yn_enterprise, role=LiaisonRole.LIAISON).count() == 2


def test_assignment_refusals(users, kunming, xian, liaison, yn_enterprise, sx_soe):
    plain = make_officer("t-km-plain", regions=[kunming])
    far = qualify(make_officer("t-xa-liaison", regions=[xian]))
    cases = [
        (dict(enterprise=yn_enterprise, user=plain, role=LiaisonRole.LIAISON, by=users["officer-yn"]), "user"),
        (dict(enterprise=yn_enterprise, user=far, role=LiaisonRole.LIAISON, by=users["officer-yn"]), "user"),
        (dict(enterprise=yn_enterprise, user=liaison, role="boss", by=users["officer-yn"]), "role"),
        (dict(enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["sasac-yn"]), "enterprise"),
        (dict(enterprise=sx_soe, user=far, role=LiaisonRole.LIAISON, by=users["officer-yn"]), "enterprise"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.assignment_create(**kwargs)
        assert _fields(exc) == {field}, kwargs
    assert not LiaisonAssignment.objects.exists()


def test_a_liaison_logs_a_visit_recorded_in_the_history(users, liaison, yn_enterprise):
    services.assignment_create(enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["admin"])
    visit = log_visit(
        yn_enterprise, liaison, other_visitors="李四（五华区总工会）", follow_ups="送培训资料", follow_up_due=TODAY()
    )
    assert visit.recorded_by == liaison and visit.version == 1
    (event,) = visit.events.all()
    assert event.pgh_label == "insert" or event.questions_answered == "技能等级认定怎么申报"
    visit = services.visit_update(visit=visit, expected_version=1, by=liaison, follow_ups="已寄送培训资料")
    assert visit.version == 2 and visit.follow_ups == "已寄送培训资料"
    assert visit.events.count() == 2
    assert visit.events.order_by("-pgh_id").first().pgh_context["user"] == liaison.pk


def test_a_stale_edit_is_refused(users, yn_enterprise):
    visit = log_visit(yn_enterprise, users["officer-yn"])
    services.visit_update(visit=visit, expected_version=1, by=users["officer-yn"], people_met="王五")
    with pytest.raises(StaleEdit):
        services.visit_update(visit=visit, expected_version=1, by=users["officer-yn"], people_met="赵六")
    visit.refresh_from_db()
    assert visit.people_met == "王五"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"visited_on": TODAY() + timedelta(days=1)}, "visited_on"),
        ({"visited_on": None}, "visited_on"),
        ({"people_met": "  "}, "people_met"),
        ({"questions_answered": ""}, "questions_answered"),
        ({"questions_answered": "问" * (ANSWER_MAX_CHARS + 1)}, "questions_answered"),
        ({"other_visitors": "人" * 201}, "other_visitors"),
        ({"follow_up_due": TODAY()}, "follow_ups"),
        ({"follow_ups": "再访", "follow_up_due": TODAY() - timedelta(days=30)}, "follow_up_due"),
    ],
)
def test_visit_refusals_name_the_field(users, yn_enterprise, values, field):
    with pytest.raises(ValidationError) as exc:
        log_visit(yn_enterprise, users["officer-yn"], days=3, **values)
    assert field in _fields(exc)
    assert not Visit.objects.exists()


def test_who_may_log(users, yn_enterprise, sx_soe):
    for role in ("sasac-yn", "enterprise-yn", "officer-sx"):
        with pytest.raises(ValidationError) as exc:
            log_visit(yn_enterprise, users[role])
        assert _fields(exc) == {"enterprise"}, role
    assert log_visit(yn_enterprise, users["admin"]).recorded_by == users["admin"]


def test_a_visit_is_changed_only_by_those_allowed(users, yn_enterprise):
    visit = log_visit(yn_enterprise, users["officer-yn"])
    other = make_officer("t-named", enterprises=[yn_enterprise])
    with pytest.raises(ValidationError):
        services.visit_update(visit=visit, expected_version=1, by=other, people_met="X")
    with pytest.raises(ValidationError):
        services.visit_update(visit=visit, expected_version=1, by=users["sasac-yn"], people_met="X")


def test_assigned_enterprises_of_another_user_are_not_mine(users, liaison, yn_enterprise, kunming):
    second = EnterpriseFactory(name="昆明第二测试有限公司", region=kunming)
    other = qualify(make_officer("t-km-other", regions=[kunming]))
    services.assignment_create(enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["admin"])
    services.assignment_create(enterprise=second, user=other, role=LiaisonRole.LIAISON, by=users["admin"])
    assert list(assigned_enterprises(liaison)) == [yn_enterprise]
    assert list(assigned_enterprises(other)) == [second]
