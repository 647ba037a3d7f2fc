from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reform_portal.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Fill the database with demo enterprises, progress and the demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG=0 (never on a real deployment)")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG=0: refusing to create demo accounts on what may be a real deployment (--force).")
        result = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo: {result.enterprises_created} enterprises and {result.users_created} accounts created, "
                f"{result.progress_seeded} progress records seeded; password {DEMO_PASSWORD}"
            )
        )
