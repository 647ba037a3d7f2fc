from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.catalogue import CATALOGUE_DIR, CatalogueError, catalogue_load, catalogue_load_all
from measures.derived import derived_values_sync_all

KIND_LABELS = {
    "sections": gettext_lazy("章节"),
    "measures": gettext_lazy("措施"),
    "indicators": gettext_lazy("指标"),
}


class Command(BaseCommand):
    help = gettext_lazy(
        "载入政策文件目录（measures/data/catalogue/*.json）：按文号和代码更新，不删除；"
        "数据库中有、文件里已没有的条目只提示。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", metavar="PATH", help=gettext_lazy("只载入这一个文件"))

    def handle(self, *args, **options):
        try:
            if options.get("file"):
                files = [catalogue_load(path=options["file"])]
            else:
                files = catalogue_load_all()["files"]
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        if any(stats["created"]["indicators"] or stats["updated"]["indicators"] for stats in files):
            # An indicator derived from the register that is new or changed gets its values from the register now.
            derived_values_sync_all()
        if not files:
            self.stderr.write(self.style.WARNING(_("%(dir)s 下没有政策文件数据。") % {"dir": CATALOGUE_DIR}))
        for stats in files:
            if options["verbosity"] > 0:
                self.stdout.write(self.style.SUCCESS(self.summary(stats)))
            for kind, codes in stats["orphans"].items():
                if codes:
                    self.stderr.write(
                        self.style.WARNING(
                            _("警告：%(document)s 的%(kind)s %(codes)s 已不在 %(file)s 中，未删除，请人工处理。")
                            % {
                                "document": stats["document"],
                                "kind": KIND_LABELS[kind],
                                "codes": "、".join(codes),
                                "file": stats["file"],
                            }
                        )
                    )

    @staticmethod
    def summary(stats) -> str:
        parts = []
        for kind in ("sections", "measures", "indicators"):
            parts.append(
                _("%(kind)s新增 %(created)d、更新 %(updated)d、未变 %(unchanged)d")
                % {
                    "kind": KIND_LABELS[kind],
                    "created": stats["created"][kind],
                    "updated": stats["updated"][kind],
                    "unchanged": stats["unchanged"][kind],
                }
            )
        document_state = (
            _("新增") if stats["created"]["documents"] else _("更新") if stats["updated"]["documents"] else _("未变")
        )
        return _("%(document)s（%(state)s）：%(parts)s。") % {
            "document": stats["document"],
            "state": document_state,
            "parts": "；".join(parts),
        }
