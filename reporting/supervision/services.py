"""Writes of supervision orders. Keyword-only, one transaction each; a refusal is a ValidationError naming the field
({field: [message]}) and saves nothing (PermissionDenied when the user may not act at all). Pages, the API and the
beat task call these; who is told is notifications.py's business, recorded in the same transaction."""

import uuid
from datetime import date
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Region
from measures.applicability import scope_applies
from measures.models import Measure
from reform_portal import numbering
from reform_portal.access import OrderPolicy, officers_in_charge
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one
from reform_portal.stored_files import store_checked
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS
from reform_portal.uploads import check_upload
from reform_portal.versioning import check_version
from reporting.assessments.deadlines import escalation_stages_due

from . import lights, notifications
from .choices import MEASURES_MAX, PROVINCE_ABBREVIATIONS, REPLY_FILES_MAX, REPLYABLE_STATUSES, OrderStatus
from .models import OrderDecision, OrderEscalation, OrderNumber, OrderReply, OrderReplyFile, SupervisionOrder

ESCALATION_BATCH = 200


def issue_max_enterprises() -> int:
    """At most this many enterprises (orders) per issue (setting ORDER_ISSUE_MAX_ENTERPRISES, default 2,000)."""
    return int(getattr(settings, "ORDER_ISSUE_MAX_ENTERPRISES", 2000))


def _add(problems: dict, name: str, message) -> None:
    problems.setdefault(name, []).append(str(message))


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


def order_number(province_code: str, year: int, sequence: int) -> str:
    """云督〔2026〕3号."""
    return f"{PROVINCE_ABBREVIATIONS.get(province_code[:2], '')}督〔{year}〕{sequence}号"


def issue_problems(*, by, enterprises, measures, request: str, due_date, today: date) -> dict[str, list[str]]:
    """Why these enterprises cannot be given this order by `by`; empty when they can (no query: the enterprises'
    regions and the measures' scopes are loaded by the caller)."""
    problems: dict[str, list[str]] = {}
    if due_date is None:
        _add(problems, "due_date", _("请填写办结期限。"))
    elif due_date < today:
        _add(problems, "due_date", _("办结期限不能早于今天（%(today)s）。") % {"today": today.isoformat()})
    if not enterprises:
        _add(problems, "enterprises", _("请选择至少一家企业。"))
    elif len(enterprises) > issue_max_enterprises():
        _add(
            problems,
            "enterprises",
            _("一次最多向 %(max)s 家企业下达督办单（选中 %(n)s 家），请缩小筛选范围。")
            % {"max": issue_max_enterprises(), "n": len(enterprises)},
        )
    else:
        outside = [e for e in enterprises if not OrderPolicy.can(by, OrderPolicy.ISSUE, e)]
        if outside:
            _add(
                problems,
                "enterprises",
                _("企业“%(name)s”不在您的督办范围内，不能向其下达督办单。") % {"name": outside[0].name}
                + (_("（另有 %(n)s 家）") % {"n": len(outside) - 1} if len(outside) > 1 else ""),
            )
    if not measures:
        _add(problems, "measures", _("请选择至少一项督办措施。"))
    elif len(measures) > MEASURES_MAX:
        _add(problems, "measures", _("一张督办单最多 %(n)s 项措施。") % {"n": MEASURES_MAX})
    elif "enterprises" not in problems:
        for measure in measures:
            missing = [e for e in enterprises if not scope_applies(measure.scope, e)]
            if missing:
                _add(
                    problems,
                    "measures",
                    _("措施“%(measure)s”不适用于企业“%(name)s”%(more)s，不能督办。")
                    % {
                        "measure": measure.label,
                        "name": missing[0].name,
                        "more": _("等 %(n)s 家") % {"n": len(missing)} if len(missing) > 1 else "",
                    },
                )
    text = (request or "").strip()
    if not text:
        _add(problems, "request", _("请填写督办要求。"))
    elif len(text) > NOTE_MAX_CHARS:
        _add(problems, "request", _("督办要求不能超过 %(n)s 个字。") % {"n": NOTE_MAX_CHARS})
    return problems


