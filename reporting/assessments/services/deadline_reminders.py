"""The automatic reminders and escalations of the periods' deadlines, run every morning by beat
(`reporting.assessments.tasks.deadline_reminders_send`; when each is due: reporting/assessments/deadlines.py).

For each open period, the enterprises of its province that have not submitted (`SUBMITTED_STATUSES`, the one rule)
get the reminder of the offset due today (an in-portal notice and its email), and those overdue are escalated to
the officers in charge and then, stage by stage, to the union levels above (one email per officer and batch,
listing the enterprises).

Exactly once: the enterprises are taken in batches by primary key; each batch is one transaction that inserts its
ledger rows (`DeadlineReminder`, unique per period, enterprise, kind and step) with ON CONFLICT DO NOTHING …
RETURNING, and creates the notices and records their mails in the outbox (reform_portal/outbox) only for the rows it
inserted. A second run (beat twice, two workers) inserts nothing for what the first committed, and waits on the
rows the first has not committed yet; a worker killed mid-batch loses its transaction entirely (no ledger row, no
notice, no outbox row), and the next run does that batch again. The mails themselves are sent once by their
idempotent tasks (`notice_email`, `escalation_email` claim their rows).
"""

import logging
from collections.abc import Callable
from functools import partial

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Enterprise, Region
from reform_portal import workdays
from reform_portal.access import officers_in_charge
from reform_portal.channels.services import announce
from reform_portal.locks import lock_rows

from ..choices import SUBMITTED_STATUSES, ReminderKind
from ..deadlines import deadline_state, due_offset, escalation_stages_due
from ..inbox_notices import notify_escalated, notify_reminded
from ..models import Assessment, AssessmentNotice, DeadlineReminder, ReportingPeriod

log = logging.getLogger(__name__)

BATCH = 200
# the union level an escalation stage reached (DeadlineReminder.level), as the admin and pages name it
LEVEL_LABELS = {
    "county": gettext_lazy("县级工会"),
    "prefecture": gettext_lazy("州（市）工会"),
    "province": gettext_lazy("省总工会"),
    "named": gettext_lazy("负责干部"),
}


def uncovered_calendar_years(*, today=None) -> list[int]:
    """The years of today and of the open periods' deadlines whose State Council holidays the installed calendar
    package does not ship (counted by weekends only): the periods page tells administrators, the task logs it."""
    today = today or timezone.localdate()
    days = [today, *ReportingPeriod.objects.filter(is_open=True).values_list("deadline", flat=True)]
    return workdays.uncovered_years(days)


def deadline_reminders_run(
    *,
    enqueue_notice_email: Callable[[int], object],
    enqueue_escalation_email: Callable[[list[int]], object],
    today=None,
    batch: int = BATCH,
) -> dict[str, int]:
    """Send what is due today for every open period; returns how many reminders and escalations were recorded.
    `enqueue_notice_email(notice_id)` and `enqueue_escalation_email(ledger_ids)` put the mail tasks in the outbox
    (tasks import the services, never the reverse)."""
    today = today or timezone.localdate()
    uncovered = uncovered_calendar_years(today=today)
    if uncovered:
        log.warning(
            "working-day calendar: no State Council holidays for %s in chinese-calendar %s-%s; weekends only "
            "(upgrade the package once the year's notice is published)",
            uncovered,
            *workdays.covered_years(),
        )
    counts = {"reminders": 0, "escalations": 0}
    periods = ReportingPeriod.objects.filter(is_open=True, opens_on__lte=today).order_by("pk")
    for period in periods:
        due = period.due_date
        offset = due_offset(period.reminder_offsets, due=due, today=today)
        if offset is not None:
            send = partial(_remind_batch, period=period, offset=offset, today=today, enqueue=enqueue_notice_email)
            counts["reminders"] += _in_batches(period, ReminderKind.REMINDER, offset, batch, send)
        for stage in escalation_stages_due(due=due, today=today):
            send = partial(_escalate_batch, period=period, stage=stage, today=today, enqueue=enqueue_escalation_email)
            counts["escalations"] += _in_batches(period, ReminderKind.ESCALATION, stage, batch, send)
    return counts


