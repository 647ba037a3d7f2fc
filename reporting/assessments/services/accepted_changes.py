"""The officer's look at a value changed since its assessment was accepted (changes_since.py): confirm it, or
question it with a comment, which is mailed to whoever made the change (through the outbox, after commit)."""

from collections.abc import Callable
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reform_portal.access import AssessmentPolicy
from reform_portal.versioning import check_version

from ..changes_since import changed_value
from ..choices import ValueReviewDecision
from ..models import AcceptedValueReview
from .review import COMMENT_MAX


class ChangeNotInQueue(Exception):
    """Not a change the user may look at (out of scope, unchanged, already looked at): the pages answer 404."""


@transaction.atomic
def value_review_record(
    *,
    kind: str,
    record_id: int,
    by,
    decision: str,
    comment: str = "",
    expected_version: int | None = None,
    enqueue_email: Callable[[int], object] | None = None,
) -> AcceptedValueReview:
    """Record the officer's decision on one changed record (append-only); a question needs a comment and is mailed
    to the editor (`enqueue_email(review id)`: the outbox bound to `tasks.send_value_question_email`)."""
    if not AssessmentPolicy.can(by, AssessmentPolicy.CHECK_CHANGES):
        raise PermissionDenied(_("只有负责该企业的工会干部可以核对通过后的变更。"))
    change = changed_value(user=by, kind=kind, record_id=record_id)
    if change is None:
        raise ChangeNotInQueue
    if decision not in ValueReviewDecision.values:
        raise ValidationError({"decision": [_("请选择确认或提出疑问。")]})
    if not AssessmentPolicy.can(by, AssessmentPolicy.CHECK_CHANGES, change.enterprise):
        raise PermissionDenied(_("只有负责该企业的工会干部可以核对通过后的变更。"))
    # A value changed again since the officer read it is looked at again, not confirmed unseen.
    check_version(_Version(change), expected_version, label=change.label)
    comment = (comment or "").strip()
    if decision == ValueReviewDecision.QUESTION and not comment:
        raise ValidationError({"comment": [_("提出疑问时请写明疑问（将发送给修改人）。")]})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": [_("意见不超过 %(n)s 字。") % {"n": COMMENT_MAX}]})
    review = AcceptedValueReview.objects.create(
        assessment=change.assessment,
        enterprise=change.enterprise,
        kind=kind,
        record_id=record_id,
        event_id=change.event_id,
        decision=decision,
        comment=comment,
        accepted_value=change.accepted_value[:300],
        new_value=change.new_value[:300],
        by=by,
    )
    if decision == ValueReviewDecision.QUESTION:
        _question_notice(review=review, change=change)
        if enqueue_email is not None:
            enqueue_email(review.pk)
    return review


def _question_notice(*, review, change) -> None:
    """The question in the editor's inbox too (reform_portal/inbox), with the enterprise's page as its link."""
    from django.urls import reverse

    from reform_portal.inbox.choices import NoticeKind
    from reform_portal.inbox.services import notify

    if change.by is None or change.by.pk == review.by_id:
        return
    notify(
        user_ids=[change.by.pk],
        kind=NoticeKind.QUESTION,
        title=_("对通过后修改的数据有疑问：%(enterprise)s · %(label)s")
        % {
            "enterprise": change.enterprise.name,
            "label": change.label,
        },
        body=_("通过时：%(accepted)s；修改后：%(new)s。疑问：%(comment)s")
        % {
            "accepted": review.accepted_value,
            "new": review.new_value,
            "comment": review.comment,
        },
        url=reverse("enterprises:detail", args=[change.enterprise.pk]),
        enterprise_id=change.enterprise.pk,
    )


class _Version:
    """The changed record's version, with the row as it is now for the refusal (versioning.StaleEdit)."""

    def __init__(self, change):
        self.version = change.version
        self.change = change


def value_question_email(*, review_id: int) -> int:
    """Mail a question to the user who made the change (if they have an address); returns how many it goes to."""
    review = AcceptedValueReview.objects.select_related("enterprise", "by").filter(pk=review_id).first()
    if review is None or review.decision != ValueReviewDecision.QUESTION:
        return 0
    editor = _editor(review)
    if editor is None or not editor.email or not editor.is_active:
        return 0
    transaction.on_commit(partial(_deliver, review=review, recipients=[editor.email]))
    return 1


def _editor(review):
    from measures.models import IndicatorValueEvent, ProgressEvent

    from ..choices import ValueReviewKind

    model = ProgressEvent if review.kind == ValueReviewKind.PROGRESS else IndicatorValueEvent
    event = model.objects.select_related("changed_by").filter(pk=review.event_id).first()
    return event.changed_by if event is not None else None


def _deliver(*, review, recipients: list[str]) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    who = review.by.get_full_name() or review.by.username if review.by else ""
    send_mail(
        subject=_("【产改通】对%(enterprise)s通过后修改的数据有疑问") % {"enterprise": review.enterprise.name},
        message=_(
            "%(who)s对您在年度自评通过后修改的数据提出疑问：\n\n企业：%(enterprise)s\n通过时：%(accepted)s\n"
            "修改后：%(new)s\n疑问：%(comment)s\n"
        )
        % {
            "who": who,
            "enterprise": review.enterprise.name,
            "accepted": review.accepted_value,
            "new": review.new_value,
            "comment": review.comment,
        },
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
