import logging
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")

app = Celery("reform_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# What a task writes to an audited model is recorded as from 系统, naming the task (reform_portal/history.py).
_history_contexts = {}


@task_prerun.connect
def _enter_history_context(task_id=None, task=None, **kwargs):
    from reform_portal.history import task_context

    context = task_context(task.name)
    context.__enter__()
    _history_contexts[task_id] = context


@task_postrun.connect
def _leave_history_context(task_id=None, **kwargs):
    context = _history_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)


@worker_ready.connect
def _flush_outbox(**kwargs):
    """A worker that starts sends what waited in the outbox while the broker was away (reform_portal/outbox/)."""
    from django.db import connections

    from reform_portal.outbox.services import flush

    try:
        sent = flush()
        if sent:
            logging.getLogger(__name__).info("outbox: %d waiting task calls sent", sent)
    except Exception:  # the database may be the one away: beat's flush tries again every minute
        logging.getLogger(__name__).exception("outbox: flush at worker start failed")
    finally:
        connections.close_all()  # opened in the main process; the pool's processes open their own
