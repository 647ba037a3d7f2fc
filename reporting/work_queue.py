"""The work queue at the top of each home page: what needs this person now, each item a count leading to the list
behind it (docs/inbox.md).

`queue_for(user)` asks each provider of `PROVIDERS` in turn; a provider takes the user and answers a list of
`QueueItem`s (none when the item is not for that user: who gets what is reform_portal.access's `WorkQueuePolicy`),
with one or two indexed queries. Another app adds its items by adding one function to `PROVIDERS` (as the supervision
orders and the changes since acceptance do). The home page counts the queue on every visit and keeps its total
`QUEUE_SECONDS` for the navigation's badge, which the other pages read from the cache alone (no query)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enterprises.changed_since import newly_lagging_q
from enterprises.consultations.selectors import queue_counts as question_queue_counts
from enterprises.models import Enterprise
from reform_portal.access import (
    AssessmentPolicy,
    EnterprisePolicy,
    OrderPolicy,
    QuestionPolicy,
    WorkQueuePolicy,
    access_for,
)
from reform_portal.inbox.choices import VisitedPage
from reform_portal.inbox.counts import WORK_QUEUE_KEY, unread_count
from reform_portal.inbox.visits import since
from reporting.assessments.changes_since import changes_since_acceptance_count
from reporting.assessments.choices import SUBMITTED_STATUSES, AssessmentStatus
from reporting.assessments.deadlines import deadline_state
from reporting.assessments.models import Assessment, ReportingPeriod
from reporting.assessments.selectors import awaiting_counts
from reporting.supervision.selectors import orders_queue_counts

from .models import RollupSnapshot

QUEUE_SECONDS = 600  # the badge's total, as the home page last counted it
MAX_LISTED = 1000  # a group user's returned forms counted at most (a group has tens)


@dataclass(frozen=True)
class QueueItem:
    key: str  # what it counts ("reviews", "notices", "deadline-12", …): tests and pages find it by this
    label: str
    count: int
    url: str  # the list behind the count, filtered
    tone: str = "info"  # a Bootstrap colour: danger (overdue, to do now), warning (soon), info, primary, secondary
    note: str = ""  # a short text beside the count (a deadline's "剩余 3 个工作日")
    actionable: bool = True  # counted in the navigation's badge (the unread notices have their own)


Provider = Callable[[object], list[QueueItem]]


# Officers (and administrators): reviews -------------------------------------------------------------------------


def reviews(user) -> list[QueueItem]:
    """待审核: the self-assessments waiting for the user's next review step (with two levels: the first level's
    submitted forms, the province union's forwarded ones: `AssessmentPolicy.awaiting_review`); 退回后重新提交: those of
    them submitted again after a return (both from the counts the database keeps per place: `awaiting_counts`)."""
    if not WorkQueuePolicy.reviews(user):
        return []
    counts = awaiting_counts(user=user)
    state = AssessmentStatus.FORWARDED if counts["forwarded"] * 2 > counts["pending"] else AssessmentStatus.SUBMITTED
    url = f"{reverse('reporting:assessments:index')}?{urlencode({'state': state})}"
    return [
        QueueItem("reviews", _("待审核的自评表"), counts["pending"], url, "danger" if counts["pending"] else "info"),
        QueueItem("resubmitted", _("退回后重新提交"), counts["again"], url, "warning" if counts["again"] else "info"),
    ]


def value_changes(user) -> list[QueueItem]:
    """验收后修改: progress and indicator values edited after the year's self-assessment was accepted, waiting for
    the reviewing officer to confirm or question (reporting/assessments/changes_since.py)."""
    if not AssessmentPolicy.can(user, AssessmentPolicy.CHECK_CHANGES):
        return []
    count = changes_since_acceptance_count(user)
    url = reverse("reporting:assessments:changes")
    return [QueueItem("value-changes", _("通过后又修改的数据"), count, url, "warning" if count else "info")]


def tone_of(count: int) -> str:
    return "danger" if count else "info"


# Supervision orders (reporting/supervision): one query for the three counts -------------------------------------


def orders(user) -> list[QueueItem]:
    """督办单: replies awaiting the user's decision and overdue orders (issuers and the union), orders of the user's
    enterprises waiting for a reply (enterprise and group users)."""
    if not OrderPolicy.can(user, OrderPolicy.VIEW):
        return []
    counts = orders_queue_counts(user)
    listed = reverse("supervision:list")
    if OrderPolicy.can(user, OrderPolicy.REPLY):
        n = counts["to_reply"]
        return [QueueItem("orders-to-reply", _("待回复的督办单"), n, listed, "danger" if n else "info")]
    to_check, overdue = counts["to_check"], counts["overdue"]
    return [
        QueueItem("orders-to-check", _("待核查的督办回复"), to_check, f"{listed}?awaiting=true", "primary"),
        QueueItem("orders-overdue", _("逾期督办单"), overdue, f"{listed}?overdue=true", tone_of(overdue)),
    ]


# 产改直通车 (enterprises/consultations): one query -------------------------------------------------------------


def questions(user) -> list[QueueItem]:
    """直通车: the questions waiting for the user's answer and, of those, the overdue ones (officers: handlers and
    liaisons they were forwarded to); the answered questions of the enterprise's side (to read and rate)."""
    if not QuestionPolicy.can(user, QuestionPolicy.LIST):
        return []
    counts = question_queue_counts(user)
    listed = reverse("consultations:list")
    if "answered" in counts:
        n = counts["answered"]
        return [QueueItem("questions-answered", _("已答复的直通车问题"), n, f"{listed}?status=answered", "primary")]
    if not QuestionPolicy.can(user, QuestionPolicy.ANSWER):
        return []
    awaiting, overdue = counts["awaiting"], counts["overdue"]
    return [
        QueueItem("questions-awaiting", _("待答复的直通车问题"), awaiting, f"{listed}?mine=true", "primary"),
        QueueItem(
            "questions-overdue",
            _("逾期未答复的直通车问题"),
            overdue,
            f"{listed}?mine=true&overdue=true",
            tone_of(overdue),
        ),
    ]


