"""A measure is named one way everywhere (issue 13, item 4): its code first, then its number and title as the
document prints them (`measures.models.measure_label`), on the dashboard, its drill-down and workbook, the
self-assessment's problem list and its PDF (tests/reporting/assessments/test_printed_form.py)."""

from io import BytesIO

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from measures.models import Measure, PolicyDocument, measure_label
from reporting import rollup
from reporting.assessments import services
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

S1 = "YN-S1 （一）压紧压实工作责任"


def test_the_label_puts_the_code_first_and_the_number_as_printed():
    assert measure_label(code="YN-S1", number="（一）", title="压紧压实工作责任") == "YN-S1 （一）压紧压实工作责任"
    assert measure_label(code="YN-01", number="1", title="加强党建") == "YN-01 1.加强党建"
    assert measure_label(code="YN-10", number="10", title="维护民主权利") == "YN-10 10.维护民主权利"
    assert measure_label(code="", number="（二）", title="确保落地") == "（二）确保落地"
    measure = Measure.objects.get(code="YN-S1")
    assert measure.label == str(measure) == "YN-S1 （一）压紧压实工作责任"
    assert Measure.objects.get(code="YN-01").label == "YN-01 1.加强产业工人队伍党建工作"


def test_the_problem_list_names_each_measure_by_its_label(users, yn_enterprise):
    from tests.factories import open_period

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    draft = services.assessment_start(period=period, enterprise=yn_enterprise, by=users["enterprise-yn"])
    labels = {p.label for p in services.assessment_problems(assessment=draft)}
    assert "YN-S1 （一）压紧压实工作责任" in labels
    assert "YN-01 1.加强产业工人队伍党建工作" in labels


def test_the_dashboard_its_drilldown_and_workbook_name_measures_by_their_label(client, users):
    cache.clear()  # the dashboard's figures of an earlier run's data
    make_enterprises(12)
    rollup.rollup_full_now()
    client.force_login(users["sasac-yn"])
    s1 = Measure.objects.get(code="YN-S1")
    charts = client.get(reverse("reporting:dashboard")).context["charts"]
    assert S1 in [m["name"] for m in charts["measures"]]
    assert S1 in charts["heat"]["measures"]
    yn = PolicyDocument.objects.get(code="yn-2022-21")
    response = client.get(
        reverse("reporting:drilldown"), {"document": yn.pk, "figure": "completion_rate", "measure": s1.pk}
    )
    assert f"· {S1}</h1>" in response.content.decode()
    workbook = load_workbook(BytesIO(client.get(reverse("reporting:export")).content))
    assert S1 in [row[0] for row in workbook["按措施"].iter_rows(values_only=True)]
