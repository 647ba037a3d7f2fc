"""Files attached to one measure's answer: upload, remove, download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reform_portal.access import AssessmentPolicy
from reform_portal.audit.services import record_download

from .. import services
from ..forms import EvidenceForm
from ..models import AssessmentEvidence
from ._common import assessment_or_404, detail_url, item_or_404, joined, refuse


@login_required
@require_POST
def evidence_upload(request, pk, item_pk):
    assessment = assessment_or_404(request, pk)
    item = item_or_404(assessment, item_pk)
    if not AssessmentPolicy.can(request.user, AssessmentPolicy.EDIT, assessment):  # refused whatever the body
        raise PermissionDenied(_("只有本企业的填报人员可以修改自评表。"))
    form = EvidenceForm(request.POST, request.FILES, prefix=f"ev-{item.measure.code}")
    error = ""
    if form.is_valid():
        try:
            services.evidence_add(
                item=item,
                upload=form.cleaned_data["file"],
                by=request.user,
                valid_until=form.cleaned_data["valid_until"],
            )
            form = None  # saved: the block shows an empty form for the next file
        except ValidationError as exc:
            error = joined(exc.messages)
        except services.AssessmentError as exc:
            error = exc.message
    else:
        error = joined(m for errs in form.errors.values() for m in errs)
    anchor = services.item_anchor(item.measure)
    if not request.htmx:
        if error:
            return refuse(request, assessment, error, anchor)
        return redirect(detail_url(pk, anchor))
    return _evidence_block(request, item, form=form, error=error)


@login_required
@require_POST
def evidence_delete(request, pk, evidence_pk):
    assessment = assessment_or_404(request, pk)
    evidence = get_object_or_404(
        AssessmentEvidence.objects.select_related("item", "item__measure", "item__assessment"),
        pk=evidence_pk,
        item__assessment=assessment,
    )
    item = evidence.item
    error = ""
    try:
        services.evidence_remove(evidence=evidence, by=request.user)
    except services.AssessmentError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            return refuse(request, assessment, error)
        return redirect(detail_url(pk, services.item_anchor(item.measure)))
    return _evidence_block(request, item, error=error)


@login_required
def evidence_download(request, pk, evidence_pk):
    assessment = assessment_or_404(request, pk)
    evidence = get_object_or_404(AssessmentEvidence, pk=evidence_pk, item__assessment=assessment)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(request, "assessment_evidence", target=evidence)
    return FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=evidence.content_type)


def _evidence_block(request, item, *, form=None, error=""):
    item.evidence_form = form or EvidenceForm(prefix=f"ev-{item.measure.code}")
    context = {"item": item, "assessment": item.assessment, "editing": True, "evidence_error": error}
    return render(request, "assessments/partials/evidence_block.html", context)
