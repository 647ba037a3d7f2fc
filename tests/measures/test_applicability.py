"""Who each document, measure and indicator applies to, condition by condition: for each, an enterprise inside
and one outside it, through every face of the rule (one object, querysets, the database's SQL) and through the
tallies the rollups read. What applies is checked against the catalogue's own codes, not recomputed with the code
under test."""

import pytest
from django.db import connection

from enterprises.choices import Ownership, SizeClass, SupervisionLevel, Supervisor
from enterprises.models import Enterprise
from measures.applicability import (
    applicable_indicators,
    applicable_measures,
    applies_sql,
    document_applies_to,
    enterprises_for_document,
    enterprises_q,
    has_applicable_measures_q,
    progress_applicable_to,
    scope_applies,
)
from measures.models import Indicator, Measure, PolicyDocument, Progress
from tests.factories import EnterpriseFactory
from tests.reporting.tally_oracle import assert_tallies_match_rows

pytestmark = pytest.mark.django_db

YUNNAN, SHAANXI = "云工通〔2022〕21号", "陕工发〔2023〕21号"
STATE = [Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED]
NOT_STATE = [Ownership.STATE_MINORITY, Ownership.COLLECTIVE, Ownership.PRIVATE, Ownership.FOREIGN]


def document(number):
    return PolicyDocument.objects.get(number=number)


def documents_of(enterprise) -> set[str]:
    return set(applicable_measures(enterprise).values_list("document__number", flat=True))


