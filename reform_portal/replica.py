"""Reads that tolerate seconds of lag go to a PostgreSQL streaming replica (docs/several-machines.md).

With `DATABASE_REPLICA_URL` set, the settings add the `replica` database, `ReplicaRouter` and
`ReplicaReadsMiddleware`; without it none of this is installed and every query goes to the one database
(`replica_reads()` then changes nothing either).

Which reads go to the replica:
- pages and API lists named in `LAG_TOLERANT` (the dashboard, its drill-downs and its Excel, the figures' API), for
  whoever may open them;
- pages and API lists named in `LAG_TOLERANT_FOR_READERS` (the enterprise list and its export, the
  self-assessment overview, the API's lists) for users who may list enterprises and change none (SASAC staff):
  an officer's list shows their colleagues' edits at once;
- in a worker, the reads of a block `with replica_reads():` (an export: it reads the register and writes only its
  job's progress).

Which never do (they read the primary):
- any request that is not GET or HEAD;
- any request of a browser that made a request that wrote, or was not GET/HEAD, in the last
  `REPLICA_STICKY_SECONDS` (a cookie holds the time: read-your-writes across requests);
- a read after the request wrote through the ORM (the first write sends the rest of the request to the primary);
- any read inside a transaction (`transaction.atomic`: locks, read-modify-write, the rollup);
- the models of `PRIMARY_ONLY_APPS`: who is signed in and what they may do (sessions, users, second factor,
  lockouts, API tokens), the audit log, the outbox, background jobs;
- everything, for `REPLICA_RETRY_SECONDS`, after the replica could not be reached (the pages keep working), and
  while its replay is more than `REPLICA_MAX_LAG_SECONDS` behind.

Raw SQL through `django.db.connection` always runs on the primary (it is the default database).
Migrations never run on the replica (`allow_migrate`); it is a read-only copy of the whole primary cluster.
"""

import contextlib
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from reform_portal.access import EnterprisePolicy

log = logging.getLogger(__name__)

REPLICA = "replica"
STICKY_COOKIE = "primary_reads"
SAFE_METHODS = frozenset({"GET", "HEAD"})

# URL names (namespace:name) whose reads tolerate seconds of lag, for anyone who may open them.
LAG_TOLERANT = frozenset(
    {
        "reporting:dashboard",
        "reporting:drilldown",
        "reporting:export",
        "reporting:runs",
        "api-rollups",
    }
)
# URL names whose reads tolerate lag for users who may list enterprises and change none (SASAC staff).
LAG_TOLERANT_FOR_READERS = frozenset(
    {
        "enterprises:list",
        "enterprises:export",
        "reporting:assessments:index",
        "api-enterprise-list",
        "api-progress-list",
        "api-assessment-list",
    }
)
# Always read on the primary: who is signed in and what they may do, the audit log's chain, the work handed to the
# workers (claimed and updated by them), beat's schedule.
PRIMARY_ONLY_APPS = frozenset(
    {
        "auth",
        "sessions",
        "contenttypes",
        "admin",
        "axes",
        "otp_totp",
        "otp_static",
        "accounts",
        "audit",
        "outbox",
        "jobs",
        "django_celery_beat",
    }
)


@dataclass
class _Reads:
    on: bool  # reads may go to the replica now
    stop_at_write: bool  # a write sends the rest of the block to the primary
    wrote: bool = False


_reads: ContextVar["_Reads | None"] = ContextVar("replica_reads", default=None)
_down_until = [0.0]


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads():
    """Send the block's reads (outside transactions, of models outside PRIMARY_ONLY_APPS) to the replica.

    For a worker's task whose reads tolerate seconds of lag and depend on none of its own writes, e.g. an export:
    `with replica_reads(): rows = list(queryset.iterator())`. Writes still go to the primary and do not stop the
    block's replica reads (the job's progress does not concern the rows read). Without a replica configured, or
    when it cannot be reached, the reads stay on the primary."""
    token = _reads.set(_Reads(on=_replica_usable(), stop_at_write=False))
    try:
        yield
    finally:
        _reads.reset(token)


