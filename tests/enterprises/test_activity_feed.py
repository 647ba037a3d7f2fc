"""The enterprise's 全部记录: one activity feed of the register, progress, indicator values, evidence and the
self-assessment, newest first, filterable, each row readable (labels, %, 是/否, file names), none empty; an
acceptance that confirms what is on record writes no history at all."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from enterprises.activity import ActivityFilters, activity_page
from enterprises.services import enterprise_update
from measures.applicability import applicable_indicators
from measures.choices import Status
from measures.models import IndicatorValueEvent, Progress, ProgressEvent
from measures.services import evidence_add, evidence_withdraw, indicator_value_set, progress_update
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reporting.assessments import services as assessments
from tests.factories import open_period
from tests.reporting.assessments.conftest import fill_complete

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def text_of(html: str) -> str:
    """The feed table's text, tags dropped and spaces collapsed."""
    table = html[html.index("activity-feed") :]
    table = table[: table.index("</table>")]
    return " ".join(re.sub(r"<[^>]+>", " ", table).split())


def kinds_of(html: str) -> list[str]:
    return re.findall(r'data-kind="(\w+)"', html)


def records(enterprise) -> list[Progress]:
    return list(Progress.objects.filter(enterprise=enterprise).select_related("measure").order_by("measure__position"))


@pytest.fixture
def boolean_indicator(yn_enterprise):
    return (
        applicable_indicators(yn_enterprise)
        .filter(kind="boolean", derived_from="")
        .select_related("measure")
        .order_by("pk")
        .first()
    )


@pytest.fixture
def activity(users, yn_enterprise, boolean_indicator):
    """A year of an enterprise's record: a register change, a progress change, an indicator value, a file added and
    another withdrawn, then its self-assessment started, filled, submitted and accepted with one correction."""
    officer, user = users["officer-yn"], users["enterprise-yn"]
    enterprise_update(enterprise=yn_enterprise, data={"employees": 600}, by=officer)
    first, *others = records(yn_enterprise)
    progress_update(
        progress=first, status=Status.IN_PROGRESS, percent=20, note="已制定计划", by=officer, expected_version=None
    )
    indicator_value_set(
        enterprise=yn_enterprise, indicator=boolean_indicator, year=timezone.localdate().year, value="是", by=officer
    )
    evidence_add(progress=first, upload=SimpleUploadedFile("党建工作计划2026.pdf", PDF), by=officer)
    wrong = evidence_add(progress=first, upload=SimpleUploadedFile("别家的计划.pdf", PDF), by=officer)
    evidence_withdraw(evidence=wrong, by=officer, reason="误传了其他企业的文件")
    # every record stands where the enterprise will say it does (推进中 60%), as most do at the year's end
    with change_context(by=officer, source=ChangeSource.MANUAL):
        for record in records(yn_enterprise):
            progress_update(
                progress=record, status=Status.IN_PROGRESS, percent=60, note="", by=officer, expected_version=None
            )
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    form = assessments.assessment_start(period=period, enterprise=yn_enterprise, by=user)
    fill_complete(form, user, status=Status.IN_PROGRESS, percent=60)
    assessments.assessment_submit(assessment=form, by=user)
    return {"form": form, "first": first, "period": period}


def accept_with_one_correction(form, users, first):
    officer = users["officer-yn"]
    item = form.items.get(measure=first.measure)
    assessments.review_item_save(item=item, by=officer, verified_status="", verified_percent=40, comment="核实为 40%")
    return assessments.assessment_accept(assessment=form, by=officer, comment="同意")


