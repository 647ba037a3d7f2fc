"""How long each level of the review took, in working days (reform_portal/workdays.py), from the trail.

A first-level span runs from a submission (or the province union's return to the first level) to the officer's
next step (return to the enterprise, forward, or, with one level, acceptance); a second-level span from a
forward to the province union's acceptance or return. A span still open runs to today. Working days are counted
after the day the span began, up to the day it ended: a step taken the same day took 0 working days.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.workdays import workdays_between

from .choices import ReviewLevel, TransitionAction

_STARTS = {
    TransitionAction.SUBMIT: ReviewLevel.FIRST,
    TransitionAction.RETURN_TO_REVIEWER: ReviewLevel.FIRST,
    TransitionAction.FORWARD: ReviewLevel.SECOND,
}
_ENDS = (
    TransitionAction.RETURN,
    TransitionAction.FORWARD,
    TransitionAction.ACCEPT,
    TransitionAction.RETURN_TO_REVIEWER,
)


@dataclass
class LevelTime:
    level: int
    label: str
    workdays: int
    rounds: int  # how many times the form came to this level
    open: bool  # the form waits at this level now


def _day(moment) -> date:
    return timezone.localtime(moment).date()


def level_times(transitions, today: date | None = None, *, two_levels: bool = True) -> list[LevelTime]:
    """Per level that has seen the form (in order), its working days in all, from `transitions` (in order); with
    one level, the one level is called 审核."""
    today = today or timezone.localdate()
    totals: dict[int, LevelTime] = {}
    started: tuple[int, date] | None = None
    for step in transitions:
        if started is not None and step.action in _ENDS:
            level, since = started
            totals[level].workdays += workdays_between(since + timedelta(days=1), _day(step.at))
            totals[level].open = False
            started = None
        level = _STARTS.get(step.action)
        if level is not None:
            label = str(ReviewLevel(level).label) if two_levels else str(_("审核"))
            row = totals.setdefault(level, LevelTime(level, label, 0, 0, False))
            row.rounds += 1
            row.open = True
            started = (level, _day(step.at))
    if started is not None:
        level, since = started
        totals[level].workdays += workdays_between(since + timedelta(days=1), today)
    return [totals[level] for level in sorted(totals)]
