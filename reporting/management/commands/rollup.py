from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting import list_counts, tallies, triggers
from reporting.choices import RunStatus
from reporting.rollup import rollup_full_now


class Command(BaseCommand):
    help = "Run the full rollup now, in this process (no worker needed): every (province, document) of one day."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--check-tallies",
            action="store_true",
            help="only compare the tallies the database keeps with a recomputation from the source rows, and the "
            "triggers that keep them with the code",
        )
        parser.add_argument(
            "--rebuild-tallies", action="store_true", help="recompute the tallies from the source rows first"
        )

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date: expected YYYY-MM-DD, got {options['date']!r}") from exc
        if options["check_tallies"]:
            return self._check()
        if options["rebuild_tallies"]:
            tallies.rebuild()
            list_counts.rebuild()  # the enterprise list's counts per place
            self.stdout.write("tallies rebuilt from the source rows")
        started = timezone.now()
        run, results = rollup_full_now(day=day)
        seconds = (timezone.now() - started).total_seconds()
        for r in results:
            self.stdout.write(f"document {r.document_id}: {r.rows} snapshot rows in {r.seconds:.2f}s")
        self.stdout.write(f"rollup {day}: {run.get_status_display()}, {len(results)} parts in {seconds:.2f}s")
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(run.error)

    def _check(self):
        drift = tallies.drift() | list_counts.drift()  # with the list's counts per place (reporting/list_counts.py)
        for table, keys in drift.items():
            self.stdout.write(f"{table}: {len(keys)} keys differ")
            for key, (held, fresh) in sorted(keys.items(), key=str)[:10]:
                self.stdout.write(f"  {key}: held {held}, recomputed {fresh}")
        differences = triggers.installed_differences()
        for difference in differences:
            self.stdout.write(f"trigger {difference}")
        if any(drift.values()):
            raise CommandError("the tallies differ from the source rows: run `manage.py rollup --rebuild-tallies`")
        self.stdout.write("tallies agree with the source rows")
        if differences:
            raise CommandError("the database's triggers differ from the code: run `manage.py migrate`")
        self.stdout.write("the triggers agree with the code")
