"""Time the bulk update by filter through the page (Django's test client in-process: the whole server side of the
request, middleware, view, SQL and triggers), rolled back after each run.

    DATABASE_URL=postgres://…/rp_x DEBUG=1 .venv/bin/python scripts/measure_bulk_by_filter.py [--runs 3]

On a `generate_load` database: an administrator selects the enterprises of 云南 still 推进中 on YN-04 (the list's
`region` filter and the form's "current status") and sets 已完成 100 %. `--region 530100` (昆明市) selects
6,511 enterprises on a `generate_load --enterprises 100000` database (云南 then exceeds the 20,000 bound).
Prints the selection's size, each confirm's wall time, CPU time of this process, and its statements with their
times (the slowest first)."""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")


def main():
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client then hands back the template's context (the preview's token)
    from django.conf import settings

    settings.TWO_FACTOR_REQUIRED_ROLES = []  # force_login cannot enter a one-time code (as in the tests)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from enterprises.models import Region
    from measures.models import Measure

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--current", default="in_progress")
    parser.add_argument("--region", default="530000", help="the list's region filter: a province or prefecture code")
    args = parser.parse_args()

    admin, _ = get_user_model().objects.get_or_create(
        username="bench-bulk-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    province = Region.objects.get(code=args.region)
    measure = Measure.objects.get(code="YN-04")
    url = f"{reverse('enterprises:bulk_by_filter')}?{urlencode({'region': province.pk})}"
    body = {
        "bulk-measure": measure.pk,
        "bulk-current": args.current,
        "bulk-status": "done",
        "bulk-percent": 100,
        "bulk-note": "measure_bulk_by_filter",
    }
    for run in range(args.runs):
        t = time.perf_counter()
        shown = client.get(f"{url}&{urlencode(body)}")
        preview_time = time.perf_counter() - t
        preview = shown.context["preview"]
        with transaction.atomic():
            with CaptureQueriesContext(connection) as seen:
                wall, cpu = time.perf_counter(), time.process_time()
                done = client.post(url, {**body, "bulk-token": preview.token})
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            transaction.set_rollback(True)
        assert done.status_code == 302, done.status_code
        sql = sorted(((float(q["time"]), q["sql"][:110]) for q in seen.captured_queries), reverse=True)
        print(
            f"run {run + 1}: {preview.count} selected, {preview.changes} to change; preview {preview_time:.2f} s;"
            f" confirm {wall:.2f} s wall, {cpu:.2f} s CPU of this process, {len(sql)} statements,"
            f" {sum(t for t, _ in sql):.2f} s in SQL"
        )
        for seconds, text in sql[:4]:
            print(f"    {seconds:.3f} s  {text}")


if __name__ == "__main__":
    main()
