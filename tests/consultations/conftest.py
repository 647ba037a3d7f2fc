import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.consultations import services
from enterprises.models import Region
from measures.models import Measure
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory, make_enterprise_user, make_officer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="材料.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def yunnan(db):
    return Region.objects.get(code="530000")


@pytest.fixture
def wuhua(db):
    return Region.objects.get(code="530102")  # 五华区, a county of Kunming


@pytest.fixture
def yn06(db):
    return Measure.objects.get(code="YN-06")


@pytest.fixture
def chain(users, yn_enterprise, wuhua, yunnan):
    """The Kunming enterprise in 五华区, with an officer per union level: the county's, Kunming's (officer-yn), the
    province's."""
    yn_enterprise.county = wuhua
    yn_enterprise.save(update_fields=["county"])
    return {
        "county": make_officer("t-county-yn", regions=[wuhua]),
        "prefecture": users["officer-yn"],
        "province": make_officer("t-province-yn", regions=[yunnan]),
    }


@pytest.fixture
def other_yn(kunming):
    """Another Kunming enterprise (of the same kind: the same measures apply) and its user."""
    enterprise = EnterpriseFactory(name="昆明另一家测试有限公司", region=kunming)
    progress_ensure(enterprise=enterprise)
    return enterprise, make_enterprise_user("t-other-yn", enterprise=enterprise)


def ask(users, enterprise, measure=None, **kwargs):
    values = {"topic": "measure" if measure else "assessment", "title": "职工教育经费怎么算", "body": "按工资总额吗？"}
    values.update(kwargs)
    return services.question_ask(enterprise=enterprise, measure=measure, by=users["enterprise-yn"], **values)
