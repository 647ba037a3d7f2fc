import pytest

from measures.choices import Status
from reporting.assessments import services
from reporting.assessments.choices import SelfRating
from tests.factories import open_period


@pytest.fixture
def yn_period(users):
    return open_period(province_id=users["enterprise-yn"].profile.enterprise.region.parent_id, opened_by=users["admin"])


@pytest.fixture
def draft(yn_period, users):
    return services.assessment_start(
        period=yn_period, enterprise=users["enterprise-yn"].profile.enterprise, by=users["enterprise-yn"]
    )


# A value of each kind that meets a "≥" or 是 target (and 0 or 否 otherwise), as the enterprise would type it.
MEETING = {"boolean": "是", "count": "1", "share": "100", "date": "2024-03-01", "text": "《职工培训管理办法》"}
NOT_MEETING = {"boolean": "否", "count": "0", "share": "0", "date": "2024-03-01", "text": "《职工培训管理办法》"}


def fill_complete(assessment, user, *, status=Status.IN_PROGRESS, percent=60, what_done="建立了职工培训制度"):
    """Answer every measure and every indicator the form asks for (not the derived ones: the register gives those)
    through the services, as the form would."""
    for item in assessment.items.all():
        services.item_save(
            item=item, by=user, self_rating=SelfRating.FAIRLY_GOOD, what_done=what_done, status=status, percent=percent
        )
    for answer in assessment.indicator_answers.select_related("indicator").filter(indicator__derived_from=""):
        indicator = answer.indicator
        value = (MEETING if indicator.comparison in ("true", "gte") else NOT_MEETING)[indicator.kind]
        services.indicator_save(answer=answer, by=user, value=value)


@pytest.fixture
def submitted(draft, users):
    fill_complete(draft, users["enterprise-yn"])
    return services.assessment_submit(assessment=draft, by=users["enterprise-yn"])


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
