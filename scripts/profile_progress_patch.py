"""Profile `PATCH /api/progress/{id}/` in-process, through Django's WSGI handler (what a gunicorn worker runs): CPU
ms per request (this process only: Python, not PostgreSQL), wall ms, the SQL statements of one request, the Python
function calls per request and cProfile's heaviest functions. Run it against a database of your own filled by
`generate_load` (docs/performance/writes.md):

    DATABASE_URL=postgres://…/rp_x DEBUG=1 .venv/bin/python scripts/profile_progress_patch.py --requests 300

An officer in charge of what `officer-yn` (seed_demo) is patches rows of Kunming's enterprises in turn, alternating
two values, with the version read (If-Match), once with a session and once with an API token."""

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--user", default="profile-officer", help="made like officer-yn, without the demo exemption")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--queries", action="store_true", help="print the SQL of one request")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative, tottime")
    parser.add_argument("--only", choices=["session", "token"], help="one way of signing in only")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.utils.crypto import get_random_string

    from measures.models import Progress
    from reform_portal.access import EnterprisePolicy
    from reform_portal.accounts.services import token_issue

    user = officer(args.user)
    rows = list(
        EnterprisePolicy.visible(user, Progress.objects.all(), prefix="enterprise__")
        .order_by("pk")
        .values_list("pk", flat=True)[: args.requests]
    )
    if len(rows) < args.requests:
        sys.exit(f"only {len(rows)} progress rows in the charge of {args.user}")
    _token, key = token_issue(user=user, name="profile")

    browser = Client()
    browser.force_login(user)
    csrf = get_random_string(32)  # a browser's CSRF cookie, sent back in the header as the portal's pages do
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    session = {"HTTP_COOKIE": f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf}", "HTTP_X_CSRFTOKEN": csrf}
    token = {"HTTP_AUTHORIZATION": f"Token {key}"}
    versions = dict(Progress.objects.filter(pk__in=rows).values_list("pk", "version"))
    turn = {"n": 0}
    factory, application = RequestFactory(), get_wsgi_application()  # what a gunicorn worker runs

    def patch(headers, pk):
        turn["n"] += 1
        # a new note each time: a move back needs its own (progress_problems)
        body = {"status": "in_progress", "percent": 40 + 20 * (turn["n"] % 2), "note": f"profile {turn['n']}"}
        environ = factory.patch(
            f"/api/progress/{pk}/",
            json.dumps(body),
            content_type="application/json",
            HTTP_IF_MATCH=f'"{versions[pk]}"',
            **headers,
        ).environ
        answer = {}
        content = b"".join(application(environ, lambda status, headers, *_: answer.setdefault("status", status)))
        assert answer["status"].startswith("200"), (answer["status"], content[:300])
        versions[pk] = json.loads(content)["version"]

    for label, client in (("session", session), ("token", token)):
        if args.only and label != args.only:
            continue
        for pk in rows[:20]:  # warm up: imports, caches, the first query of each kind
            patch(client, pk)
        one = []
        with connection.execute_wrapper(functools.partial(note, one)):
            patch(client, rows[0])
        cpu, wall = [], []
        for pk in rows:
            c, w = time.process_time(), time.perf_counter()
            patch(client, pk)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
        # On a shared machine the median drifts with the other processes' load; the 10th percentile is steadier.
        tenth = statistics.quantiles(cpu, n=10)[0]
        print(
            f"{label}: {len(rows)} PATCH, CPU p10 {tenth:.2f} ms, median {statistics.median(cpu):.2f} ms;"
            f" wall median {statistics.median(wall):.2f} ms; {len(one)} queries per request"
        )
        if args.queries:
            for sql in one:
                print("   ", sql[:220])
        profile = cProfile.Profile(time.process_time)  # CPU time: waiting for PostgreSQL is not counted
        profile.enable()
        for pk in rows:
            patch(client, pk)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(args.sort)
        print(f"{label}: {stats.total_calls // len(rows)} Python function calls per request")
        stats.print_stats(args.top)
        print(out.getvalue())


def note(statements, execute, sql, params, many, context):
    statements.append(sql)
    return execute(sql, params, many, context)


def officer(username):
    """`username`, or a new officer in charge of what officer-yn (seed_demo) is: an ordinary account, which the
    login gate checks in full on each request (the demo accounts skip its steps with DEBUG on)."""
    from django.contrib.auth import get_user_model

    from enterprises.choices import Role
    from enterprises.models import Profile

    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        model = Profile.objects.get(user__username="officer-yn")
        profile = Profile.objects.create(user=user, role=Role.OFFICER)
        profile.charge_regions.set(model.charge_regions.all())
    return user


if __name__ == "__main__":
    main()
