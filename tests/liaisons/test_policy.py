"""Who may assign liaisons, log and change visits, and see them (reform_portal.access.LiaisonPolicy)."""

import pytest

from enterprises.liaisons import services
from enterprises.liaisons.choices import LiaisonRole
from enterprises.liaisons.models import LiaisonAssignment, Visit
from enterprises.models import Enterprise, Region
from reform_portal.access import EnterprisePolicy, LiaisonPolicy
from tests.factories import EnterpriseFactory, make_officer

from .conftest import log_visit, qualify

pytestmark = pytest.mark.django_db


def test_who_may_assign(users, yn_enterprise, sx_soe):
    assert LiaisonPolicy.can(users["admin"], LiaisonPolicy.ASSIGN, yn_enterprise)
    assert LiaisonPolicy.can(users["officer-yn"], LiaisonPolicy.ASSIGN, yn_enterprise)
    assert not LiaisonPolicy.can(users["officer-yn"], LiaisonPolicy.ASSIGN, sx_soe)
    for role in ("sasac-yn", "enterprise-yn"):
        assert not LiaisonPolicy.can(users[role], LiaisonPolicy.ASSIGN, yn_enterprise), role
        assert not LiaisonPolicy.can(users[role], LiaisonPolicy.ASSIGN), role


def test_an_officer_with_only_named_enterprises_may_not_assign_but_may_log(yn_enterprise):
    named = make_officer("t-named", enterprises=[yn_enterprise])
    assert not LiaisonPolicy.can(named, LiaisonPolicy.ASSIGN, yn_enterprise)
    assert not LiaisonPolicy.can(named, LiaisonPolicy.ASSIGN)
    assert LiaisonPolicy.can(named, LiaisonPolicy.LOG, yn_enterprise)


def test_only_qualified_officers_in_charge_are_assignable(kunming, xian, yn_enterprise, users):
    in_charge = make_officer("t-km-plain", regions=[kunming])
    qualified = qualify(make_officer("t-km-liaison", regions=[kunming]))
    elsewhere = qualify(make_officer("t-xa-liaison", regions=[xian]))
    named = qualify(make_officer("t-named-liaison", enterprises=[yn_enterprise]))
    inactive = qualify(make_officer("t-km-gone", regions=[kunming]))
    inactive.is_active = False
    inactive.save()
    ids = LiaisonPolicy.assignable_user_ids(yn_enterprise, LiaisonRole.LIAISON)
    assert ids == {qualified.pk, named.pk}
    assert in_charge.pk not in ids and elsewhere.pk not in ids
    # qualified as 联络员 only: not assignable as 指导员
    assert LiaisonPolicy.assignable_user_ids(yn_enterprise, LiaisonRole.INSTRUCTOR) == set()


def test_visits_are_read_by_officers_and_sasac_of_the_scope_only(users, yn_enterprise, sx_soe):
    visit = log_visit(yn_enterprise, users["officer-yn"])
    other = log_visit(sx_soe, users["officer-sx"])
    seen = {
        role: set(LiaisonPolicy.visible_visits(users[role], Visit.objects.all()).values_list("pk", flat=True))
        for role in users
    }
    assert seen["admin"] == {visit.pk, other.pk}
    assert seen["officer-yn"] == seen["sasac-yn"] == {visit.pk}
    assert seen["officer-sx"] == seen["sasac-sx"] == {other.pk}
    assert seen["enterprise-yn"] == seen["enterprise-sx"] == set()
    assert not LiaisonPolicy.can(users["enterprise-yn"], LiaisonPolicy.VISITS)


def test_who_may_change_a_visit(users, kunming, yn_enterprise):
    named = make_officer("t-named", enterprises=[yn_enterprise])
    visit = log_visit(yn_enterprise, named)
    visit.enterprise = yn_enterprise
    assert LiaisonPolicy.can(named, LiaisonPolicy.CHANGE_VISIT, visit)  # the one who logged it
    assert LiaisonPolicy.can(users["officer-yn"], LiaisonPolicy.CHANGE_VISIT, visit)  # in charge of Kunming
    assert LiaisonPolicy.can(users["admin"], LiaisonPolicy.CHANGE_VISIT, visit)
    other_named = make_officer("t-named-2", enterprises=[yn_enterprise])
    assert not LiaisonPolicy.can(other_named, LiaisonPolicy.CHANGE_VISIT, visit)
    assert not LiaisonPolicy.can(users["sasac-yn"], LiaisonPolicy.CHANGE_VISIT, visit)
    assert not LiaisonPolicy.can(users["officer-sx"], LiaisonPolicy.CHANGE_VISIT, visit)


def test_an_assignment_does_not_widen_what_anyone_sees(users, liaison, yn_enterprise):
    other = EnterpriseFactory(name="曲靖测试有限公司", region=Region.objects.get(code="530300"))
    services.assignment_create(enterprise=yn_enterprise, user=liaison, role=LiaisonRole.LIAISON, by=users["officer-yn"])
    assert LiaisonAssignment.objects.filter(user=liaison).count() == 1
    seen = set(EnterprisePolicy.visible(liaison, Enterprise.objects.all()).values_list("pk", flat=True))
    assert yn_enterprise.pk in seen and other.pk not in seen
