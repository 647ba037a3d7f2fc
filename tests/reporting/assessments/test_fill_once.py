"""Fill once: a new self-assessment starts from what the portal knows (current progress, this year's indicator
values, last year's accepted answers, the register), each pre-filled answer marked with its source until confirmed;
the counts per section; a refused submission marks each problem at its field; evidence is optional on the page as
in the submission rule."""

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Enterprise
from measures.choices import Status
from measures.models import Indicator, IndicatorValue, Progress
from reporting.assessments import services
from reporting.assessments.choices import SelfRating
from reporting.assessments.models import ReportingPeriod

from .conftest import fill_complete

pytestmark = pytest.mark.django_db

EDU_FUND = "YN-06-edu-fund"  # a share, typed in
BLANK_TEAMS = "YN-01-blank-teams"  # a count, typed in
CONTRACT = "YN-09-collective-contract"  # a 是/否, typed in
MEMBERSHIP = "YN-11-membership-rate"  # derived from the register


class Elements(HTMLParser):
    """Each element with an id: its attributes and its text (enough to read the form page without a library)."""

    def __init__(self, html):
        super().__init__()
        self.by_id, self.open = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        entry = {"tag": tag, "attrs": attrs, "text": ""}
        if "id" in attrs:
            self.by_id[attrs["id"]] = entry
        if tag not in ("input", "br", "meta", "link", "img", "hr"):
            self.open.append(entry)

    def handle_endtag(self, tag):
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        for entry in self.open:
            entry["text"] += data


