"""Opening a province's reporting period for a year, closing or reopening it, moving its deadline."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.access import PeriodPolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import records_as
from reform_portal.locks import lock_one

from ..deadlines import default_offsets, offsets_problem
from ..models import ReportingPeriod
from ..period_limits import REVIEW_LEVELS_MIN, period_problems, review_levels_problem


@records_as(ChangeSource.MANUAL)  # who opened it, in ReportingPeriodEvent
@transaction.atomic
def period_open(
    *,
    province,
    year: int,
    opens_on: date,
    deadline: date,
    by,
    reminder_offsets: list[int] | None = None,
    review_levels: int = REVIEW_LEVELS_MIN,
) -> ReportingPeriod:
    """Open the reporting period of `year` in `province` (administrators, SASAC staff of the province)."""
    if not PeriodPolicy.can(by, PeriodPolicy.MANAGE, province):
        raise PermissionDenied(_("只有管理员或本省国资委工作人员可以开放填报期。"))
    errors = period_problems(year=year, opens_on=opens_on, deadline=deadline)
    if province.parent_id is not None:
        errors["province"] = [_("填报期按省设置，请选择省份。")]
    if reminder_offsets is not None and offsets_problem(reminder_offsets):
        errors["reminder_offsets"] = [offsets_problem(reminder_offsets)]
    if review_levels_problem(review_levels):
        errors["review_levels"] = [review_levels_problem(review_levels)]
    taken = {"year": [_("%(province)s已有%(year)s年度填报期。") % {"province": province.name, "year": year}]}
    if ReportingPeriod.objects.filter(year=year, province=province).exists():
        errors.update(taken)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():  # a savepoint: a period opened meanwhile is refused in the same words
            return ReportingPeriod.objects.create(
                year=year,
                province=province,
                opens_on=opens_on,
                deadline=deadline,
                is_open=True,
                opened_by=by,
                reminder_offsets=default_offsets()
                if reminder_offsets is None
                else sorted(reminder_offsets, reverse=True),
                review_levels=review_levels,
            )
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
        if constraint != "reporting_period_unique_year_province":
            raise
        raise ValidationError(taken) from None


@records_as(ChangeSource.MANUAL)  # who moved the deadline, closed or reopened, in ReportingPeriodEvent
@transaction.atomic
def period_update(
    *,
    period: ReportingPeriod,
    by,
    is_open: bool | None = None,
    deadline: date | None = None,
    reminder_offsets: list[int] | None = None,
    review_levels: int | None = None,
) -> ReportingPeriod:
    """Close or reopen a period, move its deadline, set when its automatic reminders go out, or how many levels
    review its forms (a form already forwarded stays forwarded: with one level, it is accepted as it is)."""
    period = lock_one(ReportingPeriod, period.pk)
    if not PeriodPolicy.can(by, PeriodPolicy.MANAGE, period.province_id):
        raise PermissionDenied(_("只有管理员或本省国资委工作人员可以开放或关闭填报期。"))
    fields = ["updated_at"]
    if deadline is not None:
        errors = period_problems(year=period.year, opens_on=period.opens_on, deadline=deadline)
        if errors:
            raise ValidationError(errors)
        period.deadline = deadline
        fields.append("deadline")
    if reminder_offsets is not None:
        problem = offsets_problem(reminder_offsets)
        if problem:
            raise ValidationError({"reminder_offsets": [problem]})
        period.reminder_offsets = sorted(reminder_offsets, reverse=True)
        fields.append("reminder_offsets")
    if review_levels is not None and review_levels != period.review_levels:
        problem = review_levels_problem(review_levels)
        if problem:
            raise ValidationError({"review_levels": [problem]})
        period.review_levels = review_levels
        fields.append("review_levels")
    if is_open is not None and is_open != period.is_open:
        period.is_open = is_open
        if is_open:
            period.opened_by, period.closed_by, period.closed_at = by, None, None
        else:
            period.closed_by, period.closed_at = by, timezone.now()
        fields += ["is_open", "opened_by", "closed_by", "closed_at"]
    period.save(update_fields=fields)
    return period
