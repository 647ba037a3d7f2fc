"""The assessment pages for every role: who sees what, who is refused, and the overview with reminders."""

import pytest
from django.core import mail
from django.urls import reverse

from reporting.assessments import services
from reporting.assessments.models import AssessmentNotice
from reporting.assessments.tasks import send_notice_email

from .conftest import fill_complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_celery():
    from reform_portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def url(name, *args):
    return reverse(f"reporting:assessments:{name}", args=args)


def test_detail_page_scoped_by_role(client, submitted, users):
    # given a submitted Kunming form
    expected = {
        "enterprise-yn": 200,
        "officer-yn": 200,
        "sasac-yn": 200,
        "admin": 200,
        "enterprise-sx": 404,
        "officer-sx": 404,
        "sasac-sx": 404,
    }
    for role, status in expected.items():
        client.force_login(users[role])
        # when each role opens it, then only those in scope get it
        assert client.get(url("detail", submitted.pk)).status_code == status, role
    client.logout()
    assert client.get(url("detail", submitted.pk)).status_code == 302


def test_sasac_does_not_see_drafts_but_the_officer_does(client, draft, users):
    client.force_login(users["sasac-yn"])
    assert client.get(url("detail", draft.pk)).status_code == 404
    client.force_login(users["officer-yn"])
    response = client.get(url("detail", draft.pk))
    assert response.status_code == 200 and "return-form" not in response.content.decode()


