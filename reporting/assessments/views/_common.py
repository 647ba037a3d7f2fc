"""Helpers shared by the pages: loading in scope, refusing a plain post, and the htmx "save in place" round trip."""

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from .. import services
from ..models import Assessment, AssessmentIndicator, AssessmentItem
from ..selectors import assessment_for_page

# Partials that follow a saved answer out of band, with the name under which they expect it.
INDICATOR_MET = ("assessments/partials/indicator_met.html", "answer")
ITEM_GAP = ("assessments/partials/item_gap.html", "item")


def assessment_or_404(request, pk) -> Assessment:
    try:
        return assessment_for_page(user=request.user, pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None


def item_or_404(assessment, item_pk) -> AssessmentItem:
    return get_object_or_404(
        AssessmentItem.objects.select_related("measure", "assessment"), pk=item_pk, assessment=assessment
    )


def answer_or_404(assessment, answer_pk) -> AssessmentIndicator:
    return get_object_or_404(
        AssessmentIndicator.objects.select_related("indicator", "assessment"), pk=answer_pk, assessment=assessment
    )


def posted(form) -> dict:
    """What the form could clean. The service, not the form, judges the values and names every problem."""
    form.is_valid()
    return form.cleaned_data


def joined(messages: Iterable[str]) -> str:
    return "；".join(messages)


def error_dict(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def detail_url(pk, anchor: str = "") -> str:
    return reverse("reporting:assessments:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def refuse(request, assessment, message, anchor=""):
    """A refused plain (non-htmx) post: say why and go back to the page."""
    messages.error(request, message)
    return redirect(detail_url(assessment.pk, anchor))


def saved_fragment(request, *, key, obj=None, errors=None, message="", fields=()):
    """Out-of-band updates for one autosaved form: saved time, new version, errors per field."""
    errors = errors or {}
    context = {
        "key": key,
        "obj": obj,
        "saved_at": timezone.localtime(obj.updated_at) if obj is not None and not errors and not message else None,
        "message": message or "; ".join(str(m) for m in errors.get("__all__", [])),
        "field_errors": [(f, errors.get(f, [])) for f in fields],
        "clear_carried": not key.startswith("review-"),
    }
    return render(request, "assessments/partials/saved_oob.html", context)


def save_in_place(
    request,
    assessment,
    *,
    save: Callable[[], object],
    key: str,
    fields: tuple[str, ...],
    invalid_anchor: str = "",
    saved_anchor: str = "",
    saved_message: str = "",
    also: tuple[str, str] | None = None,
) -> HttpResponse:
    """Run `save` (a service call) for one autosaved form and answer the way the post came.

    htmx: the saved-state fragment (errors per field, or the refusal), plus the `also` partial on success.
    Plain form: a refusal goes back to the page with a message (invalid values to `invalid_anchor`), a
    success to `saved_anchor`, with `saved_message` if given.
    """
    try:
        obj = save()
    except ValidationError as exc:
        if not request.htmx:
            return refuse(request, assessment, joined(exc.messages), invalid_anchor)
        return saved_fragment(request, key=key, errors=error_dict(exc), fields=fields)
    except (services.AssessmentError, services.StaleEdit) as exc:
        if not request.htmx:
            return refuse(request, assessment, exc.message)
        return saved_fragment(request, key=key, message=exc.message, fields=fields)
    if not request.htmx:
        if saved_message:
            messages.success(request, saved_message)
        return redirect(detail_url(assessment.pk, saved_anchor))
    response = saved_fragment(request, key=key, obj=obj, fields=fields)
    if also:
        template, name = also
        response.content += render(request, template, {name: obj, "oob": True}).content
    return response
