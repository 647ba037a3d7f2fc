"""`manage.py setup_schedule` puts the nightly full rollup and the 15-minute refresh into django-celery-beat."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db

NIGHTLY = "全量汇总（每晚）"
REFRESH = "增量刷新汇总（每 15 分钟）"


def test_setup_schedule_creates_the_rollup_tasks_and_leaves_edited_ones_alone():
    # when
    call_command("setup_schedule", stdout=StringIO())
    # then the nightly full rollup at 02:00 and the refresh every 15 minutes
    nightly = PeriodicTask.objects.get(name=NIGHTLY)
    assert nightly.task == "reporting.tasks.rollup_full" and nightly.enabled
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("0", "2")
    refresh = PeriodicTask.objects.get(name=REFRESH)
    assert refresh.task == "reporting.tasks.rollup_refresh" and refresh.enabled
    assert (refresh.interval.every, refresh.interval.period) == (15, IntervalSchedule.MINUTES)
    # given an administrator moves the refresh to every 30 minutes and switches the nightly run off
    refresh.interval = IntervalSchedule.objects.create(every=30, period=IntervalSchedule.MINUTES)
    refresh.save()
    PeriodicTask.objects.filter(pk=nightly.pk).update(enabled=False)
    count = PeriodicTask.objects.count()
    # when the command runs again (e.g. on the next deployment)
    call_command("setup_schedule", stdout=StringIO())
    # then nothing is duplicated and the edits stand
    assert PeriodicTask.objects.count() == count
    assert PeriodicTask.objects.get(name=REFRESH).interval.every == 30
    assert PeriodicTask.objects.get(name=NIGHTLY).enabled is False
