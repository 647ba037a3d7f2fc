"""Profile the register import in-process (docs/performance/imports.md): an officer in charge of every prefecture of
云南 exports their enterprises, raises 工会会员数 by one in every row (as `bench_jobs.import_workbook`
does) and imports the file; prints the wall time, the number of SQL statements and cProfile's heaviest functions.
Run against a database of your own filled by `generate_load`:

    DATABASE_URL=postgres://…/rp_x DEBUG=1 .venv/bin/python scripts/profile_import.py --rows 5000

Nothing is kept: the import runs in a transaction rolled back at the end."""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="time only (cProfile slows Python down)")
    parser.add_argument("--queries", action="store_true", help="print the SQL statements, grouped")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
    import django

    django.setup()
    from bench_jobs import import_workbook
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from enterprises.choices import Role
    from enterprises.exporting import enterprises_workbook
    from enterprises.importing import enterprises_import
    from enterprises.models import Enterprise, Profile, Region
    from enterprises.selectors import with_progress_summary
    from reform_portal.access import EnterprisePolicy

    province = Region.objects.get(code="530000")
    prefectures = list(Region.objects.filter(parent=province).order_by("code"))
    user, _ = get_user_model().objects.get_or_create(username="profile-import-officer")
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": Role.OFFICER, "province": province})
    profile.charge_regions.set(prefectures)  # every prefecture of 云南: enough enterprises for the rows asked
    mine = EnterprisePolicy.visible(user, Enterprise.objects.all()).filter(region__in=prefectures).order_by("pk")
    buffer = io.BytesIO()
    shown = with_progress_summary(mine.select_related("parent", "region", "county"))[: args.rows]
    enterprises_workbook(shown).save(buffer)
    content, rows = import_workbook(buffer.getvalue(), args.rows, "工会会员数")
    print(f"{rows} rows of {Enterprise.objects.count()} enterprises, {len(content)} bytes", flush=True)

    profiler = cProfile.Profile()
    with transaction.atomic():
        upload = SimpleUploadedFile("profile.xlsx", content)
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            if args.no_profile:
                result = enterprises_import(upload=upload, by=user)
            else:
                result = profiler.runcall(enterprises_import, upload=upload, by=user)
            seconds = time.perf_counter() - t
        transaction.set_rollback(True)
    print(
        f"ok={result.ok} updated={result.updated} created={result.created} unchanged={result.unchanged}"
        f" errors={len(result.errors)} {[e.message for e in result.errors[:3]]}"
    )
    print(f"{seconds:.2f} s, {seconds / rows * 1000:.2f} ms a row, {len(queries)} SQL statements")
    if args.queries:
        from collections import Counter

        shapes = Counter(q["sql"][:160] for q in queries.captured_queries)
        for sql, n in shapes.most_common(25):
            print(f"{n:6d}  {sql}")
        print("slowest:")
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]:
            print(f"{float(q['time']):7.2f} s  {q['sql'][:300]}")
    if not args.no_profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
