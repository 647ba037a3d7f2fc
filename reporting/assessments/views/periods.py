"""Reporting periods: the list, opening a new one, closing, reopening or moving the deadline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Region
from reform_portal import workdays
from reform_portal.access import PeriodPolicy

from .. import services
from ..deadlines import offsets_display
from ..forms import PeriodForm, PeriodUpdateForm
from ..selectors import period_changes, periods_visible
from ..services import uncovered_calendar_years
from ._common import error_dict, joined


@login_required
def period_list(request):
    user = request.user
    if not PeriodPolicy.can(user, PeriodPolicy.VIEW):
        raise PermissionDenied
    can_manage = PeriodPolicy.can(user, PeriodPolicy.MANAGE)
    provinces = PeriodPolicy.manageable_provinces(user, Region.objects.filter(level="province"))
    form = PeriodForm(provinces=provinces) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = PeriodForm(request.POST, provinces=provinces)
        if form.is_valid():
            try:
                period = services.period_open(by=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in error_dict(exc).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("已开放%(period)s。") % {"period": period})
                return redirect("reporting:assessments:periods")
    periods = list(periods_visible(user=user))
    for period in periods:
        period.can_manage = PeriodPolicy.can(user, PeriodPolicy.MANAGE, period.province_id)
        period.update_form = PeriodUpdateForm(initial={"deadline": period.deadline, "is_open": period.is_open})
        period.reminder_offsets_text = offsets_display(period.reminder_offsets)
    context = {"periods": periods, "form": form, "changes": period_changes(periods=periods)}
    if can_manage:
        # the years counted by weekends only (no State Council notice in the installed calendar package yet)
        context["uncovered_years"] = uncovered_calendar_years()
        context["covered_years"] = workdays.covered_years()
    return render(request, "assessments/period_list.html", context)


@login_required
@require_POST
def period_update(request, pk):
    period = get_object_or_404(periods_visible(user=request.user), pk=pk)
    if not PeriodPolicy.can(request.user, PeriodPolicy.MANAGE, period.province_id):  # refused whatever the body
        raise PermissionDenied
    form = PeriodUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, joined(m for errs in form.errors.values() for m in errs))
        return redirect("reporting:assessments:periods")
    try:
        services.period_update(
            period=period,
            by=request.user,
            deadline=form.cleaned_data["deadline"],
            is_open=form.cleaned_data["is_open"],
            reminder_offsets=form.cleaned_data["reminder_offsets"],
            review_levels=form.cleaned_data.get("review_levels"),
        )
    except ValidationError as exc:
        messages.error(request, joined(exc.messages))
    else:
        messages.success(request, _("已更新%(period)s。") % {"period": period})
    return redirect("reporting:assessments:periods")
