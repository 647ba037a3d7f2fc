"""One enterprise's activity feed (its 全部记录): every change the database recorded about it, in one timeline.

The sources are the history the database writes (reform_portal/history.py) and the self-assessment's trail:

| kind       | rows                                                                                          |
|------------|-----------------------------------------------------------------------------------------------|
| register   | `EnterpriseEvent`: the registration, and each write that changed the register                 |
| progress   | `ProgressEvent`: each change of a measure's status, percent or note (a record created as 未启动 |
|            | 0% with no note is the register's doing, not news, and is left out)                           |
| indicator  | `IndicatorValueEvent`: each value set or changed                                              |
| evidence   | `EvidenceEvent`: each file added, withdrawn (with the reason) or removed                      |
| assessment | `AssessmentTransition` (started, submitted, returned, accepted), `AssessmentItemEvent` and     |
|            | `AssessmentIndicatorEvent` (each answer changed; the answers a form starts with are its start), |
|            | `AssessmentEvidenceEvent` (files added to or removed from the form)                           |

An update event is listed only when an audited value differs (`IS DISTINCT FROM`, as the triggers write them), so
no row says "推进中 20% → 推进中 20%". The timeline is one UNION ALL of the sources' (source, id, time), narrowed to
the enterprise, the filters and, for the self-assessment, `AssessmentPolicy.visible`; it is counted, sorted newest
first and cut to the page in the database, then the page's rows are read by id, one query per source on the page:
a page costs the same few queries however long the history.

Each row is read as people read it: choices by their labels (推进中, not in_progress), percents with %, 是/否,
indicator values as `value_display` gives them, files by their names, never a raw list or dict.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.paginator import Paginator
from django.db.models import BooleanField, CharField, F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.choices import Status
from measures.indicator_values import IndicatorAnswer, value_display
from measures.models import EvidenceEvent, IndicatorValueEvent, ProgressEvent
from reform_portal.access import AssessmentPolicy, LiaisonPolicy
from reform_portal.choices import ChangeSource
from reporting.assessments.choices import AssessmentStatus, SelfRating, TransitionAction
from reporting.assessments.models import (
    Assessment,
    AssessmentEvidenceEvent,
    AssessmentIndicator,
    AssessmentIndicatorEvent,
    AssessmentItem,
    AssessmentItemEvent,
    AssessmentTransition,
)

from .liaisons.models import VisitEvent
from .models import REGISTER_FIELDS, Enterprise, EnterpriseEvent
from .pilots.models import PilotDesignationEvent, PilotFundEvent

PAGE_SIZE = 50

KINDS = {
    "register": gettext_lazy("企业信息"),
    "progress": gettext_lazy("推进情况"),
    "indicator": gettext_lazy("指标值"),
    "evidence": gettext_lazy("证明材料"),
    "assessment": gettext_lazy("年度自评"),
    "pilot": gettext_lazy("试点与经费"),
    "supervision": gettext_lazy("督办单"),
    "visit": gettext_lazy("直通车走访"),
}


class DistinctFrom(Func):
    """`a IS DISTINCT FROM b`: how the history triggers decide that a value changed (NULLs included)."""

    arg_joiner = " IS DISTINCT FROM "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _changed(fields) -> Q:
    """An update event whose audited values differ in at least one of `fields`."""
    q = Q()
    for name in fields:
        q |= Q(DistinctFrom(F(name), F(f"old_{name}")))
    return q


@dataclass
class Diff:
    label: str
    old: str | None  # None: nothing before (a creation, a file named); "" : empty before
    new: str


@dataclass
class ActivityRow:
    at: datetime
    kind: str
    changed_by: object
    source_label: str
    title: str  # what the row is about: the register, a measure, an indicator, a form
    action: str  # what happened: 登记企业, 更新推进情况, 撤回证明材料, 退回…
    diffs: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # the reason, the comment, the return's reasons per measure

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


@dataclass(frozen=True)
class ActivityFilters:
    kind: str = ""  # one of KINDS, or all
    measure_id: int | None = None  # rows about one measure (its progress, indicators, evidence, answers)
    date_from: date | None = None
    date_to: date | None = None


# ---- the sources: (source, id, time) narrowed to one enterprise ----


def _sources(enterprise, user, filters: ActivityFilters) -> list:
    """[(source, kind, queryset of that source's rows of `enterprise`, the time column, measure path or None)]."""
    e = enterprise.pk
    assessments = AssessmentPolicy.visible(user, Assessment.objects.filter(enterprise_id=e)).values("pk")
    progress_inserted_blank = Q(pgh_label="insert", status=Status.NOT_STARTED, percent=0, note="")
    return [
        ("register", "register", EnterpriseEvent.objects.filter(pgh_obj_id=e), "pgh_created_at", None),
        (
            "progress",
            "progress",
            ProgressEvent.objects.filter(pgh_obj__enterprise_id=e)
            .exclude(progress_inserted_blank)
            .filter(Q(pgh_label="insert") | _changed(ProgressEvent.audited_fields)),
            "pgh_created_at",
            "pgh_obj__measure_id",
        ),
        (
            "indicator",
            "indicator",
            IndicatorValueEvent.objects.filter(pgh_obj__enterprise_id=e).filter(
                Q(pgh_label="insert") | _changed(IndicatorValueEvent.audited_fields)
            ),
            "pgh_created_at",
            "pgh_obj__indicator__measure_id",
        ),
        (
            "evidence",
            "evidence",
            # added, removed, and withdrawn (an update that sets the withdrawal; nothing else of a file changes)
            EvidenceEvent.objects.filter(progress__enterprise_id=e).filter(
                Q(pgh_label__in=("insert", "delete")) | _changed(("withdrawn_at", "withdrawal_reason"))
            ),
            "pgh_created_at",
            "progress__measure_id",
        ),
        (
            "transition",
            "assessment",
            AssessmentTransition.objects.filter(assessment_id__in=assessments),
            "at",
            None,
        ),
        (
            "assessment_item",
            "assessment",
            AssessmentItemEvent.objects.filter(pgh_obj__assessment_id__in=assessments, pgh_label="update").filter(
                _changed(AssessmentItemEvent.audited_fields)
            ),
            "pgh_created_at",
            "pgh_obj__measure_id",
        ),
        (
            "assessment_indicator",
            "assessment",
            AssessmentIndicatorEvent.objects.filter(pgh_obj__assessment_id__in=assessments, pgh_label="update").filter(
                _changed(AssessmentIndicatorEvent.audited_fields)
            ),
            "pgh_created_at",
            "pgh_obj__indicator__measure_id",
        ),
        (
            "assessment_evidence",
            "assessment",
            AssessmentEvidenceEvent.objects.filter(
                item__assessment_id__in=assessments, pgh_label__in=("insert", "delete")
            ),
            "pgh_created_at",
            "item__measure_id",
        ),
        (
            "pilot",
            "pilot",
            PilotDesignationEvent.objects.filter(pgh_obj__enterprise_id=e).filter(
                Q(pgh_label="insert") | _changed(PilotDesignationEvent.audited_fields)
            ),
            "pgh_created_at",
            None,
        ),
        (
            "pilot_fund",
            "pilot",
            PilotFundEvent.objects.filter(pgh_obj__designation__enterprise_id=e),
            "pgh_created_at",
            None,
        ),
        *_supervision_sources(e),
        *_visit_sources(e, user),
    ]


def _supervision_sources(e: int) -> list:
    """The enterprise's supervision orders (reporting/supervision/): each order issued and each change of its due
    date or request (its history), each reply and each decision (append-only rows, by their time)."""
    from reporting.supervision.models import OrderDecision, OrderReply, SupervisionOrderEvent

    issued_or_changed = Q(pgh_label="insert") | _changed(("due_date", "request"))
    return [
        (
            "order",
            "supervision",
            SupervisionOrderEvent.objects.filter(pgh_obj__enterprise_id=e).filter(issued_or_changed),
            "pgh_created_at",
            None,
        ),
        ("order_reply", "supervision", OrderReply.objects.filter(order__enterprise_id=e), "at", None),
        ("order_decision", "supervision", OrderDecision.objects.filter(order__enterprise_id=e), "at", None),
    ]


def _visit_sources(e: int, user) -> list:
    """The enterprise's 直通车 visits (enterprises/liaisons/): each logged and each change (their history), for those
    who read visits (LiaisonPolicy: not the enterprise's own users)."""
    if not LiaisonPolicy.can(user, LiaisonPolicy.VISITS):
        return []
    events = VisitEvent.objects.filter(pgh_obj__enterprise_id=e)
    return [
        (
            "visit",
            "visit",
            events.filter(Q(pgh_label="insert") | _changed(VisitEvent.audited_fields)),
            "pgh_created_at",
            None,
        )
    ]


def _bounds(filters: ActivityFilters):
    zone = timezone.get_current_timezone()
    start = datetime.combine(filters.date_from, time.min, zone) if filters.date_from else None
    end = datetime.combine(filters.date_to, time.max, zone) if filters.date_to else None
    return start, end


def activity_timeline(*, enterprise, user, filters: ActivityFilters = ActivityFilters()):
    """The (source, ref, at) of every row of the feed, newest first, as one unevaluated UNION ALL queryset: count it,
    cut it to a page, then `activity_rows(...)` reads the page's rows."""
    start, end = _bounds(filters)
    parts = []
    for source, kind, qs, at, measure_path in _sources(enterprise, user, filters):
        if filters.kind and kind != filters.kind:
            continue
        if filters.measure_id is not None:
            if measure_path is None:
                continue
            qs = qs.filter(**{measure_path: filters.measure_id})
        if start is not None:
            qs = qs.filter(**{f"{at}__gte": start})
        if end is not None:
            qs = qs.filter(**{f"{at}__lte": end})
        parts.append(
            qs.order_by()
            .annotate(
                row_source=Value(source, output_field=CharField()),
                row_ref=F("pk") if at == "at" else F("pgh_id"),
                row_at=F(at),
            )
            .values_list("row_source", "row_ref", "row_at")
        )
    if not parts:  # a filter no source matches (the register's rows are about no measure…)
        return []
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-row_at", "-row_source", "-row_ref")


def activity_page(*, enterprise, user, filters: ActivityFilters = ActivityFilters(), number=1, per_page=PAGE_SIZE):
    """One page of the feed: a Django Page whose `object_list` holds ActivityRows."""
    page = Paginator(activity_timeline(enterprise=enterprise, user=user, filters=filters), per_page).get_page(number)
    page.object_list = activity_rows(list(page.object_list))
    return page


# ---- reading a page's rows as people read them ----


def _percent(value) -> str:
    return "" if value is None else f"{value}%"


def _status(value) -> str:
    return str(Status(value).label) if value else ""


def _yes_no(value) -> str:
    return "" if value is None else str(_("是") if value else _("否"))


def _who(event):
    return event.changed_by


def _source(event) -> str:
    return event.get_source_display()


def _event_row(event, kind: str, title: str, action: str = "", **more) -> ActivityRow:
    """A row for one history event: its time, who and from where, as every event reader shows them."""
    return ActivityRow(event.changed_at, kind, _who(event), _source(event), title, action, **more)


def _file(name: str, size) -> str:
    from django.template.defaultfilters import filesizeformat

    return f"{name}（{filesizeformat(size)}）" if size is not None else name


def _register(events) -> dict:
    from .services import display_value

    rows = {}
    for event in events:
        row = _event_row(event, "register", _("企业信息"))
        if event.is_creation:
            row.action = _("登记企业")
            row.diffs = [Diff(str(Enterprise._meta.get_field("name").verbose_name), None, event.name)]
        else:
            row.action = _("修改企业信息")
            after = Enterprise(**{f: getattr(event, f) for f in REGISTER_FIELDS})
            before = Enterprise(**{f: getattr(event, f"old_{f}") for f in REGISTER_FIELDS})
            for name in reversed(REGISTER_FIELDS):  # as the register's own history lists them
                old, new = display_value(before, name), display_value(after, name)
                if old != new:
                    row.diffs.append(Diff(str(Enterprise._meta.get_field(name).verbose_name), old, new))
        rows[event.pgh_id] = row
    return rows


PROGRESS_SHOWN = (("status", _status), ("percent", _percent), ("note", str))


def _progress(events) -> dict:
    rows = {}
    for event in events:
        measure = event.pgh_obj.measure
        created = event.is_creation
        row = _event_row(
            event,
            "progress",
            measure.label,
            _("建立推进记录") if created else _("更新推进情况"),
        )
        for name, show in PROGRESS_SHOWN:
            new, old = getattr(event, name), None if created else getattr(event, f"old_{name}")
            if created and name == "note" and not new:
                continue
            if created or old != new:
                label = str(ProgressEvent._meta.get_field(name).verbose_name)
                row.diffs.append(Diff(label, None if created else show(old) if old is not None else "", show(new)))
        if event.comment:
            row.notes.append(event.comment)
        rows[event.pgh_id] = row
    return rows


def _indicator(events) -> dict:
    rows = {}
    for event in events:
        value = event.pgh_obj
        indicator = value.indicator
        old = None if event.is_creation else IndicatorAnswer(event.old_value, event.old_text or "")
        new = IndicatorAnswer(event.value, event.text or "")
        title = _("%(code)s %(name)s（%(year)s年）") % {
            "code": indicator.measure.code,
            "name": indicator.name,
            "year": value.year,
        }
        row = _event_row(
            event,
            "indicator",
            title,
            _("填报指标值") if event.is_creation else _("修改指标值"),
            diffs=[
                Diff(_("指标值"), None if old is None else value_display(indicator, old), value_display(indicator, new))
            ],
        )
        if event.comment:
            row.notes.append(event.comment)
        rows[event.pgh_id] = row
    return rows


def _evidence(events) -> dict:
    rows = {}
    for event in events:
        row = _event_row(event, "evidence", event.progress.measure.label)
        name = _file(event.original_name, event.size)
        row.diffs = [Diff(_("文件"), None, name)]
        if event.is_creation:
            row.action = _("上传证明材料")
        elif event.is_deletion:
            row.action = _("删除证明材料")
        else:
            row.action = _("撤回证明材料")
            row.notes.append(_("撤回原因：%(reason)s") % {"reason": event.withdrawal_reason})
        rows[event.pgh_id] = row
    return rows


def _form_title(assessment) -> str:
    return _("%(period)s自评") % {"period": assessment.period.label}


def _transitions(transitions) -> dict:
    rows = {}
    for t in transitions:
        row = ActivityRow(
            t.at,
            "assessment",
            t.by,
            str(ChangeSource.ASSESSMENT.label),
            _form_title(t.assessment),
            str(TransitionAction(t.action).label),
        )
        old = str(AssessmentStatus(t.from_status).label) if t.from_status else None
        row.diffs.append(Diff(_("状态"), old, str(AssessmentStatus(t.to_status).label)))
        if t.action == TransitionAction.SUBMIT and t.round:
            row.notes.append(_("第 %(round)s 轮提交") % {"round": t.round})
        if t.comment:
            row.notes.append(t.comment)
        for code, reason in sorted((t.details or {}).get("reasons", {}).items()):
            row.notes.append(f"{code}{_('：')}{reason}")
        rows[t.pk] = row
    return rows


def _item_value(name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "self_rating":
        return str(SelfRating(value).label)
    if name in ("claimed_status", "verified_status"):
        return _status(value)
    if name in ("claimed_percent", "verified_percent"):
        return _percent(value)
    if name == "carried_over":
        return _yes_no(value)
    return str(value)


def _assessment_items(events) -> dict:
    rows = {}
    for event in events:
        item = event.pgh_obj
        row = _event_row(
            event,
            "assessment",
            f"{_form_title(item.assessment)} · {item.measure.label}",
            _("修改自评措施"),
        )
        for name in AssessmentItemEvent.audited_fields:
            old, new = _item_value(name, getattr(event, f"old_{name}")), _item_value(name, getattr(event, name))
            if old != new:
                row.diffs.append(Diff(str(AssessmentItem._meta.get_field(name).verbose_name), old, new))
        rows[event.pgh_id] = row
    return rows


def _assessment_indicators(events) -> dict:
    rows = {}
    for event in events:
        answer = event.pgh_obj
        indicator = answer.indicator
        row = _event_row(
            event,
            "assessment",
            f"{_form_title(answer.assessment)} · {indicator.measure.code} {indicator.name}",
            _("修改自评指标"),
        )
        for side in ("claimed", "verified"):
            old = value_display(
                indicator,
                IndicatorAnswer(getattr(event, f"old_{side}_value"), getattr(event, f"old_{side}_text") or ""),
            )
            new = value_display(
                indicator, IndicatorAnswer(getattr(event, f"{side}_value"), getattr(event, f"{side}_text") or "")
            )
            if old != new:
                row.diffs.append(Diff(str(AssessmentIndicator._meta.get_field(f"{side}_value").verbose_name), old, new))
        if event.old_carried_over != event.carried_over:
            label = str(AssessmentIndicator._meta.get_field("carried_over").verbose_name)
            row.diffs.append(Diff(label, _yes_no(event.old_carried_over), _yes_no(event.carried_over)))
        rows[event.pgh_id] = row
    return rows


def _assessment_evidence(events) -> dict:
    rows = {}
    for event in events:
        item = event.item
        added = event.is_creation
        row = _event_row(
            event,
            "assessment",
            f"{_form_title(item.assessment)} · {item.measure.label}",
            _("添加自评佐证材料") if added else _("删除自评佐证材料"),
        )
        row.diffs.append(Diff(_("文件"), None, _file(event.name, event.size)))
        rows[event.pgh_id] = row
    return rows


def _pilot_value(event, name: str, prefix: str = "") -> str:
    value = getattr(event, f"{prefix}{name}")
    if name == "region":
        region = getattr(event, f"{prefix}region")
        return region.name if region is not None else ""
    if name == "status":
        from .pilots.choices import PilotStatus

        return str(PilotStatus(value).label) if value else ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _pilots(events) -> dict:
    rows = {}
    for event in events:
        created = event.is_creation
        ended = not created and event.old_status != event.status
        action = _("认定为试点企业") if created else _("结束试点") if ended else _("修改试点认定")
        row = _event_row(event, "pilot", _("试点：%(number)s") % {"number": event.document_number}, action)
        for name in PilotDesignationEvent.audited_fields:
            old, new = None if created else _pilot_value(event, name, "old_"), _pilot_value(event, name)
            if (created and new) or (not created and old != new):
                label = str(PilotDesignationEvent._meta.get_field(name).verbose_name)
                row.diffs.append(Diff(label, old, new))
        rows[event.pgh_id] = row
    return rows


def _pilot_funds(events) -> dict:
    rows = {}
    for event in events:
        title = _("试点：%(number)s") % {"number": event.pgh_obj.designation.document_number}
        row = _event_row(event, "pilot", title, _("记录工作经费"))
        row.diffs.append(
            Diff(
                event.get_kind_display(),
                None,
                _("%(amount)s 元（%(date)s）") % {"amount": f"{event.amount:,.2f}", "date": event.on_date.isoformat()},
            )
        )
        row.notes.append(event.purpose)
        rows[event.pgh_id] = row
    return rows


def _visits(events) -> dict:
    rows = {}
    for event in events:
        created = event.is_creation
        title = _("直通车走访：%(date)s") % {"date": event.visited_on.isoformat()}
        row = _event_row(event, "visit", title, _("记录直通车走访") if created else _("修改走访记录"))
        for name in VisitEvent.audited_fields:
            old = None if created else getattr(event, f"old_{name}")
            new = getattr(event, name)
            old, new = (v.isoformat() if hasattr(v, "isoformat") else v for v in (old, new))
            if (created and new) or (not created and old != new):
                label = str(VisitEvent._meta.get_field(name).verbose_name)
                row.diffs.append(Diff(label, None if created else (old or ""), new or ""))
        rows[event.pgh_id] = row
    return rows


def _order_models():
    from reporting.supervision.models import OrderDecision, OrderReply, SupervisionOrderEvent

    return SupervisionOrderEvent, OrderReply, OrderDecision


def _order_title(number: str) -> str:
    return _("督办单 %(number)s") % {"number": number}


def _orders(events) -> dict:
    rows = {}
    for event in events:
        created = event.is_creation
        action = _("下达督办单") if created else _("修改督办单")
        row = _event_row(event, "supervision", _order_title(event.pgh_obj.number), action)
        for name, label in (("due_date", _("办结期限")), ("request", _("督办要求"))):
            new = getattr(event, name)
            new = new.isoformat() if hasattr(new, "isoformat") else str(new or "")
            old = None if created else getattr(event, f"old_{name}")
            old = old.isoformat() if hasattr(old, "isoformat") else (None if created else str(old or ""))
            if created or old != new:
                row.diffs.append(Diff(str(label), old, new))
        rows[event.pgh_id] = row
    return rows


def _order_replies(replies) -> dict:
    rows = {}
    for reply in replies:
        manual = str(ChangeSource.MANUAL.label)
        row = ActivityRow(reply.at, "supervision", reply.by, manual, _order_title(reply.order.number), _("回复督办单"))
        row.notes.append(reply.text)
        for f in reply.files.all():
            row.diffs.append(Diff(_("文件"), None, _file(f.original_name, f.size)))
        rows[reply.pk] = row
    return rows


def _order_decisions(decisions) -> dict:
    rows = {}
    for decision in decisions:
        row = ActivityRow(
            decision.at,
            "supervision",
            decision.by,
            str(ChangeSource.MANUAL.label),
            _order_title(decision.order.number),
            str(decision.get_action_display()),
        )
        row.notes.append(decision.comment or _("（无核查意见）"))
        rows[decision.pk] = row
    return rows


# source → (how its page rows are read, by id, and how they are shown)
_READERS = {
    "register": (
        lambda ids: EnterpriseEvent.objects.filter(pgh_id__in=ids).select_related(
            "changed_by", "region", "old_region", "county", "old_county", "parent", "old_parent"
        ),
        _register,
    ),
    "progress": (
        lambda ids: ProgressEvent.objects.filter(pgh_id__in=ids).select_related("changed_by", "pgh_obj__measure"),
        _progress,
    ),
    "indicator": (
        lambda ids: IndicatorValueEvent.objects.filter(pgh_id__in=ids).select_related(
            "changed_by", "pgh_obj__indicator__measure"
        ),
        _indicator,
    ),
    "evidence": (
        lambda ids: EvidenceEvent.objects.filter(pgh_id__in=ids).select_related("changed_by", "progress__measure"),
        _evidence,
    ),
    "transition": (
        lambda ids: AssessmentTransition.objects.filter(pk__in=ids).select_related("by", "assessment__period"),
        _transitions,
    ),
    "assessment_item": (
        lambda ids: AssessmentItemEvent.objects.filter(pgh_id__in=ids).select_related(
            "changed_by", "pgh_obj__measure", "pgh_obj__assessment__period"
        ),
        _assessment_items,
    ),
    "assessment_indicator": (
        lambda ids: AssessmentIndicatorEvent.objects.filter(pgh_id__in=ids).select_related(
            "changed_by", "pgh_obj__indicator__measure", "pgh_obj__assessment__period"
        ),
        _assessment_indicators,
    ),
    "assessment_evidence": (
        lambda ids: AssessmentEvidenceEvent.objects.filter(pgh_id__in=ids).select_related(
            "changed_by", "item__measure", "item__assessment__period"
        ),
        _assessment_evidence,
    ),
    "pilot": (
        lambda ids: PilotDesignationEvent.objects.filter(pgh_id__in=ids).select_related(
            "changed_by", "region", "old_region"
        ),
        _pilots,
    ),
    "pilot_fund": (
        lambda ids: PilotFundEvent.objects.filter(pgh_id__in=ids).select_related("changed_by", "pgh_obj__designation"),
        _pilot_funds,
    ),
    "order": (
        lambda ids: _order_models()[0].objects.filter(pgh_id__in=ids).select_related("changed_by", "pgh_obj"),
        _orders,
    ),
    "order_reply": (
        lambda ids: (
            _order_models()[1].objects.filter(pk__in=ids).select_related("by", "order").prefetch_related("files")
        ),
        _order_replies,
    ),
    "order_decision": (
        lambda ids: _order_models()[2].objects.filter(pk__in=ids).select_related("by", "order"),
        _order_decisions,
    ),
    "visit": (
        lambda ids: VisitEvent.objects.filter(pgh_id__in=ids).select_related("changed_by"),
        _visits,
    ),
}


def activity_rows(refs: list) -> list[ActivityRow]:
    """The ActivityRows of a page's (source, id, time), in that order: one query per source on the page."""
    wanted: dict[str, list] = {}
    for source, ref, _at in refs:
        wanted.setdefault(source, []).append(ref)
    read = {}
    for source, ids in wanted.items():
        fetch, show = _READERS[source]
        read[source] = show(fetch(ids))
    # A row that shows no difference is never listed (the queries already leave such events out).
    return [row for source, ref, _at in refs if (row := read[source].get(ref)) is not None and (row.diffs or row.notes)]
