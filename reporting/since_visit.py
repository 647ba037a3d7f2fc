"""The dashboard's "自上次访问（日期）以来": how its headline figures moved since the user's last visit, from the
rollup's snapshots — today's (the page's day) against those of the last visit's day, added up by the same
`selectors.breakdown` the page uses, in the user's reach and filters. Nothing is said when that day has no
snapshot, when it is the page's day, or for figures computed live (filters the snapshots do not keep)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import RollupSnapshot
from .selectors import FIGURE_FIELDS, Filters, _restriction, breakdown

# (key, label, is a rate: shown in percentage points)
FIGURES = (
    ("applicable", _("适用企业"), False),
    ("completion_rate", _("措施完成率"), True),
    ("mean_percent", _("平均完成百分比"), False),
    ("attainment_rate", _("指标达标率"), True),
    ("lagging", _("滞后企业"), False),
    ("submission_rate", _("自评提交率"), True),
)


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    delta: float  # the count's difference, or the rate's in percentage points
    rate: bool

    @property
    def text(self) -> str:
        sign = "+" if self.delta > 0 else ""
        if self.rate:
            return f"{sign}{self.delta:.1f}" + str(_(" 个百分点"))
        number = int(self.delta) if float(self.delta).is_integer() else round(self.delta, 1)
        return f"{sign}{number}"


def headline_on(*, scope, filters: Filters, day: date) -> dict | None:
    """The headline figures of `day`'s snapshots in the user's reach and filters (one query), or None."""
    if filters.document is None:
        return None
    rows = list(
        RollupSnapshot.objects.filter(document=filters.document, day=day, measure__isnull=True).values(*FIGURE_FIELDS)
    )
    if not rows:
        return None
    where = filters.as_scope()
    restrict, restrict_counties = _restriction(scope, where)
    figures = breakdown(rows, by=(), filters=where, prefecture_ids=restrict, county_ids=restrict_counties)
    return (figures or {}).get(())


def headline_changes(*, scope, filters: Filters, data: dict, since: datetime | None) -> dict | None:
    """{"day": the last visit's day, "changes": [Change, …]} of the figures that moved, or None (nothing to say)."""
    current, today = data.get("headline"), data.get("day")
    if since is None or not current or today is None or data.get("live"):
        return None
    day = timezone.localtime(since).date()
    if day >= today:
        return None
    before = headline_on(scope=scope, filters=filters, day=day)
    if before is None:
        return None
    changes = []
    for key, label, rate in FIGURES:
        now, then = current.get(key), before.get(key)
        if now is None or then is None:
            continue
        delta = (now - then) * 100 if rate else now - then
        if abs(delta) >= 0.05:
            changes.append(Change(key, str(label), round(delta, 1) if isinstance(delta, float) else delta, rate))
    return {"day": day, "changes": changes}
