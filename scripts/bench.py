"""`make bench`: build N enterprises (default 100,000) in a separate PostgreSQL database, then time the full
rollup, a bare SELECT … GROUP BY over the same progress table, and the dashboard's median response with a warm
cache. Prints the figures and writes them to BENCHMARKS.md with the machine they ran on."""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/reform_portal_bench"


def ensure_database(url: str):
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(
        dbname="postgres", user=parsed.username, password=parsed.password, host=parsed.hostname, port=parsed.port
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    conn.close()


def timed(fn, repeat=1):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


class _Undo(Exception):
    pass


def write_costs(n: int) -> dict:
    """What the database's triggers (tallies, history, version) cost a writer: single-row and bulk progress updates
    through the ORM that change an audited field (the note), timed with the triggers and with them disabled, inside
    one transaction that is rolled back (nothing changes, no drift)."""
    from django.db import connection, transaction
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from measures.models import Progress

    ids = list(Progress.objects.order_by("?").values_list("pk", flat=True)[:n])
    bulk_rows = 10_000
    bulk_ids = list(Progress.objects.order_by("pk").values_list("pk", flat=True)[:bulk_rows])

    def one_row_updates():
        times = []
        for pk in ids:
            t = time.perf_counter()
            Progress.objects.filter(pk=pk).update(note=Concat(F("note"), Value(" ")))
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000

    def bulk_update():
        return (
            timed(lambda: Progress.objects.filter(pk__in=bulk_ids).update(note=Concat(F("note"), Value(" "))))[0] * 1000
        )

    figures = {"bulk_rows": f"{len(bulk_ids):,}"}
    try:
        with transaction.atomic():
            figures["one_on"], figures["bulk_on"] = one_row_updates(), bulk_update()
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the history rows' deferred key checks, done now
                cur.execute("ALTER TABLE measures_progress DISABLE TRIGGER USER")
            figures["one_off"], figures["bulk_off"] = one_row_updates(), bulk_update()
            raise _Undo
    except _Undo:
        pass
    return figures


def machine() -> dict:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu,
        "memory": f"{int(mem.split()[1]) // 1024 // 1024} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from enterprises.choices import Role
    from enterprises.models import Enterprise, Profile, Region
    from measures.models import Progress
    from reporting import tallies
    from reporting.rollup import rollup_full_now

    call_command("migrate", verbosity=0)
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    have = Enterprise.objects.count()
    if have < args.enterprises:
        print(f"generating {args.enterprises - have} enterprises (have {have}) …", flush=True)
        t = time.perf_counter()
        call_command("generate_load", enterprises=args.enterprises - have)
        print(f"generated in {time.perf_counter() - t:.1f}s", flush=True)
    enterprises = Enterprise.objects.count()
    progress_rows = Progress.objects.count()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("SELECT version()")
        pg_version = cur.fetchone()[0].split(" on ")[0]
    print(f"{enterprises} enterprises, {progress_rows} progress rows", flush=True)

    def bare_group_by():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT measure_id, status, COUNT(*), AVG(percent) FROM measures_progress GROUP BY measure_id, status"
            )
            cur.fetchall()

    # The tallies the rollup reads must agree with the rows (else its speed would mean nothing).
    t = time.perf_counter()
    drift = tallies.drift()
    check_s = time.perf_counter() - t
    agree = not any(drift.values())
    print(f"tallies agree with the source rows: {agree} (checked in {check_s:.1f}s)", flush=True)
    rebuild_s = timed(tallies.rebuild)[0]
    print(f"tallies rebuilt from the source rows in {rebuild_s:.2f}s", flush=True)

    rollup_full_now()  # warm up: the first run after a rebuild folds nothing but reads cold pages
    bare, rollup_runs = [], []
    for _ in range(5):  # interleaved, so that the machine's ups and downs fall on both alike
        bare += timed(bare_group_by)
        rollup_runs += timed(lambda: rollup_full_now())
    bare_s, rollup_s = statistics.median(bare), statistics.median(rollup_runs)
    print(f"bare GROUP BY: median {bare_s:.3f}s; full rollup: median {rollup_s:.3f}s ({rollup_s / bare_s:.1f}x)")
    writes = write_costs(args.writes)
    print(
        "one progress row updated: median {one_on:.2f} ms with the triggers, {one_off:.2f} ms without;"
        " {bulk_rows} rows in one UPDATE: {bulk_on:.0f} ms with, {bulk_off:.0f} ms without".format(**writes)
    )

    user, _ = (
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.get_or_create(username="bench-sasac")
    )
    Profile.objects.update_or_create(
        user=user, defaults={"role": Role.SASAC, "province": Region.objects.get(code="530000")}
    )
    client = Client()
    client.force_login(user)
    cache.clear()
    cold = timed(lambda: client.get("/reporting/dashboard/"))[0]
    warm = []
    for _ in range(args.requests):
        t = time.perf_counter()
        response = client.get("/reporting/dashboard/")
        warm.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
    warm_ms = statistics.median(warm) * 1000
    print(f"dashboard: cold {cold * 1000:.0f} ms, warm median {warm_ms:.1f} ms over {args.requests} requests")

    m = machine()
    ok = lambda good: "met" if good else "NOT met"  # noqa: E731
    bare_runs = ", ".join(f"{t:.3f}" for t in bare)
    full_runs = ", ".join(f"{t:.3f}" for t in rollup_runs)
    rows = [
        ("what", "figure", "target"),
        ("---", "---", "---"),
        (
            "bare `SELECT measure_id, status, COUNT(*), AVG(percent) … GROUP BY measure_id, status`",
            f"median {bare_s:.3f} s (runs: {bare_runs})",
            "",
        ),
        (
            "full rollup (`rollup_full_now`: every part, every scope, from the tallies)",
            f"median {rollup_s:.3f} s (runs: {full_runs})",
            f"< 15 s: {ok(rollup_s < 15)}",
        ),
        ("full rollup ÷ bare GROUP BY", f"{rollup_s / bare_s:.1f}×", f"≤ 3×: {ok(rollup_s <= 3 * bare_s)}"),
        ("dashboard (`sasac` of 云南省), cold cache", f"{cold * 1000:.0f} ms", ""),
        (
            f"dashboard, warm cache, median of {args.requests} requests",
            f"{warm_ms:.1f} ms",
            f"< 100 ms: {ok(warm_ms < 100)}",
        ),
        ("tallies agree with a recomputation from the source rows (`rollup --check-tallies`)", str(agree), ""),
        ("rebuild of the tallies from the source rows (`rollup --rebuild-tallies`)", f"{rebuild_s:.2f} s", ""),
        (
            f"one progress row updated (median of {args.writes}): with the triggers / without",
            "{one_on:.2f} ms / {one_off:.2f} ms".format(**writes),
            "",
        ),
        (
            "{bulk_rows} progress rows in one UPDATE: with the triggers / without".format(**writes),
            "{bulk_on:.0f} ms / {bulk_off:.0f} ms".format(**writes),
            "",
        ),
    ]
    table = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    text = f"""# Benchmarks

Measured by `make bench` (`scripts/bench.py`) on {datetime.now().strftime("%Y-%m-%d %H:%M")}.

## Machine
- CPUs: {m["nproc"]} (`nproc`), {m["cpu"]}
- Memory: {m["memory"]}
- PostgreSQL: {pg_version}
- {m["os"]}, Python {m["python"]}

## Data
- {enterprises:,} enterprises, {progress_rows:,} progress rows (`manage.py generate_load`; the catalogue tracks 13
  Yunnan measures for every Yunnan enterprise and 17 Shaanxi measures for Shaanxi's state-owned enterprises only,
  which caps the rows per enterprise below 20).

## Results
{table}

The rollup reads the tallies that PostgreSQL's triggers keep current with every write (reporting/triggers.py,
reporting/tallies.py), so its cost no longer grows with the progress rows. The last two rows are what the database's
triggers cost the writers: the tallies, the history event (reform_portal/history.py) and the version, for a write
that changes an audited field (the note), against the same write with every trigger of the table disabled. The bare
GROUP BY and the rollup ran interleaved, five times each, after one warm-up rollup.
"""
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
