"""Fill PostgreSQL with N realistic enterprises, their progress, its history and this year's indicator values.

Enterprises go in with bulk inserts of 5,000; progress and indicator values are generated inside PostgreSQL
with INSERT … SELECT (one statement each; the database's history triggers record their creation), following
the applicability rules of the catalogue:
the Yunnan document applies to every Yunnan enterprise, the Shaanxi one to Shaanxi's state-owned enterprises.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from enterprises.choices import STATE_OWNERSHIPS, Industry, Ownership, SizeClass, SupervisionLevel, Supervisor
from enterprises.credit_code import ALPHABET, make_credit_code
from enterprises.models import Enterprise, Region
from enterprises.reference import gb2260_name
from measures.applicability import applies_sql
from measures.choices import NUMERIC_KINDS, TRACKED_ADDRESSEES, Comparison
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress, ProgressEvent, Scope

BATCH = 5000
# Shares of enterprises per province, and of state ownership within each (Shaanxi's document targets SOEs).
PROVINCE_SHARE = {"530000": 0.55, "610000": 0.45}
STATE_SHARE = {"530000": 0.3, "610000": 0.7}
INDUSTRY_WEIGHTS = {Industry.C: 30, Industry.B: 8, Industry.D: 8, Industry.E: 12, Industry.F: 10, Industry.G: 8}
INDUSTRY_WEIGHTS |= {Industry.I: 6, Industry.K: 4, Industry.A: 6, Industry.M: 4, Industry.N: 4}


class Command(BaseCommand):
    help = "Generate N realistic enterprises with progress, history and indicator values."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, enterprises: int, seed: int, **options):
        if enterprises < 1:
            raise CommandError("--enterprises must be at least 1")
        if not PolicyDocument.objects.exists():
            raise CommandError("load the regions and the catalogue first (load_regions, load_catalogue)")
        rng = random.Random(seed)
        started = time.monotonic()
        first_id = self._enterprises(enterprises, rng)
        self.stdout.write(f"enterprises: {enterprises} in {time.monotonic() - started:.1f}s")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
            t = time.monotonic()
            progress = self._progress(cursor, first_id)
            self.stdout.write(f"progress rows: {progress} in {time.monotonic() - t:.1f}s")
            t = time.monotonic()
            values = self._indicator_values(cursor, first_id)
            self.stdout.write(f"indicator values: {values} in {time.monotonic() - t:.1f}s")
        with connection.cursor() as cursor:
            for model in (Enterprise, Progress, ProgressEvent, IndicatorValue):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(f"generate_load: done in {time.monotonic() - started:.1f}s")

    def _enterprises(self, n: int, rng: random.Random) -> int:
        prefectures = {code: list(Region.objects.filter(parent__code=code).order_by("code")) for code in PROVINCE_SHARE}
        # Capitals are bigger: weight each province's first prefecture (its capital) five times.
        weights = {code: [5] + [1] * (len(regions) - 1) for code, regions in prefectures.items()}
        industries, industry_weights = list(INDUSTRY_WEIGHTS), list(INDUSTRY_WEIGHTS.values())
        private = [Ownership.PRIVATE, Ownership.COLLECTIVE, Ownership.FOREIGN, Ownership.HK_MACAO_TAIWAN]
        run_tag = "".join(rng.choice(ALPHABET) for _ in range(3))
        first_id = None
        batch = []
        for i in range(n):
            province = "530000" if rng.random() < PROVINCE_SHARE["530000"] else "610000"
            region = rng.choices(prefectures[province], weights[province])[0]
            state = rng.random() < STATE_SHARE[province]
            ownership = rng.choice(STATE_OWNERSHIPS) if state else rng.choices(private, [80, 5, 10, 5])[0]
            employees = int(rng.lognormvariate(5, 1.2)) + 10
            frontline = int(employees * rng.uniform(0.4, 0.8))
            skilled = int(employees * rng.uniform(0.1, 0.4))
            body8 = run_tag[:2] + f"{i:06d}"
            batch.append(
                Enterprise(
                    name=f"负载测试企业{run_tag}{i:06d}有限公司",
                    # 杨凌示范区's portal code is no GB/T 2260 code: its enterprises register under the province's.
                    credit_code=make_credit_code(region.code if gb2260_name(region.code) else province, body8),
                    region=region,
                    ownership=ownership,
                    supervision_level=rng.choice([SupervisionLevel.PROVINCIAL, SupervisionLevel.MUNICIPAL])
                    if state
                    else SupervisionLevel.NONE,
                    supervisor=Supervisor.SASAC if state else "",
                    above_scale=employees > 300 or rng.random() < 0.3,
                    leading=rng.random() < 0.05,
                    has_board=state or rng.random() < 0.3,
                    industry=rng.choices(industries, industry_weights)[0],
                    size_class=SizeClass.LARGE
                    if employees > 1000
                    else SizeClass.MEDIUM
                    if employees > 300
                    else "small",
                    employees=employees,
                    frontline_workers=frontline,
                    union_members=int(employees * rng.uniform(0.5, 0.95)),
                    party_members=int(frontline * rng.uniform(0.02, 0.15)),
                    skilled_workers=skilled,
                    highly_skilled_workers=int(skilled * rng.uniform(0.1, 0.3)),
                    union_founded=rng.random() < 0.9,
                )
            )
            if len(batch) == BATCH or i == n - 1:
                created = models.QuerySet(Enterprise).bulk_create(batch)
                first_id = first_id or created[0].pk
                batch = []
        # Registered over the last five and a half years (a few inside the lagging grace period), as a real register
        # is: registered "now", every enterprise would be in its grace period and none could lag.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Enterprise._meta.db_table}"
                " SET created_at = created_at - (id * 7919 %% 2000) * interval '1 day' WHERE id >= %s",
                [first_id],
            )
        return first_id

    def _progress(self, cursor, first_id: int) -> int:
        e, r = Enterprise._meta.db_table, Region._meta.db_table
        m, s, p = Measure._meta.db_table, Scope._meta.db_table, Progress._meta.db_table
        tracked = ", ".join(f"'{a}'" for a in TRACKED_ADDRESSEES)
        # Per row: a status drawn with realistic shares, a matching percent, an update in the last 200 days
        # (about a fifth of the enterprises older than the lagging threshold).
        cursor.execute(
            f"""
            INSERT INTO {p} (enterprise_id, measure_id, status, percent, note, version, created_at, updated_at)
            SELECT x.enterprise_id, x.measure_id,
                   CASE WHEN x.u < 0.18 THEN 'not_started' WHEN x.u < 0.55 THEN 'in_progress'
                        WHEN x.u < 0.85 THEN 'done' ELSE 'ongoing' END,
                   CASE WHEN x.u < 0.18 THEN 0 WHEN x.u < 0.55 THEN 1 + floor(random() * 98)::int ELSE 100 END,
                   '', 2, now() - interval '400 days',
                   now() - make_interval(days => CASE WHEN x.stale THEN 91 + floor(random() * 200)::int
                                                      ELSE floor(random() * 80)::int END)
            FROM (
                SELECT e.id AS enterprise_id, m.id AS measure_id,
                       random() * (0.6 + 0.4 * mod(e.id, 7) / 6.0) AS u,
                       (mod(e.id, 5) = 0) AS stale
                FROM {e} e JOIN {r} r ON r.id = e.region_id
                JOIN {m} m ON m.addressee IN ({tracked})
                JOIN {s} s ON s.id = m.scope_id AND {applies_sql("s", "e", "r.parent_id")}
                WHERE e.id >= %s
            ) x
            """,
            [first_id],
        )
        return cursor.rowcount

    def _indicator_values(self, cursor, first_id: int) -> int:
        e, r = Enterprise._meta.db_table, Region._meta.db_table
        i, s, v = Indicator._meta.db_table, Scope._meta.db_table, IndicatorValue._meta.db_table
        numeric = ", ".join(f"'{k}'" for k in NUMERIC_KINDS)
        # About 70% of applicable enterprises report each indicator this year; values scatter around the target.
        cursor.execute(
            f"""
            INSERT INTO {v} (enterprise_id, indicator_id, year, value, text, created_at, updated_at)
            SELECT e.id, i.id, extract(year FROM now())::int,
                   CASE WHEN i.comparison = %s THEN (random() < 0.6)::int
                        WHEN i.target IS NULL THEN round((random() * 100)::numeric, 2)
                        ELSE round((i.target * (0.5 + random()))::numeric, 2) END, '',
                   now() - make_interval(days => floor(random() * 120)::int), now()
            FROM {e} e JOIN {r} r ON r.id = e.region_id
            JOIN {i} i ON i.kind IN ({numeric})
            JOIN {s} s ON s.id = i.scope_id AND {applies_sql("s", "e", "r.parent_id")}
            WHERE e.id >= %s AND random() < 0.7
            """,
            [Comparison.TRUE, first_id],
        )
        return cursor.rowcount