def newly_lagging(user) -> list[QueueItem]:
    """新近滞后企业: the enterprises in the user's charge that went lagging since their last visit of the enterprise
    list (the list's `?lagging=new` shows them). None before a first visit."""
    if not WorkQueuePolicy.reviews(user) or not EnterprisePolicy.can(user, EnterprisePolicy.LIST):
        return []
    moment = since(user=user, page=VisitedPage.ENTERPRISES)
    if moment is None:
        return []
    count = EnterprisePolicy.visible(user, Enterprise.objects.filter(newly_lagging_q(moment))).count()
    url = f"{reverse('enterprises:list')}?lagging=new"
    note = _("自 %(day)s 以来") % {"day": timezone.localtime(moment).strftime("%m-%d %H:%M")}
    return [QueueItem("newly-lagging", _("新近滞后的企业"), count, url, "warning" if count else "info", note)]


# Enterprise and group users: deadlines, returned forms -----------------------------------------------------------


def deadlines(user) -> list[QueueItem]:
    """Each open period of the user's enterprises not yet submitted by all of them, with its working days left (the
    one count: reporting/assessments/deadlines.py). Two queries: the periods, the enterprises' forms."""
    own = WorkQueuePolicy.fills_in(user)
    if not own:
        return []
    provinces = sorted(access_for(user).province_ids)
    periods = list(ReportingPeriod.objects.filter(is_open=True, province_id__in=provinces).order_by("deadline", "pk"))
    if not periods:
        return []
    done = set(
        Assessment.objects.filter(
            period__in=periods, enterprise_id__in=sorted(own), status__in=SUBMITTED_STATUSES
        ).values_list("period_id", "enterprise_id")
    )
    per_province: dict[int, int] = {}
    if len(own) > 1:  # a group user: how many of its enterprises each period concerns
        rows = Enterprise.objects.filter(pk__in=sorted(own)).values_list("pk", "region__parent_id")
        for _pk, province in rows:
            per_province[province] = per_province.get(province, 0) + 1
    today = timezone.localdate()
    items = []
    for period in periods:
        concerned = per_province.get(period.province_id, 1) if per_province else 1
        left = concerned - sum(1 for p, _e in done if p == period.pk)
        if left <= 0:
            continue
        state = deadline_state(period.deadline, today)
        tone = "danger" if state.past or state.left <= 3 else "warning" if state.left <= 10 else "info"
        label = _("%(period)s自评截止 %(due)s") % {"period": period.label, "due": state.due.strftime("%Y-%m-%d")}
        if len(own) > 1:
            label += ngettext("（%(n)s 家未提交）", "（%(n)s 家未提交）", left) % {"n": left}
        count = state.overdue if state.past else state.left
        url = reverse("home") if len(own) > 1 else reverse("reporting:assessments:index")
        items.append(QueueItem(f"deadline-{period.pk}", label, count, url, tone, state.text))
    return items


