"""The refusals the services raise besides Django's PermissionDenied and ValidationError: each carries a
message a person can act on, and the status the API answers with. A stale edit is the portal's one StaleEdit
(`reform_portal.versioning`), re-exported here."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from reform_portal.versioning import StaleEdit

__all__ = ["AssessmentError", "IllegalTransition", "IncompleteAssessment", "Problem", "StaleEdit"]


class AssessmentError(Exception):
    """A refusal with a message a person can act on; `status_code` is what the API answers."""

    status_code = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalTransition(AssessmentError):
    """The assessment is not in a state that allows this (editing after submission, accepting a draft…)."""


@dataclass(frozen=True)
class Problem:
    anchor: str  # the element id on the form page to link to
    label: str  # measure or indicator it concerns
    message: str
    key: str = ""  # the measure's or indicator's code: the prefix of its form's fields on the page
    field: str = ""  # the field it concerns (self_rating, status, percent, what_done, value; "" the whole answer)
    measure: str = ""  # the code of the measure it belongs to (an indicator's measure), for the counts per section


class IncompleteAssessment(AssessmentError):
    status_code = 400

    def __init__(self, problems: list[Problem]):
        super().__init__(_("自评表尚未填写完整：还有 %(n)s 处需要补充。") % {"n": len(problems)})
        self.problems = problems
