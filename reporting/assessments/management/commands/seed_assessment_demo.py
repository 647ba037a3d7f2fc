"""Open the current year's self-assessment period in both demo provinces (idempotent)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enterprises.models import Region

from ...models import ReportingPeriod

PROVINCES = ["530000", "610000"]  # 云南省, 陕西省


class Command(BaseCommand):
    help = "开放本年度自评填报期（云南、陕西，截止日期为一个月后）；已有的填报期不动。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="DEBUG=0 时也执行")
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, force=False, year=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_assessment_demo is demo data: refusing with DEBUG=0 (use --force)")
        today = timezone.localdate()
        year = year or today.year
        created = 0
        for code in PROVINCES:
            province = Region.objects.filter(code=code).first()
            if province is None:
                raise CommandError(f"region {code} missing: run load_regions first")
            _period, was_created = ReportingPeriod.objects.get_or_create(
                year=year,
                province=province,
                defaults={"opens_on": today, "deadline": today + timedelta(days=30), "is_open": True},
            )
            created += was_created
        self.stdout.write(f"assessment periods: {created} created, {len(PROVINCES) - created} already there")
