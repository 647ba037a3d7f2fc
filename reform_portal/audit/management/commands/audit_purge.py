from django.core.management.base import BaseCommand, CommandError

from ...services import purge


class Command(BaseCommand):
    help = (
        "Delete audit entries older than AUDIT_RETENTION_DAYS (never fewer than 180 days) and record what was "
        "removed; the remaining chain still verifies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="keep this many days instead of AUDIT_RETENTION_DAYS (≥ 180)")

    def handle(self, *args, days=None, **options):
        try:
            deleted = purge(days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"audit purge: {deleted} entries deleted")
