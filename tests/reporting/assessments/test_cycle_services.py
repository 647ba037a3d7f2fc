"""The self-assessment cycle through its services, on the real catalogue and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from measures.applicability import applicable_indicators, applicable_measures
from measures.choices import Status
from measures.models import Indicator, IndicatorValue, Progress, ProgressEvent
from reform_portal import workdays
from reform_portal.choices import ChangeSource
from reporting.assessments import services
from reporting.assessments.choices import AssessmentStatus, SelfRating, TransitionAction
from reporting.assessments.models import Assessment, AssessmentEvidence, ReportingPeriod
from reporting.assessments.selectors import round_changes

from .conftest import fill_complete

pytestmark = pytest.mark.django_db


def test_start_creates_one_answer_per_applicable_measure_and_indicator(draft, users):
    # given the Kunming private enterprise's form
    enterprise = users["enterprise-yn"].profile.enterprise
    measures = set(applicable_measures(enterprise).values_list("code", flat=True))
    # then every applicable measure and its applicable indicators have an answer (empty but for the derived ones)
    assert set(draft.items.values_list("measure__code", flat=True)) == measures
    applicable = applicable_indicators(enterprise).filter(measure__code__in=measures)
    assert set(draft.indicator_answers.values_list("indicator", flat=True)) == set(
        applicable.values_list("pk", flat=True)
    )
    assert applicable.count() < Indicator.objects.filter(measure__code__in=measures).count()
    assert not draft.indicator_answers.exclude(indicator__derived_from="").filter(claimed_value__isnull=True).exists()
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.transitions.get().action == TransitionAction.CREATE
    # and starting again returns the same form
    again = services.assessment_start(period=draft.period, enterprise=enterprise, by=users["enterprise-yn"])
    assert again.pk == draft.pk and Assessment.objects.count() == 1


def test_only_the_enterprise_own_users_start_a_form(yn_period, users):
    enterprise = users["enterprise-yn"].profile.enterprise
    for role in ("officer-yn", "sasac-yn", "enterprise-sx"):
        with pytest.raises(PermissionDenied):
            services.assessment_start(period=yn_period, enterprise=enterprise, by=users[role])


def test_draft_saves_partial_answers_but_refuses_invalid_ones(draft, users):
    user = users["enterprise-yn"]
    item = draft.items.select_related("measure").first()
    # when only the rating is given, it is saved
    item = services.item_save(item=item, by=user, self_rating="good", what_done="", status="", percent=None)
    assert item.self_rating == SelfRating.GOOD and item.version == 2
    # when status and percent disagree, nothing is saved and the message names the field
    with pytest.raises(ValidationError) as exc:
        services.item_save(item=item, by=user, self_rating="good", what_done="x", status=Status.DONE, percent=40)
    assert "percent" in exc.value.message_dict
    item.refresh_from_db()
    assert item.claimed_status == "" and item.what_done == ""
    # and a stale edit (another tab) is refused
    with pytest.raises(services.StaleEdit):
        services.item_save(
            item=item, by=user, self_rating="poor", what_done="", status="", percent=None, expected_version=1
        )


def test_indicator_value_checked_against_target(draft, users):
    answer = draft.indicator_answers.get(indicator__code="YN-06-edu-fund")  # ≥ 8 %
    answer = services.indicator_save(answer=answer, by=users["enterprise-yn"], value="6.5")
    assert answer.claimed_value == Decimal("6.50") and answer.claimed_met is False
    answer = services.indicator_save(answer=answer, by=users["enterprise-yn"], value="8")
    assert answer.claimed_met is True
    flag = draft.indicator_answers.get(indicator__code="YN-10-workers-congress")
    with pytest.raises(ValidationError):
        services.indicator_save(answer=flag, by=users["enterprise-yn"], value="3")


def test_submitting_an_incomplete_form_lists_exactly_what_is_missing(draft, users):
    user = users["enterprise-yn"]
    items = list(draft.items.select_related("measure"))
    fill_complete(draft, user)
    # given one measure claimed done without saying what was done, and one indicator left blank
    services.item_save(item=items[0], by=user, self_rating="good", what_done="", status=Status.DONE, percent=100)
    blank = draft.indicator_answers.select_related("indicator").first()
    services.indicator_save(answer=blank, by=user, value="")
    # when submitting
    with pytest.raises(services.IncompleteAssessment) as exc:
        services.assessment_submit(assessment=draft, by=user)
    # then exactly those two are listed, with where to fix them
    problems = exc.value.problems
    assert [(p.anchor, p.message) for p in problems] == [
        (f"item-{items[0].measure.code}", "状态为“已完成”时必须填写主要工作。"),
        (f"indicator-{blank.indicator.code}", "未填写指标值。"),
    ]
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT and draft.round == 0


def test_submitted_form_is_read_only_to_the_enterprise(submitted, users):
    item = submitted.items.first()
    with pytest.raises(services.IllegalTransition, match="已提交"):
        services.item_save(
            item=item, by=users["enterprise-yn"], self_rating="poor", what_done="", status="", percent=None
        )
    with pytest.raises(services.IllegalTransition):
        services.assessment_submit(assessment=submitted, by=users["enterprise-yn"])


def test_nobody_submits_after_the_deadline_and_is_told_when(draft, users):
    fill_complete(draft, users["enterprise-yn"])
    period = draft.period
    # the last working day before today (a deadline on a day off falls due on the next working day)
    period.deadline = workdays.previous_workday(timezone.localdate())
    period.save()
    with pytest.raises(services.IllegalTransition) as exc:
        services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    assert str(period.deadline) in exc.value.message and "截止" in exc.value.message
    # and a closed period refuses too
    period.deadline = timezone.localdate() + timedelta(days=3)
    period.is_open = False
    period.save()
    with pytest.raises(services.IllegalTransition, match="已关闭"):
        services.assessment_submit(assessment=draft, by=users["enterprise-yn"])


def test_illegal_reviews_are_refused(draft, users):
    with pytest.raises(services.IllegalTransition, match="草稿"):
        services.assessment_accept(assessment=draft, by=users["officer-yn"])
    fill_complete(draft, users["enterprise-yn"])
    services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    for role in ("sasac-yn", "officer-sx", "enterprise-yn"):
        with pytest.raises(PermissionDenied):
            services.assessment_accept(assessment=draft, by=users[role])
    # a return needs a reason on at least one measure: an overall comment alone is not enough
    with pytest.raises(ValidationError, match="理由"):
        services.assessment_return(assessment=draft, by=users["officer-yn"], comment="  ")
    with pytest.raises(ValidationError, match="理由"):
        services.assessment_return(assessment=draft, by=users["officer-yn"], comment="请完善")


def test_return_resubmit_accept_records_trail_changes_and_writes_progress(submitted, users):
    officer, user = users["officer-yn"], users["enterprise-yn"]
    items = {i.measure.code: i for i in submitted.items.select_related("measure")}
    first, second = items["YN-02"], items["YN-05"]
    # when the officer comments on one measure and returns it
    services.review_item_save(
        item=first, by=officer, verified_status="", verified_percent=None, comment="请补充培训人数"
    )
    services.assessment_return(assessment=submitted, by=officer, comment="请完善后再报")
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.RETURNED
    returned = submitted.transitions.get(action=TransitionAction.RETURN)
    assert returned.by == officer and returned.comment == "请完善后再报"
    assert returned.details == {"reasons": {"YN-02": "请补充培训人数"}}
    # the enterprise edits and resubmits
    first.refresh_from_db()
    services.item_save(
        item=first, by=user, self_rating="good", what_done="全年培训 320 人次", status=Status.IN_PROGRESS, percent=80
    )
    services.assessment_submit(assessment=submitted, by=user)
    submitted.refresh_from_db()
    assert submitted.round == 2 and submitted.status == AssessmentStatus.SUBMITTED
    changes = round_changes(assessment=Assessment.objects.prefetch_related("transitions").get(pk=submitted.pk))
    assert dict((f, (o, n)) for f, o, n in changes["items"][first.pk]) == {  # as people read them
        "自评等级": ("较好", "好"),
        "主要工作": ("建立了职工培训制度", "全年培训 320 人次"),
        "填报完成百分比": ("60%", "80%"),
    }
    assert second.pk not in changes["items"]
    # the officer corrects one measure (claimed 60 %, verified 40 %) and one indicator, then accepts
    second.refresh_from_db()
    second = services.review_item_save(item=second, by=officer, verified_status="", verified_percent=40, comment="")
    assert second.claimed_percent == 60 and second.verified_percent == 40 and second.percent_gap == -20
    edu = submitted.indicator_answers.get(indicator__code="YN-06-edu-fund")
    services.review_indicator_save(answer=edu, by=officer, verified_value="0.5")
    services.assessment_accept(assessment=submitted, by=officer, comment="同意")
    submitted.refresh_from_db()
    assert (
        submitted.status == AssessmentStatus.ACCEPTED and submitted.days_taken == 0 and submitted.accepted_by == officer
    )
    # then the verified values are in the progress records, each change marked as from the assessment
    enterprise = submitted.enterprise
    progress = Progress.objects.get(enterprise=enterprise, measure__code="YN-05")
    assert (progress.status, progress.percent) == (Status.IN_PROGRESS, 40)
    change = ProgressEvent.objects.filter(pgh_obj=progress).first()
    assert change.source == ChangeSource.ASSESSMENT and change.changed_by == officer and "自评" in change.comment
    progress = Progress.objects.get(enterprise=enterprise, measure__code="YN-02")
    assert (progress.percent, progress.note) == (80, "全年培训 320 人次")
    value = IndicatorValue.objects.get(
        enterprise=enterprise, indicator__code="YN-06-edu-fund", year=submitted.period.year
    )
    assert value.value == Decimal("0.50")
    actions = list(submitted.transitions.values_list("action", "from_status", "to_status", "by__username"))
    assert actions == [
        ("create", "", "draft", "t-enterprise-yn"),
        ("submit", "draft", "submitted", "t-enterprise-yn"),
        ("return", "submitted", "returned", "t-officer-yn"),
        ("submit", "returned", "submitted", "t-enterprise-yn"),
        ("accept", "submitted", "accepted", "t-officer-yn"),
    ]


def test_next_year_starts_from_last_years_accepted_answers_and_valid_evidence(submitted, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    officer, user = users["officer-yn"], users["enterprise-yn"]
    # given last year's form was accepted, with one measure corrected and two pieces of evidence
    submitted.refresh_from_db()
    submitted.status = AssessmentStatus.RETURNED  # reopen briefly to attach evidence as the enterprise would
    submitted.save()
    item = submitted.items.select_related("measure").get(measure__code="YN-03")
    today = timezone.localdate()
    pdf = b"%PDF-1.4\n%test\n"
    services.evidence_add(item=item, upload=SimpleUploadedFile("制度.pdf", pdf), by=user)
    services.evidence_add(
        item=item, upload=SimpleUploadedFile("旧证书.pdf", pdf), by=user, valid_until=today + timedelta(days=10)
    )
    services.assessment_submit(assessment=submitted, by=user)
    services.review_item_save(
        item=item, by=officer, verified_status=Status.IN_PROGRESS, verified_percent=30, comment=""
    )
    services.assessment_accept(assessment=submitted, by=officer)
    next_period = ReportingPeriod.objects.create(
        year=submitted.period.year + 1,
        province=submitted.period.province,
        opens_on=today + timedelta(days=40),
        deadline=today + timedelta(days=70),
    )
    # when next year's form starts
    new = services.assessment_start(period=next_period, enterprise=submitted.enterprise, by=user)
    # then it carries last year's accepted (verified) answers, to be confirmed
    carried = new.items.get(measure__code="YN-03")
    assert (carried.claimed_status, carried.claimed_percent, carried.carried_over) == (Status.IN_PROGRESS, 30, True)
    assert carried.what_done == "建立了职工培训制度" and carried.self_rating == SelfRating.FAIRLY_GOOD
    # and only the evidence still valid when the period opens
    assert list(AssessmentEvidence.objects.filter(item=carried).values_list("name", flat=True)) == ["制度.pdf"]
    # (every answer but the derived ones, which the register gives afresh)
    typed = new.indicator_answers.filter(indicator__derived_from="")
    assert typed.filter(carried_over=True).count() == typed.count() > 0
    assert all(not a.claimed.is_blank for a in typed)
    assert not new.indicator_answers.exclude(indicator__derived_from="").filter(carried_over=True).exists()
    # unconfirmed answers keep it from being submitted until touched
    problems = services.assessment_problems(assessment=new)
    assert any("尚未确认" in p.message and p.key == "YN-03" and p.field == "" for p in problems)
    services.item_save(item=carried, by=user, self_rating="good", what_done="x", status=Status.IN_PROGRESS, percent=30)
    carried.refresh_from_db()
    assert carried.carried_over is False
