"""The work queue (reporting/work_queue.py): each role's counts against an independent count of the rows the test
made, the badge's cost, and a provider added by another app."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import Enterprise, Region
from measures.models import PolicyDocument
from reform_portal.inbox.models import LastVisit
from reform_portal.inbox.services import notify
from reporting import work_queue
from reporting.assessments.models import Assessment
from reporting.models import RollupSnapshot
from reporting.rollup import scope_key
from tests.factories import EnterpriseFactory, open_period

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _items(user) -> dict:
    return {item.key: item for item in work_queue.queue_for(user)}


def test_an_officers_reviews_count_the_submitted_forms_in_charge(users, yn_enterprise, sx_soe, kunming):
    # given: in Kunming one form submitted once, one submitted again after a return, one returned, one draft;
    # in Xi'an one submitted (another officer's)
    period = open_period(province_id=kunming.parent_id, opened_by=users["admin"])
    sx_period = open_period(province_id=sx_soe.region.parent_id, opened_by=users["admin"])
    others = [EnterpriseFactory(region=kunming) for _ in range(3)]
    rows = [
        (yn_enterprise, "submitted", 1),
        (others[0], "submitted", 2),
        (others[1], "returned", 1),
        (others[2], "draft", 0),
    ]
    for enterprise, status, round_ in rows:
        Assessment.objects.create(period=period, enterprise=enterprise, status=status, round=round_)
    Assessment.objects.create(period=sx_period, enterprise=sx_soe, status="submitted", round=1)
    # when / then: counted as the test made them
    items = _items(users["officer-yn"])
    assert items["reviews"].count == 2
    assert items["resubmitted"].count == 1
    assert items["reviews"].url.endswith("?state=submitted")
    assert _items(users["officer-sx"])["reviews"].count == 1
    assert "reviews" not in _items(users["sasac-yn"]) and "reviews" not in _items(users["enterprise-yn"])


def test_an_officers_newly_lagging_count_follows_the_last_visit(users, yn_enterprise, kunming):
    officer = users["officer-yn"]
    assert "newly-lagging" not in _items(officer)  # never visited the list: nothing to compare with
    # given: the last visit of the enterprise list two hours ago; the Kunming enterprise registered long before it,
    # two registered since (lagging: nothing started, no grace in the tests); one of Xi'an, out of reach
    from measures.services import progress_ensure

    Enterprise.objects.filter(pk=yn_enterprise.pk).update(created_at=timezone.now() - timedelta(days=10))
    LastVisit.objects.create(user=officer, page="enterprises", at=timezone.now() - timedelta(hours=2))
    new = [EnterpriseFactory(region=kunming) for _ in range(2)]
    for enterprise in new:
        progress_ensure(enterprise=enterprise)
    progress_ensure(enterprise=EnterpriseFactory(region=Region.objects.get(code="610100")))

    item = _items(officer)["newly-lagging"]

    assert item.count == 2
    assert item.url.endswith("?lagging=new")
    client = Client()
    client.force_login(officer)
    page = client.get(item.url).content.decode()
    assert all(e.name in page for e in new) and yn_enterprise.name not in page


def _workdays_left(today: date, due: date) -> int:
    # today not counted: the working days after it up to the due date
    return sum(1 for n in range(1, (due - today).days + 1) if chinese_calendar.is_workday(today + timedelta(days=n)))


def test_an_enterprises_deadline_and_returned_form(users, yn_enterprise, kunming):
    user = users["enterprise-yn"]
    assert "returned" in _items(user) and _items(user)["returned"].count == 0
    period = open_period(province_id=kunming.parent_id, opened_by=users["admin"])
    today = timezone.localdate()

    item = _items(user)[f"deadline-{period.pk}"]

    assert item.count == _workdays_left(today, period.due_date)
    assert str(item.count) in item.note
    form = Assessment.objects.create(period=period, enterprise=yn_enterprise, status="returned", round=1)
    returned = _items(user)["returned"]
    assert returned.count == 1 and returned.url == f"/reporting/assessments/{form.pk}/"
    # submitted: the deadline is no longer the enterprise's business
    Assessment.objects.filter(pk=form.pk).update(status="submitted")
    assert f"deadline-{period.pk}" not in _items(user)


def _snapshot(day, province, document, prefecture, rate):
    zeros = dict.fromkeys(
        ("applicable", "records", "not_started", "in_progress", "done", "ongoing", "indicator_met"), 0
    )
    RollupSnapshot.objects.create(
        day=day,
        scope_key=scope_key(
            province_id=province.pk, document_id=document.pk, prefecture_id=prefecture.pk if prefecture else None
        ),
        province=province,
        prefecture=prefecture,
        document=document,
        completion_rate=rate,
        indicator_targets=0,
        lagging=0,
        computed_at=timezone.now(),
        **zeros,
    )


def test_sasac_sees_the_prefectures_falling_behind(users):
    yunnan = Region.objects.get(code="530000")
    document = PolicyDocument.objects.filter(province=yunnan).order_by("pk").first()
    kunming, qujing, yuxi = (Region.objects.get(code=c) for c in ("530100", "530300", "530400"))
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    # yesterday: province 0.55, Kunming 0.5, Qujing 0.8, Yuxi 0.8; today: province 0.6, Kunming 0.5 (below the
    # province), Qujing 0.7 (fell), Yuxi 0.9 (above and rising)
    for day, rates in ((yesterday, (0.55, 0.5, 0.8, 0.8)), (today, (0.6, 0.5, 0.7, 0.9))):
        for prefecture, rate in zip((None, kunming, qujing, yuxi), rates, strict=True):
            _snapshot(day, yunnan, document, prefecture, rate)

    item = _items(users["sasac-yn"])["prefectures-behind"]

    assert item.count == 2  # Kunming, Qujing
    assert work_queue.behind_prefectures(
        [(today, document.pk, None, 0.6), (today, document.pk, kunming.pk, 0.5), (yesterday, document.pk, yuxi.pk, 1)],
        latest=today,
        previous=yesterday,
    ) == {kunming.pk}
    shaanxi = _items(users["sasac-sx"])
    assert "prefectures-behind" not in shaanxi or shaanxi["prefectures-behind"].count == 0
    assert "prefectures-behind" not in _items(users["officer-yn"])  # a prefecture's officer: not a province's


def test_unread_notices_are_an_item_of_every_queue(users):
    notify(user_ids=[users["sasac-yn"].pk], kind="system", title="t")
    assert _items(users["sasac-yn"])["notices"].count == 1
    assert _items(users["enterprise-yn"])["notices"].count == 0


def test_a_provider_of_another_app_is_one_line(users, monkeypatch):
    def orders(user):
        return [work_queue.QueueItem("orders", "待处理的督办单", 3, "/reporting/supervision/", "danger")]

    monkeypatch.setattr(work_queue, "PROVIDERS", [*work_queue.PROVIDERS, orders])
    assert _items(users["officer-yn"])["orders"].count == 3
    assert work_queue.queue_total(user=users["officer-yn"]) >= 3


def test_the_home_page_starts_with_the_queue_and_the_badges_show_it(users, yn_enterprise, kunming):
    period = open_period(province_id=kunming.parent_id, opened_by=users["admin"])
    Assessment.objects.create(period=period, enterprise=yn_enterprise, status="submitted", round=1)
    notify(user_ids=[users["officer-yn"].pk], kind="system", title="t")
    client = Client()
    client.force_login(users["officer-yn"])

    page = client.get("/").content.decode()

    assert page.index('id="work-queue"') < page.index("推进最慢的企业")
    assert 'data-queue="reviews"' in page
    assert 'id="unread-badge"' in page and 'id="queue-badge"' in page


def test_a_warm_badge_costs_no_query_and_a_cold_one_a_single_count(users, yn_enterprise, kunming):
    period = open_period(province_id=kunming.parent_id, opened_by=users["admin"])
    Assessment.objects.create(period=period, enterprise=yn_enterprise, status="submitted", round=1)
    client = Client()
    client.force_login(users["officer-yn"])
    client.get("/")  # the home page counts the queue; the badge keeps its total
    client.get("/account/tokens/")  # warms the session and the unread count

    def statements():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/account/tokens/")
        assert response.status_code == 200
        return response, [q["sql"] for q in queries.captured_queries]

    response, warm = statements()
    assert 'id="queue-badge"' in response.content.decode()  # 1 form to review, from the cache
    assert not any("inbox_notice" in s or "assessments_assessment" in s for s in warm)
    cache.delete(f"inbox:unread:{users['officer-yn'].pk}")
    _response, cold = statements()
    assert len(cold) == len(warm) + 1  # the unread count, on its partial index
    assert [s for s in cold if "inbox_notice" in s] == [s for s in cold if "COUNT(*)" in s and "read_at" in s]
    assert len([s for s in cold if "inbox_notice" in s]) == 1
