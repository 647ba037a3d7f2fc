"""Recording task calls and sending them to the broker.

`enqueue` writes the row in the caller's transaction (so the call is committed with the write that asks for it, or
not at all) and publishes it once that transaction commits: over a connection of its own that gives up after
`OUTBOX_PUBLISH_TIMEOUT` seconds, with no retries. When the broker is unreachable the row stays unsent, the caller
carries on, and for `OUTBOX_BACKOFF_SECONDS` this process leaves further rows to `flush` instead of waiting again.

`flush` (every minute from beat, and when a worker starts) sends the unsent rows in order; each row is locked while
it is sent (`SKIP LOCKED`: two flushes take different rows) and marked sent in the same transaction. Its Celery task
id is derived from the row, and the tasks it carries are idempotent, so a row sent twice (the mark lost to a
database failure after the publish) does the work once.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reform_portal.locks import lock_available

from .models import OutboxMessage

log = logging.getLogger(__name__)

BATCH = 100


def _celery_app():
    from reform_portal.celery import app

    return app


def task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Record a call of `task` (a Celery task or its name; JSON arguments) and send it after commit."""
    message = OutboxMessage.objects.create(task=task_name(task), args=list(args), kwargs=kwargs)
    # robust: whatever goes wrong sending (the database itself away), the caller's write is committed and its page
    # answers; the row waits for the flush
    transaction.on_commit(lambda: publish(message), robust=True)
    return message


class Enqueuer:
    """`enqueue` bound to one task, for a service that is handed a callable: remembers what it recorded, so the page
    can tell whether the work went out or waits for the broker."""

    def __init__(self, task):
        self.task = task
        self.messages: list[OutboxMessage] = []

    def __call__(self, *args, **kwargs) -> OutboxMessage:
        message = enqueue(self.task, *args, **kwargs)
        self.messages.append(message)
        return message

    @property
    def held(self) -> bool:
        """Some of the work waits in the outbox for the broker."""
        return any(m.sent_at is None for m in self.messages)


def bound(task) -> Enqueuer:
    return Enqueuer(task)


# After a failed publish this process leaves the rows to `flush` for a while (a page sending 50 reminders waits for
# one failed connection, not 50).
_down_until = [0.0]


def publish(message: OutboxMessage) -> bool:
    """Send one committed row now (after its transaction's commit); False if it was left for `flush`."""
    if time.monotonic() < _down_until[0]:
        return False
    sent = _send_rows(OutboxMessage.objects.filter(pk=message.pk))
    if sent:
        message.sent_at = sent[0].sent_at
    return bool(sent)


def flush(*, batch: int = BATCH) -> int:
    """Send the unsent rows, oldest first; stop at the first that cannot be sent. Returns how many went out."""
    total = 0
    while True:
        sent = _send_rows(OutboxMessage.objects.filter(sent_at__isnull=True), limit=batch)
        total += len(sent)
        if len(sent) < batch:
            return total


def purge(*, now=None) -> int:
    """Delete the rows sent more than `OUTBOX_KEEP_DAYS` ago."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted


def _send_rows(queryset, *, limit: int = 1) -> list[OutboxMessage]:
    """Lock up to `limit` unsent rows of `queryset`, publish them in order and mark those that went out."""
    sent = []
    with transaction.atomic():
        rows = lock_available(queryset.filter(sent_at__isnull=True), limit)
        if not rows:
            return sent
        failed, error = None, ""
        try:
            with _broker_connection() as connection:
                for row in rows:
                    _publish(row, connection)
                    row.sent_at = timezone.now()
                    sent.append(row)
        except Exception as exc:  # the broker's errors differ by transport; any of them leaves the row for later
            failed, error = rows[len(sent)], f"{type(exc).__name__}: {exc}"[:2000]
            _down_until[0] = time.monotonic() + settings.OUTBOX_BACKOFF_SECONDS
            log.warning("outbox: %s %s not sent, left for the next flush: %s", failed.task_id, failed.task, error)
        if sent:
            OutboxMessage.objects.bulk_update(sent, ["sent_at"])
        if failed is not None:
            failed.attempts += 1
            failed.last_error = error
            failed.save(update_fields=["attempts", "last_error"])
    if sent and failed is None:
        _down_until[0] = 0.0
    return sent


def _broker_connection():
    """A connection to the broker for publishing that fails fast: one attempt, short socket timeouts."""
    app = _celery_app()
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    options = dict(app.conf.broker_transport_options or {})
    options["max_retries"] = 0  # kombu: connect once, never retry
    if str(app.conf.broker_url or "").startswith(("redis://", "rediss://")):
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    return app.connection_for_write(connect_timeout=timeout, transport_options=options)


def _publish(row: OutboxMessage, connection) -> None:
    app = _celery_app()
    options = {"task_id": row.task_id, "retry": False, "ignore_result": True, "connection": connection}
    task = app.tasks.get(row.task)
    if task is not None:  # the task's own options (time limits, route); run here when the app is eager
        task.apply_async(row.args, row.kwargs, **options)
    else:
        app.send_task(row.task, row.args, row.kwargs, **options)
