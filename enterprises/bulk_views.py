"""The bulk update by filter: the list's filter (in the query string) → the form and a preview → confirm.

GET shows the form for the list's current filter; the form filled in (the page POSTs it: a note of 2,000 characters
would not fit a URL; a GET with the fields works too) gives the preview: how many enterprises the update reaches and
changes, the first names, any enterprise that refuses it, and the token. A POST with the token confirms it
(enterprises/bulk_selection.py). Only roles that may update progress (officers, administrators) reach it; the
selection never leaves their charge (the list's own scope). The list's check boxes (`views.bulk_progress`) stay for
a few enterprises picked by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reform_portal.access import EnterprisePolicy

from . import bulk_selection
from .bulk_forms import BulkByFilterForm
from .bulk_selection import (
    FORM_PREFIX,
    SAMPLE_SIZE,
    StaleSelection,
    TooMany,
    bulk_apply,
    bulk_preview,
    enterprise_filter,
    filter_is_valid,
    filter_params,
)


def _filter_summary(filterset) -> list[tuple[str, str]]:
    """(label, value) of each filter the query string sets, as a person reads them."""
    if not filterset.is_bound:
        return []
    form, shown = filterset.form, []
    for name, value in form.cleaned_data.items():
        if name == "sort" or value in (None, "", [], ()):
            continue
        bound = form.fields[name]
        choices = dict(getattr(bound, "choices", None) or ()) if not hasattr(bound, "queryset") else {}
        values = value if isinstance(value, list | tuple) else [value]
        text = "、".join(str(choices.get(v, v)) for v in values)
        shown.append((str(bound.label or name), text))
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def bulk_by_filter(request):
    # The role is refused before anything is read or validated (as the check-box path does).
    if not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS):
        raise PermissionDenied
    params = filter_params(request.GET)
    filterset = enterprise_filter(request, params)
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if any(key.startswith(f"{FORM_PREFIX}-") for key in request.GET) else None
    form = BulkByFilterForm(data, prefix=FORM_PREFIX)
    query = params.urlencode()
    context = {
        "filter": filterset,
        "form": form,
        "query": query,
        "list_url": reverse("enterprises:list") + (f"?{query}" if query else ""),
        "max_enterprises": bulk_selection.MAX_ENTERPRISES,
        "sample_size": SAMPLE_SIZE,
        "preview": None,
        "filter_valid": filter_is_valid(filterset),
    }
    status = 200
    if not filter_is_valid(filterset):
        context["summary"] = []
        messages.error(request, _("筛选条件无效，请回到企业列表重新筛选。"))
        return render(request, "enterprises/bulk_by_filter.html", context, status=400)
    context["summary"] = _filter_summary(filterset)
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        values = form.values()
        if request.method == "POST" and form.cleaned_data["token"]:
            try:
                result = bulk_apply(
                    user=request.user, filterset=filterset, values=values, token=form.cleaned_data["token"]
                )
            except StaleSelection as exc:
                context["preview"], status = exc.preview, 409
                context["stale"] = True
            except TooMany as exc:
                context["preview"], status = exc.preview, 400
            except ValidationError as exc:
                context["preview"], status = bulk_preview(filterset, values), 400
                context["refused"] = exc.messages
            else:
                if not result.updated:
                    messages.info(request, _("没有需要更新的企业，未作任何更改。"))
                    return redirect(context["list_url"])
                messages.success(
                    request,
                    _("已将 %(code)s 更新到 %(n)d 家企业（%(same)d 家原已是该状态）。")
                    % {"code": values.measure.code, "n": len(result.updated), "same": len(result.unchanged)},
                )
                return redirect(context["list_url"])
        else:
            context["preview"] = bulk_preview(filterset, values)
    return render(request, "enterprises/bulk_by_filter.html", context, status=status)
