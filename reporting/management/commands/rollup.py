from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.choices import RunStatus
from reporting.rollup import rollup_full_now


class Command(BaseCommand):
    help = "Run the full rollup now, in this process (no worker needed): every (province, document) of one day."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date: expected YYYY-MM-DD, got {options['date']!r}") from exc
        started = timezone.now()
        run, results = rollup_full_now(day=day)
        seconds = (timezone.now() - started).total_seconds()
        for r in results:
            self.stdout.write(f"document {r.document_id}: {r.rows} snapshot rows in {r.seconds:.2f}s")
        self.stdout.write(f"rollup {day}: {run.get_status_display()}, {len(results)} parts in {seconds:.2f}s")
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(run.error)