def test_enterprise_form_autosaves_one_item_and_shows_saved_time(client, draft, users):
    client.force_login(users["enterprise-yn"])
    item = draft.items.select_related("measure").get(measure__code="YN-02")
    data = {"YN-02-version": 1, "YN-02-self_rating": "good", "YN-02-claimed_status": "in_progress"}
    data |= {"YN-02-claimed_percent": "40", "YN-02-what_done": "已开展宣讲"}
    response = client.post(url("item_save", draft.pk, item.pk), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已保存" in response.content.decode()
    item.refresh_from_db()
    assert (item.self_rating, item.claimed_percent, item.what_done, item.version) == ("good", 40, "已开展宣讲", 2)
    # a bad value gets a message next to the field and changes nothing
    data |= {"YN-02-version": 2, "YN-02-claimed_percent": "140"}
    response = client.post(url("item_save", draft.pk, item.pk), data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="err-YN-02-percent"' in body and "0 到 100" in body
    item.refresh_from_db()
    assert item.claimed_percent == 40


def test_no_one_else_edits_the_enterprise_form(client, draft, users):
    item = draft.items.first()
    data = {f"{item.measure.code}-self_rating": "poor"}
    for role, status in {"officer-yn": 403, "sasac-yn": 404, "enterprise-sx": 404, "officer-sx": 404}.items():
        client.force_login(users[role])
        response = client.post(url("item_save", draft.pk, item.pk), data)
        if status == 403:
            assert response.status_code == 403, role
        else:
            assert response.status_code == 404, role
    item.refresh_from_db()
    assert item.self_rating == ""


def test_enterprise_cannot_edit_after_submission(client, submitted, users):
    client.force_login(users["enterprise-yn"])
    item = submitted.items.select_related("measure").first()
    code = item.measure.code
    response = client.post(url("item_save", submitted.pk, item.pk), {f"{code}-self_rating": "poor"}, follow=True)
    assert "不能再修改" in response.content.decode()
    item.refresh_from_db()
    assert item.self_rating == "fairly_good"


def test_review_actions_refused_for_sasac_and_enterprise(client, submitted, users):
    for role in ("sasac-yn", "enterprise-yn"):
        client.force_login(users[role])
        assert client.post(url("accept", submitted.pk)).status_code == 403, role
        assert client.post(url("return", submitted.pk), {"comment": "x"}).status_code == 403, role
    client.force_login(users["officer-sx"])
    assert client.post(url("accept", submitted.pk)).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_officer_overview_counts_states_and_reminds_late_enterprises(client, yn_period, submitted, users, kunming):
    from tests.factories import EnterpriseFactory, make_enterprise_user

    # given a second Kunming enterprise that has not started, with a user who has an email
    late = EnterpriseFactory(name="昆明迟报电子有限公司", region=kunming)
    late_user = make_enterprise_user("late-user", enterprise=late)
    late_user.email = "late@example.cn"
    late_user.save()
    client.force_login(users["officer-yn"])
    # when the officer opens the overview
    response = client.get(url("index"))
    counts = {code: n for code, label, n in response.context["counts"]}
    # then the counts are per state
    assert counts["submitted"] == 1 and counts["not_filled"] == 1 and counts["accepted"] == 0
    assert response.context["total"] == 2
    # and when it reminds the late one
    with_callbacks = client.post(url("remind", yn_period.pk), {"enterprise": [late.pk]})
    assert with_callbacks.status_code == 302
    notice = AssessmentNotice.objects.get(enterprise=late)
    assert notice.sent_by == users["officer-yn"] and str(yn_period.due_date) in notice.message


def test_reminder_email_is_sent_after_commit(yn_period, users, kunming, django_capture_on_commit_callbacks, settings):
    from tests.factories import EnterpriseFactory, make_enterprise_user

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    late = EnterpriseFactory(name="昆明迟报化工有限公司", region=kunming)
    late_user = make_enterprise_user("late-user2", enterprise=late)
    late_user.email = "fill@example.cn"
    late_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send(
            period=yn_period, enterprises=[late], by=users["officer-yn"], enqueue_email=send_notice_email.delay
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["fill@example.cn"] and "自评" in mail.outbox[0].subject
    notice = AssessmentNotice.objects.get(enterprise=late)
    assert notice.emailed_to == ["fill@example.cn"] and notice.emailed_at
    # sending again (a retried task) does not send twice
    services.notice_email(notice_id=notice.pk)
    assert len(mail.outbox) == 1


def test_reminders_refused_outside_charge(yn_period, users, sx_soe):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.reminders_send(
            period=yn_period, enterprises=[sx_soe], by=users["officer-yn"], enqueue_email=send_notice_email.delay
        )


def test_enterprise_home_shows_period_state_and_reminder(client, yn_period, users):
    enterprise = users["enterprise-yn"].profile.enterprise
    AssessmentNotice.objects.create(
        period=yn_period, enterprise=enterprise, message="请尽快填报", sent_by=users["officer-yn"]
    )
    client.force_login(users["enterprise-yn"])
    body = client.get("/").content.decode()
    assert 'id="assessment-panel"' in body and "未填报" in body and "请尽快填报" in body
    assert str(yn_period.deadline.strftime("%Y-%m-%d")) in body


def test_periods_managed_by_admin_and_own_province_sasac(client, users):
    data = {
        "year": 2030,
        "province": users["sasac-yn"].profile.province_id,
        "opens_on": "2030-01-01",
        "deadline": "2030-03-31",
    }
    client.force_login(users["officer-yn"])
    assert client.post(url("periods"), data).status_code == 403
    client.force_login(users["sasac-sx"])
    response = client.post(url("periods"), data)
    assert response.status_code == 200 and "province" in response.context["form"].errors
    client.force_login(users["sasac-yn"])
    assert client.post(url("periods"), data).status_code == 302
    # a deadline before the opening is refused next to the field
    bad = data | {"year": 2031, "deadline": "2029-12-31"}
    response = client.post(url("periods"), bad)
    assert "截止日期不能早于开始日期" in str(response.context["form"].errors)


def test_pdf_has_enterprise_name_and_every_measure_title(client, submitted, users):
    import io

    from pypdf import PdfReader

    client.force_login(users["officer-yn"])
    response = client.get(url("pdf", submitted.pk))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    # long titles wrap onto a second line: compare without line breaks
    flat = "".join(text.split())
    assert "".join(submitted.enterprise.name.split()) in flat
    titles = list(submitted.items.values_list("measure__title", flat=True))
    assert len(titles) == 13
    for title in titles:
        assert "".join(title.split()) in flat, title


def test_excel_has_every_measure_and_indicator(client, submitted, users):
    import io

    from openpyxl import load_workbook

    client.force_login(users["sasac-yn"])
    response = client.get(url("xlsx", submitted.pk))
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb["措施"]
    assert sheet["B1"].value == submitted.enterprise.name
    codes = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert codes == list(submitted.items.values_list("measure__code", flat=True))
    assert wb["指标"].max_row - 1 == submitted.indicator_answers.count()
    client.force_login(users["enterprise-sx"])
    assert client.get(url("xlsx", submitted.pk)).status_code == 404


def _enterprises_with_assessments(n, *, period, region, offset=0):
    """`n` enterprises of `region`, each with an assessment for `period`, in turn draft/submitted/returned/accepted."""
    from django.utils import timezone

    from reporting.assessments.models import Assessment
    from tests.factories import EnterpriseFactory, make_enterprise_user

    states = ["draft", "submitted", "returned", "accepted"]
    now = timezone.now()
    for i, enterprise in enumerate(EnterpriseFactory.create_batch(n, region=region)):
        user = make_enterprise_user(f"overview-{offset + i}", enterprise=enterprise)
        assessment = services.assessment_start(period=period, enterprise=enterprise, by=user)
        state = states[i % len(states)]
        # arranged directly: what is measured is the overview's reading, not the cycle that leads to each state
        Assessment.objects.filter(pk=assessment.pk).update(
            status=state,
            submitted_at=now if state != "draft" else None,
            first_submitted_at=now if state != "draft" else None,
            accepted_at=now if state == "accepted" else None,
        )


def test_overview_query_count_does_not_grow_with_the_number_of_assessments(client, yn_period, users, kunming):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["officer-yn"])

    def overview_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("index"))
        assert response.status_code == 200
        return len(queries), response

    # given 5 Kunming enterprises with assessments in every state
    _enterprises_with_assessments(5, period=yn_period, region=kunming)
    # the navigation's unread-notice badge is counted once and kept (reform_portal/inbox): warm it first
    overview_queries()
    few, response = overview_queries()
    counts = {code: n for code, label, n in response.context["counts"]}
    assert counts["draft"] == 2 and counts["submitted"] == 1 and counts["returned"] == 1 and counts["accepted"] == 1
    # when there are 50 of them
    _enterprises_with_assessments(45, period=yn_period, region=kunming, offset=5)
    many, response = overview_queries()
    counts = {code: n for code, label, n in response.context["counts"]}
    assert sum(counts[s] for s in ("draft", "submitted", "returned", "accepted")) == 50
    # then the overview runs the same number of queries, and a bounded one
    assert many == few, (few, many)
    assert many <= 15


def test_fill_helper_makes_a_complete_form(draft, users):
    fill_complete(draft, users["enterprise-yn"])
    assert services.assessment_problems(assessment=draft) == []


def test_pdf_without_a_cjk_font_says_so_instead_of_failing(client, submitted, users, settings, monkeypatch):
    # given a machine with no Chinese font
    from reporting.assessments import exports

    monkeypatch.setattr(exports, "FONT_CANDIDATES", [("/nonexistent/font.ttc", 0)])
    settings.ASSESSMENT_PDF_FONT = ""
    client.force_login(users["officer-yn"])
    # when the PDF is asked for
    response = client.get(url("pdf", submitted.pk), follow=True)
    # then the assessment page explains, and the Excel export still works
    assert response.status_code == 200
    assert "缺少中文字体" in response.content.decode()
    assert client.get(url("xlsx", submitted.pk)).status_code == 200
