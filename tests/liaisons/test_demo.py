"""The demo's 联络员 / 指导员 and visits: made through the services, once (a second seed adds nothing)."""

import pytest
from django.core.management import call_command

from enterprises.liaisons.models import LiaisonAssignment, LiaisonQualification, Visit
from enterprises.liaisons.selectors import assigned_enterprises, liaison_users
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_the_demo_assigns_liaisons_and_logs_visits_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    counts = (LiaisonQualification.objects.count(), LiaisonAssignment.objects.count(), Visit.objects.count())
    assert counts == (2, 2, 2)
    yunling = Enterprise.objects.get(name="昆明云岭数控机床有限公司")
    assert [u.username for u in liaison_users(yunling)] == ["officer-yn"]
    officer = liaison_users(yunling).get()
    assert list(assigned_enterprises(officer)) == [yunling]
    assert set(Visit.objects.values_list("recorded_by__username", flat=True)) == {"officer-yn"}
    call_command("seed_demo", verbosity=0)
    again = (LiaisonQualification.objects.count(), LiaisonAssignment.objects.count(), Visit.objects.count())
    assert again == counts
