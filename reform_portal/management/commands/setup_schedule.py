from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from reform_portal.schedule import PERIODIC_TASKS


class Command(BaseCommand):
    help = "Create the periodic tasks of reform_portal/schedule.py in the beat database (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for spec in PERIODIC_TASKS:
            if PeriodicTask.objects.filter(name=spec["name"]).exists():
                continue  # an administrator may have edited it: leave it alone
            kwargs = {}
            if "crontab" in spec:
                kwargs["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    timezone="Asia/Shanghai",
                    **{"day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **spec["crontab"]},
                )
            else:
                kwargs["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=spec["every_minutes"], period=IntervalSchedule.MINUTES
                )
            PeriodicTask.objects.create(
                name=spec["name"], task=spec["task"], description=spec.get("description", ""), **kwargs
            )
            created += 1
        self.stdout.write(f"schedule: {created} periodic tasks created, {len(PERIODIC_TASKS) - created} already there")