def page(client, user, assessment):
    client.force_login(user)
    response = client.get(reverse("reporting:assessments:detail", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def set_register(enterprise, **fields):
    Enterprise.objects.filter(pk=enterprise.pk).update(**fields)
    return Enterprise.objects.select_related("region").get(pk=enterprise.pk)


def set_progress(enterprise, code, status, percent):
    Progress.objects.filter(enterprise=enterprise, measure__code=code).update(status=status, percent=percent)


def test_without_last_year_the_form_starts_from_current_progress_indicator_values_and_register(
    client, yn_period, users
):
    user = users["enterprise-yn"]
    year = yn_period.year
    # given the enterprise's current records: one measure under way, this year's and an earlier year's value, and a
    # register of 200 employees with 150 union members
    enterprise = set_register(
        user.profile.enterprise, employees=200, frontline_workers=120, union_members=150, party_members=30
    )
    set_progress(enterprise, "YN-04", Status.IN_PROGRESS, 40)
    IndicatorValue.objects.create(
        enterprise=enterprise, indicator=Indicator.objects.get(code=EDU_FUND), year=year, value=Decimal("9")
    )
    IndicatorValue.objects.create(
        enterprise=enterprise, indicator=Indicator.objects.get(code=BLANK_TEAMS), year=year - 2, value=Decimal("2")
    )
    # when the form starts
    form = services.assessment_start(period=yn_period, enterprise=enterprise, by=user)
    # then each answer holds the current record, marked with its source and waiting for confirmation
    item = form.items.get(measure__code="YN-04")
    assert (item.claimed_status, item.claimed_percent, item.self_rating, item.what_done) == (
        Status.IN_PROGRESS,
        40,
        "",
        "",
    )
    assert item.prefilled == {"status": "progress", "percent": "progress"} and item.carried_over
    untouched = form.items.get(measure__code="YN-02")  # the progress record as progress_ensure made it
    assert (untouched.claimed_status, untouched.claimed_percent) == (Status.NOT_STARTED, 0)
    answers = {a.indicator.code: a for a in form.indicator_answers.select_related("indicator")}
    assert (answers[EDU_FUND].claimed_value, answers[EDU_FUND].prefilled) == (9, {"value": "indicator_value"})
    assert answers[BLANK_TEAMS].claimed_value == 2
    assert answers[BLANK_TEAMS].prefilled == {"value": "indicator_value", "year": year - 2}
    assert answers[EDU_FUND].carried_over and answers[BLANK_TEAMS].carried_over
    assert answers[MEMBERSHIP].claimed_value == Decimal("75.00")  # 150 / 200
    assert answers[MEMBERSHIP].prefilled == {"value": "register"} and not answers[MEMBERSHIP].carried_over
    assert answers[CONTRACT].claimed.is_blank and answers[CONTRACT].prefilled == {}
    assert not answers[CONTRACT].carried_over
    # and the page says where each came from
    html = Elements(page(client, user, form))
    assert "推进状态、完成百分比 取自当前进度" in html.by_id["carried-YN-04"]["text"]
    assert "取自当前指标值" in html.by_id[f"carried-{EDU_FUND}"]["text"]
    assert f"取自当前指标值（{year - 2}年）" in html.by_id[f"carried-{BLANK_TEAMS}"]["text"]
    assert "取自企业登记信息" in html.by_id[f"indicator-{MEMBERSHIP}"]["text"]
    assert "75" in html.by_id[f"indicator-{MEMBERSHIP}"]["text"]


def _accepted_last_year(users):
    """Last year's form, complete (推进中 60 %, 较好, every indicator answered) and accepted."""
    user, officer = users["enterprise-yn"], users["officer-yn"]
    today = timezone.localdate()
    last = ReportingPeriod.objects.create(
        year=today.year - 1,
        province_id=user.profile.enterprise.region.parent_id,
        opens_on=today - timedelta(days=5),
        deadline=today + timedelta(days=25),
    )
    form = services.assessment_start(period=last, enterprise=user.profile.enterprise, by=user)
    fill_complete(form, user, what_done="组织岗位练兵 12 场")
    services.assessment_submit(assessment=form, by=user)
    services.assessment_accept(assessment=form, by=officer)
    return form


def test_precedence_newer_records_over_last_years_answers(client, yn_period, users):
    user = users["enterprise-yn"]
    _accepted_last_year(users)  # its acceptance wrote 推进中 60 % into the progress records
    enterprise = user.profile.enterprise
    # given, since then, one measure moved on and this year's value of one indicator was recorded
    set_progress(enterprise, "YN-04", Status.IN_PROGRESS, 80)
    IndicatorValue.objects.create(
        enterprise=enterprise, indicator=Indicator.objects.get(code=EDU_FUND), year=yn_period.year, value=12
    )
    form = services.assessment_start(period=yn_period, enterprise=enterprise, by=user)
    moved = form.items.get(measure__code="YN-04")
    # then status and percent are the newer progress record's, rating and main work last year's
    assert (moved.claimed_status, moved.claimed_percent) == (Status.IN_PROGRESS, 80)
    assert (moved.self_rating, moved.what_done) == (SelfRating.FAIRLY_GOOD, "组织岗位练兵 12 场")
    assert moved.prefilled == {
        "status": "progress",
        "percent": "progress",
        "self_rating": "last_year",
        "what_done": "last_year",
    }
    answers = {a.indicator.code: a for a in form.indicator_answers.select_related("indicator")}
    assert (answers[EDU_FUND].claimed_value, answers[EDU_FUND].prefilled["value"]) == (12, "indicator_value")
    # (last year's answer where this year has no record yet: 是, as fill_complete answered)
    assert (answers[CONTRACT].claimed_value, answers[CONTRACT].prefilled) == (1, {"value": "last_year"})
    html = Elements(page(client, user, form)).by_id
    assert "推进状态、完成百分比 取自当前进度" in html["carried-YN-04"]["text"]
    assert "自评等级、主要工作 沿用上年" in html["carried-YN-04"]["text"]
    # when the enterprise confirms everything as it stands, it submits without typing a thing
    problems = services.assessment_problems(assessment=form)
    assert problems and all(p.field in ("", "value") and "尚未确认" in p.message for p in problems)
    for item in form.items.all():
        services.item_save(
            item=item,
            by=user,
            self_rating=item.self_rating,
            what_done=item.what_done,
            status=item.claimed_status,
            percent=item.claimed_percent,
            expected_version=item.version,
        )
    for answer in form.indicator_answers.filter(carried_over=True).select_related("indicator"):
        value = answer.claimed_text or ("是" if answer.indicator.kind == "boolean" and answer.claimed_value else None)
        value = value or ("否" if answer.indicator.kind == "boolean" else str(answer.claimed_value))
        services.indicator_save(answer=answer, by=user, value=value, expected_version=answer.version)
    assert not form.items.exclude(prefilled={}).exists()
    assert not form.indicator_answers.filter(carried_over=True).exists()
    assert services.assessment_submit(assessment=form, by=user).status == "submitted"


def test_counts_per_section_follow_the_completeness_rule(client, draft, users):
    user = users["enterprise-yn"]
    fill_complete(draft, user)
    # given one measure of 提升产业工人技术技能素质 emptied again
    item = draft.items.get(measure__code="YN-05")
    services.item_save(item=item, by=user, self_rating="", what_done="", status="", percent=None)
    counts = {row["section"].code: (row["filled"], row["total"]) for row in services.section_counts(assessment=draft)}
    # then, counted independently from the catalogue: every section full but that one
    expected = {}
    for form_item in draft.items.select_related("measure__section"):
        code = form_item.measure.section.code
        filled, total = expected.get(code, (0, 0))
        expected[code] = (filled + (form_item.measure.code != "YN-05"), total + 1)
    assert counts == expected and counts["yn-s3-2"] == (3, 4)
    # and an autosave answers with the new counts, out of band
    client.force_login(user)
    data = {
        "YN-05-version": item.version + 1,
        "YN-05-self_rating": "good",
        "YN-05-claimed_status": Status.IN_PROGRESS,
        "YN-05-claimed_percent": "50",
        "YN-05-what_done": "",
    }
    response = client.post(
        reverse("reporting:assessments:item_save", args=[draft.pk, item.pk]), data, HTTP_HX_REQUEST="true"
    )
    html = Elements(response.content.decode()).by_id
    assert "已填 4/4" in html["count-yn-s3-2"]["text"]
    total = sum(t for _filled, t in counts.values())
    assert f"已填 {total}/{total}" in html["count-all"]["text"]


def test_a_refused_submission_marks_each_problem_at_its_field_and_names_the_first(client, draft, users):
    user = users["enterprise-yn"]
    fill_complete(draft, user)
    yn02 = draft.items.get(measure__code="YN-02")
    services.item_save(item=yn02, by=user, self_rating="", what_done="", status=Status.DONE, percent=100)
    contract = draft.indicator_answers.get(indicator__code=CONTRACT)
    services.indicator_save(answer=contract, by=user, value="")
    client.force_login(user)
    response = client.post(reverse("reporting:assessments:submit", args=[draft.pk]))
    assert response.status_code == 200
    html = Elements(response.content.decode()).by_id
    # each missing field carries its message under it and aria-invalid pointing to it
    rating = html["id_YN-02-self_rating"]["attrs"]
    assert rating.get("aria-invalid") == "true" and rating.get("aria-describedby") == "err-YN-02-self_rating"
    assert "未选择自评等级" in html["err-YN-02-self_rating"]["text"]
    assert "必须填写主要工作" in html["err-YN-02-what_done"]["text"]
    assert html["id_YN-02-what_done"]["attrs"].get("aria-invalid") == "true"
    assert html[f"id_{CONTRACT}-value"]["attrs"].get("aria-invalid") == "true"
    assert "未填写指标值" in html[f"err-{CONTRACT}-value"]["text"]
    # a complete answer is not marked
    assert "aria-invalid" not in html["id_YN-03-self_rating"]["attrs"]
    assert html["err-YN-03-self_rating"]["text"].strip() == ""
    # the first problem in page order is the one to jump to; the summary is one line per answer
    assert html["problems"]["attrs"]["data-first-problem"] == "id_YN-02-self_rating"
    problems = response.content.decode().split('id="problems"')[1].split("</ul>")[0]
    assert re.findall(r'<li><a href="#([^"]+)"', problems) == ["item-YN-02", f"indicator-{CONTRACT}"]


def test_evidence_is_optional_on_the_page_as_in_the_submission_rule(client, draft, users):
    user = users["enterprise-yn"]
    html = page(client, user, draft)
    # the page marks no evidence as required …
    assert "并上传佐证材料" not in html and "佐证材料选填" in html
    assert Elements(html).by_id["evidence-YN-01"]["text"].count("选填") == 1
    # … and a complete form without a single file is submitted
    fill_complete(draft, user)
    assert not draft.items.filter(evidence__isnull=False).exists()
    assert services.assessment_submit(assessment=draft, by=user).status == "submitted"