def in_sql(scope, enterprise) -> bool:
    """The SQL face, evaluated by the database for one (scope, enterprise)."""
    sql = (
        "SELECT 1 FROM enterprises_enterprise e JOIN enterprises_region rg ON rg.id = e.region_id,"
        f" measures_scope s WHERE e.id = %s AND s.id = %s AND {applies_sql('s', 'e', 'rg.parent_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [enterprise.pk, scope.pk])
        return cursor.fetchone() is not None


def faces_agree(scope, enterprise) -> bool:
    """Every face of the rule gives the same answer for (scope, enterprise); returns it."""
    one = scope_applies(scope, enterprise)
    assert Enterprise.objects.filter(enterprises_q(scope), pk=enterprise.pk).exists() == one
    assert in_sql(scope, enterprise) == one
    return one


# The Shaanxi document ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ownership", STATE)
@pytest.mark.parametrize("level", [SupervisionLevel.PROVINCIAL, SupervisionLevel.MUNICIPAL])
def test_shaanxi_addresses_provincial_and_city_sasac_soes(xian, ownership, level):
    e = EnterpriseFactory(region=xian, ownership=ownership, supervision_level=level, supervisor=Supervisor.SASAC)
    assert faces_agree(document(SHAANXI).scope, e)
    assert documents_of(e) == {SHAANXI}
    assert enterprises_for_document(document(SHAANXI)).filter(pk=e.pk).exists()


@pytest.mark.parametrize(
    "facts",
    [
        # a central-enterprise subsidiary located in 西安: the text addresses 省属企业 and the 市（区）国资委's
        {"ownership": Ownership.STATE_SOLE, "supervision_level": SupervisionLevel.CENTRAL, "supervisor": "sasac"},
        # a county-level SOE: neither 省属 nor under a 市（区）国资委
        {"ownership": Ownership.STATE_SOLE, "supervision_level": SupervisionLevel.COUNTY, "supervisor": "sasac"},
        # 国有独资 under a body other than a 国资委 (e.g. a 财政厅)
        {"ownership": Ownership.STATE_SOLE, "supervision_level": SupervisionLevel.PROVINCIAL, "supervisor": "other"},
        # a minority state stake is not a state-owned enterprise
        {"ownership": Ownership.STATE_MINORITY, "supervision_level": SupervisionLevel.NONE, "supervisor": ""},
        {"ownership": Ownership.PRIVATE, "supervision_level": SupervisionLevel.NONE, "supervisor": ""},
    ],
    ids=["central-subsidiary", "county-soe", "finance-dept", "minority-stake", "private"],
)
def test_shaanxi_does_not_address_other_enterprises_in_shaanxi(xian, facts):
    e = EnterpriseFactory(region=xian, **facts)
    assert not faces_agree(document(SHAANXI).scope, e)
    assert documents_of(e) == set()
    assert not document_applies_to(document(SHAANXI), e)


@pytest.mark.parametrize("ownership", STATE + NOT_STATE)
def test_yunnan_addresses_every_yunnan_enterprise_and_no_other(kunming, xian, ownership):
    supervised = ownership in STATE
    facts = {
        "ownership": ownership,
        "supervision_level": SupervisionLevel.PROVINCIAL if supervised else SupervisionLevel.NONE,
        "supervisor": Supervisor.SASAC if supervised else "",
    }
    assert faces_agree(document(YUNNAN).scope, EnterpriseFactory(region=kunming, **facts))
    assert not faces_agree(document(YUNNAN).scope, EnterpriseFactory(region=xian, **facts))


def test_measures_addressed_to_authorities_are_not_tracked(xian):
    e = EnterpriseFactory(region=xian, soe=True)
    codes = set(applicable_measures(e).values_list("code", flat=True))
    assert "SX-01" in codes
    assert "SX-18" not in codes  # addressed to the provincial 总工会 and 国资委


# Yunnan's sub-groups, condition by condition -----------------------------------------------------------------------

# (indicator code, the facts that put an enterprise inside, the facts that leave it outside)
SUB_GROUPS = [
    ("YN-06-training-centre", {"size_class": SizeClass.LARGE}, {"size_class": SizeClass.MEDIUM}),
    ("YN-07-evaluation-standards", {"leading": True}, {"leading": False}),
    ("YN-09-chief-technician-system", {"above_scale": True}, {"above_scale": False}),
    ("YN-11-union", {"employees": 100, "frontline_workers": 60}, {"employees": 80, "frontline_workers": 60}),
    ("YN-10-worker-director", {"has_board": True}, {"has_board": False}),
]


def _indicator(code):
    indicator = Indicator.objects.filter(code=code).select_related("scope").first()
    assert indicator is not None, f"{code} is not in the catalogue"
    return indicator


@pytest.mark.parametrize(("code", "inside", "outside"), SUB_GROUPS, ids=[c for c, *_ in SUB_GROUPS])
def test_each_yunnan_sub_group_condition_has_an_enterprise_inside_and_one_outside(kunming, code, inside, outside):
    indicator = _indicator(code)
    base = {"employees": 500, "frontline_workers": 300, "union_members": 50, "party_members": 40, "skilled_workers": 50}
    e_in = EnterpriseFactory(region=kunming, **{**base, **inside})
    e_out = EnterpriseFactory(region=kunming, **{**base, **outside})
    assert faces_agree(indicator.scope, e_in)
    assert not faces_agree(indicator.scope, e_out)
    assert applicable_indicators(e_in).filter(pk=indicator.pk).exists()
    assert not applicable_indicators(e_out).filter(pk=indicator.pk).exists()
    # the measure itself is asked of both: only the sentence's indicator is limited to the sub-group
    assert applicable_measures(e_out).filter(pk=indicator.measure_id).exists()


def test_an_80_staff_enterprise_is_not_asked_the_union_indicator_and_a_100_staff_one_is(kunming):
    small = EnterpriseFactory(region=kunming, employees=80, frontline_workers=60, union_members=0, party_members=5)
    big = EnterpriseFactory(region=kunming, employees=100, frontline_workers=60, union_members=0, party_members=5)
    asked = {
        e: set(applicable_indicators(e).filter(measure__code="YN-11").values_list("code", flat=True))
        for e in (small, big)
    }
    assert "YN-11-union" not in asked[small]
    assert "YN-11-union" in asked[big]


def test_an_enterprise_with_nothing_applicable_has_no_applicable_measures(xian):
    outside = EnterpriseFactory(region=xian)  # a private enterprise in Shaanxi
    inside = EnterpriseFactory(region=xian, soe=True)
    ids = set(Enterprise.objects.filter(has_applicable_measures_q()).values_list("pk", flat=True))
    assert inside.pk in ids and outside.pk not in ids


# Changing facts change what is asked, and the tallies follow --------------------------------------------------------


def test_moving_from_medium_to_large_changes_what_is_asked_and_the_tallies_agree(kunming):
    from measures.services import progress_ensure

    training = _indicator("YN-06-training-centre")
    e = EnterpriseFactory(region=kunming, size_class=SizeClass.MEDIUM)
    progress_ensure(enterprise=e)
    others = EnterpriseFactory.create_batch(3, region=kunming, size_class=SizeClass.LARGE)
    before = set(applicable_indicators(e).values_list("code", flat=True))
    assert training.code not in before
    assert_tallies_match_rows()
    # when it grows to 大型 (as the register's edit does: an UPDATE of the row)
    Enterprise.objects.filter(pk=e.pk).update(size_class=SizeClass.LARGE)
    e.refresh_from_db()
    after = set(applicable_indicators(e).values_list("code", flat=True))
    assert after - before == {c for c in after if Indicator.objects.get(code=c).scope.size_class == ["large"]}
    assert training.code in after
    assert_tallies_match_rows()
    # and back: the value it entered meanwhile is kept, but no longer counted
    from measures.models import IndicatorValue

    IndicatorValue.objects.create(enterprise=e, indicator=training, year=2026, value=1)
    assert_tallies_match_rows()
    Enterprise.objects.filter(pk=e.pk).update(size_class=SizeClass.MEDIUM)
    assert IndicatorValue.objects.filter(enterprise=e, indicator=training).exists()
    assert_tallies_match_rows()
    assert len(others) == 3


def test_a_soe_that_becomes_a_central_subsidiary_keeps_its_progress_but_leaves_the_figures(xian):
    e = EnterpriseFactory(region=xian, soe=True)
    from measures.services import progress_ensure

    progress_ensure(enterprise=e)
    Progress.objects.filter(enterprise=e, measure__code="SX-02").update(status="done", percent=100)
    assert_tallies_match_rows()
    Enterprise.objects.filter(pk=e.pk).update(supervision_level=SupervisionLevel.CENTRAL)
    e.refresh_from_db()
    assert documents_of(e) == set()
    assert Progress.objects.filter(enterprise=e, measure__code="SX-02", status="done").exists()
    assert_tallies_match_rows()


def test_a_changed_condition_in_the_catalogue_moves_measures_to_another_scope_and_the_tallies_follow(kunming):
    e = EnterpriseFactory(region=kunming, leading=False)
    from measures.services import progress_ensure

    progress_ensure(enterprise=e)
    Progress.objects.filter(enterprise=e, measure__code="YN-04").update(status="done", percent=100)
    assert_tallies_match_rows()
    # when the catalogue says YN-04 is for 龙头企业 only (a save recomputes its scope)
    measure = Measure.objects.get(code="YN-04")
    measure.conditions = {"leading": True}
    measure.save()
    assert not applicable_measures(e).filter(code="YN-04").exists()
    assert_tallies_match_rows()


def test_the_rows_applicable_to_one_enterprise_are_the_joined_rules_rows(kunming, xian):
    """`progress_applicable_to(e)` (the scopes matched from the loaded enterprise, the enterprise pages' form)
    keeps exactly the rows `applicable()` keeps (the scope joined to each row's enterprise), and those are the rows
    whose measure's scope the one-object face says applies: across provinces, sizes and a kept row that no longer
    applies."""
    from measures.services import progress_ensure

    soe = EnterpriseFactory(region=xian, soe=True)
    small = EnterpriseFactory(
        region=kunming, size_class=SizeClass.SMALL, employees=80, frontline_workers=60, union_members=0, party_members=5
    )
    large = EnterpriseFactory(region=kunming, size_class=SizeClass.LARGE, employees=900, leading=True)
    for e in (soe, small, large):
        progress_ensure(enterprise=e)
    # a kept row: the SOE becomes a central subsidiary (its Shaanxi measures no longer apply, the rows stay)
    Enterprise.objects.filter(pk=soe.pk).update(supervision_level=SupervisionLevel.CENTRAL)
    shown = {}
    for e in (soe, small, large):
        e = Enterprise.objects.select_related("region").get(pk=e.pk)
        rows = Progress.objects.filter(enterprise=e).select_related("measure__scope")
        by_face = {p.pk for p in rows if scope_applies(p.measure.scope, e)}
        joined = set(Progress.objects.filter(enterprise=e).applicable().values_list("pk", flat=True))
        shown[e.pk] = set(progress_applicable_to(e).values_list("pk", flat=True))
        assert shown[e.pk] == joined == by_face
    assert Progress.objects.filter(enterprise=soe).exists() and shown[soe.pk] == set()
    assert shown[small.pk] and shown[large.pk]
