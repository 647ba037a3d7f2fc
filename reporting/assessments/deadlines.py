"""The one rule for a period's deadline as it is counted: the day it falls due, the working days left or overdue,
when each reminder of the period is due and when an overdue enterprise is escalated.

- The period's deadline, when it falls on a day off (a weekend or a State Council holiday), is moved to the next
  working day (`due_date`); make-up working days (调休) count as working days (reform_portal/workdays.py).
- "剩余 N 个工作日" / "今日到期" / "已逾期 N 个工作日": the countdown of every time limit (`workdays.countdown_text`:
  today not counted, so the due date itself shows 今日到期 and the first working day after it 已逾期 1 个工作日).
- Reminder offsets (`ReportingPeriod.reminder_offsets`, default 30, 7, 1, -1): a positive n is due n calendar days
  before the due date (0: on it); a negative -n on the n-th working day after it (-1: the first day overdue). On a
  given day only the latest offset already reached is due (a period opened late sends one reminder, not three);
  positive offsets stop with the due date.
- Escalation of an enterprise still not submitted: stage 0 (the officers in charge) on the first working day
  overdue, stage k (k levels up: county → prefecture → province union) `ESCALATION_DELAY_WORKDAYS` × k working days
  later. Every stage reached is due (each goes to other people).

- A submission is on time when it is made on or before the due date, by the portal's clock (its local date);
  `on_time_cutoff(due)` is the first moment too late, for queries (`at < cutoff`). Which submission counts is the
  caller's: the award shortlists take the first one (reporting/awards/ranking.py, docs/awards.md).

Faces: `due_date`, `deadline_state` (pages: the figures and the sentence), `submitted_on_time` / `on_time_cutoff`
(the award shortlists), `reminder_day` / `due_offset` and
`escalation_stages_due` (the beat task, reporting/assessments/services/deadline_reminders.py), `offsets_problem` /
`parse_offsets` (the period form, the service, the model's check).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal import workdays

DEFAULT_REMINDER_OFFSETS = (30, 7, 1, -1)
OFFSET_MIN = -60  # 60 working days overdue
OFFSET_MAX = 366
MAX_OFFSETS = 10


def default_offsets() -> list[int]:
    """The model field's default (a callable: a list per row)."""
    return list(DEFAULT_REMINDER_OFFSETS)


def offsets_problem(offsets) -> str | None:
    """What is wrong with a list of reminder offsets, or None."""
    if not isinstance(offsets, list | tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in offsets
    ):
        return _("提醒时点须为整数列表。")
    if len(offsets) > MAX_OFFSETS:
        return _("提醒时点最多 %(n)s 个。") % {"n": MAX_OFFSETS}
    if len(set(offsets)) != len(offsets):
        return _("提醒时点不能重复。")
    if any(not OFFSET_MIN <= n <= OFFSET_MAX for n in offsets):
        return _("提醒时点须在 %(min)s 至 %(max)s 之间（正数：截止前的天数；负数：逾期的工作日数）。") % {
            "min": OFFSET_MIN,
            "max": OFFSET_MAX,
        }
    return None


def parse_offsets(text: str) -> list[int]:
    """'30, 7, 1, -1' (commas, 、 or spaces) → [30, 7, 1, -1], largest first; ValueError with the message."""
    parts = [p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        offsets = [int(p) for p in parts]
    except ValueError:
        raise ValueError(_("提醒时点须为整数，以逗号分隔，如 30, 7, 1, -1。")) from None
    problem = offsets_problem(offsets)
    if problem:
        raise ValueError(problem)
    return sorted(offsets, reverse=True)


def offsets_display(offsets) -> str:
    return ", ".join(str(n) for n in offsets or [])


def due_date(deadline: date) -> date:
    """The day a deadline falls due: itself, or the next working day when it is a day off."""
    return workdays.next_workday(deadline)


def on_time_cutoff(due: date) -> datetime:
    """The first moment too late for a submission due on `due`: the start of the next day, in the portal's time
    zone (a submission at 23:59 on the due date is on time)."""
    return timezone.make_aware(datetime.combine(due + timedelta(days=1), time.min))


def submitted_on_time(submitted_at: datetime, due: date) -> bool:
    """Whether a submission made at `submitted_at` was on or before the due date (see `on_time_cutoff`)."""
    return submitted_at < on_time_cutoff(due)


@dataclass(frozen=True)
class DeadlineState:
    deadline: date
    due: date  # the deadline moved to the next working day when it falls on a day off
    left: int  # working days after today up to the due date (0 on it and once past)
    overdue: int  # working days after the due date up to today
    past: bool  # today is after the due date
    today: date
    calendar_published: bool  # the State Council's holidays of the years concerned are known (else weekends only)

    @property
    def moved(self) -> bool:
        return self.due != self.deadline

    @property
    def text(self) -> str:
        return workdays.countdown_text(self.due, self.today, past=_("已截止"))


def deadline_state(deadline: date, today: date) -> DeadlineState:
    due = due_date(deadline)
    past = today > due
    return DeadlineState(
        deadline=deadline,
        due=due,
        left=workdays.workdays_left(due, today),
        overdue=workdays.workdays_overdue(due, today),
        past=past,
        today=today,
        calendar_published=not workdays.uncovered_years([deadline, due, today]),
    )


def reminder_day(due: date, offset: int) -> date:
    """The day the reminder at `offset` is due (see the module's docstring)."""
    if offset >= 0:
        return due - timedelta(days=offset)
    return workdays.nth_workday_after(due, -offset)


def due_offset(offsets, *, due: date, today: date) -> int | None:
    """The offset whose reminder is due `today`: the latest already reached (positive ones only until the due date),
    or None."""
    reached = [(reminder_day(due, n), n) for n in offsets if reminder_day(due, n) <= today and (n < 0 or today <= due)]
    return max(reached)[1] if reached else None


def escalation_delay() -> int:
    return max(1, int(getattr(settings, "ESCALATION_DELAY_WORKDAYS", 5)))


def escalation_stages_due(*, due: date, today: date) -> list[int]:
    """The escalation stages reached by `today` (0: the officers in charge; 1, 2: the levels above)."""
    overdue = workdays.workdays_overdue(due, today)
    if overdue < 1:
        return []
    return list(range((overdue - 1) // escalation_delay() + 1))
