"""Writes of award rounds: a round (with the weights of the day) and a decision on a candidate (append-only). Each
is written in the history (the models' `@audited` events, attributed by `change_context`) and on the security
record (reform_portal/audit: `award.round_created`, `award.decided`): who put which enterprise forward or struck it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from enterprises.models import Region
from reform_portal.audit.services import record
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context

from .choices import Decision
from .models import AwardCandidateDecision, AwardRound
from .weights import current_weights

AUDIT_ROUND_CREATED = "award.round_created"  # labelled in reform_portal/audit/choices.py
AUDIT_DECIDED = "award.decided"
QUOTA_MAX = 1000
YEAR_MIN, YEAR_MAX = 2000, 2100


def quota_problems(province, quota) -> dict:
    if not isinstance(quota, dict):
        return {"quota": [_("名额须为 {州（市）代码: 名额} 的对象。")]}
    codes = set(Region.objects.filter(parent=province, code__in=[str(c) for c in quota]).values_list("code", flat=True))
    problems = []
    for code, n in quota.items():
        if code not in codes:
            problems.append(_("“%(code)s”不是本省的州（市）代码。") % {"code": code})
        elif not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= QUOTA_MAX:
            problems.append(_("“%(code)s”的名额须为 0 到 %(max)s 的整数。") % {"code": code, "max": QUOTA_MAX})
    return {"quota": problems} if problems else {}


@transaction.atomic
def round_create(*, name, year, level, province, quota, by) -> AwardRound:
    problems = quota_problems(province, quota)
    if not (YEAR_MIN <= int(year) <= YEAR_MAX):
        problems["year"] = [_("年度须在 %(min)s 到 %(max)s 之间。") % {"min": YEAR_MIN, "max": YEAR_MAX}]
    if problems:
        raise ValidationError(problems)
    with change_context(by=by, source=ChangeSource.MANUAL):
        award_round = AwardRound.objects.create(
            name=name,
            year=year,
            level=level,
            province=province,
            quota=quota,
            weights=current_weights(),
            created_by=by,
        )
    record(
        AUDIT_ROUND_CREATED,
        user=by,
        target=award_round,
        details={"year": award_round.year, "level": level, "province": province.code, "quota": quota},
    )
    return award_round


@transaction.atomic
def decide(*, award_round, enterprise, decision, reason, by) -> AwardCandidateDecision:
    """Confirm or strike a candidate of the shortlist (the caller checks it is one); a strike needs a reason."""
    reason = (reason or "").strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("请选择确认或剔除。")]})
    if decision == Decision.STRIKE and not reason:
        raise ValidationError({"reason": [_("剔除须说明理由。")]})
    with change_context(by=by, source=ChangeSource.MANUAL):
        row = AwardCandidateDecision.objects.create(
            round=award_round, enterprise=enterprise, decision=decision, reason=reason, by=by
        )
    record(
        AUDIT_DECIDED,
        user=by,
        target=enterprise,
        details={"round": award_round.pk, "decision": decision, "reason": reason},
    )
    return row
