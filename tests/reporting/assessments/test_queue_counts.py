"""The work queue's 待审核 / 退回后重新提交 counts come from the counts the database keeps per place
(`selectors.awaiting_counts`), with the enterprises named to an officer counted from their rows: for every kind of
charge, one level or two, they equal a count of the forms the row rule (`AssessmentPolicy.awaiting_review`) lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise, Region
from reform_portal.access import AssessmentPolicy
from reporting.assessments import services
from reporting.assessments.counts import drift
from reporting.assessments.models import Assessment
from reporting.assessments.selectors import awaiting_counts
from tests.factories import make_officer
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

# (status, round): every waiting state in a first and a later round, and forms no one reviews now
FORMS = [("submitted", 1), ("submitted", 2), ("forwarded", 1), ("forwarded", 3), ("draft", 0), ("accepted", 2)]


def from_rows(user) -> dict:
    rows = list(AssessmentPolicy.awaiting_review(user, Assessment.objects.all()).values_list("status", "round"))
    return {
        "pending": len(rows),
        "forwarded": sum(status == "forwarded" for status, _r in rows),
        "again": sum(r > 1 for _s, r in rows),
    }


@pytest.fixture
def forms(yn_period, kunming):
    enterprises = make_enterprises(80, seed=41, province_codes=("530000",))
    county = Region.objects.filter(parent=kunming).order_by("code").first()
    in_kunming = [e for e in enterprises if e.region_id == kunming.pk]
    Enterprise.objects.filter(pk__in=[e.pk for e in in_kunming[:2]]).update(county=county)
    for i, e in enumerate(enterprises):
        status, round_ = FORMS[i % len(FORMS)]
        Assessment.objects.create(period=yn_period, enterprise=e, status=status, round=round_)
    return {"enterprises": enterprises, "in_kunming": in_kunming, "county": county}


@pytest.mark.parametrize("levels", [1, 2])
def test_every_kind_of_charge_counts_what_the_rows_hold(forms, yn_period, users, kunming, levels):
    services.period_update(period=yn_period, by=users["admin"], review_levels=levels)
    province = Region.objects.get(code="530000")
    elsewhere = next(e for e in forms["enterprises"] if e.region_id != kunming.pk)
    named_in_kunming = forms["in_kunming"][3]
    charges = {
        "admin": users["admin"],
        "prefecture": users["officer-yn"],
        "county": make_officer("t-q-county", regions=[forms["county"]]),
        "province": make_officer("t-q-province", regions=[province]),
        # named to an enterprise outside their places, and to one inside them (first level for them, by name)
        "named-outside": make_officer("t-q-named", regions=[forms["county"]], enterprises=[elsewhere]),
        "province-named": make_officer("t-q-prov-named", regions=[province], enterprises=[named_in_kunming]),
        "named-only": make_officer("t-q-only", enterprises=[named_in_kunming, elsewhere]),
        "other-province": users["officer-sx"],
        "sasac": users["sasac-yn"],
    }
    found = {name: awaiting_counts(user=user) for name, user in charges.items()}
    assert found == {name: from_rows(user) for name, user in charges.items()}
    # the counts are not trivial: the forms are spread over the charges
    assert found["admin"]["pending"] > found["prefecture"]["pending"] > 0 and found["admin"]["again"] > 0
    assert found["sasac"] == found["other-province"] == {"pending": 0, "forwarded": 0, "again": 0}


def test_a_return_and_a_second_submission_move_the_counts(forms, yn_period, users):
    officer = users["officer-yn"]
    form = Assessment.objects.filter(enterprise__in=forms["in_kunming"], status="submitted", round=1).first()
    before = awaiting_counts(user=officer)
    Assessment.objects.filter(pk=form.pk).update(status="returned")
    assert awaiting_counts(user=officer) == {**before, "pending": before["pending"] - 1} == from_rows(officer)
    Assessment.objects.filter(pk=form.pk).update(status="submitted", round=2)
    again = {**before, "again": before["again"] + 1}
    assert awaiting_counts(user=officer) == again == from_rows(officer)
    assert drift() == {"places": {}, "states": {}}


def test_the_count_reads_no_assessment_of_the_places(forms, users):
    with CaptureQueriesContext(connection) as ctx:
        awaiting_counts(user=users["officer-yn"])
    assert not any('FROM "assessments_assessment"' in q["sql"] for q in ctx.captured_queries)
