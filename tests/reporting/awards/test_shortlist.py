"""The award shortlist (reporting/awards/ranking.py) against a count made here by hand, its exclusions, the
decisions, the confirmed export, access per role and bounded queries."""

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import Region
from measures.applicability import applicable_indicators, applicable_measures
from measures.choices import Comparison, Status
from measures.models import IndicatorValue, Progress
from measures.services import progress_ensure
from reporting.assessments.models import Assessment, AssessmentTransition, ReportingPeriod
from reporting.awards import services
from reporting.awards.models import AwardCandidateDecision
from reporting.awards.ranking import shortlist
from reporting.supervision import services as order_services
from reporting.supervision.models import SupervisionOrder
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
YEAR = 2025
W = {
    "completion": {"label": "适用措施完成率", "points": 60},
    "indicators_met": {"label": "达标指标（每项）", "points": 5, "max": 20},
    "assessment_on_time": {"label": "年度自评按期提交并通过", "points": 20},
    "exclusions": {"overdue_order": "存在逾期未办结的督办单"},
}


def _set_done(enterprise, n):
    ids = list(
        Progress.objects.filter(enterprise=enterprise, measure__in=applicable_measures(enterprise))
        .order_by("measure_id")
        .values_list("pk", flat=True)[:n]
    )
    Progress.objects.filter(pk__in=ids).update(status=Status.DONE, percent=100)


def _values(enterprise, met, unmet):
    indicators = [
        i
        for i in applicable_indicators(enterprise).order_by("pk")
        if i.comparison == Comparison.GTE and i.target is not None
    ]
    for indicator in indicators[:met]:
        IndicatorValue.objects.create(enterprise=enterprise, indicator=indicator, year=YEAR, value=indicator.target)
    for indicator in indicators[met : met + unmet]:
        IndicatorValue.objects.create(enterprise=enterprise, indicator=indicator, year=YEAR, value=indicator.target - 1)
    # a met value of another year does not count
    if indicators:
        IndicatorValue.objects.create(
            enterprise=enterprise, indicator=indicators[-1], year=YEAR - 1, value=indicators[-1].target
        )


def _accepted(period, enterprise, submitted_at):
    a = Assessment.objects.create(period=period, enterprise=enterprise, status="accepted")
    AssessmentTransition.objects.create(
        assessment=a, action="submit", from_status="draft", to_status="submitted", at=submitted_at
    )


