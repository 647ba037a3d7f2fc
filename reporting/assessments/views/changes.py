"""Values changed since their assessment was accepted (changes_since.py): the officer's queue, with 确认 and 提出疑问
per row."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reform_portal.access import AssessmentPolicy
from reform_portal.outbox.services import bound
from reform_portal.versioning import StaleEdit, parse_version

from .. import services
from ..changes_since import PAGE_SIZE, changes_since_acceptance, changes_since_acceptance_count
from ..choices import ValueReviewDecision, ValueReviewKind
from ..tasks import send_value_question_email
from ._common import joined

PAGES_MAX = 10_000


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), PAGES_MAX)
    except (TypeError, ValueError):
        return 1


@login_required
def change_list(request):
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.CHECK_CHANGES):
        raise PermissionDenied
    kind = request.GET.get("kind") if request.GET.get("kind") in ValueReviewKind.values else None
    page = _page_number(request.GET.get("page"))
    total = changes_since_acceptance_count(request.user, kind)
    rows = changes_since_acceptance(user=request.user, kind=kind, offset=(page - 1) * PAGE_SIZE)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "has_next": page * PAGE_SIZE < total,
        "kind": kind or "",
        "kinds": ValueReviewKind.choices,
    }
    return render(request, "assessments/changes.html", context)


@login_required
@require_POST
def change_decide(request, kind, record_id):
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.CHECK_CHANGES):
        raise PermissionDenied
    decision = request.POST.get("decision", "")
    try:
        services.value_review_record(
            kind=kind,
            record_id=record_id,
            by=request.user,
            decision=decision,
            comment=request.POST.get("comment", "")[:4000],
            expected_version=parse_version(request.POST.get("version")),
            enqueue_email=bound(send_value_question_email),
        )
    except services.ChangeNotInQueue:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, joined(exc.messages))
        return redirect(f"{_back(request)}#change-{kind}-{record_id}")
    except StaleEdit as exc:
        messages.error(request, exc.message)
        return redirect(f"{_back(request)}#change-{kind}-{record_id}")
    if decision == ValueReviewDecision.QUESTION:
        messages.success(request, _("已提出疑问，并通知修改人。"))
    else:
        messages.success(request, _("已确认。"))
    return redirect(_back(request))


def _back(request) -> str:
    from django.urls import reverse

    return reverse("reporting:assessments:changes")
