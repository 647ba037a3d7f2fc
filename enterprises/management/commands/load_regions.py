from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.reference import ReferenceDataError, regions_load


class Command(BaseCommand):
    help = gettext_lazy("载入省级、地级和县级行政区划（enterprises/data/regions.json）；按代码更新，不删除。")

    def add_arguments(self, parser):
        parser.add_argument("--file", metavar="PATH", help=gettext_lazy("改用另一个行政区划文件"))

    def handle(self, *args, **options):
        try:
            stats = regions_load(path=options.get("file"))
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    _("行政区划 %(total)d 个：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d。") % stats
                )
            )