@transaction.atomic
def order_issue(*, enterprises, measures, request: str, due_date, by) -> list[SupervisionOrder]:
    """One order per enterprise (Enterprise rows or ids), all or nothing, sharing one batch id; numbered per
    province and year. Set-based: one INSERT of the orders and one of their measures, whatever their number."""
    today = lights.today()
    enterprise_ids = sorted({getattr(e, "pk", e) for e in enterprises})
    rows = list(Enterprise.objects.filter(pk__in=enterprise_ids).select_related("region").order_by("pk"))
    if len(rows) != len(enterprise_ids):
        raise ValidationError({"enterprises": [_("未找到所选的企业。")]})
    measure_rows = list(
        Measure.objects.filter(pk__in={getattr(m, "pk", m) for m in measures})
        .select_related("scope", "document")
        .order_by("document_id", "position")
    )
    body = OrderPolicy.issuer_body(by)
    if body is None:
        raise PermissionDenied
    _raise(
        issue_problems(by=by, enterprises=rows, measures=measure_rows, request=request, due_date=due_date, today=today)
    )
    provinces: dict[int, list[Enterprise]] = {}
    for enterprise in rows:
        provinces.setdefault(enterprise.region.parent_id or enterprise.region_id, []).append(enterprise)
    codes = dict(Region.objects.filter(pk__in=list(provinces)).values_list("pk", "code"))
    orders = []
    batch = uuid.uuid4()  # shared by the orders issued together
    now = timezone.now()
    for province_id, listed in sorted(provinces.items()):
        sequences = numbering.reserve(OrderNumber, province_id=province_id, year=today.year, count=len(listed))
        for enterprise, sequence in zip(listed, sequences, strict=True):
            orders.append(
                SupervisionOrder(
                    number=order_number(codes[province_id], today.year, sequence),
                    province_id=province_id,
                    year=today.year,
                    sequence=sequence,
                    issued_by=by,
                    issuer_body=body,
                    enterprise=enterprise,
                    request=request.strip(),
                    due_date=due_date,
                    batch=batch,
                    created_at=now,
                )
            )
    with change_context(by=by, source=ChangeSource.MANUAL):
        orders = SupervisionOrder.objects.bulk_create(orders)
        through = SupervisionOrder.measures.through
        through.objects.bulk_create(
            [through(supervisionorder_id=o.pk, measure_id=m.pk) for o in orders for m in measure_rows]
        )
    notifications.order_issued(order_ids=[o.pk for o in orders])
    return orders


def issue_selection(*, filterset) -> list[int]:
    """The ids of the enterprises a valid enterprise-list filter selects (enterprises/bulk_selection.py: an invalid
    value would be dropped by django-filter and widen the selection), at most the cap plus one (to tell it is too
    many)."""
    from enterprises.bulk_selection import filter_is_valid

    if not filter_is_valid(filterset):
        raise ValidationError({"filter": [_("筛选条件无效，请返回企业列表重新筛选。")]})
    return list(filterset.qs.order_by("pk").values_list("pk", flat=True)[: issue_max_enterprises() + 1])


def order_issue_by_filter(*, filterset, measures, request: str, due_date, by) -> list[SupervisionOrder]:
    """An order to every enterprise the enterprise list's filter selects (e.g. every lagging enterprise of 曲靖),
    capped at ORDER_ISSUE_MAX_ENTERPRISES; all or nothing."""
    ids = issue_selection(filterset=filterset)
    return order_issue(enterprises=ids, measures=measures, request=request, due_date=due_date, by=by)


@transaction.atomic
def order_reply(*, order: SupervisionOrder, text: str, files=(), by) -> OrderReply:
    """The enterprise's reply with evidence files (checked as every evidence file): the order waits for the issuer's
    check (已回复待核查). Refused for a closed order, one already replied and not yet checked, or from outside the
    enterprise's side."""
    current = lock_one(SupervisionOrder.objects.select_related("enterprise"), pk=order.pk)
    if not OrderPolicy.on_enterprise_side(by, current):
        raise PermissionDenied
    problems: dict[str, list[str]] = {}
    if current.status == OrderStatus.CLOSED:
        _add(problems, "text", _("该督办单已办结，不能再回复。"))
        _raise(problems)
    if current.status not in REPLYABLE_STATUSES:
        _add(problems, "text", _("该督办单已回复，正在核查，请等待核查结果。"))
        _raise(problems)
    text = (text or "").strip()
    if not text:
        _add(problems, "text", _("请填写办理情况。"))
    elif len(text) > ANSWER_MAX_CHARS:
        _add(problems, "text", _("办理情况不能超过 %(n)s 个字。") % {"n": ANSWER_MAX_CHARS})
    files = list(files or [])
    checked = []
    if len(files) > REPLY_FILES_MAX:
        _add(problems, "files", _("一次回复最多上传 %(n)s 个文件。") % {"n": REPLY_FILES_MAX})
    else:
        for upload in files:
            try:
                checked.append((upload, check_upload(upload)))
            except ValidationError as error:
                _add(problems, "files", f"{upload.name}：{' '.join(error.messages)}")
    _raise(problems)
    reply = OrderReply.objects.create(order=current, text=text, by=by, at=timezone.now())
    store_checked(partial(OrderReplyFile, reply=reply), checked)
    with change_context(by=by, source=ChangeSource.MANUAL):
        current.status = OrderStatus.REPLIED
        current.replied_at = reply.at
        current.save(update_fields=["status", "replied_at"])
    notifications.order_replied(reply_id=reply.pk)
    return reply


