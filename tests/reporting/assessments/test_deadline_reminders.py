"""Deadlines and automatic reminders (docs/reminders.md): when each is due (deadlines.py, with the State Council's
calendar), exactly once per enterprise and offset whatever the beat does, and the escalation up the union levels.

The dates are 2025's, around the National Day holiday (10月1日-8日 off, 9月28日 and 10月11日 worked: 国办发明电〔2024〕
12号): a period due on 1 October falls due on Thursday 9 October; its working days overdue are counted here by hand
from the notice: 10日 (1), 11日 Saturday worked (2), 13日 (3), 14日 (4), 15日 (5), 16日 (6), 17日 (7), 20日 (8),
21日 (9), 22日 (10), 23日 (11)."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from enterprises.models import Region
from reform_portal.outbox.models import OutboxMessage
from reform_portal.outbox.services import bound
from reporting.assessments import services, tasks
from reporting.assessments.choices import AssessmentStatus, ReminderKind
from reporting.assessments.deadlines import (
    deadline_state,
    due_offset,
    escalation_stages_due,
    offsets_problem,
    parse_offsets,
    reminder_day,
)
from reporting.assessments.models import Assessment, AssessmentNotice, DeadlineReminder, ReportingPeriod
from tests.factories import EnterpriseFactory, make_officer

DUE = date(2025, 10, 9)
NOTICE_TASK = "reporting.assessments.tasks.send_notice_email"


# -- the rule: deadlines.py -------------------------------------------------------------------------------------


def test_a_deadline_in_the_national_day_holiday_falls_due_after_it():
    state = deadline_state(date(2025, 10, 1), date(2025, 9, 30))
    assert state.due == DUE and state.moved
    # on 30 September only 9 October is left (1-8 October off; today not counted)
    assert (state.left, state.overdue, state.past) == (1, 0, False) and state.text == "剩余 1 个工作日"
    assert deadline_state(date(2025, 10, 1), DUE).text == "今日到期"
    assert deadline_state(date(2025, 10, 1), date(2025, 10, 10)).text == "已逾期 1 个工作日"
    # the make-up Saturday counts as a working day overdue; the Sunday after it does not
    assert deadline_state(date(2025, 10, 1), date(2025, 10, 11)).overdue == 2
    assert deadline_state(date(2025, 10, 1), date(2025, 10, 12)).overdue == 2
    # a Friday deadline seen on the Saturday after it: past, no working day overdue yet
    friday = deadline_state(date(2025, 11, 14), date(2025, 11, 15))
    assert friday.past and friday.overdue == 0 and friday.text == "已截止"
    assert friday.calendar_published and not deadline_state(date(2027, 3, 1), date(2027, 2, 1)).calendar_published


def test_which_reminder_is_due_on_each_day():
    offsets = [30, 7, 1, -1]
    assert reminder_day(DUE, 30) == date(2025, 9, 9) and reminder_day(DUE, -1) == date(2025, 10, 10)
    assert reminder_day(DUE, -2) == date(2025, 10, 11)  # the make-up Saturday
    assert due_offset(offsets, due=DUE, today=date(2025, 9, 8)) is None
    assert due_offset(offsets, due=DUE, today=date(2025, 9, 9)) == 30
    assert due_offset(offsets, due=DUE, today=date(2025, 10, 1)) == 30
    assert due_offset(offsets, due=DUE, today=date(2025, 10, 2)) == 7
    assert due_offset(offsets, due=DUE, today=date(2025, 10, 8)) == 1
    assert due_offset(offsets, due=DUE, today=DUE) == 1
    assert due_offset(offsets, due=DUE, today=date(2025, 10, 10)) == -1
    assert due_offset(offsets, due=DUE, today=date(2025, 11, 30)) == -1
    assert due_offset([], due=DUE, today=date(2025, 10, 10)) is None
    # a Friday deadline: the Saturday after it sends nothing (not the "1 day before" one, not yet the overdue one)
    assert due_offset(offsets, due=date(2025, 11, 14), today=date(2025, 11, 15)) is None


def test_escalation_stages(settings):
    settings.ESCALATION_DELAY_WORKDAYS = 5
    assert escalation_stages_due(due=DUE, today=DUE) == []
    assert escalation_stages_due(due=DUE, today=date(2025, 10, 10)) == [0]
    assert escalation_stages_due(due=DUE, today=date(2025, 10, 15)) == [0]  # 5 working days overdue
    assert escalation_stages_due(due=DUE, today=date(2025, 10, 16)) == [0, 1]  # 6
    assert escalation_stages_due(due=DUE, today=date(2025, 10, 22)) == [0, 1]  # 10
    assert escalation_stages_due(due=DUE, today=date(2025, 10, 23)) == [0, 1, 2]  # 11


def test_offsets_are_checked():
    assert parse_offsets("1, 30，7、-1") == [30, 7, 1, -1]
    assert parse_offsets("") == []
    for bad in ("7, 7", "x", "400", "-61", ",".join(str(n) for n in range(11))):
        with pytest.raises(ValueError):
            parse_offsets(bad)
    assert offsets_problem([30, 7, 1, -1]) is None and offsets_problem([True]) is not None


# -- the beat task's service: exactly once --------------------------------------------------------------------------


@pytest.fixture
def yunnan_2025(kunming, settings):
    """A 2025 period of 云南 due on 1 October (falls due 9 October), its enterprises in every state, and union
    officers at every level (a county's, Kunming's, the province's, and one an enterprise is named to)."""
    settings.ESCALATION_DELAY_WORKDAYS = 5
    county = Region.objects.filter(parent=kunming, level="county").order_by("code").first()
    period = ReportingPeriod.objects.create(
        year=2025, province_id=kunming.parent_id, opens_on=date(2025, 9, 1), deadline=date(2025, 10, 1)
    )
    e = {
        "none": EnterpriseFactory(name="昆明未填报机械有限公司", region=kunming, county=county),
        "draft": EnterpriseFactory(name="昆明草稿化工有限公司", region=kunming),
        "returned": EnterpriseFactory(name="昆明退回建材有限公司", region=kunming),
        "submitted": EnterpriseFactory(name="昆明已提交电力有限公司", region=kunming),
        "accepted": EnterpriseFactory(name="昆明已通过烟草有限公司", region=kunming),
    }
    for key, status in (("draft", "draft"), ("returned", "returned"), ("submitted", "submitted")):
        Assessment.objects.create(period=period, enterprise=e[key], status=status)
    Assessment.objects.create(period=period, enterprise=e["accepted"], status=AssessmentStatus.ACCEPTED)
    officers = {
        "county": make_officer("o-county", regions=[county]),
        "named": make_officer("o-named", enterprises=[e["none"]]),
        "prefecture": make_officer("o-kunming", regions=[kunming]),
        "province": make_officer("o-yunnan", regions=[kunming.parent]),
    }
    for user in officers.values():
        user.email = f"{user.username}@union.example.cn"
        user.save()
    return period, e, officers


def _run(today, **kw):
    return services.deadline_reminders_run(
        today=today,
        enqueue_notice_email=bound(tasks.send_notice_email),
        enqueue_escalation_email=bound(tasks.send_escalation_email),
        **kw,
    )


def _late(e):
    return sorted(e[k].pk for k in ("none", "draft", "returned"))


def _reminded(period, step):
    return sorted(
        DeadlineReminder.objects.filter(period=period, kind=ReminderKind.REMINDER, step=step).values_list(
            "enterprise_id", flat=True
        )
    )


def test_each_reminder_goes_once_to_each_enterprise_not_submitted(yunnan_2025):
    period, e, _officers = yunnan_2025
    # given nothing is due before 30 days ahead
    assert _run(date(2025, 9, 8)) == {"reminders": 0, "escalations": 0}
    # when beat runs on the day of the 30-day reminder, twice
    first = _run(date(2025, 9, 9))
    second = _run(date(2025, 9, 9))
    # then each enterprise that has not submitted (no form, draft, returned) has one notice, one ledger row and one
    # mail in the outbox; submitted and accepted ones none
    assert first == {"reminders": 3, "escalations": 0} and second == {"reminders": 0, "escalations": 0}
    assert _reminded(period, 30) == _late(e)
    notices = AssessmentNotice.objects.filter(period=period)
    assert sorted(notices.values_list("enterprise_id", flat=True)) == _late(e)
    assert sorted(OutboxMessage.objects.filter(task=NOTICE_TASK).values_list("args", flat=True)) == sorted(
        [n.pk] for n in notices
    )
    assert all(r.notice.enterprise_id == r.enterprise_id for r in DeadlineReminder.objects.select_related("notice"))
    # the notice says when, counted in working days (10 September to 9 October: 22 weekdays less 1-8 Oct's 6, plus
    # 28 September worked = 17; the day itself not counted)
    assert "2025-10-09" in notices[0].message and "剩余 17 个工作日" in notices[0].message
    # and on the following days nothing more until the 7-day reminder, which goes once to those still late
    assert _run(date(2025, 9, 20))["reminders"] == 0
    Assessment.objects.filter(enterprise=e["returned"]).update(status=AssessmentStatus.SUBMITTED)
    assert _run(date(2025, 10, 2))["reminders"] == 2 and _run(date(2025, 10, 2))["reminders"] == 0
    assert _reminded(period, 7) == sorted([e["none"].pk, e["draft"].pk])
    # and a closed period reminds no one
    ReportingPeriod.objects.filter(pk=period.pk).update(is_open=False)
    assert _run(date(2025, 10, 8)) == {"reminders": 0, "escalations": 0}


def test_a_run_interrupted_mid_batch_is_finished_by_the_next_without_duplicates(yunnan_2025):
    period, e, _officers = yunnan_2025
    calls = []

    def dies_on_the_second_batch(notice_id):
        calls.append(notice_id)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # not an Exception: as a killed worker, nothing handles it
        return bound(tasks.send_notice_email)(notice_id)

    # when a run in batches of one dies in its second batch
    with pytest.raises(SystemExit):
        services.deadline_reminders_run(
            today=date(2025, 9, 9),
            enqueue_notice_email=dies_on_the_second_batch,
            enqueue_escalation_email=bound(tasks.send_escalation_email),
            batch=1,
        )
    # then the first batch is recorded whole, the second not at all (no ledger row, notice nor mail)
    assert len(_reminded(period, 30)) == 1
    assert AssessmentNotice.objects.filter(period=period).count() == 1
    assert OutboxMessage.objects.filter(task=NOTICE_TASK).count() == 1
    # and the next run does the rest, once
    assert _run(date(2025, 9, 9), batch=1)["reminders"] == 2
    assert _reminded(period, 30) == _late(e)
    assert AssessmentNotice.objects.filter(period=period).count() == 3
    assert OutboxMessage.objects.filter(task=NOTICE_TASK).count() == 3


def test_overdue_enterprises_are_escalated_level_by_level_once(yunnan_2025, django_capture_on_commit_callbacks):
    period, e, o = yunnan_2025
    ids = {k: u.pk for k, u in o.items()}

    def escalations(stage):
        rows = DeadlineReminder.objects.filter(period=period, kind=ReminderKind.ESCALATION, step=stage)
        return {r.enterprise_id: (r.level, sorted(r.recipients)) for r in rows}

    # on the due date itself: no escalation
    assert _run(DUE)["escalations"] == 0
    # the first working day overdue: the overdue reminder, and the officers in charge told (county's and the named
    # one for the enterprise with a county; Kunming's for the others)
    assert _run(date(2025, 10, 10)) == {"reminders": 3, "escalations": 3}
    assert escalations(0) == {
        e["none"].pk: ("county", sorted([ids["county"], ids["named"]])),
        e["draft"].pk: ("prefecture", [ids["prefecture"]]),
        e["returned"].pk: ("prefecture", [ids["prefecture"]]),
    }
    # five working days overdue (15 October): nothing new, however often beat runs
    assert _run(date(2025, 10, 11)) == _run(date(2025, 10, 15)) == {"reminders": 0, "escalations": 0}
    # the sixth (16 October): one level up
    assert _run(date(2025, 10, 16)) == {"reminders": 0, "escalations": 3}
    assert escalations(1) == {
        e["none"].pk: ("prefecture", [ids["prefecture"]]),
        e["draft"].pk: ("province", [ids["province"]]),
        e["returned"].pk: ("province", [ids["province"]]),
    }
    # the eleventh (23 October): the province union for the county's enterprise; the others have no level left
    assert _run(date(2025, 10, 22))["escalations"] == 0
    assert _run(date(2025, 10, 23)) == {"reminders": 0, "escalations": 1}
    assert escalations(2) == {e["none"].pk: ("province", [ids["province"]])}
    assert _run(date(2025, 10, 24))["escalations"] == 0
    # and the mails: one per officer and batch, listing their enterprises, sent once however often delivered
    stage0 = sorted(DeadlineReminder.objects.filter(kind=ReminderKind.ESCALATION, step=0).values_list("pk", flat=True))
    assert OutboxMessage.objects.filter(task="reporting.assessments.tasks.send_escalation_email", args=[stage0])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalation_email(reminder_ids=stage0) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalation_email(reminder_ids=stage0) == 0
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["o-county@union.example.cn", "o-kunming@union.example.cn", "o-named@union.example.cn"]
    kunming_mail = by_address["o-kunming@union.example.cn"].body
    assert e["draft"].name in kunming_mail and e["returned"].name in kunming_mail and e["none"].name not in kunming_mail


def test_a_submission_between_the_read_and_the_write_is_not_reminded(yunnan_2025):
    # the ledger's insert itself leaves out an enterprise that submitted meanwhile (the rule read in the statement)
    period, e, _officers = yunnan_2025
    from reporting.assessments.services.deadline_reminders import _record

    Assessment.objects.filter(enterprise=e["draft"]).update(status=AssessmentStatus.SUBMITTED)
    recorded = _record(
        period=period, kind=ReminderKind.REMINDER, step=30, rows=[(e["draft"].pk, "", []), (e["none"].pk, "", [])]
    )
    assert list(recorded) == [e["none"].pk]


@pytest.fixture
def kunming_loaded(transactional_db):
    """Kunming, in a test that commits (a transactional test before it may have flushed the regions)."""
    if not Region.objects.exists():
        call_command("load_regions", verbosity=0)
    return Region.objects.get(code="530100")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(kunming_loaded):
    # given a period with three enterprises late, committed
    kunming = kunming_loaded
    ReportingPeriod.objects.create(
        year=2025, province_id=kunming.parent_id, opens_on=date(2025, 9, 1), deadline=date(2025, 10, 1)
    )
    late = [EnterpriseFactory(name=f"昆明并发测试{n}有限公司", region=kunming) for n in range(3)]
    inside, release = threading.Event(), threading.Event()
    results, errors = {}, []

    def held(notice_id):
        inside.set()  # the first run has inserted its batch and holds it uncommitted
        release.wait(timeout=30)
        return bound(tasks.send_notice_email)(notice_id)

    def run(name, enqueue):
        from django.db import connections

        try:
            results[name] = services.deadline_reminders_run(
                today=date(2025, 9, 9),
                enqueue_notice_email=enqueue,
                enqueue_escalation_email=bound(tasks.send_escalation_email),
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    # when beat's run is mid-batch and a second run (beat twice, another worker) starts
    first = threading.Thread(target=run, args=("first", held))
    first.start()
    assert inside.wait(timeout=30)
    second = threading.Thread(target=run, args=("second", bound(tasks.send_notice_email)))
    second.start()
    second.join(timeout=2)
    assert second.is_alive()  # it waits for the first's uncommitted ledger rows
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    # then each enterprise was reminded once, by whichever run inserted it
    assert not errors
    assert results["first"]["reminders"] + results["second"]["reminders"] == 3
    assert sorted(DeadlineReminder.objects.values_list("enterprise_id", flat=True)) == sorted(x.pk for x in late)
    assert AssessmentNotice.objects.count() == 3 and OutboxMessage.objects.filter(task=NOTICE_TASK).count() == 3
