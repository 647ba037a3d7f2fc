"""The award shortlist's "on time" (the first submission, by the one rule of reporting/assessments/deadlines.py, and
an eventual acceptance), the history and security record of rounds and decisions, and the round page paged one
prefecture at a time with the same number of queries for 10 and 100 enterprises."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Region
from measures.services import progress_ensure
from reform_portal import workdays
from reform_portal.audit.models import AuditEntry
from reporting.assessments import deadlines
from reporting.assessments.models import Assessment, AssessmentTransition, ReportingPeriod
from reporting.awards import services
from reporting.awards.models import AwardCandidateDecisionEvent, AwardRoundEvent
from reporting.awards.ranking import shortlist
from reporting.awards.selectors import PAGE_SIZE
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
YEAR = 2025
DEADLINE = date(2025, 6, 30)  # a Monday, a working day: the due date itself


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def _trail(period, enterprise, status, steps):
    """An assessment with its trail: steps = [(action, at), …]."""
    a = Assessment.objects.create(period=period, enterprise=enterprise, status=status)
    for action, at in steps:
        AssessmentTransition.objects.create(assessment=a, action=action, from_status="", to_status="submitted", at=at)
    return a


def test_the_one_rule_of_on_time():
    due = deadlines.due_date(DEADLINE)
    assert due == DEADLINE
    assert deadlines.submitted_on_time(_at(due, 23, 59), due)
    assert not deadlines.submitted_on_time(_at(due + timedelta(days=1), 0, 0), due)
    assert deadlines.on_time_cutoff(due) == _at(due + timedelta(days=1), 0, 0)
    # a deadline on a Sunday falls due on the next working day, and "on time" follows it
    sunday = date(2025, 6, 29)
    assert deadlines.due_date(sunday) == DEADLINE
    assert deadlines.submitted_on_time(_at(DEADLINE, 18), deadlines.due_date(sunday))


@pytest.fixture
def on_time_world(kunming, users):
    period = ReportingPeriod.objects.create(
        year=YEAR, province=kunming.parent, opens_on=date(2025, 3, 1), deadline=DEADLINE
    )
    due = period.due_date
    next_workday = workdays.next_workday(due + timedelta(days=1))
    e = {}
    for key in ("on_due_date", "a_working_day_late", "resubmitted_late", "never_accepted", "first_late_then_fine"):
        e[key] = EnterpriseFactory(name=f"昆明{key}公司", region=kunming)
        progress_ensure(enterprise=e[key])
    _trail(period, e["on_due_date"], "accepted", [("submit", _at(due, 23, 59)), ("accept", _at(next_workday, 10))])
    _trail(
        period,
        e["a_working_day_late"],
        "accepted",
        [("submit", _at(next_workday, 9)), ("accept", _at(next_workday, 10))],
    )
    _trail(
        period,
        e["resubmitted_late"],
        "accepted",
        [
            ("submit", _at(due, 10)),
            ("return", _at(due, 15)),
            ("submit", _at(next_workday, 9)),
            ("accept", _at(next_workday, 16)),
        ],
    )
    _trail(period, e["never_accepted"], "returned", [("submit", _at(due, 9)), ("return", _at(due, 15))])
    # submitted late, returned, resubmitted later still: the first submission decides (late)
    _trail(
        period,
        e["first_late_then_fine"],
        "accepted",
        [("submit", _at(next_workday, 9)), ("return", _at(next_workday, 11)), ("submit", _at(next_workday, 14))],
    )
    award_round = services.round_create(
        name="按期测试", year=YEAR, level="省级", province=kunming.parent, quota={"530100": 1}, by=users["sasac-yn"]
    )
    return award_round, e


def test_on_time_is_the_first_submission_by_the_due_date_and_an_acceptance(on_time_world):
    award_round, e = on_time_world
    ranked, _ = shortlist(award_round)
    timely = {c.enterprise.pk: (c.lines[2].value, c.lines[2].points) for cs in ranked.values() for c in cs}
    points = award_round.weights["assessment_on_time"]["points"]
    assert timely[e["on_due_date"].pk] == ("是", points)
    assert timely[e["a_working_day_late"].pk] == ("否", 0)
    assert timely[e["resubmitted_late"].pk] == ("是", points)  # first submitted on time, returned, accepted later
    assert timely[e["never_accepted"].pk] == ("否", 0)
    assert timely[e["first_late_then_fine"].pk] == ("否", 0)


def test_rounds_and_decisions_are_in_the_history_and_the_security_record(kunming, users, yn_enterprise):
    sasac = users["sasac-yn"]
    award_round = services.round_create(
        name="历史测试", year=YEAR, level="省级", province=kunming.parent, quota={"530100": 1}, by=sasac
    )
    services.decide(award_round=award_round, enterprise=yn_enterprise, decision="confirm", reason="", by=sasac)
    services.decide(award_round=award_round, enterprise=yn_enterprise, decision="strike", reason="材料不实", by=sasac)
    created = AwardRoundEvent.objects.get(pgh_obj=award_round)
    assert created.changed_by == sasac and created.name == "历史测试" and created.source == "manual"
    events = list(AwardCandidateDecisionEvent.objects.filter(pgh_obj__round=award_round).order_by("pgh_id"))
    assert [(ev.decision, ev.reason, ev.changed_by) for ev in events] == [
        ("confirm", "", sasac),
        ("strike", "材料不实", sasac),
    ]
    entries = AuditEntry.objects.filter(action__startswith="award.").order_by("pk")
    assert [(x.action, x.username) for x in entries] == [
        ("award.round_created", sasac.username),
        ("award.decided", sasac.username),
        ("award.decided", sasac.username),
    ]
    assert entries[2].details == {"round": award_round.pk, "decision": "strike", "reason": "材料不实"}
    assert entries[2].target_id == str(yn_enterprise.pk)


def _add(region, n, start=0):
    for i in range(start, start + n):
        progress_ensure(enterprise=EnterpriseFactory(name=f"{region.name}候选{i:03d}", region=region))


@pytest.fixture
def paged_round(kunming, users):
    qujing = Region.objects.get(code="530300")
    _add(qujing, 2)
    return services.round_create(
        name="分页测试", year=YEAR, level="省级", province=kunming.parent, quota={"530100": 3}, by=users["sasac-yn"]
    ), qujing


def test_the_round_page_shows_one_prefecture_a_page_at_a_time(client, users, kunming, paged_round):
    award_round, qujing = paged_round
    _add(kunming, PAGE_SIZE + 5)
    client.force_login(users["sasac-yn"])
    url = reverse("awards:detail", args=[award_round.pk])
    ranked, _ = shortlist(award_round)
    kunming_ids = [c.enterprise.pk for c in ranked[kunming]]
    first = client.get(url).content.decode()  # the first prefecture by code: Kunming, page 1
    assert f'data-enterprise="{kunming_ids[0]}"' in first
    assert f'data-enterprise="{kunming_ids[PAGE_SIZE]}"' not in first
    assert "曲靖市候选000" not in first and "?prefecture=530300" in first
    second = client.get(url, {"prefecture": "530100", "page": 2}).content.decode()
    assert (
        f'data-enterprise="{kunming_ids[PAGE_SIZE]}"' in second and f'data-enterprise="{kunming_ids[0]}"' not in second
    )
    qujing_page = client.get(url, {"prefecture": "530300"}).content.decode()
    assert "曲靖市候选000" in qujing_page and "昆明市候选000" not in qujing_page
    # a decision brings the officer back to the candidate's prefecture and page
    target = kunming_ids[PAGE_SIZE + 1]
    response = client.post(
        reverse("awards:decide", args=[award_round.pk]), {"enterprise": target, "decision": "confirm", "page": "2"}
    )
    assert response.status_code == 302 and response["Location"].endswith(
        f"?prefecture=530100&page=2#enterprise-{target}"
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_round_page_costs_the_same_for_10_and_100_enterprises(client, users, kunming, paged_round):
    award_round, _qujing = paged_round
    client.force_login(users["sasac-yn"])
    url = reverse("awards:detail", args=[award_round.pk])
    _add(kunming, 10)
    client.get(url)  # warm the session's and the navigation's caches
    ten = _queries(client, url)
    _add(kunming, 90, start=10)
    ranked, _ = shortlist(award_round)
    assert len(ranked[kunming]) >= 100
    hundred = _queries(client, url)
    assert hundred == ten
    assert _queries(client, url + "?prefecture=530100&page=2") == ten