@pytest.fixture
def world(kunming, users, yn_enterprise):
    qujing = Region.objects.get(code="530300")
    e = {"k0": yn_enterprise}
    for key, name, region in [
        ("k1", "昆明甲公司", kunming),
        ("k2", "昆明乙公司", kunming),
        ("k3", "昆明丙公司", kunming),
        ("q1", "曲靖甲公司", qujing),
        ("q2", "曲靖乙公司", qujing),
    ]:
        e[key] = EnterpriseFactory(name=name, region=region)
        progress_ensure(enterprise=e[key])
    _set_done(e["k1"], 5)
    _set_done(e["k2"], 5)  # same completion as k1: the tie is broken by name
    _set_done(e["k3"], 9)
    _set_done(e["q1"], 2)
    _values(e["k1"], met=2, unmet=1)
    _values(e["k2"], met=2, unmet=0)
    _values(e["q1"], met=6, unmet=0)
    period = ReportingPeriod.objects.create(
        year=YEAR, province=kunming.parent, opens_on=datetime(2025, 3, 1).date(), deadline=datetime(2025, 6, 30).date()
    )
    due = period.due_date
    tz = timezone.get_current_timezone()
    _accepted(period, e["k1"], timezone.make_aware(datetime.combine(due, time(23, 0)), tz))  # on time
    _accepted(period, e["q1"], timezone.make_aware(datetime.combine(due + timedelta(days=1), time(0, 30)), tz))
    # k3: an overdue open order
    order = order_services.order_issue(
        enterprises=[e["k3"]],
        measures=list(applicable_measures(e["k3"])[:1]),
        request="请整改",
        due_date=timezone.localdate() + timedelta(days=10),
        by=users["sasac-yn"],
    )[0]
    SupervisionOrder.objects.filter(pk=order.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    award_round = services.round_create(
        name="2025年度五一劳动奖状推荐",
        year=YEAR,
        level="省级",
        province=kunming.parent,
        quota={"530100": 2, "530300": 1},
        by=users["sasac-yn"],
    )
    return {"e": e, "round": award_round, "order": order, "period": period, "kunming": kunming, "qujing": qujing}


def _expected(world):
    """The points by hand: progress rows counted, values compared, submit times read, in Python."""
    period = world["period"]
    cutoff = timezone.make_aware(datetime.combine(period.due_date + timedelta(days=1), time.min))
    rows = {}
    for ent in world["e"].values():
        if ent.region.parent_id != world["kunming"].parent_id:
            continue
        measures = {m.pk for m in applicable_measures(ent)}
        if not measures:
            continue
        progress = [p for p in Progress.objects.filter(enterprise=ent) if p.measure_id in measures]
        done = sum(1 for p in progress if p.status in ("done", "ongoing"))
        applicable = len(progress)
        indicators = {i.pk: i for i in applicable_indicators(ent)}
        met = 0
        for v in IndicatorValue.objects.filter(enterprise=ent, year=YEAR):
            i = indicators.get(v.indicator_id)
            if i is not None and i.comparison == Comparison.GTE and v.value is not None and v.value >= i.target:
                met += 1
        on_time = any(
            t.at < cutoff
            for t in AssessmentTransition.objects.filter(
                assessment__enterprise=ent, assessment__status="accepted", action="submit"
            )
        )
        c = (Decimal(60) * done / applicable).quantize(Decimal("0.01"), ROUND_HALF_UP) if applicable else 0
        total = c + min(Decimal(5 * met), Decimal(20)) + (20 if on_time else 0)
        rows[ent.pk] = (ent.region.code, ent.name, total)
    return rows


def test_points_and_ranks_equal_a_count_by_hand(world):
    ranked, excluded = shortlist(world["round"])
    expected = _expected(world)
    # the overdue enterprise is excluded with its order as the reason
    assert [x.enterprise.pk for x in excluded] == [world["e"]["k3"].pk]
    assert world["order"].number in excluded[0].reasons[0]
    del expected[world["e"]["k3"].pk]
    got = {c.enterprise.pk: (p.code, c.enterprise.name, c.total) for p, cs in ranked.items() for c in cs}
    assert got == expected
    for prefecture, candidates in ranked.items():
        order = sorted(
            (pk for pk, row in expected.items() if row[0] == prefecture.code),
            key=lambda pk: (-expected[pk][2], expected[pk][1], pk),
        )
        assert [c.enterprise.pk for c in candidates] == order
        assert [c.rank for c in candidates] == list(range(1, len(order) + 1))
        quota = world["round"].quota[prefecture.code]
        assert [c.proposed for c in candidates] == [i < quota for i in range(len(order))]
    # the facts as explained: k1 (on time, 2 met), q1 (submitted the day after the due date)
    k1 = next(c for cs in ranked.values() for c in cs if c.enterprise == world["e"]["k1"])
    assert [(line.value, line.points) for line in k1.lines][1:] == [("2", Decimal("10.00")), ("是", Decimal("20.00"))]
    q1 = next(c for cs in ranked.values() for c in cs if c.enterprise == world["e"]["q1"])
    assert (q1.lines[1].value, q1.lines[2].value, q1.lines[2].points) == ("2", "否", Decimal("0.00"))  # late
    # k1 and k2 tie on completion; k1 is ahead by its values and on-time assessment
    assert k1.rank == 1
    # deterministic
    assert shortlist(world["round"])[0].keys() == ranked.keys()


def test_the_round_keeps_its_weights(world, monkeypatch):
    assert world["round"].weights == W
    world["round"].weights["completion"]["points"] = 0
    ranked, _ = shortlist(world["round"])
    assert all(c.lines[0].points == 0 for cs in ranked.values() for c in cs)


def test_indicator_points_are_capped(world):
    world["round"].weights["indicators_met"]["max"] = 5
    ranked, _ = shortlist(world["round"])
    k1 = next(c for cs in ranked.values() for c in cs if c.enterprise == world["e"]["k1"])
    assert (k1.lines[1].value, k1.lines[1].points) == ("2", Decimal("5.00"))


def test_a_closed_order_does_not_exclude(world):
    SupervisionOrder.objects.filter(pk=world["order"].pk).update(
        status="closed", closed_at=timezone.now(), closed_on=timezone.localdate()
    )
    ranked, excluded = shortlist(world["round"])
    assert excluded == []
    assert world["e"]["k3"].pk in {c.enterprise.pk for cs in ranked.values() for c in cs}


def test_strike_needs_a_reason_and_leaves_the_export(client, world, users):
    client.force_login(users["sasac-yn"])
    r = world["round"]
    k1, k2 = world["e"]["k1"], world["e"]["k2"]
    url = reverse("awards:decide", args=[r.pk])
    assert client.post(url, {"enterprise": k1.pk, "decision": "confirm"}).status_code == 302
    assert client.post(url, {"enterprise": k2.pk, "decision": "confirm"}).status_code == 302
    refused = client.post(url, {"enterprise": k2.pk, "decision": "strike", "reason": " "})
    assert refused.status_code == 400 and "剔除须说明理由" in refused.content.decode()
    # an excluded enterprise is no candidate
    assert client.post(url, {"enterprise": world["e"]["k3"].pk, "decision": "confirm"}).status_code == 400
    assert (
        client.post(url, {"enterprise": k2.pk, "decision": "strike", "reason": "近期发生安全事故"}).status_code == 302
    )
    assert AwardCandidateDecision.objects.filter(round=r).count() == 3  # append-only
    response = client.get(reverse("awards:export", args=[r.pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == (r.name, "省级", YEAR)
    assert [row[2] for row in rows[2:]] == [k1.name]
    ranked, _ = shortlist(r)
    k1_candidate = next(c for c in ranked[world["kunming"]] if c.enterprise == k1)
    assert rows[2][0] == "昆明市" and rows[2][1] == k1_candidate.rank and rows[2][4] == float(k1_candidate.total)
    page = client.get(reverse("awards:detail", args=[r.pk])).content.decode()
    assert "近期发生安全事故" in page and world["order"].number in page


def test_export_is_formula_safe(client, world, users):
    k1 = world["e"]["k1"]
    type(k1).objects.filter(pk=k1.pk).update(name="=HYPERLINK(1)")
    services.decide(award_round=world["round"], enterprise=k1, decision="confirm", reason="", by=users["admin"])
    client.force_login(users["admin"])
    response = client.get(reverse("awards:export", args=[world["round"].pk]))
    cell = load_workbook(BytesIO(response.content)).active.cell(row=3, column=3)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_access_per_role(client, world, users):
    r = world["round"]
    detail = reverse("awards:detail", args=[r.pk])
    expected = {"admin": 200, "sasac-yn": 200, "officer-yn": 200, "sasac-sx": 404, "officer-sx": 404}
    expected |= {"enterprise-yn": 404, "enterprise-sx": 404}
    for role, status in expected.items():
        client.force_login(users[role])
        assert client.get(detail).status_code == status, role
    # the prefecture officer reads Kunming's part only, and may not decide
    client.force_login(users["officer-yn"])
    page = client.get(detail).content.decode()
    assert world["e"]["k1"].name in page and world["e"]["q1"].name not in page
    response = client.post(
        reverse("awards:decide", args=[r.pk]), {"enterprise": world["e"]["k1"].pk, "decision": "confirm"}
    )
    assert response.status_code == 403
    assert client.post(reverse("awards:list"), {"name": "x"}).status_code == 403
    api = client.get(reverse("api-award-round-shortlist", args=[r.pk])).json()
    assert {c["prefecture"] for c in api["ranked"]} == {"530100"}


def test_create_round_errors_at_fields(client, users, kunming):
    client.force_login(users["sasac-yn"])
    data = {"name": "推荐", "year": 2025, "level": "省级", "province": kunming.parent_id, "quota": "610100: 2"}
    response = client.post(reverse("awards:list"), data)
    assert response.status_code == 200 and "不是本省的州（市）代码" in response.content.decode()
    response = client.post(reverse("awards:list"), data | {"quota": "530100 two"})
    assert "无法识别" in response.content.decode()
    response = client.post(reverse("awards:list"), data | {"quota": "530100: 2"})
    assert response.status_code == 302


def test_api_create_and_shortlist(client, world, users, kunming):
    client.force_login(users["sasac-yn"])
    body = {"name": "推荐", "year": 2025, "level": "市级", "province_code": "530000", "quota": {"530100": 1}}
    response = client.post(reverse("api-award-round-list"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["weights"] == W
    bad = client.post(reverse("api-award-round-list"), body | {"quota": {"999999": 1}}, content_type="application/json")
    assert bad.status_code == 400 and "quota" in bad.json()
    other = client.post(
        reverse("api-award-round-list"), body | {"province_code": "610000"}, content_type="application/json"
    )
    assert other.status_code == 400 and "province_code" in other.json()
    shortlist_json = client.get(reverse("api-award-round-shortlist", args=[world["round"].pk])).json()
    assert [x["enterprise_id"] for x in shortlist_json["excluded"]] == [world["e"]["k3"].pk]
    # one prefecture at a time: Kunming first (k3 excluded), then Qujing; an unknown or unread prefecture is refused
    assert shortlist_json["prefecture"] == "530100" and shortlist_json["prefectures"][:2] == ["530100", "530300"]
    assert len(shortlist_json["ranked"]) == shortlist_json["count"] == 3 and shortlist_json["quota"] == 2
    qujing = client.get(reverse("api-award-round-shortlist", args=[world["round"].pk]), {"prefecture": "530300"})
    assert {c["enterprise_id"] for c in qujing.json()["ranked"]} == {world["e"]["q1"].pk, world["e"]["q2"].pk}
    assert qujing.json()["excluded"] == []
    bad = client.get(reverse("api-award-round-shortlist", args=[world["round"].pk]), {"prefecture": "610100"})
    assert bad.status_code == 400 and "prefecture" in bad.json()


def test_bounded_queries(client, world, users, kunming):
    client.force_login(users["sasac-yn"])
    url = reverse("awards:detail", args=[world["round"].pk])
    export = reverse("awards:export", args=[world["round"].pk])
    # one confirmed candidate already (the export ranks only the prefectures holding one)
    services.decide(
        award_round=world["round"], enterprise=world["e"]["k1"], decision="confirm", reason="", by=users["admin"]
    )
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with CaptureQueriesContext(connection) as few_export:
        client.get(export)
    for i in range(6):
        ent = EnterpriseFactory(name=f"昆明新增{i}公司", region=kunming)
        progress_ensure(enterprise=ent)
        services.decide(award_round=world["round"], enterprise=ent, decision="confirm", reason="", by=users["admin"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as many_export:
        client.get(export)
    assert len(many_export) == len(few_export)
