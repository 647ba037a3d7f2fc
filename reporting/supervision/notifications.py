"""Who is told what about supervision orders: one function per event, taking ids, called by the services inside
their transaction. Each records its mail in the outbox (reform_portal/outbox `enqueue`: written with the write that
causes it, sent after commit), so a rolled-back write tells nobody and a broker outage loses nothing.

| event     | who is told                                                                  |
|-----------|------------------------------------------------------------------------------|
| issued    | the enterprise's users (its own, and the group users it is granted to)       |
| replied   | the issuer                                                                   |
| accepted  | the enterprise's users                                                       |
| returned  | the enterprise's users                                                       |
| escalated | the officers of the escalation's stage (OrderEscalation.recipients)          |

Beside the email each event writes, in the same transaction, the in-portal notices of those told
(reform_portal/inbox `notify`) and the messages to group robots (reform_portal/channels `announce`): issued → the
robots of the enterprise's prefecture union; replied → the issuer's own robots; escalated → each officer's own.
The worker's side is `deliver(event, ids)` (task `reporting.supervision.tasks.order_notify`).
"""

from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.access import OrderPolicy
from reform_portal.channels.services import announce
from reform_portal.inbox.choices import NoticeKind
from reform_portal.inbox.services import notify, notify_each
from reform_portal.locks import lock_rows
from reform_portal.outbox.services import enqueue

from . import lights
from .models import OrderDecision, OrderEscalation, OrderReply, SupervisionOrder

TASK = "reporting.supervision.tasks.order_notify"
ISSUED, REPLIED, ACCEPTED, RETURNED, ESCALATED = "issued", "replied", "accepted", "returned", "escalated"


def order_issued(*, order_ids: list[int]) -> None:
    orders = _orders(order_ids)
    side = OrderPolicy.enterprise_side_users(o.enterprise_id for o in orders)
    if len(orders) == 1:
        (order,) = orders
        _notice(side.get(order.enterprise_id, []), order, _("收到督办单 %(number)s，请在办结期限前回复") % _n(order))
    elif orders:  # a batch: a statement per 5,000, each enterprise's users told of their own order (its list shows it)
        rows = [(user_id, o.enterprise_id) for o in orders for user_id in side.get(o.enterprise_id, [])]
        for start in range(0, len(rows), 5000):  # notify_each takes at most 10,000 at once
            notify_each(
                rows=rows[start : start + 5000],
                kind=NoticeKind.ORDER,
                title=_("收到督办单，请在办结期限前回复"),
                url=reverse("supervision:list"),
            )
    _announce_per_prefecture(
        orders, _("【产改通】已下达督办单（%(n)s 件）"), by=orders[0].issued_by if orders else None
    )
    enqueue(TASK, event=ISSUED, ids=sorted(order_ids))


def order_replied(*, reply_id: int) -> None:
    reply = OrderReply.objects.select_related("order__enterprise", "by").get(pk=reply_id)
    order = reply.order
    title = _("督办单 %(number)s 已回复，待核查") % _n(order)
    _notice([order.issued_by_id], order, title, body=reply.text)
    announce(
        user_ids=[order.issued_by_id],
        title=f"【产改通】{title}",
        text=_order_text(order),
        url=_url(order),
        label=_("查看督办单"),
        caused_by=reply.by,
    )
    enqueue(TASK, event=REPLIED, ids=[reply_id])


def order_accepted(*, decision_id: int) -> None:
    _decision_notices(decision_id, _("督办单 %(number)s 已办结"))
    enqueue(TASK, event=ACCEPTED, ids=[decision_id])


def order_returned(*, decision_id: int) -> None:
    _decision_notices(decision_id, _("督办单 %(number)s 被退回整改"))
    enqueue(TASK, event=RETURNED, ids=[decision_id])


def order_escalated(*, escalation_ids: list[int]) -> None:
    rows = list(OrderEscalation.objects.filter(pk__in=escalation_ids).select_related("order__enterprise__region"))
    by_officer: dict[int, list] = {}
    for row in rows:
        for user_id in row.recipients:
            by_officer.setdefault(user_id, []).append(row.order)
        title = _("督办单 %(number)s 逾期未办结，请督促") % _n(row.order)
        _notice(row.recipients, row.order, title, kind=NoticeKind.ESCALATION)
    for user_id, orders in sorted(by_officer.items()):
        title = _("【产改通】逾期未办结的督办单（%(n)s 件）") % {"n": len(orders)}
        text = "\n".join(f"- {_order_line(o)}" for o in sorted(orders, key=lambda o: o.number))
        announce(
            user_ids=[user_id],
            title=title,
            text=text,
            url=reverse("supervision:list") + "?overdue=true",
            label=_("查看逾期督办单"),
        )
    enqueue(TASK, event=ESCALATED, ids=sorted(escalation_ids))


# ---- in the service's transaction: the inbox and the group robots (reform_portal/inbox, reform_portal/channels) ----


def _n(order) -> dict:
    return {"number": order.number}


def _url(order) -> str:
    return reverse("supervision:detail", args=[order.pk])


def _orders(ids) -> list[SupervisionOrder]:
    return list(SupervisionOrder.objects.filter(pk__in=ids).select_related("enterprise", "issued_by").order_by("pk"))


def _order_text(order) -> str:
    return _order_line(order) + "\n\n" + _("督办要求：") + order.request


def _notice(user_ids, order, title: str, *, body: str = "", kind: str = NoticeKind.ORDER) -> None:
    notify(
        user_ids=user_ids,
        kind=kind,
        title=title,
        body=body or _order_line(order),
        url=_url(order),
        enterprise_id=order.enterprise_id,
    )


