"""The inbox (reform_portal/inbox): notify, open, read all, the yearly purge, the url guard, only the recipient, the
API, and the badge's cost."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reform_portal.inbox.counts import unread_count
from reform_portal.inbox.models import Notice, portal_path_problem
from reform_portal.inbox.services import notices_purge, notices_read_all, notify, notify_each
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_notify_writes_one_notice_per_active_recipient_in_one_statement(users):
    # given two officers, an inactive user, and a repeated id
    inactive = UserFactory(username="t-gone", is_active=False)
    ids = [users["officer-yn"].pk, users["officer-sx"].pk, users["officer-yn"].pk, inactive.pk]
    # when
    with CaptureQueriesContext(connection) as queries:
        written = notify(user_ids=ids, kind="assessment", title="标题", body="内容", url="/reporting/", enterprise_id=7)
    # then: one INSERT, active users only, each once
    assert written == 2
    assert len([q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]) == 1
    rows = Notice.objects.order_by("recipient_id")
    expected = sorted([users["officer-yn"].pk, users["officer-sx"].pk])
    assert sorted(rows.values_list("recipient_id", flat=True)) == expected
    assert {(n.kind, n.title, n.body, n.url, n.enterprise_id, n.read_at) for n in rows} == {
        ("assessment", "标题", "内容", "/reporting/", 7, None)
    }


def test_notify_rolls_back_with_the_callers_transaction(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user_ids=[users["officer-yn"].pk], kind="system", title="x")
        raise RuntimeError
    assert not Notice.objects.exists()


def test_notify_each_names_each_recipients_enterprise(users):
    rows = [(users["enterprise-yn"].pk, 11), (users["enterprise-sx"].pk, 12)]
    assert notify_each(rows=rows, kind="reminder", title="提醒", url="/") == 2
    assert set(Notice.objects.values_list("recipient_id", "enterprise_id")) == set(rows)


@pytest.mark.parametrize(
    "url, ok",
    [
        ("", True),
        ("/reporting/assessments/3/", True),
        ("/inbox/?show=unread", True),
        ("//evil.example/x", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("/\\evil.example", False),
        ("reporting/", False),
        ("/a\nb", False),
        ("/" + "a" * 600, False),
    ],
)
def test_the_url_guard_accepts_portal_paths_only(users, url, ok):
    assert (portal_path_problem(url) is None) is ok
    if ok:
        notify(user_ids=[users["admin"].pk], kind="system", title="t", url=url)
    else:
        with pytest.raises(ValidationError):
            notify(user_ids=[users["admin"].pk], kind="system", title="t", url=url)


def test_the_database_refuses_an_outside_url_too(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(recipient=users["admin"], kind="system", title="t", url="//evil.example/")


def test_an_unknown_kind_is_refused(users):
    with pytest.raises(ValidationError):
        notify(user_ids=[users["admin"].pk], kind="spam", title="t")


def test_opening_marks_read_and_leads_to_the_notices_page(users):
    officer = users["officer-yn"]
    notify(user_ids=[officer.pk], kind="assessment", title="请审核", url="/enterprises/")
    notice = Notice.objects.get()
    client = _client(officer)
    assert unread_count(user=officer) == 1

    response = client.get(f"/inbox/{notice.pk}/")

    assert response.status_code == 302 and response["Location"] == "/enterprises/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert unread_count(user=officer) == 0  # the cached count was forgotten at once
    first = notice.read_at
    client.get(f"/inbox/{notice.pk}/")
    notice.refresh_from_db()
    assert notice.read_at == first  # the first opening's time is kept


def test_a_notice_without_a_link_leads_back_to_the_inbox(users):
    notify(user_ids=[users["admin"].pk], kind="system", title="t")
    response = _client(users["admin"]).get(f"/inbox/{Notice.objects.get().pk}/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"


@pytest.mark.parametrize("other", ["admin", "officer-sx", "sasac-yn", "enterprise-yn"])
def test_only_the_recipient_sees_a_notice(users, other):
    notify(user_ids=[users["officer-yn"].pk], kind="assessment", title="只给干部", url="/")
    notice = Notice.objects.get()
    client = _client(users[other])

    assert client.get(f"/inbox/{notice.pk}/").status_code == 404
    assert client.get(f"/api/notices/{notice.pk}/").status_code == 404
    assert client.post(f"/api/notices/{notice.pk}/read/").status_code == 404
    assert "只给干部" not in client.get("/inbox/").content.decode()
    assert client.get("/api/notices/").json()["results"] == []
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_list_filters_unread_and_read_all_marks_them(users):
    officer = users["officer-yn"]
    notify(user_ids=[officer.pk], kind="system", title="第一条")
    notify(user_ids=[officer.pk], kind="system", title="第二条")
    Notice.objects.filter(title="第一条").update(read_at=timezone.now())
    client = _client(officer)

    unread_page = client.get("/inbox/?show=unread").content.decode()
    assert "第二条" in unread_page and "第一条" not in unread_page
    all_page = client.get("/inbox/").content.decode()
    assert "第二条" in all_page and "第一条" in all_page

    response = client.post("/inbox/read-all/")
    assert response.status_code == 302
    assert not Notice.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert client.get("/inbox/read-all/").status_code == 405


def test_the_list_pages_with_a_bounded_number_of_queries(users, django_assert_max_num_queries):
    officer = users["officer-yn"]
    for n in range(60):
        notify(user_ids=[officer.pk], kind="system", title=f"通知{n:02d}")
    client = _client(officer)
    client.get("/inbox/")  # the session's first request notes it (a write)
    with django_assert_max_num_queries(14):
        first = client.get("/inbox/")
    with django_assert_max_num_queries(14):
        third = client.get("/inbox/?page=3")
    assert "通知59" in first.content.decode() and "通知00" not in first.content.decode()
    assert "通知00" in third.content.decode()


def test_the_purge_deletes_what_is_older_than_a_year_in_batches(users):
    officer = users["officer-yn"]
    notify(user_ids=[officer.pk], kind="system", title="old")
    notify(user_ids=[officer.pk], kind="system", title="recent")
    now = timezone.now()
    old = Notice.objects.get(title="old")
    Notice.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=366))
    Notice.objects.filter(title="recent").update(created_at=now - timedelta(days=364))
    for n in range(5):
        Notice.objects.create(recipient=officer, kind="system", title=f"older{n}", created_at=now - timedelta(days=400))

    assert notices_purge(now=now, batch=2) == 6

    assert list(Notice.objects.values_list("title", flat=True)) == ["recent"]


def test_the_purge_task_is_scheduled_daily():
    from reform_portal.schedule import PERIODIC_TASKS

    entry = next(t for t in PERIODIC_TASKS if t["task"] == "reform_portal.inbox.tasks.notices_purge_daily")
    assert entry["crontab"]["hour"]


def test_the_api_lists_filters_and_marks_read(users):
    officer = users["officer-yn"]
    for n in range(3):
        notify(user_ids=[officer.pk], kind="assessment" if n else "reminder", title=f"n{n}", url=f"/x/{n}/")
    client = _client(officer)

    body = client.get("/api/notices/").json()
    assert body["count"] == 3 and [r["title"] for r in body["results"]] == ["n2", "n1", "n0"]
    assert [r["title"] for r in client.get("/api/notices/?kind=reminder").json()["results"]] == ["n0"]
    first = body["results"][0]
    assert first["read"] is False and first["url"] == "/x/2/"

    marked = client.post(f"/api/notices/{first['id']}/read/").json()
    assert marked["read"] is True and marked["read_at"]
    assert [r["title"] for r in client.get("/api/notices/?unread=true").json()["results"]] == ["n1", "n0"]

    cursor = client.get("/api/notices/?cursor=&page_size=2").json()
    assert len(cursor["results"]) == 2 and cursor["next"]
    assert len(client.get(cursor["next"]).json()["results"]) == 1

    assert client.post("/api/notices/read-all/").json() == {"marked": 2}
    assert client.get("/api/notices/?unread=true").json()["results"] == []
    assert Client().get("/api/notices/").status_code in (401, 403)


def test_read_all_is_the_users_own(users):
    notify(user_ids=[users["officer-yn"].pk, users["officer-sx"].pk], kind="system", title="t")
    assert notices_read_all(user=users["officer-yn"]) == 1
    assert Notice.objects.get(recipient=users["officer-sx"]).read_at is None