@contextlib.contextmanager
def primary_reads():
    """Send the block's reads to the primary, inside a `replica_reads()` block or a lag-tolerant page."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


def wait_for_replica(timeout: float | None = None) -> bool:
    """Wait until the replica has replayed what the primary has committed so far (at most `timeout` seconds, default
    REPLICA_WAIT_SECONDS); True once it has (or with no replica). For a write whose readers cache what they read
    on the replica: the rollup bumps the dashboard's cache generation after this, or the first dashboard of the new
    generation could cache the replica's figures of before the rollup until the next one."""
    if not replica_configured():
        return True
    timeout = settings.REPLICA_WAIT_SECONDS if timeout is None else timeout
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            with connections[REPLICA].cursor() as cursor:
                # a test mirror (the primary itself) is never behind
                cursor.execute("SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return True
            if time.monotonic() > deadline:
                log.warning("replica still behind %s after %ss", target, timeout)
                return False
            time.sleep(0.05)
    except DatabaseError as exc:
        log.warning("replica not checked: %s", exc)
        return False


def _replica_usable() -> bool:
    """The replica is configured and answers; after a failure, the primary for REPLICA_RETRY_SECONDS."""
    if not replica_configured() or time.monotonic() < _down_until[0]:
        return False
    try:
        connections[REPLICA].ensure_connection()
        return _replica_fresh()
    except DatabaseError as exc:
        log.warning("replica unreachable, reading the primary for %ss: %s", settings.REPLICA_RETRY_SECONDS, exc)
        _down_until[0] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        return False


# How far the replica's replay is behind: nothing when it has replayed all it received, else the time since the last
# transaction it replayed (NULL on a primary, i.e. a test mirror, and before the first replayed transaction).
LAG_SQL = """
    SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""
_freshness = {"checked": -1e9, "fresh": True}


def _replica_fresh() -> bool:
    """The replica's replay is at most REPLICA_MAX_LAG_SECONDS behind: seconds of lag are what its readers tolerate,
    not minutes (a replay held up by a long query, a paused replay). Asked at most every REPLICA_LAG_CHECK_SECONDS
    in a process."""
    now = time.monotonic()
    if now - _freshness["checked"] < settings.REPLICA_LAG_CHECK_SECONDS:
        return _freshness["fresh"]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        lag = cursor.fetchone()[0]
    fresh = lag is None or lag <= settings.REPLICA_MAX_LAG_SECONDS
    if fresh != _freshness["fresh"]:
        state = "caught up" if fresh else "too far behind, reading the primary"
        log.warning("replica %s (replay %ss behind)", state, lag)
    _freshness.update(checked=now, fresh=fresh)
    return fresh


class ReplicaRouter:
    """Reads to the replica where the current request or block allows it (see the module's text), everything else
    to the primary. Returns the primary explicitly: a row read from the replica is saved, refreshed and followed
    (its foreign keys) on the primary unless the block still reads the replica."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if (
            reads is None
            or not reads.on
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
            if reads.stop_at_write:
                reads.on = False
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        ours = {DEFAULT_DB_ALIAS, REPLICA}
        return True if obj1._state.db in ours and obj2._state.db in ours else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


def _sticky(request) -> bool:
    """The browser made a request that wrote less than REPLICA_STICKY_SECONDS ago."""
    try:
        wrote_at = float(request.COOKIES.get(STICKY_COOKIE, ""))
    except ValueError:
        return False
    return time.time() - wrote_at < settings.REPLICA_STICKY_SECONDS


def lag_tolerant(request) -> bool:
    """Whether this request's reads may come from the replica (before it writes anything)."""
    if request.method not in SAFE_METHODS or _sticky(request):
        return False
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else None
    if name in LAG_TOLERANT:
        return True
    if name in LAG_TOLERANT_FOR_READERS:
        user = request.user
        return EnterprisePolicy.can(user, EnterprisePolicy.LIST) and not EnterprisePolicy.can(
            user, EnterprisePolicy.UPDATE_PROGRESS
        )
    return False


class ReplicaReadsMiddleware:
    """Decides, once the URL is resolved, whether the view's reads may come from the replica; after a request that
    wrote or was not GET/HEAD, sets the cookie that keeps the browser's reads on the primary for
    REPLICA_STICKY_SECONDS. Last in MIDDLEWARE: the session, the user and their reach are read (on the primary)
    before, the session is saved after."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = _Reads(on=False, stop_at_write=True)
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if response.streaming and reads.on:  # a streamed body is read after the view returned
            response.streaming_content = _within(reads, response.streaming_content)
        if reads.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(
                STICKY_COOKIE,
                f"{time.time():.3f}",
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reads = _reads.get()
        if reads is not None and lag_tolerant(request):
            reads.on = _replica_usable()
        return None


def _within(reads: _Reads, chunks):
    iterator = iter(chunks)
    while True:
        token = _reads.set(reads)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reads.reset(token)
        yield chunk
