import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
