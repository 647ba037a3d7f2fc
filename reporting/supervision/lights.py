"""THE traffic-light rule of a supervision order (督办单红黄绿灯), in one place.

- An order not closed is **red** (逾期) once its due date has passed (today > due date), **yellow** (临期) while
  at most `ORDER_YELLOW_WORKDAYS` working days are left to its due date (setting, default 3; the countdown of every
  time limit, `workdays.workdays_left`: today not counted, State Council holidays and 调休),
  **green** (按期) otherwise. A reply does not stop the clock: an order replied but not closed past its due date is
  red.
- A closed order shows its final state: green when it was closed on or before its due date, red when after.

Faces: `light(order, today)` for one order (pages, API, export rows), `light_q(colour, today)` a Q over orders for
every list, filter, count and export (the yellow threshold is computed here in Python, then compared with
`due_date`), `light_view(order, today)` for the badge and "剩余 N 个工作日" (`workdays.countdown_text`).
`today()` is the one clock every caller reads (tests move time by patching `reporting.supervision.lights.today`).
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal import workdays

from .choices import LIGHT_BADGES, Light, OrderStatus


def today() -> date:
    """Today, as every face of the rule counts it (one function, patched by tests that move time)."""
    return timezone.localdate()


def yellow_workdays() -> int:
    return max(0, int(getattr(settings, "ORDER_YELLOW_WORKDAYS", 3)))


def yellow_until(on: date) -> date:
    """The latest due date that is yellow `on` that day: at most ORDER_YELLOW_WORKDAYS working days left."""
    return workdays.last_due_within(on, yellow_workdays())


def light(order, on: date | None = None) -> str:
    """The order's light (a Light value) `on` that day (default: today)."""
    on = on or today()
    if order.status == OrderStatus.CLOSED:
        return Light.GREEN if order.closed_on <= order.due_date else Light.RED
    if order.due_date < on:
        return Light.RED
    return Light.YELLOW if order.due_date <= yellow_until(on) else Light.GREEN


def light_q(colour: str, on: date | None = None) -> Q:
    """The orders whose light is `colour` `on` that day, as a Q (same rule as `light`)."""
    on = on or today()
    open_ = ~Q(status=OrderStatus.CLOSED)
    closed = Q(status=OrderStatus.CLOSED)
    if colour == Light.RED:
        return (open_ & Q(due_date__lt=on)) | (closed & Q(closed_on__gt=F("due_date")))
    if colour == Light.YELLOW:
        return open_ & Q(due_date__gte=on, due_date__lte=yellow_until(on))
    if colour == Light.GREEN:
        return (open_ & Q(due_date__gt=yellow_until(on))) | (closed & Q(closed_on__lte=F("due_date")))
    raise ValueError(f"no light {colour!r}")


def overdue_q(on: date | None = None) -> Q:
    """Orders not closed past their due date (red and still open: the escalation's and the queues' orders)."""
    return ~Q(status=OrderStatus.CLOSED) & Q(due_date__lt=on or today())


@dataclass(frozen=True)
class LightView:
    """What a page shows of an order's light: the colour's badge class and a text (never colour alone)."""

    colour: str
    label: str
    badge: str
    days: str  # 剩余 N 个工作日 / 已逾期 N 个工作日 / 按期办结 / 逾期办结


def light_view(order, on: date | None = None) -> LightView:
    on = on or today()
    colour = light(order, on)
    if order.status == OrderStatus.CLOSED:
        days = _("按期办结") if colour == Light.GREEN else _("逾期办结")
    else:
        days = workdays.countdown_text(order.due_date, on)
    return LightView(colour=colour, label=str(Light(colour).label), badge=LIGHT_BADGES[Light(colour)], days=days)
