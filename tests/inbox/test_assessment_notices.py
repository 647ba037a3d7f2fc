"""The self-assessment cycle tells the people concerned in their inbox (reporting/assessments/inbox_notices.py):
each expectation is written from who the test appointed, not from the code's own helpers."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from enterprises.models import Region
from reform_portal.inbox.models import Notice
from reporting.assessments import services
from reporting.assessments.services.deadline_reminders import deadline_reminders_run
from tests.factories import make_officer
from tests.factories.groups import make_group_user
from tests.reporting.assessments.conftest import fill_complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def people(users, yn_enterprise, kunming):
    """Around the Kunming enterprise: its officer (officer-yn, Kunming), a second Kunming officer, a Yunnan
    province officer (a level above), a group user granted the enterprise, and bystanders."""
    yunnan = Region.objects.get(code="530000")
    from tests.factories import EnterpriseFactory

    head = EnterpriseFactory(name="测试集团本部有限公司", region=kunming)
    return {
        **users,
        "officer-km2": make_officer("t-officer-km2", regions=[kunming]),
        "officer-province": make_officer("t-officer-yunnan", regions=[yunnan]),
        "group": make_group_user("t-group", head=head, granted=[yn_enterprise]),
    }


def _told(kind="assessment") -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for title, user_id in Notice.objects.filter(kind=kind).values_list("title", "recipient_id"):
        out.setdefault(title, set()).add(user_id)
    return out


def _submit(assessment, people):
    fill_complete(assessment, people["enterprise-yn"])
    return services.assessment_submit(assessment=assessment, by=people["enterprise-yn"])


def test_a_submission_tells_the_officers_in_charge_and_nobody_else(people, yn_enterprise, users):
    from tests.factories import open_period

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    draft = services.assessment_start(period=period, enterprise=yn_enterprise, by=people["enterprise-yn"])
    assert not Notice.objects.exists()  # starting a form tells no one

    submitted = _submit(draft, people)

    notices = list(Notice.objects.all())
    assert {n.recipient_id for n in notices} == {people["officer-yn"].pk, people["officer-km2"].pk}
    assert {n.url for n in notices} == {reverse("reporting:assessments:detail", args=[submitted.pk])}
    assert {n.enterprise_id for n in notices} == {yn_enterprise.pk}
    assert all("提交了" in n.title and yn_enterprise.name in n.title for n in notices)


def test_return_and_acceptance_tell_the_enterprise_and_the_group_user(people, yn_enterprise, users):
    from tests.factories import open_period

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    draft = services.assessment_start(period=period, enterprise=yn_enterprise, by=people["enterprise-yn"])
    submitted = _submit(draft, people)
    Notice.objects.all().delete()
    officer = people["officer-yn"]
    item = submitted.items.order_by("pk").first()
    services.review_item_save(item=item, by=officer, verified_status="", verified_percent=None, comment="请补充")

    services.assessment_return(assessment=submitted, by=officer, comment="请完善后再报")

    fillers = {people["enterprise-yn"].pk, people["group"].pk}
    assert {n.recipient_id for n in Notice.objects.all()} == fillers
    assert set(Notice.objects.values_list("body", flat=True)) == {"请完善后再报"}
    assert all("退回" in t for t in Notice.objects.values_list("title", flat=True))

    # resubmitted: the officers again, told it is a resubmission
    Notice.objects.all().delete()
    submitted.refresh_from_db()
    services.assessment_submit(assessment=submitted, by=people["enterprise-yn"])
    assert {n.recipient_id for n in Notice.objects.all()} == {officer.pk, people["officer-km2"].pk}
    assert all("重新提交" in t for t in Notice.objects.values_list("title", flat=True))

    Notice.objects.all().delete()
    submitted.refresh_from_db()
    services.assessment_accept(assessment=submitted, by=officer)
    assert {n.recipient_id for n in Notice.objects.all()} == fillers
    assert all("通过" in t for t in Notice.objects.values_list("title", flat=True))


def test_reminders_reach_the_enterprises_inboxes(people, yn_enterprise, users):
    from tests.factories import open_period

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    sent = []
    officer = people["officer-yn"]
    services.reminders_send(period=period, enterprises=[yn_enterprise], by=officer, enqueue_email=sent.append)

    reminders = Notice.objects.filter(kind="reminder")
    assert {n.recipient_id for n in reminders} == {people["enterprise-yn"].pk, people["group"].pk}
    assert {n.enterprise_id for n in reminders} == {yn_enterprise.pk}
    by_user = {n.recipient_id: n.url for n in reminders}
    assert by_user[people["enterprise-yn"].pk] == reverse("reporting:assessments:index")
    assert by_user[people["group"].pk] == reverse("home")  # the group user's way to the subsidiary's form


def test_the_daily_reminders_and_escalations_reach_inboxes_once(people, yn_enterprise, users):
    from datetime import timedelta

    from tests.factories import open_period

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    # a day the reminder at 7 days before is due, and then the first day overdue (escalation stage 0)
    due = period.due_date
    run = dict(enqueue_notice_email=lambda pk: None, enqueue_escalation_email=lambda ids: None)
    deadline_reminders_run(today=due - timedelta(days=7), **run)
    deadline_reminders_run(today=due - timedelta(days=7), **run)  # beat twice: nothing more
    reminders = Notice.objects.filter(kind="reminder", enterprise_id=yn_enterprise.pk)
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(
        [people["enterprise-yn"].pk, people["group"].pk]
    )

    from reform_portal import workdays

    overdue_day = workdays.next_workday(due + timedelta(days=1))
    deadline_reminders_run(today=overdue_day, **run)
    deadline_reminders_run(today=overdue_day, **run)
    escalated = Notice.objects.filter(kind="escalation")
    # stage 0: the officers in charge at the nearest level (Kunming's), each once, naming the enterprise
    assert sorted(escalated.values_list("recipient_id", flat=True)) == sorted(
        [people["officer-yn"].pk, people["officer-km2"].pk]
    )
    assert all(yn_enterprise.name in n.body for n in escalated)