def returned(user) -> list[QueueItem]:
    """退回待修改: the user's enterprises' forms sent back by the officer (one query; a group user's few)."""
    own = WorkQueuePolicy.fills_in(user)
    if not own:
        return []
    forms = list(
        Assessment.objects.filter(enterprise_id__in=sorted(own), status=AssessmentStatus.RETURNED)
        .order_by("pk")
        .values_list("pk", flat=True)[:MAX_LISTED]
    )
    url = reverse("reporting:assessments:detail", args=[forms[0]]) if len(forms) == 1 else reverse("home")
    return [QueueItem("returned", _("退回待修改的自评表"), len(forms), url, "danger" if forms else "info")]


# SASAC staff (and officers of a province): prefectures falling behind ------------------------------------------


def prefectures_behind(user) -> list[QueueItem]:
    """落后的州（市）: from the rollup's two latest snapshot days of the provinces the user watches, the prefectures
    whose completion rate is below the province's or fell since the previous day, for any document (two queries)."""
    provinces = sorted(WorkQueuePolicy.watched_provinces(user))
    if not provinces:
        return []
    totals = RollupSnapshot.objects.filter(
        province_id__in=provinces, measure__isnull=True, ownership__isnull=True, industry__isnull=True
    ).filter(county__isnull=True)
    days = list(totals.filter(prefecture__isnull=True).values_list("day", flat=True).distinct().order_by("-day")[:2])
    if not days:
        return []
    rows = list(totals.filter(day__in=days).values_list("day", "document_id", "prefecture_id", "completion_rate"))
    behind = behind_prefectures(rows, latest=days[0], previous=days[1] if len(days) > 1 else None)
    url = f"{reverse('reporting:dashboard')}#regions"
    count = len(behind)
    return [QueueItem("prefectures-behind", _("落后的州（市）"), count, url, "warning" if count else "info")]


def behind_prefectures(rows, *, latest, previous) -> set[int]:
    """Of snapshot rows (day, document, prefecture or None for the province, completion rate), the prefectures
    below their province's rate on `latest`, or lower than on `previous`, for some document."""
    rate = {(day, doc, pref): value for day, doc, pref, value in rows}
    behind = set()
    for (day, doc, pref), value in rate.items():
        if day != latest or pref is None or value is None:
            continue
        province = rate.get((latest, doc, None))
        before = rate.get((previous, doc, pref)) if previous else None
        if (province is not None and value < province) or (before is not None and value < before):
            behind.add(pref)
    return behind


# Everyone: the unread notices ------------------------------------------------------------------------------------


def notices(user) -> list[QueueItem]:
    count = unread_count(user=user, fresh=True)  # counted now; the navigation's badge then reads it
    url = f"{reverse('inbox:list')}?show=unread"
    return [QueueItem("notices", _("未读通知"), count, url, "primary" if count else "secondary", actionable=False)]


# The providers, in the order the home page lists them. Another app adds its own here (one line each):
PROVIDERS: list[Provider] = [
    reviews,
    value_changes,
    questions,
    orders,
    newly_lagging,
    deadlines,
    returned,
    prefectures_behind,
    notices,
]


def queue_for(user) -> list[QueueItem]:
    """The user's queue: every provider's items, in order, counted now (the home page); its total is kept
    `QUEUE_SECONDS` for the navigation's badge on the other pages."""
    if not getattr(user, "is_authenticated", False):
        return []
    items = [item for provider in PROVIDERS for item in provider(user)]
    cache.set(WORK_QUEUE_KEY.format(user_id=user.pk), total_of(items), QUEUE_SECONDS)
    return items


def total_of(items: list[QueueItem]) -> int:
    """The badge's number: the actionable counts of the queue (a deadline counts as one)."""
    total = 0
    for item in items:
        if item.actionable and item.count:
            total += 1 if item.key.startswith("deadline-") else item.count
    return total


def queue_total(*, user) -> int | None:
    """The queue's total as the home page last counted it (None: not counted within `QUEUE_SECONDS`), read from the
    cache alone: the badge costs the other pages no query."""
    if not getattr(user, "is_authenticated", False):
        return None
    return cache.get(WORK_QUEUE_KEY.format(user_id=user.pk))
