"""factory_boy factories shared by the whole suite."""

import random
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from enterprises.choices import Industry, Ownership, Role, SizeClass, SupervisionLevel, Supervisor
from enterprises.credit_code import ALPHABET
from enterprises.credit_code import make_credit_code as build_credit_code
from enterprises.models import Enterprise, Profile, Region
from enterprises.reference import gb2260_name
from reporting.assessments.models import ReportingPeriod

PASSWORD = "demo12345"


def make_credit_code(region_code: str = "530100", rng=random) -> str:
    """A valid credit code registered in `region_code`, with a random organisation code. A portal code that is not a
    GB/T 2260 code (杨凌示范区's) is replaced by its province's code."""
    if gb2260_name(region_code) is None:
        region_code = region_code[:2] + "0000"
    return build_credit_code(region_code, "".join(rng.choice(ALPHABET) for _ in range(8)))


def region(code: str) -> Region:
    return Region.objects.get(code=code)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n:04d}有限公司")
    region = factory.LazyFunction(lambda: region("530100"))  # 昆明市
    credit_code = factory.LazyAttribute(lambda o: make_credit_code(o.region.code))
    ownership = Ownership.PRIVATE
    supervision_level = SupervisionLevel.NONE
    industry = Industry.C
    size_class = SizeClass.MEDIUM
    employees = 500
    frontline_workers = 300
    union_members = 280
    party_members = 40
    skilled_workers = 200
    highly_skilled_workers = 50
    union_founded = True

    class Params:
        soe = factory.Trait(
            ownership=Ownership.STATE_SOLE, supervision_level=SupervisionLevel.PROVINCIAL, supervisor=Supervisor.SASAC
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def make_officer(username="officer", *, regions=(), enterprises=()):
    user = UserFactory(username=username)
    profile = Profile.objects.create(user=user, role=Role.OFFICER)
    profile.charge_regions.set(regions)
    profile.charge_enterprises.set(enterprises)
    return user


def make_sasac(username="sasac", *, province_code="530000"):
    user = UserFactory(username=username)
    Profile.objects.create(user=user, role=Role.SASAC, province=region(province_code))
    return user


def make_enterprise_user(username="ent", *, enterprise):
    user = UserFactory(username=username)
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=enterprise)
    return user


def make_admin(username="admin"):
    user = UserFactory(username=username, is_superuser=True, is_staff=True)
    return user


def open_period(*, province_id, opened_by=None) -> ReportingPeriod:
    """This year's reporting period of the province: open for five days, due in 25."""
    today = timezone.localdate()
    return ReportingPeriod.objects.create(
        year=today.year,
        province_id=province_id,
        opens_on=today - timedelta(days=5),
        deadline=today + timedelta(days=25),
        opened_by=opened_by,
    )
