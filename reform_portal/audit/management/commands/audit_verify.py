from django.core.management.base import BaseCommand, CommandError

from ...services import verify


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exit 1 naming the first entry that does not match."

    def handle(self, *args, **options):
        checked, broken = verify()
        if broken is not None:
            what = (
                "its prev_hash is not the hash of the entry before it"
                if broken.reason == "prev_hash"
                else ("its hash does not match its content")
            )
            raise CommandError(f"audit chain broken at entry #{broken.entry_id}: {what} ({checked} entries read)")
        self.stdout.write(f"audit chain verified: {checked} entries")
