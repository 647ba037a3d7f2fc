import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from enterprises.choices import Role
from enterprises.credit_code import is_valid_credit_code
from enterprises.models import Enterprise
from measures.models import IndicatorValue, Progress, ProgressEvent

pytestmark = pytest.mark.django_db

ACCOUNTS = ["admin", "officer-yn", "officer-sx", "sasac-yn", "sasac-sx", "enterprise-yn", "enterprise-sx"]


def counts():
    return (
        Enterprise.objects.count(),
        get_user_model().objects.count(),
        Progress.objects.count(),
        ProgressEvent.objects.count(),
        IndicatorValue.objects.count(),
    )


def test_seed_demo_twice_creates_nothing_more(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    assert 55 <= first[0] <= 70


def test_seed_demo_content(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    enterprises = Enterprise.objects.select_related("region__parent")
    assert all(is_valid_credit_code(e.credit_code) for e in enterprises)
    assert {e.region.parent.code for e in enterprises} == {"530000", "610000"}
    assert len({e.region_id for e in enterprises}) >= 8
    assert len({e.ownership for e in enterprises}) >= 5
    assert len({e.industry for e in enterprises}) >= 5
    assert set(Progress.objects.values_list("status", flat=True)) == {"not_started", "in_progress", "done", "ongoing"}
    User = get_user_model()
    for username in ACCOUNTS:
        assert User.objects.get(username=username).check_password("demo12345")
    assert User.objects.get(username="admin").is_superuser
    officer = User.objects.get(username="officer-yn").profile
    assert officer.role == Role.OFFICER and [r.name for r in officer.charge_regions.all()] == ["昆明市"]
    assert User.objects.get(username="sasac-sx").profile.province.name == "陕西省"
    ent_yn = User.objects.get(username="enterprise-yn").profile.enterprise
    assert ent_yn.region.name == "昆明市"
    ent_sx = User.objects.get(username="enterprise-sx").profile.enterprise
    assert ent_sx.region.name == "西安市" and ent_sx.is_state_owned


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("seed_demo", verbosity=0)
    assert Enterprise.objects.count() == 0
    call_command("seed_demo", "--force", verbosity=0)
    assert Enterprise.objects.count() > 0
