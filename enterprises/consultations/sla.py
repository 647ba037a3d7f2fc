"""THE answer-time rule of a 直通车 question (docs/consultations.md), in one place.

A question is due `QUESTION_SLA_WORKDAYS` working days (setting, default 5) after the day it was asked (or followed
up: a follow-up starts a new clock): `due_date_for(day)` is the N-th working day after that day
(reform_portal/workdays.py: State Council holidays and 调休). While it waits for an answer (待答复, 已转交) it is
**overdue** once today is past its due date. Faces: `due_date_for`, `is_overdue(question, on)`, `overdue_q(on)` (lists,
filters, the work queue, the daily escalation), `sla_view(question, on)` (the countdown of every time limit,
`workdays.countdown_text`: "剩余 N 个工作日", 5 on the day it is asked; "今日到期"; "已逾期 N 个工作日").
`today()` is the one clock every face reads (tests move time by patching `enterprises.consultations.sla.today`)."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

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


@dataclass(frozen=True)
class SlaView:
    overdue: bool
    text: str  # 剩余 N 个工作日 / 已逾期 N 个工作日 / "" (not waiting)
    badge: str  # a Bootstrap colour


def sla_view(question, on: date | None = None) -> SlaView:
    on = on or today()
    if not awaiting(question):
        return SlaView(overdue=False, text="", badge="secondary")
    text = workdays.countdown_text(question.due_date, on)
    if question.due_date < on:
        return SlaView(overdue=True, text=text, badge="danger")
    soon = workdays.workdays_left(question.due_date, on) <= 1
    return SlaView(overdue=False, text=text, badge="warning" if soon else "info")
