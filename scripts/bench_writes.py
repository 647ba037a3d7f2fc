"""Writes: progress PATCHed through the API by 20 clients against the same UPDATE sent bare by 20 connections; the
bulk update of one measure for 5,000 enterprises through the service (rolled back); the full rollup against a bare
GROUP BY; and what the database's triggers cost a writer."""

import inspect
import statistics
import threading
import time

from bench_http import p95


class _Undo(Exception):
    pass


def patch_rate(client, progress_ids: list[int], clients: int, seconds: float) -> dict:
    """`clients` threads, each PATCHing its own share of `progress_ids` in turn for `seconds`: requests a second
    (answered 200) and the latencies. Each write moves the percent within 推进中 with a note of its own (a move back
    needs one), sending the version the previous answer gave."""
    from measures.models import Progress

    versions = dict(Progress.objects.filter(pk__in=progress_ids).values_list("pk", "version"))
    shares = [progress_ids[i::clients] for i in range(clients)]
    times, failures, lock = [], [], threading.Lock()
    barrier = threading.Barrier(clients)
    stop_at = [0.0]

    def run(share):
        s = client.session()
        s.headers["Content-Type"] = "application/json"
        barrier.wait()
        i = 0
        while time.perf_counter() < stop_at[0]:
            pk = share[i % len(share)]
            i += 1
            body = {"status": "in_progress", "percent": 1 + (i * 37 + pk) % 98, "note": f"bench {pk} {i}"}
            body["version"] = versions[pk]
            t = time.perf_counter()
            response = s.patch(f"{client.base}/api/progress/{pk}/", json=body, timeout=60)
            elapsed = time.perf_counter() - t
            with lock:
                if response.status_code == 200:
                    versions[pk] = response.json()["version"]
                    times.append(elapsed)
                else:
                    failures.append(response.status_code)

    threads = [threading.Thread(target=run, args=(share,)) for share in shares]
    stop_at[0] = time.perf_counter() + seconds + 0.5
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if not times:
        raise RuntimeError(f"no PATCH answered 200: {sorted(set(failures))}")
    return {"rate": len(times) / wall, "p95": p95(times), "median": statistics.median(times), "failures": failures}


def bare_update_rate(database_url: str, progress_ids: list[int], clients: int, seconds: float) -> dict:
    """The same writes as bare SQL: `clients` connections, each an UPDATE of one row per transaction (the table's
    triggers on: history, version, tallies)."""
    import psycopg2

    shares = [progress_ids[i::clients] for i in range(clients)]
    counts, barrier = [0] * clients, threading.Barrier(clients)
    stop_at = [0.0]

    def run(n, share):
        conn = psycopg2.connect(database_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            barrier.wait()
            i = 0
            while time.perf_counter() < stop_at[0]:
                pk = share[i % len(share)]
                i += 1
                cur.execute(
                    "UPDATE measures_progress SET status = 'in_progress', percent = %s, note = %s, updated_at = now()"
                    " WHERE id = %s",
                    [1 + (i * 37 + pk) % 98, f"bench bare {pk} {i}", pk],
                )
                counts[n] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(n, share)) for n, share in enumerate(shares)]
    stop_at[0] = time.perf_counter() + seconds + 0.5
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return {"rate": sum(counts) / (time.perf_counter() - started)}


def bulk_update(officer, measure, enterprise_ids: list[int]) -> dict:
    """One measure set for the enterprises through `measures.services.progress_bulk_update`, as it is at this
    commit (by ids, or by a filter when it takes one), timed inside a transaction that is then rolled back; and
    the bare UPDATE of the same rows."""
    from django.db import connection, transaction

    from measures.models import Progress
    from measures.services import progress_bulk_update

    parameters = inspect.signature(progress_bulk_update).parameters
    kwargs = {"user": officer, "measure": measure, "status": "done", "percent": 100, "note": "bench bulk"}
    if "enterprise_ids" in parameters:
        kwargs["enterprise_ids"] = enterprise_ids
    elif "enterprises" in parameters:
        from enterprises.models import Enterprise

        kwargs["enterprises"] = Enterprise.objects.filter(pk__in=enterprise_ids)
    else:
        raise RuntimeError(f"progress_bulk_update takes {list(parameters)}: the bench does not know how to call it")
    kwargs = {k: v for k, v in kwargs.items() if k in parameters}
    figures = {}
    try:
        with transaction.atomic():
            t = time.perf_counter()
            result = progress_bulk_update(**kwargs)
            figures["service"] = time.perf_counter() - t
            figures["updated"] = len(getattr(result, "updated", []) or [])
            raise _Undo
    except _Undo:
        pass
    try:
        with transaction.atomic():
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(
                    "UPDATE measures_progress SET status = 'done', percent = 100, note = 'bench bulk',"
                    " updated_at = now() WHERE measure_id = %s AND enterprise_id = ANY(%s)",
                    [measure.pk, enterprise_ids],
                )
            figures["bare"] = time.perf_counter() - t
            raise _Undo
    except _Undo:
        pass
    figures["rows"] = Progress.objects.filter(measure=measure, enterprise_id__in=enterprise_ids).count()
    return figures


def rollup_against_group_by(rounds: int = 5) -> dict:
    from django.db import connection

    from reporting.rollup import rollup_full_now

    def bare():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT measure_id, status, COUNT(*), AVG(percent) FROM measures_progress GROUP BY measure_id, status"
            )
            cur.fetchall()

    rollup_full_now()  # warm up
    bare_runs, rollup_runs = [], []
    for _ in range(rounds):  # interleaved, so that the machine's ups and downs fall on both alike
        t = time.perf_counter()
        bare()
        bare_runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        rollup_full_now()
        rollup_runs.append(time.perf_counter() - t)
    return {"bare": statistics.median(bare_runs), "rollup": statistics.median(rollup_runs)}


def trigger_costs(n: int = 200, bulk_rows: int = 10_000) -> dict:
    """What the database's triggers (tallies, history, version) cost a writer: single-row and bulk progress updates
    through the ORM that change an audited field (the note), with the triggers and with them disabled, inside one
    transaction that is rolled back."""
    from django.db import connection, transaction
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from measures.models import Progress

    ids = list(Progress.objects.order_by("?").values_list("pk", flat=True)[:n])
    bulk_ids = list(Progress.objects.order_by("pk").values_list("pk", flat=True)[:bulk_rows])

    def one_row_updates():
        times = []
        for pk in ids:
            t = time.perf_counter()
            Progress.objects.filter(pk=pk).update(note=Concat(F("note"), Value(" ")))
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    def bulk_update():
        t = time.perf_counter()
        Progress.objects.filter(pk__in=bulk_ids).update(note=Concat(F("note"), Value(" ")))
        return time.perf_counter() - t

    figures = {"bulk_rows": len(bulk_ids)}
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
