"""The audit log is append-only and tamper-evident: each entry's hash covers its fields and the hash before it,
the database refuses UPDATE and DELETE, and `audit_verify` names the first entry a hand edit broke."""

import hashlib
import json
import threading
from datetime import UTC, timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reform_portal.audit import services
from reform_portal.audit.models import GENESIS_HASH, AuditEntry
from reform_portal.audit.services import purge, record, verify

pytestmark = pytest.mark.django_db


def independent_hash(row: AuditEntry) -> str:
    """The hash recomputed from the stored row by the rule docs/security/audit.md states, without the app's code."""
    fields = [
        row.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        row.action,
        row.user_id,
        row.username,
        row.ip,
        row.user_agent,
        row.method,
        row.path,
        row.target_type_id,
        row.target_id,
        row.target_repr,
        row.details,
        row.prev_hash,
    ]
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def verify_fails_at(entry_id: int) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert f"#{entry_id}:" in str(failure.value)
    return str(failure.value)


def raw(sql: str, params=()):
    """A statement run as someone with SQL access would, with the audit triggers switched off for it (rolled back with
    the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


def test_each_entry_is_chained_to_the_one_before_and_the_chain_verifies(yn_enterprise, capsys):
    # when
    entries = [
        record("test.one", details={"n": 1, "when": timezone.localdate(), "text": "=1+1 \x00 中文"}),
        record("test.two", target=yn_enterprise, details={"nested": {"b": 2, "a": [1, 2.5]}}),
        record("test.three"),
    ]
    # then: each hash is what an independent computation gives from the stored row, linked to the previous one
    rows = list(AuditEntry.objects.order_by("id"))
    assert [r.pk for r in rows] == [e.pk for e in entries]
    assert rows[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert all(independent_hash(r) == r.hash for r in rows)
    assert rows[1].target_repr == str(yn_enterprise) and rows[1].target_id == str(yn_enterprise.pk)
    assert rows[0].details["text"] == "=1+1 \ufffd 中文"  # PostgreSQL holds no NUL
    assert verify() == (3, None)
    call_command("audit_verify")
    assert "3 entries" in capsys.readouterr().out


def test_a_row_edited_by_hand_breaks_the_chain_at_that_row():
    entries = [record("test", details={"n": n}) for n in range(5)]
    verify()
    # when: someone who can switch the triggers off changes the third entry's details
    raw("UPDATE audit_auditentry SET details = '{\"n\": 99}' WHERE id = %s", [entries[2].pk])
    # then
    message = verify_fails_at(entries[2].pk)
    assert "hash does not match" in message


def test_a_forged_entry_with_a_recomputed_hash_breaks_the_chain_at_the_next_one():
    entries = [record("login.failed", details={"username": "x"}) for _ in range(4)]
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.username = "someone-else"
    raw(
        "UPDATE audit_auditentry SET username = %s, hash = %s WHERE id = %s",
        [forged.username, independent_hash(forged), forged.pk],
    )
    verify_fails_at(entries[2].pk)


def test_a_row_deleted_by_hand_breaks_the_chain_at_the_next_one():
    entries = [record("test") for _ in range(4)]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    assert "prev_hash" in verify_fails_at(entries[2].pk)


def test_the_database_refuses_update_and_delete():
    entry = record("test")
    for statement in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="edited"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
            statement()
    # not even an old entry, without the purge's cut-off
    old = services._append(services._values("test.old"), at=timezone.now() - timedelta(days=400))
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
        AuditEntry.objects.filter(pk=old.pk).delete()
    assert AuditEntry.objects.filter(pk__in=[entry.pk, old.pk]).count() == 2


def test_the_purge_cutoff_cannot_remove_an_entry_younger_than_180_days():
    young = services._append(services._values("test"), at=timezone.now() - timedelta(days=179))
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('audit.purge_before', %s, true)", [timezone.now().isoformat()])
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [young.pk])


def backdated(days: int, action: str = "test.old") -> AuditEntry:
    return services._append(services._values(action), at=timezone.now() - timedelta(days=days))


def test_the_purge_removes_what_is_past_retention_and_the_rest_still_verifies(settings):
    settings.AUDIT_RETENTION_DAYS = 200
    old = [backdated(300), backdated(250), backdated(210)]
    kept_old = backdated(100)
    # an entry older than the cut-off after a younger one stays: only the chain's beginning goes
    late = backdated(260)
    fresh = record("test.new")
    # when
    deleted = purge()
    # then
    assert deleted == 3
    remaining = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    purged = AuditEntry.objects.get(action="audit.purged")
    assert remaining == [kept_old.pk, late.pk, fresh.pk, purged.pk]
    assert purged.details["anchor_hash"] == old[-1].hash == kept_old.prev_hash
    assert (purged.details["deleted"], purged.details["first_id"], purged.details["last_id"]) == (
        3,
        old[0].pk,
        old[-1].pk,
    )
    assert verify() == (4, None)
    call_command("audit_verify")
    # and the first remaining entry deleted by hand is noticed: its successor no longer starts at the anchor
    raw("DELETE FROM audit_auditentry WHERE id = %s", [kept_old.pk])
    verify_fails_at(late.pk)


def test_a_retention_below_180_days_is_refused(settings):
    backdated(400)
    with pytest.raises(ValueError, match="180"):
        purge(days=179)
    with pytest.raises(CommandError, match="180"):
        call_command("audit_purge", days=30)
    settings.AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ValueError, match="180"):
        purge()
    assert "audit.E002" in {e.id for e in run_checks()}
    assert AuditEntry.objects.count() == 1


def test_the_daily_task_verifies_and_purges(settings):
    from reform_portal.audit.tasks import audit_daily

    backdated(400)
    record("test.new")
    assert audit_daily() == {"checked": 2, "broken": None, "deleted": 1}
    assert verify() == (2, None)


def test_record_costs_three_statements_whatever_it_records(rf, users, yn_enterprise):
    request = rf.get("/enterprises/?q=x", HTTP_USER_AGENT="pytest")
    request.user = users["officer-yn"]
    record("warm", target=yn_enterprise)  # the content type, once per process
    for kwargs in ({}, {"request": request}, {"request": request, "target": yn_enterprise}):
        with CaptureQueriesContext(connection) as queries:
            record("test", details={"k": "v"}, **kwargs)
        assert len(queries) == 3, [q["sql"] for q in queries]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    errors = []

    def write(n):
        try:
            for i in range(15):
                record("test.concurrent", details={"writer": n, "i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = list(AuditEntry.objects.order_by("id").values_list("prev_hash", flat=True))
    assert len(rows) == 60 and len(set(rows)) == 60  # no two entries chained to the same predecessor
    assert verify() == (60, None)


def test_atomic_requests_would_be_refused_by_a_check(settings, monkeypatch):
    assert "audit.E001" not in {e.id for e in run_checks()}
    monkeypatch.setitem(settings.DATABASES["default"], "ATOMIC_REQUESTS", True)
    assert "audit.E001" in {e.id for e in run_checks()}
