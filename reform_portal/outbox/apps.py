import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class OutboxConfig(AppConfig):
    name = "reform_portal.outbox"
    label = "outbox"
    verbose_name = _("待发任务")

    def ready(self):
        from celery.signals import worker_ready

        worker_ready.connect(flush_when_a_worker_starts, weak=False, dispatch_uid="outbox-flush-at-worker-start")


def flush_when_a_worker_starts(**kwargs):
    """A worker that starts sends what waited in the outbox while the broker was away."""
    from django.db import connections

    from .services import flush

    try:
        sent = flush()
        if sent:
            log.info("outbox: %d waiting task calls sent", sent)
    except Exception:  # the database may be the one away: beat's flush tries again every minute
        log.exception("outbox: flush at worker start failed")
    finally:
        connections.close_all()  # opened in the worker's main process; its pool's processes open their own
