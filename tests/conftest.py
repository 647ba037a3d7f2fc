"""Suite-wide fixtures. The test database gets the real regions and policy catalogue once per
session, so every test runs against the catalogue the portal ships."""

import pytest
from django.core.management import call_command
from django.db import connection

from enterprises.models import Region
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory, make_admin, make_enterprise_user, make_officer, make_sasac


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_regions", verbosity=0)
        call_command("load_catalogue", verbosity=0)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 at production strength costs ~0.3 s a user; the suite makes hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_lockout_bookkeeping(settings):
    # django-axes writes at every sign-in and sign-out (a third of a force_login's time); the tests of lockouts and
    # of their audit events (tests/accounts/, tests/audit/) switch it on with the production limits.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def second_factor_not_required(settings):
    # force_login and client.login cannot enter a one-time code; the tests of the second factor itself
    # (tests/accounts/) ask for it with the production roles.
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def no_lagging_grace(settings):
    # Factories register every enterprise now, which the grace period would keep from lagging; the tests of the
    # grace period itself (tests/measures/test_lagging.py, tests/test_rules_consistency.py) set it.
    settings.LAGGING_GRACE_DAYS = 0


@pytest.fixture
def kunming(db):
    return Region.objects.get(code="530100")


@pytest.fixture
def xian(db):
    return Region.objects.get(code="610100")


def make_yn_enterprise(kunming):
    enterprise = EnterpriseFactory(name="昆明测试机械有限公司", region=kunming)
    progress_ensure(enterprise=enterprise)
    return enterprise


def make_sx_soe(xian):
    enterprise = EnterpriseFactory(name="西安测试重工集团有限公司", region=xian, soe=True)
    progress_ensure(enterprise=enterprise)
    return enterprise


def make_users(kunming, xian, yn_enterprise, sx_soe) -> dict:
    """One user of each role, in the shape of the demo accounts."""
    return {
        "admin": make_admin("t-admin"),
        "officer-yn": make_officer("t-officer-yn", regions=[kunming]),
        "officer-sx": make_officer("t-officer-sx", regions=[xian]),
        "sasac-yn": make_sasac("t-sasac-yn", province_code="530000"),
        "sasac-sx": make_sasac("t-sasac-sx", province_code="610000"),
        "enterprise-yn": make_enterprise_user("t-enterprise-yn", enterprise=yn_enterprise),
        "enterprise-sx": make_enterprise_user("t-enterprise-sx", enterprise=sx_soe),
    }


@pytest.fixture
def yn_enterprise(kunming):
    return make_yn_enterprise(kunming)


@pytest.fixture
def sx_soe(xian):
    return make_sx_soe(xian)


@pytest.fixture
def users(kunming, xian, yn_enterprise, sx_soe):
    return make_users(kunming, xian, yn_enterprise, sx_soe)


@pytest.fixture
def loaded(transactional_db):
    """3,000 enterprises from `generate_load`, every table analysed as autovacuum would (regions, measures and
    scopes too): enough rows for the planner to choose what it would at scale (the EXPLAIN tests)."""
    # generate_load switches its tables' triggers off, which PostgreSQL refuses inside a test's transaction while
    # deferred foreign-key checks are pending: the test commits (and reloads what an earlier one may have flushed).
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    call_command("generate_load", enterprises=3000, stdout=open("/dev/null", "w"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