def _decision_notices(decision_id: int, title: str) -> None:
    decision = OrderDecision.objects.select_related("order__enterprise").get(pk=decision_id)
    order = decision.order
    side = OrderPolicy.enterprise_side_users([order.enterprise_id])
    _notice(side.get(order.enterprise_id, []), order, title % _n(order), body=decision.comment)


def _announce_per_prefecture(orders, title: str, *, by) -> None:
    """The union's group robots of each prefecture hear of the orders issued to its enterprises (one message)."""
    per_region: dict[int, list] = {}
    for order in orders:
        per_region.setdefault(order.enterprise.region_id, []).append(order)
    for region_id, listed in sorted(per_region.items()):
        text = "\n".join(f"- {_order_line(o)}" for o in listed)
        url = _url(listed[0]) if len(listed) == 1 else reverse("supervision:list")
        announce(
            region_ids=[region_id],
            title=title % {"n": len(listed)},
            text=text,
            url=url,
            label=_("查看督办单"),
            caused_by=by,
        )


# ---- the worker's side: compose and send ----


def _emails(user_ids) -> dict[int, str]:
    return dict(
        get_user_model()
        .objects.filter(pk__in=set(user_ids), is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )


def _send(subject: str, body: str, addresses) -> int:
    addresses = sorted(set(addresses))
    for address in addresses:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return len(addresses)


def _order_line(order) -> str:
    view = lights.light_view(order)
    return _("%(number)s · %(enterprise)s · 办结期限 %(due)s（%(days)s）") % {
        "number": order.number,
        "enterprise": order.enterprise.name,
        "due": order.due_date.isoformat(),
        "days": view.days,
    }


def _issued(ids) -> int:
    orders = list(SupervisionOrder.objects.filter(pk__in=ids).select_related("enterprise").order_by("pk"))
    side = OrderPolicy.enterprise_side_users(o.enterprise_id for o in orders)
    emails = _emails(u for users in side.values() for u in users)
    sent = 0
    for order in orders:
        subject = _("【产改通】督办单 %(number)s") % {"number": order.number}
        body = _("贵单位收到督办单，请在办结期限前办理并回复（附佐证材料）：") + "\n\n" + _order_line(order)
        body += "\n\n" + _("督办要求：") + order.request + "\n"
        sent += _send(subject, body, [emails[u] for u in side[order.enterprise_id] if u in emails])
    return sent


def _replied(ids) -> int:
    sent = 0
    for reply in OrderReply.objects.filter(pk__in=ids).select_related("order__enterprise", "order__issued_by"):
        order = reply.order
        emails = _emails([order.issued_by_id])
        subject = _("【产改通】督办单 %(number)s 已回复，待核查") % {"number": order.number}
        body = _order_line(order) + "\n\n" + _("办理情况：") + reply.text + "\n"
        sent += _send(subject, body, emails.values())
    return sent


def _decided(ids) -> int:
    sent = 0
    decisions = list(OrderDecision.objects.filter(pk__in=ids).select_related("order__enterprise"))
    side = OrderPolicy.enterprise_side_users(d.order.enterprise_id for d in decisions)
    emails = _emails(u for users in side.values() for u in users)
    for decision in decisions:
        order = decision.order
        if decision.action == "accept":
            subject = _("【产改通】督办单 %(number)s 已办结") % {"number": order.number}
        else:
            subject = _("【产改通】督办单 %(number)s 被退回整改") % {"number": order.number}
        body = _order_line(order) + "\n\n" + _("核查意见：") + (decision.comment or _("无")) + "\n"
        sent += _send(subject, body, [emails[u] for u in side[order.enterprise_id] if u in emails])
    return sent


def _escalated(ids) -> int:
    """Email the escalations once: a short transaction claims the rows not yet emailed; the mail goes out after
    commit; a failure withdraws the claim so that the task's retry sends it."""
    with transaction.atomic():
        rows = lock_rows(
            OrderEscalation.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related("order__enterprise")
        )
        if not rows:
            return 0
        emails = _emails(pk for r in rows for pk in r.recipients)
        letters: dict[str, list] = {}
        now = timezone.now()
        for row in rows:
            row.emailed_to = sorted({emails[pk] for pk in row.recipients if pk in emails})
            row.emailed_at = now
            for address in row.emailed_to:
                letters.setdefault(address, []).append(row.order)
        OrderEscalation.objects.bulk_update(rows, ["emailed_to", "emailed_at"])
        transaction.on_commit(partial(_deliver_escalations, letters=letters, ids=[r.pk for r in rows], at=now))
    return len(letters)


def _deliver_escalations(*, letters, ids, at) -> None:
    try:
        for address, orders in sorted(letters.items()):
            subject = _("【产改通】逾期未办结的督办单（%(n)s 件）") % {"n": len(orders)}
            body = _("以下督办单已超过办结期限，仍未办结，请督促：") + "\n\n"
            body += "\n".join(f"- {_order_line(o)}" for o in sorted(orders, key=lambda o: o.number)) + "\n"
            _send(subject, body, [address])
    except Exception:
        OrderEscalation.objects.filter(pk__in=ids, emailed_at=at).update(emailed_at=None, emailed_to=[])
        raise


_DELIVER = {ISSUED: _issued, REPLIED: _replied, ACCEPTED: _decided, RETURNED: _decided, ESCALATED: _escalated}


def deliver(*, event: str, ids: list[int]) -> int:
    """Send the mails of `event` about `ids` (the task's body); returns how many messages."""
    return _DELIVER[event](ids)
