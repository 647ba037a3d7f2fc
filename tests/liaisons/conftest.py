from datetime import timedelta

import pytest
from django.utils import timezone

from enterprises.liaisons import services
from enterprises.liaisons.choices import LiaisonRole
from enterprises.liaisons.models import LiaisonQualification
from tests.factories import make_officer


def qualify(user, *roles):
    for role in roles or (LiaisonRole.LIAISON,):
        LiaisonQualification.objects.get_or_create(user=user, role=role)
    return user


def log_visit(enterprise, by, *, days=3, **extra):
    values = {
        "visited_on": timezone.localdate() - timedelta(days=days),
        "people_met": "张三（工会主席）",
        "questions_answered": "技能等级认定怎么申报",
        **extra,
    }
    return services.visit_log(enterprise=enterprise, by=by, **values)


@pytest.fixture
def liaison(kunming):
    """A Kunming officer qualified as 联络员 and 指导员."""
    return qualify(make_officer("t-liaison-km", regions=[kunming]), LiaisonRole.LIAISON, LiaisonRole.INSTRUCTOR)
