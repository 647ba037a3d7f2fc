"""The provincial groups' figures (reporting.groups), compared with a count made in Python from the parent links the
test itself set."""

import pytest
from django.utils import timezone

from enterprises.models import Enterprise
from measures.models import PolicyDocument, Progress
from reporting.groups import group_figures, provincial_groups
from tests.reporting.county_data import group_expected, make_county_data, make_group_data
from tests.reporting.tally_oracle import applies

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(settings):
    settings.LAGGING_GRACE_DAYS = 30
    make_county_data(90, seed=21)
    return make_group_data(seed=5)


@pytest.mark.parametrize("province_code", ["530000", "610000"])
def test_each_group_equals_a_count_of_its_subsidiaries(groups, province_code):
    # given the groups of a province
    made = groups[province_code]
    document = PolicyDocument.objects.get(province__code=province_code)
    # when
    figures = group_figures(document=document)
    # then exactly the provincial heads with subsidiaries, each with the figures of everything below it
    assert {g.head.pk for g in figures} == {h.pk for h in made["heads"]}
    for group in figures:
        expected = group_expected(document, made["members"][group.head.pk])
        assert group.descendants == expected["descendants"]
        assert group.subsidiaries == expected["subsidiaries"]
        assert group.lagging == expected["lagging"]
        assert (group.records, group.done) == (expected["records"], expected["done"])
        got = {f.measure.pk: (f.records, f.done) for f in group.measures}
        assert got == expected["by_measure"]
        if group.records:
            assert group.completion_rate == pytest.approx(expected["done"] / expected["records"])
    # the data exercises the figures: groups with addressed, lagging and done subsidiaries
    assert any(g.lagging for g in figures) and any(g.done for g in figures)
    assert any(g.lagging < g.subsidiaries for g in figures)
    if province_code == "610000":  # Shaanxi's document addresses the state-owned enterprises only
        assert any(g.subsidiaries < g.descendants for g in figures)


def test_what_is_no_group_is_not_listed(groups):
    made = groups["530000"]
    heads = set(provincial_groups(made["heads"][0].region.parent_id).values_list("pk", flat=True))
    assert heads == {h.pk for h in made["heads"]}
    assert not heads & {e.pk for e in made["not_groups"]}


def test_figures_are_live(groups):
    # given a group's figures
    made = groups["530000"]
    document = PolicyDocument.objects.get(province__code="530000")
    before = {g.head.pk: g for g in group_figures(document=document)}
    head = made["heads"][0]
    member = next(
        e
        for e in Enterprise.objects.filter(pk__in=made["members"][head.pk]).select_related("region").order_by("pk")
        if applies(document.scope, e)
    )
    # when one subsidiary completes every measure, updated now (no rollup runs)
    Progress.objects.filter(enterprise=member, measure__document=document).update(
        status="done", percent=100, updated_at=timezone.now()
    )
    after = {g.head.pk: g for g in group_figures(document=document)}
    # then its group's figures say so at once, the other group's do not move
    assert after[head.pk].done >= before[head.pk].done
    assert after[head.pk].done == group_expected(document, made["members"][head.pk])["done"]
    assert after[head.pk].lagging == group_expected(document, made["members"][head.pk])["lagging"]
    other = made["heads"][1].pk
    assert (after[other].done, after[other].lagging) == (before[other].done, before[other].lagging)


def test_query_count_does_not_grow_with_the_groups(groups, django_assert_max_num_queries):
    document = PolicyDocument.objects.get(province__code="530000")
    with django_assert_max_num_queries(4):
        assert len(group_figures(document=document)) == 2
    # more groups: every remaining Yunnan enterprise without a parent and with subsidiaries becomes 省属
    spare = list(
        Enterprise.objects.filter(region__parent__code="530000", parent__isnull=True, subsidiaries__isnull=True)
        .exclude(supervision_level="provincial")
        .order_by("pk")[:12]
    )
    heads, children = spare[:6], spare[6:12]
    Enterprise.objects.filter(pk__in=[h.pk for h in heads]).update(
        supervision_level="provincial", ownership="state_sole", supervisor="sasac"
    )
    for head, child in zip(heads, children, strict=True):
        Enterprise.objects.filter(pk=child.pk).update(parent=head)
    with django_assert_max_num_queries(4):
        assert len(group_figures(document=document)) == 8
