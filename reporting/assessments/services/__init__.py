"""Writes to self-assessments. Pages, the API, commands and tasks all call these as `services.<name>`.

Each function runs in one transaction, locks the assessment row before deciding anything (so an edit
racing a submission cannot slip in after it), checks who may act, and records every state change in
the trail (`AssessmentTransition`).

- `periods`: open, close, reopen a reporting period, move its deadline
- `start`: create an enterprise's form, carried over from its last accepted one
- `editing`: the enterprise's answers and evidence while the form is a draft or returned
- `submission`: the completeness check and submitting
- `review`: the officer's corrections, returning and accepting; with two levels forwarding to the province union
  and its return to the first level
- `accepted_changes`: confirming or questioning a value changed since its assessment was accepted
- `reminders`: notices and their emails
- `deadline_reminders`: the automatic reminders and escalations of the deadlines (the beat task), exactly once
- `errors`, `anchors`, `values`, `state`: refusals, element ids, value checks, locking and the trail
"""

from .accepted_changes import ChangeNotInQueue, value_question_email, value_review_record
from .anchors import indicator_anchor, item_anchor
from .deadline_reminders import deadline_reminders_run, escalation_email, uncovered_calendar_years
from .editing import WHAT_DONE_MAX, evidence_add, evidence_remove, indicator_save, item_save
from .errors import AssessmentError, IllegalTransition, IncompleteAssessment, Problem, StaleEdit
from .periods import period_open, period_update
from .reminders import notice_email, reminders_send
from .review import (
    COMMENT_MAX,
    assessment_accept,
    assessment_forward,
    assessment_return,
    assessment_return_to_reviewer,
    review_indicator_save,
    review_item_save,
)
from .start import assessment_start
from .submission import assessment_problems, assessment_submit, section_counts
from .values import parse_indicator_value

__all__ = [
    "COMMENT_MAX",
    "WHAT_DONE_MAX",
    "AssessmentError",
    "ChangeNotInQueue",
    "IllegalTransition",
    "IncompleteAssessment",
    "Problem",
    "StaleEdit",
    "assessment_accept",
    "assessment_forward",
    "assessment_problems",
    "assessment_return",
    "assessment_return_to_reviewer",
    "assessment_start",
    "assessment_submit",
    "deadline_reminders_run",
    "escalation_email",
    "evidence_add",
    "evidence_remove",
    "indicator_anchor",
    "indicator_save",
    "item_anchor",
    "item_save",
    "notice_email",
    "parse_indicator_value",
    "period_open",
    "period_update",
    "reminders_send",
    "review_indicator_save",
    "review_item_save",
    "section_counts",
    "uncovered_calendar_years",
    "value_question_email",
    "value_review_record",
]