def test_an_acceptance_that_confirms_the_record_writes_no_history(users, yn_enterprise, activity):
    # given: every record at 推进中 60%, the form claiming 推进中 60% with its own main work for each measure
    form, first = activity["form"], activity["first"]
    before = {r.pk: (r.version, r.updated_at) for r in records(yn_enterprise)}
    progress_events = ProgressEvent.objects.filter(pgh_obj__enterprise=yn_enterprise).count()
    # (the events' time is the transaction's, the test's: what the acceptance wrote is what comes after these ids)
    last_progress_event = ProgressEvent.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first()
    last_value_event = IndicatorValueEvent.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first() or 0

    # when: the officer corrects one measure to 40% and accepts
    accept_with_one_correction(form, users, first)

    # then: one progress event, the corrected one; the twelve others are confirmed (updated now, by the officer)
    # without an event or a new version, and keep their note
    written = list(ProgressEvent.objects.filter(pgh_obj__enterprise=yn_enterprise, pgh_id__gt=last_progress_event))
    assert [(e.pgh_obj_id, e.old_percent, e.percent, e.source) for e in written] == [
        (first.pk, 60, 40, ChangeSource.ASSESSMENT)
    ]
    assert ProgressEvent.objects.filter(pgh_obj__enterprise=yn_enterprise).count() == progress_events + 1
    after = records(yn_enterprise)
    assert len(after) == 13
    for record in after:
        version, updated_at = before[record.pk]
        assert record.updated_at > updated_at and record.updated_by == users["officer-yn"]
        if record.pk != first.pk:
            assert (record.version, record.status, record.percent, record.note) == (version, "in_progress", 60, "")
    # the indicator values the acceptance wrote each hold a change
    for event in IndicatorValueEvent.objects.filter(pgh_obj__enterprise=yn_enterprise, pgh_id__gt=last_value_event):
        assert event.is_creation or (event.old_value, event.old_text) != (event.value, event.text)


def test_every_kind_is_in_one_timeline_with_readable_differences(client, users, yn_enterprise, activity):
    # given
    accept_with_one_correction(activity["form"], users, activity["first"])
    client.force_login(users["officer-yn"])

    # when: every page of the feed
    url, html, text, number = reverse("enterprises:history", args=[yn_enterprise.pk]), "", "", 1
    while True:
        response = client.get(url, {"kind": "", "page": number})
        assert response.status_code == 200
        page = response.content.decode()
        html, text = html + page, f"{text} {text_of(page)}"
        if "下一页" not in page:
            break
        number += 1

    # then: every kind, newest first (the acceptance on top, the registration last)
    assert number > 1
    assert set(kinds_of(html)) == {"register", "progress", "indicator", "evidence", "assessment"}
    assert text.index("通过") < text.index("提交") < text.index("开始填报") < text.index("登记企业")
    code = activity["first"].measure.code
    assert f"更新推进情况 · {activity['first'].measure.label}" in text
    assert "状态：未启动 → 推进中" in text and "完成百分比：0% → 20%" in text and "说明：— → 已制定计划" in text
    assert "完成百分比：60% → 40%" in text  # the acceptance's correction
    assert "指标值：是" in text  # a 是/否 as 是, never 1 or 1.00
    assert "上传证明材料" in text and "党建工作计划2026.pdf" in text
    assert "撤回证明材料" in text and "别家的计划.pdf" in text and "撤回原因：误传了其他企业的文件" in text
    assert "职工人数：500 → 600" in text or "600" in text
    assert "状态：已提交 → 已通过" in text and "同意" in text
    assert f"{code}" in text and "核实完成百分比：— → 40%" in text and "审核意见：— → 核实为 40%" in text
    # never a raw value: no list or dict, no choice's code, no number where a label belongs
    for raw in ("[", "{", "in_progress", "not_started", "fairly_good", "submitted", "accepted", "None", "1.00"):
        assert raw not in text, raw
    # no empty row: each says what changed, and no "x → x"
    for old, new in re.findall(r"：([^：→]+?) → ([^：→]+?)(?= [^ ]+：| \S+ ·|$)", text):
        assert old.strip() != new.strip()


