"""THE answer-time rule of a 直通车 question (docs/consultations.md), in one place.

A question is due `QUESTION_SLA_WORKDAYS` working days (setting, default 5) after the day it was asked (or followed
up: a follow-up starts a new clock): `due_date_for(day)` is the N-th working day after that day
(reform_portal/workdays.py: State Council holidays and 调休). While it waits for an answer (待答复, 已转交) it is
**overdue** once today is past its due date. Faces: `due_date_for`, `is_overdue(question, on)`, `overdue_q(on)` (lists,
filters, the work queue, the daily escalation), `sla_view(question, on)` ("剩余 N 个工作日": the working days after
today up to the due date, so 5 on the day it is asked; "今日到期"; "已逾期 N 个工作日").
`today()` is the one clock every face reads (tests move time by patching `enterprises.consultations.sla.today`)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reform_portal import workdays

from .choices import AWAITING_STATUSES


def today() -> date:
    return timezone.localdate()


def sla_workdays() -> int:
    return max(1, int(getattr(settings, "QUESTION_SLA_WORKDAYS", 5)))


def due_date_for(day: date) -> date:
    """The due date of a question asked (or followed up) on `day`."""
    return workdays.nth_workday_after(day, sla_workdays())


def awaiting(question) -> bool:
    return question.status in AWAITING_STATUSES


def is_overdue(question, on: date | None = None) -> bool:
    return awaiting(question) and question.due_date < (on or today())


def overdue_q(on: date | None = None) -> Q:
    return Q(status__in=AWAITING_STATUSES, due_date__lt=on or today())


def workdays_left(question, on: date | None = None) -> int:
    """Working days after `on` up to the due date, included: 5 on the day a question is asked, 0 on its due date
    (and once past)."""
    on = on or today()
    return workdays.workdays_between(on + timedelta(days=1), question.due_date)


def workdays_overdue(question, on: date | None = None) -> int:
    on = on or today()
    return workdays.workdays_between(question.due_date + timedelta(days=1), on) if question.due_date < on else 0


@dataclass(frozen=True)
class SlaView:
    overdue: bool
    text: str  # 剩余 N 个工作日 / 已逾期 N 个工作日 / "" (not waiting)
    badge: str  # a Bootstrap colour


def sla_view(question, on: date | None = None) -> SlaView:
    on = on or today()
    if not awaiting(question):
        return SlaView(overdue=False, text="", badge="secondary")
    if question.due_date < on:
        n = workdays_overdue(question, on)
        text = ngettext("已逾期 %(n)s 个工作日", "已逾期 %(n)s 个工作日", n) % {"n": n} if n else _("已逾期")
        return SlaView(overdue=True, text=text, badge="danger")
    n = workdays_left(question, on)
    text = ngettext("剩余 %(n)s 个工作日", "剩余 %(n)s 个工作日", n) % {"n": n} if n else _("今日到期")
    return SlaView(overdue=False, text=text, badge="warning" if n <= 1 else "info")
