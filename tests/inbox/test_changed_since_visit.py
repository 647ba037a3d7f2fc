""" "Changed since my last visit": the visits kept per user and page, the enterprise list's marks and `?changed=1`
(page, export, API), and the dashboard's headline changes since the last visit's day."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import Enterprise, Region
from measures.models import Indicator, PolicyDocument, Progress
from measures.services import indicator_value_set, progress_ensure, progress_update
from reform_portal.inbox.models import LastVisit
from reform_portal.inbox.visits import SAME_VISIT, since, visit
from tests.factories import EnterpriseFactory
from tests.reporting.test_work_queue import _snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_visit_compares_with_the_one_before_and_a_reload_keeps_it(users):
    user = users["officer-yn"]
    t0 = timezone.now() - timedelta(days=2)
    assert visit(user=user, page="enterprises", now=t0) is None  # the first visit: nothing to compare with
    t1 = t0 + timedelta(days=1)
    assert visit(user=user, page="enterprises", now=t1) == t0
    with CaptureQueriesContext(connection) as queries:  # a reload: the same visit, answered from the cache
        assert visit(user=user, page="enterprises", now=t1 + SAME_VISIT / 2) == t0
    assert not queries.captured_queries
    assert since(user=user, page="enterprises", now=t1 + SAME_VISIT / 2) == t0
    later = t1 + timedelta(hours=5)
    assert since(user=user, page="enterprises", now=later) == t1  # what the next visit will use
    assert visit(user=user, page="enterprises", now=later) == t1
    assert since(user=users["officer-sx"], page="enterprises") is None  # each user's own
    assert LastVisit.objects.filter(user=user).count() == 1


@pytest.fixture
def three(users, kunming):
    """Three Kunming enterprises seen a moment ago (the visit before this one); since then one's progress changed,
    one's indicator value, the third nothing."""
    rows = [EnterpriseFactory(name=f"变化测试{n}有限公司", region=kunming) for n in range(3)]
    for e in rows:
        progress_ensure(enterprise=e)
    seen = timezone.now()
    Enterprise.objects.filter(pk__in=[e.pk for e in rows]).update(updated_at=seen - timedelta(days=1))
    LastVisit.objects.create(user=users["officer-yn"], page="enterprises", at=seen, previous_at=seen)
    progress = Progress.objects.filter(enterprise=rows[0]).order_by("pk").first()
    progress_update(
        progress=progress, status="in_progress", percent=30, note="开始", by=users["officer-yn"], expected_version=None
    )
    indicator = Indicator.objects.filter(measure__document__province=kunming.parent, kind="count").first()
    year = timezone.localdate().year
    indicator_value_set(enterprise=rows[1], indicator=indicator, year=year, value=Decimal(3), by=users["officer-yn"])
    return rows


def test_the_list_marks_the_changed_rows_and_filters_them(users, three):
    client = Client()
    client.force_login(users["officer-yn"])

    page = client.get("/enterprises/?q=变化测试").content.decode()

    marked = {e.name for e in three if f'data-enterprise="{e.pk}"' in page}
    assert marked == {e.name for e in three}
    rows = {e.pk: page.split(f'data-enterprise="{e.pk}"')[1].split("</tr>")[0] for e in three}
    assert ["有更新" in rows[e.pk] for e in three] == [True, True, False]
    assert 'id="last-visit"' in page

    filtered = client.get("/enterprises/?q=变化测试&changed=1").content.decode()
    assert three[0].name in filtered and three[1].name in filtered and three[2].name not in filtered
    # the API and the export take the same filter (the visit noted by the page is the one compared with)
    api = client.get("/api/enterprises/?q=变化测试&changed=1").json()
    assert sorted(r["id"] for r in api["results"]) == sorted([three[0].pk, three[1].pk])
    assert client.get("/enterprises/export/?q=变化测试&changed=1").status_code == 200


def test_without_a_previous_visit_nothing_is_marked(users, kunming):
    EnterpriseFactory(name="首次访问有限公司", region=kunming)
    client = Client()
    client.force_login(users["officer-sx"])
    page = client.get("/enterprises/").content.decode()
    assert "有更新" not in page.split("<tbody>")[1]
    assert "首次访问" not in client.get("/enterprises/?changed=1").content.decode()


def test_the_dashboard_says_what_changed_since_the_last_visits_day(users):
    yunnan = Region.objects.get(code="530000")
    document = PolicyDocument.objects.filter(province=yunnan).order_by("issued_on").first()
    today = timezone.localdate()
    three_days_ago = today - timedelta(days=3)
    for day, rate in ((three_days_ago, 0.5), (today, 0.6)):
        _snapshot(day, yunnan, document, None, rate)
    from reporting.models import RollupSnapshot

    RollupSnapshot.objects.filter(day=three_days_ago).update(records=10, done=5, applicable=4)
    RollupSnapshot.objects.filter(day=today).update(records=10, done=6, applicable=5)
    client = Client()
    client.force_login(users["sasac-yn"])
    url = f"/reporting/dashboard/?document={document.pk}"

    first = client.get(url).content.decode()
    assert 'id="since-visit"' not in first  # no visit before: nothing said

    LastVisit.objects.filter(user=users["sasac-yn"]).update(at=timezone.now() - timedelta(days=3), previous_at=None)
    cache.clear()  # the visit noted a moment ago is kept 30 minutes: the test moved it back by days
    page = client.get(url).content.decode()
    note = page.split('id="since-visit"')[1].split("</p>")[0]
    assert three_days_ago.strftime("%Y-%m-%d") in note
    assert 'data-change="applicable"' in note and "+1" in note  # 4 → 5 enterprises
    assert 'data-change="completion_rate"' in note and "+10.0" in note  # 50% → 60%

    # a last visit on a day without snapshots: nothing said
    LastVisit.objects.filter(user=users["sasac-yn"]).update(at=timezone.now() - timedelta(days=5), previous_at=None)
    cache.clear()
    assert 'id="since-visit"' not in client.get(url).content.decode()