def test_rows_whose_values_did_not_change_are_not_listed(users, yn_enterprise, activity):
    # given: the progress rows the enterprise was registered with (未启动 0%, no note) and an acceptance that
    # confirms twelve records
    accept_with_one_correction(activity["form"], users, activity["first"])

    # when
    page = activity_page(enterprise=yn_enterprise, user=users["officer-yn"], filters=ActivityFilters(kind="progress"))

    # then: the officer's 13 + 1 edits, and the acceptance's one correction; no creation, no confirmation
    rows = list(page.object_list)
    assert page.paginator.count == len(rows) == 1 + 13 + 1
    assert all(row.diffs for row in rows)
    for row in rows:
        assert all(d.old != d.new for d in row.diffs), row


def test_filters_by_kind_measure_and_dates(client, users, yn_enterprise, activity):
    client.force_login(users["officer-yn"])
    url = reverse("enterprises:history", args=[yn_enterprise.pk])
    first = activity["first"]

    evidence = client.get(url, {"kind": "evidence"}).content.decode()
    assert set(kinds_of(evidence)) == {"evidence"} and len(kinds_of(evidence)) == 3  # two added, one withdrawn

    one_measure = client.get(url, {"measure": first.measure.pk}).content.decode()
    assert "register" not in kinds_of(one_measure)  # the register is about no measure
    other = records(yn_enterprise)[1].measure
    assert first.measure.label in text_of(one_measure) and other.label not in text_of(one_measure)
    assert {"progress", "evidence", "assessment"} <= set(kinds_of(one_measure))

    today = timezone.localdate()
    assert len(kinds_of(client.get(url, {"date_from": today, "date_to": today}).content.decode())) > 0
    future = client.get(url, {"date_from": today + timedelta(days=1)}).content.decode()
    assert kinds_of(future) == [] and "没有符合筛选条件的记录" in future
    reversed_range = client.get(url, {"date_from": today, "date_to": today - timedelta(days=1)}).content.decode()
    assert "截止日期不能早于起始日期" in reversed_range


def test_the_feed_pages_in_a_few_queries(client, users, yn_enterprise, activity, django_assert_max_num_queries):
    accept_with_one_correction(activity["form"], users, activity["first"])
    client.force_login(users["officer-yn"])
    url = reverse("enterprises:history", args=[yn_enterprise.pk])
    total = activity_page(enterprise=yn_enterprise, user=users["officer-yn"]).paginator.count
    assert total > 50  # more than a page

    with django_assert_max_num_queries(25):
        first_page = client.get(url)
    last = (total - 1) // 50 + 1
    last_page = client.get(url, {"page": last})

    assert len(kinds_of(first_page.content.decode())) == 50
    assert len(kinds_of(last_page.content.decode())) == total - 50 * (last - 1)
    assert f"共 {total} 条" in first_page.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("officer-yn", 200),
        ("sasac-yn", 200),
        ("enterprise-yn", 200),
        ("admin", 200),
        ("officer-sx", 404),
        ("sasac-sx", 404),
        ("enterprise-sx", 404),
    ],
)
def test_the_feed_is_scoped_like_the_enterprise_page(client, users, yn_enterprise, activity, role, status):
    client.force_login(users[role])

    response = client.get(reverse("enterprises:history", args=[yn_enterprise.pk]))

    assert response.status_code == status
    if status == 200:
        assert {"register", "progress", "assessment"} <= set(kinds_of(response.content.decode()))


def test_an_enterprise_sees_only_its_own_feed(client, users, yn_enterprise, sx_soe, activity):
    # given: the other enterprise has a record of its own
    sx_first = records(sx_soe)[0]
    progress_update(
        progress=sx_first,
        status=Status.IN_PROGRESS,
        percent=30,
        note="西安",
        by=users["officer-sx"],
        expected_version=None,
    )
    client.force_login(users["enterprise-yn"])

    own = client.get(reverse("enterprises:history", args=[yn_enterprise.pk])).content.decode()

    assert (
        "西安" not in text_of(own) and client.get(reverse("enterprises:history", args=[sx_soe.pk])).status_code == 404
    )
