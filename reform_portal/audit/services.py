"""Writing the audit log (`record`), checking its chain (`verify`) and removing what is past retention (`purge`).

Transactions. `record()` writes in the caller's transaction, if there is one: an entry about a change (an admin
edit, a token issued) exists exactly when the change was committed. The advisory lock that orders the chain is then
held until that transaction ends, so call it late in a transaction, not before long work. Events that must outlive
a failed request (a refusal, a failed login, a lockout) are recorded where no transaction is open: the refusal by
`AuditRefusalMiddleware` after the view has returned (the project does not use ATOMIC_REQUESTS; the `audit.E001`
check keeps it so), failed logins and lockouts by the signals that `authenticate()` and django-axes send outside any
view transaction. Outside a transaction `record()` opens its own, a few milliseconds long.

Cost: three statements (the lock, the last hash, the INSERT), plus one the first time a model's content type is
looked up in a process.
"""

import ipaddress
import json
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from . import choices
from .chain import HASHED_FIELDS, check, entry_hash
from .models import GENESIS_HASH, MIN_RETENTION_DAYS, AuditEntry

LOCK_KEY = (5011, 1)  # pg_advisory_xact_lock(namespace, key); reporting.rollup uses namespace 5005
PURGED = choices.PURGED


_current_request: ContextVar = ContextVar("audit_request", default=None)


def record(action: str, *, request=None, user=None, target=None, details: dict | None = None) -> AuditEntry:
    """Append one entry: `action` (a short code, see choices.py), who (`user`, else the request's user), from
    where (the request's address, user agent, method and path), on what (`target`, a model instance) and `details`
    (JSON: filters, the username tried, counts … never a password).

    Without `request`, the request being answered is used (`AuditRequestMiddleware` keeps it), so a signal sent
    without one (the admin's log entry) still says from where; outside a request (a task, a command) there is none.
    """
    if request is None:
        request = _current_request.get()
    return _append(_values(action, request=request, user=user, target=target, details=details))


def _values(action: str, *, request=None, user=None, target=None, details: dict | None = None) -> dict:
    """The entry's columns, as they will read back from the database."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    values = {
        "action": action[:64],
        "user_id": user.pk if user is not None else None,
        "username": (user.get_username() if user is not None else "")[:150],
        "ip": client_ip(request) if request is not None else None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
        "method": request.method[:10] if request is not None and request.method else "",
        "path": request.path[:500] if request is not None else "",
        "target_type_id": None,
        "target_id": "",
        "target_repr": "",
        "details": _json(details or {}),
    }
    if target is not None:
        values |= {
            "target_type_id": ContentType.objects.get_for_model(target, for_concrete_model=False).pk,
            "target_id": str(target.pk)[:64],
            "target_repr": str(target)[:300],
        }
    return {key: _text(value) if isinstance(value, str) else value for key, value in values.items()}


def _append(values: dict, *, at=None) -> AuditEntry:
    """Chain `values` to the last entry and insert it. `at` (tests only) backdates the entry."""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The lock first, in its own statement: under READ COMMITTED the next statement's snapshot then sees the
        # entry of whoever held the lock before us, so two writers never chain to the same predecessor.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY)
        cursor.execute(
            f"SELECT clock_timestamp(), (SELECT hash FROM {AuditEntry._meta.db_table} ORDER BY id DESC LIMIT 1)"
        )
        now, prev_hash = cursor.fetchone()
        values = {**values, "created_at": at or now}
        prev_hash = prev_hash or GENESIS_HASH
        entry = AuditEntry(**values, prev_hash=prev_hash, hash=entry_hash(values, prev_hash))
        entry.save(force_insert=True)
    return entry


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind a trusted reverse proxy the address it reports in AUDIT_TRUSTED_PROXY_HEADER (a META
    key such as HTTP_X_FORWARDED_FOR; its last item, the one the proxy appended)."""
    header = getattr(settings, "AUDIT_TRUSTED_PROXY_HEADER", "")
    candidates = []
    if header and request.META.get(header):
        candidates.append(request.META[header].split(",")[-1].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def _text(value: str) -> str:
    return value.replace("\x00", "\ufffd")  # PostgreSQL refuses NUL in text


def _json(details: dict) -> dict:
    """The details as they will read back from JSONB (dates and decimals as text, no NUL), so the hash computed
    now is the hash computed again from the stored row."""
    text = json.dumps(details, cls=DjangoJSONEncoder, ensure_ascii=False, default=str)
    return json.loads(text.replace("\\u0000", "\\ufffd"))


# ---- verify and purge ----


def anchor() -> str:
    """What the first remaining entry's prev_hash must be: the genesis hash, or, after a purge, the hash of the last
    entry it removed (which the newest `audit.purged` entry names)."""
    purge = AuditEntry.objects.filter(action=PURGED).order_by("-id").values_list("details", flat=True).first()
    return purge["anchor_hash"] if purge else GENESIS_HASH


def verify():
    """Recompute the whole chain. Returns (entries checked, the first Broken or None)."""
    rows = AuditEntry.objects.order_by("id").values("id", "prev_hash", "hash", *HASHED_FIELDS)
    return check(rows.iterator(chunk_size=2000), anchor=anchor())


def retention_days() -> int:
    days = int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS))
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"AUDIT_RETENTION_DAYS={days}: the audit log is kept at least {MIN_RETENTION_DAYS} days")
    return days


def purge(*, days: int | None = None) -> int:
    """Delete the oldest entries, those written more than `days` (default AUDIT_RETENTION_DAYS, never below 180)
    ago, and record an `audit.purged` entry naming what went and the new anchor. Only a prefix of the chain goes
    (the entries before the first one younger than the cut-off), so what remains still verifies. Returns the
    number of entries deleted."""
    days = retention_days() if days is None else days
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention {days} days: the audit log is kept at least {MIN_RETENTION_DAYS} days")
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY)  # no entry is appended meanwhile
        keep_from = AuditEntry.objects.filter(created_at__gte=cutoff).order_by("id").values_list("id", flat=True)
        first_kept = keep_from.first()
        doomed = AuditEntry.objects.filter(created_at__lt=cutoff)
        if first_kept is not None:
            doomed = doomed.filter(id__lt=first_kept)
        last = doomed.order_by("-id").values("id", "hash", "created_at").first()
        if last is None:
            return 0
        first_id = doomed.order_by("id").values_list("id", flat=True).first()
        cursor.execute("SELECT set_config('audit.purge_before', %s, true)", [cutoff.isoformat()])
        deleted = doomed.filter(id__lte=last["id"])._raw_delete(doomed.db)
        cursor.execute("SELECT set_config('audit.purge_before', '', true)")
        record(
            PURGED,
            details={
                "deleted": deleted,
                "first_id": first_id,
                "last_id": last["id"],
                "before": cutoff.isoformat(),
                "retention_days": days,
                "anchor_hash": last["hash"],
            },
        )
    return deleted


# ---- exports and downloads: one line in each view ----


def record_export(request, what: str, *, target=None) -> AuditEntry:
    """A file built from the portal's data was handed out (`what`: which export), with the filters it was built
    with (the query string)."""
    return record(choices.EXPORT, request=request, target=target, details={"what": what, "filters": _filters(request)})


def record_download(request, what: str, *, target=None) -> AuditEntry:
    """A stored file (evidence) was handed out."""
    return record(
        choices.DOWNLOAD, request=request, target=target, details={"what": what, "filters": _filters(request)}
    )


def _filters(request) -> dict:
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in request.GET.lists()
        if any(value != "" for value in values)
    }
