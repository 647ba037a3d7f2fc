"""The traffic light against an independent count of working days (chinese_calendar read directly), over every due
date around the 2026 Qingming and May Day holidays and their make-up working day, through both faces."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from reporting.supervision.choices import Light, OrderStatus
from reporting.supervision.lights import light, light_q, light_view
from reporting.supervision.models import SupervisionOrder

from .test_services import _issue

pytestmark = pytest.mark.django_db


def expected(due: date, today: date, n: int = 3) -> str:
    if due < today:
        return "red"
    # today not counted (民法典 第二百零一条): the working days after today up to the due date
    left = sum(chinese_calendar.is_workday(today + timedelta(days=i)) for i in range(1, (due - today).days + 1))
    return "yellow" if left <= n else "green"


@pytest.mark.parametrize("today", [date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 30), date(2026, 5, 8)])
def test_light_faces_match_an_independent_count(users, yn_enterprise, fixed_today, today):
    # 2026-04-04..06 Qingming (Sat-Mon off); 2026-05-01..05 May Day, 2026-05-09 (Sat) a make-up working day
    fixed_today["today"] = date(2026, 3, 2)
    (order,) = _issue(users, [yn_enterprise], due_date=date(2026, 3, 2))
    dues = [today + timedelta(days=k) for k in range(-3, 15)]
    rows = [SupervisionOrder(pk=None, due_date=d, status=OrderStatus.OPEN) for d in dues]
    for row in rows:
        assert light(row, today) == expected(row.due_date, today), row.due_date
    # the Q face over real rows: the same order moved to each due date
    for due in dues:
        SupervisionOrder.objects.filter(pk=order.pk).update(due_date=due)
        got = {c for c in Light.values if SupervisionOrder.objects.filter(light_q(c, today), pk=order.pk).exists()}
        assert got == {expected(due, today)}, due


def test_holiday_example(users, yn_enterprise):
    # Thursday 2026-04-02, due Wednesday 04-08: Fri, Tue, Wed are the working days after it (Sat-Mon Qingming):
    # 3 left, yellow
    row = SupervisionOrder(due_date=date(2026, 4, 8), status=OrderStatus.OPEN)
    assert light(row, date(2026, 4, 2)) == Light.YELLOW
    assert light_view(row, date(2026, 4, 2)).days == "剩余 3 个工作日"
    # due the day itself: 今日到期
    assert light_view(row, date(2026, 4, 8)).days == "今日到期"
    # due Thursday 04-09: 4 working days left, green
    assert light(SupervisionOrder(due_date=date(2026, 4, 9), status=OrderStatus.OPEN), date(2026, 4, 2)) == "green"


def test_closed_orders_show_their_final_state():
    on_time = SupervisionOrder(due_date=date(2026, 3, 10), status=OrderStatus.CLOSED, closed_on=date(2026, 3, 10))
    late = SupervisionOrder(due_date=date(2026, 3, 10), status=OrderStatus.CLOSED, closed_on=date(2026, 3, 11))
    assert light(on_time, date(2027, 1, 1)) == Light.GREEN
    assert light(late, date(2026, 3, 11)) == Light.RED
    # a reply does not stop the clock
    replied = SupervisionOrder(due_date=date(2026, 3, 10), status=OrderStatus.REPLIED)
    assert light(replied, date(2026, 3, 11)) == Light.RED
