import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reform_portal.access import CataloguePolicy, EnterprisePolicy
from reform_portal.audit.services import record_download
from reform_portal.versioning import StaleEdit

from .choices import Status
from .forms import EvidenceWithdrawForm, IndicatorValueForm, ProgressForm
from .indicator_values import value_display
from .models import Evidence, Indicator, Measure, PolicyDocument, Progress
from .selectors import (
    document_outline,
    documents_with_counts,
    evidence_visible,
    indicator_history,
    indicator_row,
    indicator_values_with_last_source,
    progress_counts,
    progress_history,
    progress_visible,
)
from .services import evidence_withdraw, indicator_value_set, progress_edit_with_evidence


@login_required
def document_list(request):
    return render(request, "measures/document_list.html", {"documents": documents_with_counts()})


@login_required
def document_detail(request, code):
    document = get_object_or_404(
        CataloguePolicy.visible(request.user, PolicyDocument.objects.select_related("province")), code=code
    )
    return render(
        request, "measures/document_detail.html", {"document": document, "outline": document_outline(document=document)}
    )


@login_required
def measure_detail(request, code):
    measures = Measure.objects.select_related("document", "section", "section__parent").prefetch_related("indicators")
    measure = get_object_or_404(CataloguePolicy.visible(request.user, measures), code=code)
    return render(request, "measures/measure_detail.html", {"measure": measure})


# ---- Progress: in-place edit, history, evidence, indicator values (the officer's workspace) ----


def _progress_for(request, pk, *, edit: bool):
    """The progress row if the user may see it (else 404) and, for `edit`, change it (else 403)."""
    progress = get_object_or_404(
        progress_visible(user=request.user)
        .select_related("measure__section", "measure__section__parent")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.current().select_related("uploaded_by")),
        ),
        pk=pk,
    )
    if edit and not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, progress.enterprise):
        raise PermissionDenied
    return progress


def _enterprise_url(progress) -> str:
    return reverse("enterprises:detail", args=[progress.enterprise_id]) + f"#progress-{progress.pk}"


def _render_row(request, progress, *, counts=None):
    context = {"p": progress, "can_update": True, "counts": counts}
    return render(request, "measures/progress_row.html", context)


def _saved_trigger(response, message: str, **extra) -> None:
    """The `portal-saved` event (a toast, behaviour.js) and any other events, in ASCII JSON (a header is latin-1)."""
    response["HX-Trigger"] = json.dumps({"portal-saved": {"message": message}, **extra})


@login_required
@require_GET
def progress_row(request, pk):
    """The read-only row again (after “cancel” or “take the current values”)."""
    progress = _progress_for(request, pk, edit=False)
    if not request.htmx:
        return redirect(_enterprise_url(progress))
    can_update = EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, progress.enterprise)
    return render(request, "measures/progress_row.html", {"p": progress, "can_update": can_update})


@login_required
@require_http_methods(["GET", "POST"])
def progress_edit(request, pk):
    progress = _progress_for(request, pk, edit=True)
    stale = None
    if request.method == "POST":
        form = ProgressForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                progress = progress_edit_with_evidence(
                    progress=progress,
                    status=data["status"],
                    percent=data["percent"],
                    note=data["note"],
                    by=request.user,
                    expected_version=data["version"],
                    upload=data["evidence"],
                )
            except StaleEdit as exc:
                # Show the newer values beside the officer's own; the form now carries the newer
                # version, so submitting it again means “keep mine” knowingly.
                stale = exc.current
                form = ProgressForm(
                    initial={
                        "status": data["status"],
                        "percent": data["percent"],
                        "note": data["note"],
                        "version": stale.version,
                    }
                )
                # A file input cannot be refilled: say the attachment was not kept, so it is chosen again.
                dropped = data["evidence"].name if data["evidence"] else ""
                stale.mine = {**data, "status_label": Status(data["status"]).label, "dropped_file": dropped}
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                progress = _progress_for(request, pk, edit=False)
                if request.htmx:
                    # The row, the page's “已完成 x/n” out of band, and a toast.
                    response = _render_row(request, progress, counts=progress_counts(enterprise=progress.enterprise))
                    message = _("已保存 %(code)s。") % {"code": progress.measure.code}
                    _saved_trigger(response, message, **{"progress-saved": {"row": f"progress-{progress.pk}"}})
                    return response
                messages.success(request, _("已保存 %(code)s。") % {"code": progress.measure.code})
                return redirect(_enterprise_url(progress))
    else:
        form = ProgressForm(
            initial={
                "status": progress.status,
                "percent": progress.percent,
                "note": progress.note,
                "version": progress.version,
            }
        )
    context = {"p": progress, "form": form, "stale": stale}
    template = "measures/progress_form.html" if request.htmx else "measures/progress_edit.html"
    status = 409 if stale is not None and not request.htmx else 200
    return render(request, template, context, status=status)