def _pending(period: ReportingPeriod, kind: str, step: int):
    """The enterprises of the period's province that have not submitted and have no ledger row for (kind, step)."""
    prefectures = sorted(Region.objects.filter(parent_id=period.province_id).values_list("pk", flat=True))
    submitted = Assessment.objects.filter(period=period, enterprise=OuterRef("pk"), status__in=SUBMITTED_STATUSES)
    recorded = DeadlineReminder.objects.filter(period=period, enterprise=OuterRef("pk"), kind=kind, step=step)
    return Enterprise.objects.filter(region_id__in=prefectures).filter(~Exists(submitted), ~Exists(recorded))


def _in_batches(period, kind, step, batch, send) -> int:
    """Walk the pending enterprises by primary key, one transaction per batch."""
    done, last = 0, 0
    pending = _pending(period, kind, step).order_by("pk")
    while True:
        ids = list(pending.filter(pk__gt=last).values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        last = ids[-1]
        with transaction.atomic():
            done += send(ids=ids)


def _record(*, period, kind: str, step: int, rows: list[tuple[int, str, list[int]]]) -> dict[int, int]:
    """Insert the ledger rows (enterprise id, level, recipients) of those enterprises that still have not submitted,
    skipping those already recorded; returns {enterprise id: ledger id} of the rows inserted."""
    if not rows:
        return {}
    table = DeadlineReminder._meta.db_table
    assessments = Assessment._meta.db_table
    values = ", ".join(["(%s, %s, %s::integer[])"] * len(rows))
    params: list = [p for row in rows for p in row]
    statuses = [str(s) for s in SUBMITTED_STATUSES]
    sql = f"""
        INSERT INTO {table} (period_id, enterprise_id, kind, step, due_date, level, recipients, created_at,
                             emailed_to)
        SELECT %s, v.enterprise_id, %s, %s, %s, v.level, v.recipients, %s, '[]'::jsonb
          FROM (VALUES {values}) AS v (enterprise_id, level, recipients)
         WHERE NOT EXISTS (SELECT 1 FROM {assessments} a
                            WHERE a.period_id = %s AND a.enterprise_id = v.enterprise_id AND a.status = ANY(%s))
        ON CONFLICT (period_id, enterprise_id, kind, step) DO NOTHING
        RETURNING enterprise_id, id"""
    head = [period.pk, kind, step, period.due_date, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(sql, head + params + [period.pk, statuses])
        return dict(cursor.fetchall())


def reminder_message(*, period: ReportingPeriod, today) -> str:
    state = deadline_state(period.deadline, today)
    if state.past:
        return _(
            "%(period)s产业工人队伍建设改革自评表已于 %(due)s 截止，贵单位尚未提交（%(state)s），请尽快完成并提交。"
        ) % {
            "period": period.label,
            "due": state.due,
            "state": state.text,
        }
    return _("请于 %(due)s 前完成并提交%(period)s产业工人队伍建设改革自评表（%(state)s）。") % {
        "period": period.label,
        "due": state.due,
        "state": state.text,
    }


def _remind_batch(*, ids, period, offset, today, enqueue) -> int:
    recorded = _record(period=period, kind=ReminderKind.REMINDER, step=offset, rows=[(pk, "", []) for pk in ids])
    if not recorded:
        return 0
    message = reminder_message(period=period, today=today)
    notices = AssessmentNotice.objects.bulk_create(
        [AssessmentNotice(period=period, enterprise_id=pk, message=message) for pk in sorted(recorded)]
    )
    DeadlineReminder.objects.bulk_update(
        [DeadlineReminder(pk=recorded[n.enterprise_id], notice_id=n.pk) for n in notices], ["notice"]
    )
    for notice in notices:
        enqueue(notice.pk)
    notify_reminded(period=period, enterprise_ids=sorted(recorded), message=message)  # their inboxes (docs/inbox.md)
    return len(notices)


def _escalate_batch(*, ids, period, stage, today, enqueue) -> int:
    enterprises = Enterprise.objects.select_related("region").filter(pk__in=ids)
    chains = officers_in_charge(enterprises)
    rows = [(pk, chain[stage][0], chain[stage][1]) for pk, chain in sorted(chains.items()) if len(chain) > stage]
    # no officer at that stage (no level above, or no one appointed): nothing recorded, so an officer appointed
    # later is still told
    recorded = _record(period=period, kind=ReminderKind.ESCALATION, step=stage, rows=rows)
    if recorded:
        enqueue(sorted(recorded.values()))
        _announce_escalation(period=period, today=today, enterprises=enterprises, rows=rows, recorded=recorded)
        notify_escalated(period=period, rows=rows, recorded=recorded, enterprises=enterprises, today=today)
    return len(recorded)


# The region whose group robots an escalation at each union level reaches (docs/channels.md).
_LEVEL_REGION = {
    "county": lambda e: e.county_id,
    "prefecture": lambda e: e.region_id,
    "province": lambda e: e.region.parent_id,
}


def _announce_escalation(*, period, today, enterprises, rows, recorded) -> None:
    """The escalation also posted to group robots (reform_portal/channels): one message to the own robots of each
    officer told and one to the robots of each region at the stage's union level, listing their enterprises. In the
    batch's transaction, with the ledger rows: once; a failing robot fails only its delivery, later, in a worker."""
    by_pk = {e.pk: e for e in enterprises}
    officers: dict[int, list] = {}
    regions: dict[int, list] = {}
    for pk, level, recipients in rows:
        if pk not in recorded:
            continue
        enterprise = by_pk[pk]
        for user_id in recipients:
            officers.setdefault(user_id, []).append(enterprise)
        region_of = _LEVEL_REGION.get(level)
        if region_of and region_of(enterprise):
            regions.setdefault(region_of(enterprise), []).append(enterprise)
    url = reverse("reporting:assessments:index")

    def post(listed, **to):
        title = _("【产改通】%(period)s自评逾期未提交企业（%(n)s 家）") % {"period": period.label, "n": len(listed)}
        lines = [
            f"- {e.name}（{deadline_state(period.deadline, today).text}）" for e in sorted(listed, key=lambda e: e.name)
        ]
        text = _("以下企业的%(period)s自评已逾期（截止日期 %(due)s），仍未提交，请督促：") % {
            "period": period.label,
            "due": period.due_date,
        }
        announce(**to, title=title, text=text + "\n\n" + "\n".join(lines), url=url, label=_("查看自评进度"))

    for user_id, listed in sorted(officers.items()):
        post(listed, user_ids=[user_id])
    for region_id, listed in sorted(regions.items()):
        post(listed, region_ids=[region_id])


def escalation_email(*, reminder_ids: list[int]) -> int:
    """Email the escalations `reminder_ids` (one batch) once: one message per officer, listing their enterprises.
    As `notice_email`: a short transaction claims the rows not yet emailed; the mail goes out after commit; a second
    delivery finds them claimed; a failure withdraws the claim so that the task's retry sends it. Returns how many
    messages."""
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        rows = lock_rows(
            DeadlineReminder.objects.filter(
                pk__in=reminder_ids, kind=ReminderKind.ESCALATION, emailed_at__isnull=True
            ).select_related("enterprise", "period")
        )
        if not rows:
            return 0
        users = {
            u.pk: u.email
            for u in get_user_model()
            .objects.filter(pk__in={pk for r in rows for pk in r.recipients}, is_active=True)
            .exclude(email="")
        }
        letters: dict[str, list[DeadlineReminder]] = {}
        now = timezone.now()
        for row in rows:
            row.emailed_to = sorted({users[pk] for pk in row.recipients if pk in users})
            row.emailed_at = now
            for address in row.emailed_to:
                letters.setdefault(address, []).append(row)
        DeadlineReminder.objects.bulk_update(rows, ["emailed_to", "emailed_at"])
        if letters:
            transaction.on_commit(partial(_deliver_escalations, letters=letters, rows=rows, claimed_at=now))
    return len(letters)


def _deliver_escalations(*, letters, rows, claimed_at) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    try:
        for address, mine in sorted(letters.items()):
            today = timezone.localdate()
            lines = [
                f"- {r.enterprise.name}（{deadline_state(r.period.deadline, today).text}）"
                for r in sorted(mine, key=lambda r: r.enterprise.name)
            ]
            send_mail(
                subject=_("【产改通】%(period)s自评逾期未提交企业（%(n)s 家）")
                % {"period": mine[0].period.label, "n": len(mine)},
                message=_("以下企业的%(period)s自评已逾期（截止日期 %(due)s），仍未提交，请督促：")
                % {"period": mine[0].period.label, "due": mine[0].due_date}
                + "\n\n"
                + "\n".join(lines)
                + "\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
    except Exception:
        DeadlineReminder.objects.filter(pk__in=[r.pk for r in rows], emailed_at=claimed_at).update(
            emailed_at=None, emailed_to=[]
        )
        raise