def _decide(*, order, action: str, comment: str, by, expected_version) -> OrderDecision:
    current = lock_one(SupervisionOrder.objects.select_related("enterprise"), pk=order.pk)
    if not OrderPolicy.can(by, OrderPolicy.DECIDE, current):
        raise PermissionDenied
    check_version(current, expected_version, label=lambda: current.number)
    problems: dict[str, list[str]] = {}
    comment = (comment or "").strip()
    if current.status == OrderStatus.CLOSED:
        _add(problems, "comment", _("该督办单已办结。"))
    elif current.status != OrderStatus.REPLIED:
        _add(problems, "comment", _("企业尚未回复，不能核查。"))
    if len(comment) > NOTE_MAX_CHARS:
        _add(problems, "comment", _("核查意见不能超过 %(n)s 个字。") % {"n": NOTE_MAX_CHARS})
    if action == "return" and not comment:
        _add(problems, "comment", _("退回时请写明需要整改的内容。"))
    _raise(problems)
    decision = OrderDecision.objects.create(order=current, action=action, comment=comment, by=by, at=timezone.now())
    with change_context(by=by, source=ChangeSource.MANUAL, comment=comment):
        if action == "accept":
            current.status = OrderStatus.CLOSED
            current.closed_at = decision.at
            current.closed_on = lights.today()
            current.save(update_fields=["status", "closed_at", "closed_on"])
        else:
            current.status = OrderStatus.RETURNED
            current.save(update_fields=["status"])
    return decision


@transaction.atomic
def order_accept(*, order: SupervisionOrder, comment: str = "", by, expected_version: int | None) -> OrderDecision:
    """Accept the reply: the order is closed (已办结). StaleEdit when it changed since `expected_version`."""
    decision = _decide(order=order, action="accept", comment=comment, by=by, expected_version=expected_version)
    notifications.order_accepted(decision_id=decision.pk)
    return decision


@transaction.atomic
def order_return(*, order: SupervisionOrder, comment: str, by, expected_version: int | None) -> OrderDecision:
    """Send the reply back (退回整改, with what to correct): the enterprise replies anew."""
    decision = _decide(order=order, action="return", comment=comment, by=by, expected_version=expected_version)
    notifications.order_returned(decision_id=decision.pk)
    return decision


# ---- escalation of overdue orders (beat, daily) ----


def order_escalations_run(*, today: date | None = None, batch: int = ESCALATION_BATCH) -> int:
    """Escalate every order not closed past its due date, as the deadlines' escalations are
    (reporting/assessments/deadlines.py `escalation_stages_due`): stage 0 to the officers in charge on the first
    working day overdue, stage k to the k-th union level above ESCALATION_DELAY_WORKDAYS × k working days later.
    Exactly once: per batch of orders, one transaction inserts the ledger rows (unique per order and stage) ON
    CONFLICT DO NOTHING … RETURNING and records the mail of the rows it inserted; a second run inserts nothing.
    Returns how many ledger rows were inserted."""
    today = today or lights.today()
    done, last = 0, 0
    pending = SupervisionOrder.objects.filter(lights.overdue_q(today)).order_by("pk")
    while True:
        ids = list(pending.filter(pk__gt=last).values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        last = ids[-1]
        with transaction.atomic():
            done += _escalate_batch(ids=ids, today=today)


def _escalate_batch(*, ids, today) -> int:
    orders = list(SupervisionOrder.objects.filter(pk__in=ids).select_related("enterprise__region"))
    enterprises = {o.enterprise_id: o.enterprise for o in orders}
    chains = officers_in_charge(enterprises.values())
    rows = []
    for order in sorted(orders, key=lambda o: o.pk):
        chain = chains.get(order.enterprise_id, [])
        for stage in escalation_stages_due(due=order.due_date, today=today):
            if stage < len(chain):  # no officer at that stage: nothing recorded, so one appointed later is told
                rows.append((order.pk, stage, chain[stage][0], chain[stage][1]))
    if not rows:
        return 0
    table, orders_table = OrderEscalation._meta.db_table, SupervisionOrder._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s::integer[])"] * len(rows))
    sql = f"""
        INSERT INTO {table} (order_id, stage, level, recipients, created_at, emailed_to)
        SELECT v.order_id, v.stage, v.level, v.recipients, %s, '[]'::jsonb
          FROM (VALUES {values}) AS v (order_id, stage, level, recipients)
          JOIN {orders_table} o ON o.id = v.order_id AND o.status <> %s
        ON CONFLICT (order_id, stage) DO NOTHING
        RETURNING id"""
    params = [timezone.now(), *[p for row in rows for p in row], OrderStatus.CLOSED.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = [pk for (pk,) in cursor.fetchall()]
    if inserted:
        notifications.order_escalated(escalation_ids=inserted)
    return len(inserted)
