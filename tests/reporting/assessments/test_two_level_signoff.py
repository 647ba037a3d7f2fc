"""Two levels of review (issue 14, item 4): the officer in charge at prefecture (or county) level verifies and
forwards, the province union accepts or returns to that officer with reasons per measure; one level unchanged."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import Region
from measures.models import Progress
from reform_portal.access import AssessmentPolicy
from reporting.assessments import services
from reporting.assessments.choices import SUBMITTED_STATUSES
from reporting.assessments.models import Assessment, AssessmentTransition
from reporting.assessments.review_times import level_times
from reporting.assessments.services import IllegalTransition, StaleEdit
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_officer(users):
    return make_officer("t-officer-yn-province", regions=[Region.objects.get(code="530000")])


@pytest.fixture
def two_levels(yn_period, users):
    return services.period_update(period=yn_period, by=users["admin"], review_levels=2)


def comment_on(assessment, code, officer, text, status="", percent=None):
    item = assessment.items.select_related("measure").get(measure__code=code)
    return services.review_item_save(
        item=item, by=officer, verified_status=status, verified_percent=percent, comment=text, expected_version=None
    )


def test_the_full_round_keeps_each_levels_work(two_levels, submitted, users, province_officer):
    first = users["officer-yn"]
    # the first level corrects one measure and forwards
    comment_on(submitted, "YN-02", first, "参训人数已核实", status="in_progress", percent=50)
    forwarded = services.assessment_forward(
        assessment=submitted, by=first, comment="初审通过", expected_version=submitted.version
    )
    assert forwarded.status == "forwarded"
    step = forwarded.transitions.get(action="forward")
    assert (step.level, step.by, step.comment) == (1, first, "初审通过")
    assert step.details["corrections"]["YN-02"] == {
        "verified_status": "in_progress",
        "verified_percent": 50,
        "officer_comment": "参训人数已核实",
    }
    # nothing was written into the progress yet
    assert not Progress.objects.filter(enterprise=submitted.enterprise, percent=50).exists()
    # the province returns it to the first level with a reason on a measure
    back = services.assessment_return_to_reviewer(
        assessment=forwarded,
        by=province_officer,
        reasons={"YN-03": "请核实职代会记录", "YN-04": "  "},
        comment="请复核",
        expected_version=forwarded.version,
    )
    assert back.status == "submitted"
    step = back.transitions.get(action="return_to_reviewer")
    assert (step.level, step.details, step.comment) == (2, {"reasons": {"YN-03": "请核实职代会记录"}}, "请复核")
    # the first level may correct again, and forwards again
    comment_on(back, "YN-03", first, "已核实")
    again = services.assessment_forward(assessment=back, by=first, expected_version=back.version)
    # the province accepts: the verified values go into the progress, as with one level
    accepted = services.assessment_accept(assessment=again, by=province_officer, expected_version=again.version)
    assert accepted.status == "accepted" and accepted.accepted_by == province_officer
    assert accepted.transitions.get(action="accept").level == 2
    record = Progress.objects.get(enterprise=submitted.enterprise, measure__code="YN-02")
    assert (record.status, record.percent) == ("in_progress", 50)
    actions = list(accepted.transitions.values_list("action", "level"))
    assert actions == [
        ("create", None),
        ("submit", None),
        ("forward", 1),
        ("return_to_reviewer", 2),
        ("forward", 1),
        ("accept", 2),
    ]


def test_wrong_level_wrong_role_and_stale_version_are_refused_with_nothing_saved(
    two_levels, submitted, users, province_officer
):
    first = users["officer-yn"]
    before = submitted.version
    # the province cannot accept, correct or return a form not yet forwarded
    with pytest.raises(PermissionDenied, match="两级审核"):
        comment_on(submitted, "YN-02", province_officer, "x")
    with pytest.raises(IllegalTransition, match="尚未初审上报"):
        services.assessment_accept(assessment=submitted, by=province_officer)
    with pytest.raises(IllegalTransition):
        services.assessment_return_to_reviewer(assessment=submitted, by=province_officer, reasons={"YN-02": "x"})
    # the first level cannot accept; SASAC staff and the enterprise cannot forward
    with pytest.raises(PermissionDenied, match="省级工会审核通过"):
        services.assessment_accept(assessment=submitted, by=first)
    for user in (users["sasac-yn"], users["enterprise-yn"], users["officer-sx"]):
        with pytest.raises(PermissionDenied):
            services.assessment_forward(assessment=submitted, by=user)
    # a stale version
    with pytest.raises(StaleEdit, match="已在别处被修改"):
        services.assessment_forward(assessment=submitted, by=first, expected_version=before - 1)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == ("submitted", before)
    assert not AssessmentTransition.objects.filter(assessment=submitted, action="forward").exists()
    forwarded = services.assessment_forward(assessment=submitted, by=first)
    # once forwarded the first level cannot correct or forward again; a return needs a reason on a known measure
    with pytest.raises(IllegalTransition, match="已初审上报"):
        comment_on(forwarded, "YN-02", first, "x")
    with pytest.raises(PermissionDenied):
        services.assessment_return_to_reviewer(assessment=forwarded, by=first, reasons={"YN-02": "x"})
    for reasons, message in (({}, "至少为一项措施"), ({"NOPE-1": "x"}, "没有措施"), ({"YN-02": "x" * 2001}, "不超过")):
        with pytest.raises(ValidationError, match=message):
            services.assessment_return_to_reviewer(assessment=forwarded, by=province_officer, reasons=reasons)
    with pytest.raises(StaleEdit):
        services.assessment_accept(assessment=forwarded, by=province_officer, expected_version=forwarded.version - 1)
    forwarded.refresh_from_db()
    assert forwarded.status == "forwarded"
    assert not forwarded.transitions.filter(action__in=("accept", "return_to_reviewer")).exists()


def test_one_level_is_unchanged(yn_period, submitted, users, province_officer):
    assert yn_period.review_levels == 1
    # no forward and no return to reviewer with one level
    with pytest.raises(PermissionDenied, match="一级审核"):
        services.assessment_forward(assessment=submitted, by=users["officer-yn"])
    assert not AssessmentPolicy.can(users["officer-yn"], AssessmentPolicy.FORWARD, submitted)
    # the officer in charge (any level, here the province's too) accepts a submitted form directly
    assert AssessmentPolicy.can(province_officer, AssessmentPolicy.ACCEPT, submitted)
    accepted = services.assessment_accept(assessment=submitted, by=users["officer-yn"])
    assert accepted.status == "accepted" and accepted.transitions.get(action="accept").level == 1


def test_a_forwarded_form_counts_as_submitted(two_levels, submitted, users):
    services.assessment_forward(assessment=submitted, by=users["officer-yn"])
    assert "forwarded" in SUBMITTED_STATUSES
    # the one rule the dashboard, the rollup and the reminders count by
    assert Assessment.objects.filter(pk=submitted.pk, status__in=SUBMITTED_STATUSES).exists()
    # the overview's counts keep the new state
    from reporting.assessments.counts import AssessmentCount

    assert AssessmentCount.objects.filter(period=two_levels, status="forwarded").get().assessments == 1


class _Step:
    def __init__(self, action, at):
        self.action, self.at = action, at


def test_level_times_in_working_days():
    tz = ZoneInfo("Asia/Shanghai")

    def at(day):
        return datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=10)

    # Mon 2026-03-02 submitted; forwarded Thu 03-05 (3 working days); returned to reviewer Mon 03-09 (2: Fri, Mon);
    # forwarded again Tue 03-10 (1); accepted Wed 03-11 (1)
    steps = [
        _Step("submit", at(date(2026, 3, 2))),
        _Step("forward", at(date(2026, 3, 5))),
        _Step("return_to_reviewer", at(date(2026, 3, 9))),
        _Step("forward", at(date(2026, 3, 10))),
        _Step("accept", at(date(2026, 3, 11))),
    ]
    times = {t.level: (t.workdays, t.rounds, t.open) for t in level_times(steps, today=date(2026, 3, 20))}
    assert times == {1: (3 + 1, 2, False), 2: (2 + 1, 2, False)}
    # still waiting at the second level: counted to today (National Day holidays are not working days)
    steps = [_Step("submit", at(date(2026, 9, 29))), _Step("forward", at(date(2026, 9, 30)))]
    times = {t.level: (t.workdays, t.open) for t in level_times(steps, today=date(2026, 10, 8))}
    assert times[1] == (1, False) and times[2][1] is True
    assert times[2][0] == sum(1 for d in (date(2026, 10, 1) + timedelta(days=n) for n in range(8)) if _workday(d))


def _workday(day):
    from reform_portal.workdays import is_workday

    return is_workday(day)


def test_the_pages_show_each_levels_buttons_and_times(client, two_levels, submitted, users, province_officer):
    first = users["officer-yn"]
    detail = reverse("reporting:assessments:detail", args=[submitted.pk])
    client.force_login(first)
    html = client.get(detail).content.decode()
    assert 'id="forward-form"' in html and 'id="return-form"' in html and 'id="accept-form"' not in html
    client.force_login(province_officer)
    html = client.get(detail).content.decode()
    assert 'id="forward-form"' not in html and 'id="accept-form"' not in html and "review-form" not in html
    # the first level forwards on the page
    client.force_login(first)
    response = client.post(
        reverse("reporting:assessments:forward", args=[submitted.pk]), {"comment": "", "version": submitted.version}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "forwarded"
    # the province sees accept and return-to-reviewer with a reason box per measure
    client.force_login(province_officer)
    html = client.get(detail).content.decode()
    assert 'id="accept-form"' in html and 'id="return-to-reviewer-form"' in html and 'id="reason-YN-02"' in html
    url = reverse("reporting:assessments:return_to_reviewer", args=[submitted.pk])
    # no reason: refused next to the button, the overall comment kept
    response = client.post(url, {"comment": "请复核", "version": submitted.version})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="return-to-reviewer-error"' in html and "请复核" in html
    # a stale version: refused with the message, nothing saved
    response = client.post(url, {"reason-YN-02": "人数不符", "version": submitted.version - 1}, follow=True)
    assert "已在别处被修改" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "forwarded"
    response = client.post(url, {"reason-YN-02": "人数不符", "version": submitted.version})
    assert response.status_code == 302
    # the first level sees the province's reason under the measure, and the time each level took
    client.force_login(first)
    html = client.get(detail).content.decode()
    assert 'id="reviewer-return"' in html and "人数不符" in html
    assert 'id="level-times"' in html and "初审（县级、州市级工会）用时" in html and "复审（省级工会）用时" in html


def test_api_forward_and_return_to_reviewer(two_levels, submitted, users, province_officer):
    api = APIClient()
    base = f"/api/assessments/{submitted.pk}"
    # the province cannot forward; the first level forwards
    api.force_authenticate(province_officer)
    assert api.post(f"{base}/forward/", {"version": submitted.version}, format="json").status_code == 403
    api.force_authenticate(users["officer-yn"])
    assert api.post(f"{base}/forward/", {}, format="json").status_code == 400  # no version
    stale = api.post(f"{base}/forward/", {"version": submitted.version + 5}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    response = api.post(f"{base}/forward/", {"version": submitted.version}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "forwarded"
    version = response.json()["version"]
    assert api.post(f"{base}/accept/", {"version": version}, format="json").status_code == 403
    # the province returns to the reviewer with reasons per measure
    api.force_authenticate(province_officer)
    bad = api.post(f"{base}/return-to-reviewer/", {"version": version, "reasons": {}}, format="json")
    assert bad.status_code == 400 and "reasons" in bad.json()
    response = api.post(
        f"{base}/return-to-reviewer/", {"version": version, "reasons": {"YN-02": "人数不符"}}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    last = response.json()["transitions"][-1]
    assert (last["action"], last["level"], last["reasons"]) == ("return_to_reviewer", 2, {"YN-02": "人数不符"})
    # a return to reviewer on a submitted form: 409
    response = api.post(
        f"{base}/return-to-reviewer/",
        {"version": response.json()["version"], "reasons": {"YN-02": "x"}},
        format="json",
    )
    assert response.status_code == 409


def test_period_page_and_api_set_the_levels(client, yn_period, users):
    client.force_login(users["sasac-yn"])
    url = reverse("reporting:assessments:period_update", args=[yn_period.pk])
    client.post(url, {"deadline": yn_period.deadline.isoformat(), "is_open": "on", "review_levels": "2"})
    yn_period.refresh_from_db()
    assert yn_period.review_levels == 2
    assert yn_period.events.order_by("pgh_id").last().old_review_levels == 1
    api = APIClient()
    api.force_authenticate(users["sasac-yn"])
    response = api.patch(f"/api/assessment-periods/{yn_period.pk}/", {"review_levels": 3}, format="json")
    assert response.status_code == 400 and "review_levels" in response.json()
    response = api.patch(f"/api/assessment-periods/{yn_period.pk}/", {"review_levels": 1}, format="json")
    assert response.status_code == 200 and response.json()["review_levels"] == 1
    with pytest.raises(ValidationError):
        services.period_update(period=yn_period, by=users["admin"], review_levels=5)


def test_awaiting_review_follows_the_levels(two_levels, submitted, users, province_officer):
    from reporting.assessments.selectors import awaiting_counts

    first, admin = users["officer-yn"], users["admin"]

    def waiting(user):
        return set(AssessmentPolicy.awaiting_review(user, Assessment.objects.all()).values_list("pk", flat=True))

    def may_act(user, assessment):  # independent: the one-object face of the same policy
        assessment.refresh_from_db()
        if assessment.status == "submitted":
            return AssessmentPolicy.can(user, AssessmentPolicy.FORWARD, assessment)
        return assessment.status == "forwarded" and AssessmentPolicy.can(user, AssessmentPolicy.ACCEPT, assessment)

    everyone = (first, province_officer, admin, users["officer-sx"], users["sasac-yn"], users["enterprise-yn"])

    def kept_counts_agree():  # the work queue's counts (kept per place) against the forms each may act on
        for u in everyone:
            forms = [submitted] if may_act(u, submitted) else []
            expected = {
                "pending": len(forms),
                "forwarded": sum(a.status == "forwarded" for a in forms),
                "again": sum(a.round > 1 for a in forms),
            }
            assert awaiting_counts(user=u) == expected, u

    assert [waiting(u) == ({submitted.pk} if may_act(u, submitted) else set()) for u in everyone] == [True] * 6
    assert waiting(first) == {submitted.pk} and waiting(province_officer) == set()
    kept_counts_agree()
    services.assessment_forward(assessment=submitted, by=first)
    assert [waiting(u) == ({submitted.pk} if may_act(u, submitted) else set()) for u in everyone] == [True] * 6
    assert waiting(first) == set() and waiting(province_officer) == {submitted.pk} == waiting(admin)
    kept_counts_agree()
    # back to one level: the officers in charge at any level see it (and may accept it)
    services.period_update(period=two_levels, by=admin, review_levels=1)
    assert waiting(first) == {submitted.pk} == waiting(province_officer)
    kept_counts_agree()