@login_required
@require_GET
def progress_history_view(request, pk):
    progress = _progress_for(request, pk, edit=False)
    context = {"p": progress, "timeline": progress_history(progress=progress)}
    template = "measures/partials/progress_timeline.html" if request.htmx else "measures/progress_history.html"
    return render(request, template, context)


@login_required
@require_GET
def evidence_download(request, pk):
    """Evidence is only ever served here, after the access check (never from MEDIA_URL)."""
    evidence = get_object_or_404(evidence_visible(user=request.user), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(request, "evidence", target=evidence)
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_withdraw_view(request, pk):
    """Confirm and withdraw a wrong evidence file, with a reason (measures.services.evidence_withdraw)."""
    evidence = get_object_or_404(
        evidence_visible(user=request.user).select_related("progress__measure", "withdrawn_by"), pk=pk
    )  # out of scope: 404
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.WITHDRAW_EVIDENCE, evidence.progress.enterprise):
        raise PermissionDenied
    back = _enterprise_url(evidence.progress)
    form = EvidenceWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            evidence_withdraw(evidence=evidence, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for error in exc.message_dict.get("reason", exc.messages):
                form.add_error("reason", error)
        else:
            messages.success(request, _("已撤回证明材料“%(name)s”。") % {"name": evidence.original_name})
            return redirect(back)
    context = {"evidence": evidence, "p": evidence.progress, "form": form, "back": back}
    return render(request, "measures/evidence_withdraw.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def indicator_value_edit(request, enterprise_pk, indicator_pk):
    from enterprises.selectors import enterprises_visible

    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=enterprise_pk)
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, enterprise):
        raise PermissionDenied
    # Only indicators of measures that apply to (are tracked for) this enterprise.
    indicator = get_object_or_404(
        Indicator.objects.select_related("measure"),
        pk=indicator_pk,
        measure__in=Progress.objects.filter(enterprise=enterprise).values("measure"),
    )
    year = timezone.localdate().year
    form = IndicatorValueForm(request.POST)
    value = None
    conflict = False
    if form.is_valid():
        try:
            value = indicator_value_set(
                enterprise=enterprise,
                indicator=indicator,
                year=year,
                value=form.cleaned_data["value"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            conflict = True
            current = exc.current
            shown = (value_display(indicator, current) if current else "") or "—"
            form.add_error("value", _("该指标值已被他人修改为 %(value)s，请确认后重新保存。") % {"value": shown})
        except ValidationError as exc:
            for error in exc.message_dict.get("value", exc.messages):
                form.add_error("value", error)
    if not request.htmx:
        if value is not None:
            messages.success(request, _("已保存指标“%(name)s”。") % {"name": indicator.name})
        else:
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#indicators")
    # Read back what is stored now (after a save, a conflict or an error alike), with where it came from.
    value = indicator_values_with_last_source(enterprise=enterprise, year=year).filter(indicator=indicator).first()
    row = indicator_row(indicator=indicator, value=value)
    context = {
        "row": row,
        "enterprise": enterprise,
        "can_update": True,
        "form": form,
        "saved": form.is_valid(),
        "conflict": conflict,
    }
    response = render(request, "measures/partials/indicator_row.html", context)
    if context["saved"]:
        _saved_trigger(response, _("已保存指标“%(name)s”。") % {"name": indicator.name})
    return response


@login_required
@require_GET
def indicator_history_view(request, enterprise_pk, indicator_pk):
    """Every change to one enterprise's values of one indicator, all years, newest first."""
    from enterprises.selectors import enterprises_visible

    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=enterprise_pk)
    indicator = get_object_or_404(Indicator.objects.select_related("measure"), pk=indicator_pk)
    history = indicator_history(enterprise=enterprise, indicator=indicator)
    context = {"enterprise": enterprise, "indicator": indicator, "history": history}
    return render(request, "measures/indicator_history.html", context)
