"""Build a bulletin now, in this process: `make_bulletin --province 53 [--prefecture 530100] --from 2026-11-01
--to 2026-11-30 [--out DIR]`. A new draft is numbered and created with the draft texts, built (figures, charts,
.docx, .pdf, kept with it), and the files are copied to DIR when given."""

import shutil
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from enterprises.choices import RegionLevel
from enterprises.models import Region
from reporting.bulletins import services


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"不是日期（YYYY-MM-DD）：{value}") from None


class Command(BaseCommand):
    help = "生成一期工作通报（.docx 与 .pdf）"

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="省份代码，如 53 或 530000")
        parser.add_argument("--prefecture", help="州（市）代码，如 530100（不填：全省）")
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--out", help="把生成的文件复制到此目录")

    def handle(self, *args, **options):
        code = options["province"].ljust(6, "0")
        province = Region.objects.filter(level=RegionLevel.PROVINCE, code=code).first()
        if province is None:
            raise CommandError(f"没有省份 {code}")
        prefecture = None
        if options["prefecture"]:
            prefecture = Region.objects.filter(parent=province, code=options["prefecture"]).first()
            if prefecture is None:
                raise CommandError(f"{province.name}没有州（市） {options['prefecture']}")
        try:
            bulletin = services.bulletin_create(
                province=province,
                prefecture=prefecture,
                date_from=_date(options["date_from"]),
                date_to=_date(options["date_to"]),
                by=None,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        bulletin = services.bulletin_build(bulletin_id=bulletin.pk)
        self.stdout.write(f"{bulletin.number} {bulletin.title}")
        for stored in (bulletin.docx_file, bulletin.pdf_file):
            path = Path(stored.path)
            if options["out"]:
                out = Path(options["out"])
                out.mkdir(parents=True, exist_ok=True)
                target = out / f"bulletin-{bulletin.pk}{path.suffix}"
                shutil.copyfile(path, target)
                path = target
            self.stdout.write(str(path))
