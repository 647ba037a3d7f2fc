"""Fill PostgreSQL with N realistic enterprises, their progress, its history, this year's indicator values and
self-assessments: a million enterprises (about 12.5 M progress rows) in minutes.

How, and why each step is consistent with what the application's own writes would leave:
- enterprises go in with COPY (rows made in Python, seeded: the credit code's check characters come from
  `enterprises.credit_code`); progress and indicator values are generated inside PostgreSQL with one INSERT …
  SELECT each, following the one applicability rule (`measures.applicability.applies_sql`);
- while each table is written its triggers are off, except the history's insert trigger (so the database still
  writes one creation event per row, in one set-based statement) and the enterprise's region-from-county row
  trigger: the tally triggers would recompute a million summaries from transition tables, and the foreign-key
  checks would queue 25 M row checks, for rows whose keys come from the parent tables themselves. The switch is
  `ALTER TABLE … DISABLE TRIGGER` inside the load's transaction: no other session ever sees
  the triggers off (the lock makes them wait), and they are on again at commit;
- then, in the same transaction, `reporting.tallies.rebuild()` (what `rollup --rebuild-tallies` runs) recomputes
  every tally and progress summary from the rows, so `rollup --check-tallies` agrees;
- self-assessments: an open reporting period of this year per province and an assessment for most enterprises in
  each state of the cycle (the assessment overview's rows).
Every draw is a hash of the seed and stable keys (the run's ordinal, a measure's or indicator's code), not the order
in which PostgreSQL visits the rows: the same seed on the same catalogue gives the same data.
"""

import io
import random
import time
from datetime import date, timedelta

import pgtrigger
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from enterprises.choices import STATE_OWNERSHIPS, Industry, Ownership, SizeClass, SupervisionLevel, Supervisor
from enterprises.credit_code import ALPHABET, make_credit_code
from enterprises.models import Enterprise, Region
from enterprises.reference import gb2260_name
from measures.applicability import applies_sql
from measures.choices import NUMERIC_KINDS, TRACKED_ADDRESSEES, Comparison
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress, Scope
from reporting import list_counts, tallies
from reporting.assessments import counts as assessment_counts
from reporting.assessments.choices import AssessmentStatus
from reporting.assessments.models import Assessment, ReportingPeriod
from reporting.models import ProgressSummary

COPY_BATCH = 50_000
# Shares of enterprises per province, and of state ownership within each (Shaanxi's document targets SOEs).
PROVINCE_SHARE = {"530000": 0.55, "610000": 0.45}
STATE_SHARE = {"530000": 0.3, "610000": 0.7}
INDUSTRY_WEIGHTS = {Industry.C: 30, Industry.B: 8, Industry.D: 8, Industry.E: 12, Industry.F: 10, Industry.G: 8}
INDUSTRY_WEIGHTS |= {Industry.I: 6, Industry.K: 4, Industry.A: 6, Industry.M: 4, Industry.N: 4}
# The self-assessment states of this year, as cumulative shares (the rest: no assessment row, 未填报).
ASSESSMENT_SHARES = (
    (0.25, AssessmentStatus.DRAFT),
    (0.55, AssessmentStatus.SUBMITTED),
    (0.60, AssessmentStatus.RETURNED),
    (0.80, AssessmentStatus.ACCEPTED),
)
# The triggers kept on while a table's others are off: the history's insert trigger (reform_portal.history), and the
# enterprise's region taken from its county (a row trigger, before the row is written).
KEPT_TRIGGERS = {
    Enterprise: ("enterpriseevent_insert", "enterprise_region_from_county"),
    Progress: ("progressevent_insert",),
    IndicatorValue: ("indicatorvalueevent_insert",),
    Assessment: (),
}


def uniform_sql(seed: int, *keys: str) -> str:
    """A number in [0, 1) drawn from the seed and the SQL text `keys` (stable keys of the row): the same row gets
    the same number whatever order PostgreSQL visits the rows in."""
    key = " || ':' || ".join(f"({k})::text" for k in keys)
    return f"((hashtextextended({key}, {int(seed)}) & 4294967295)::float8 / 4294967296.0)"


class Command(BaseCommand):
    help = "Generate N realistic enterprises with progress, history, indicator values and self-assessments."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--no-assessments", action="store_true", help="leave out this year's self-assessments")

    def handle(self, *args, enterprises: int, seed: int, no_assessments: bool = False, **options):
        if enterprises < 1:
            raise CommandError("--enterprises must be at least 1")
        if not PolicyDocument.objects.exists():
            raise CommandError("load the regions and the catalogue first (load_regions, load_catalogue)")
        rng = random.Random(seed)
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            t = time.monotonic()
            with triggers_off(cursor, Enterprise):
                first_id = self._enterprises(cursor, enterprises, rng)
            self._say(f"enterprises: {enterprises} in {time.monotonic() - t:.1f}s")
            t = time.monotonic()
            with triggers_off(cursor, Progress):
                progress = self._progress(cursor, first_id, seed)
            self._say(f"progress rows: {progress} in {time.monotonic() - t:.1f}s")
            t = time.monotonic()
            with triggers_off(cursor, IndicatorValue):
                values = self._indicator_values(cursor, first_id, seed)
            self._say(f"indicator values: {values} in {time.monotonic() - t:.1f}s")
            if not no_assessments:
                t = time.monotonic()
                with triggers_off(cursor, Assessment):  # counted by assessment_counts.rebuild() below
                    assessments = self._assessments(cursor, first_id, seed)
                self._say(f"self-assessments: {assessments} in {time.monotonic() - t:.1f}s")
            t = time.monotonic()
            analyse(cursor)  # the rebuild's plans need the new rows' statistics
            tallies.rebuild()
            list_counts.rebuild(cursor)  # the enterprise list's counts per place (progress was written untriggered)
            assessment_counts.rebuild(cursor)  # the overview's and home pages' counts per place
            self._say(f"tallies and progress summaries rebuilt in {time.monotonic() - t:.1f}s")
        with connection.cursor() as cursor:
            analyse(cursor)
        self._say(f"generate_load: done in {time.monotonic() - started:.1f}s")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    # Enterprises ---------------------------------------------------------------------------------------------------

    def _enterprises(self, cursor, n: int, rng: random.Random) -> int:
        """COPY n enterprises (triggers on: history and tallies written by the database); returns the first id."""
        prefectures = {code: list(Region.objects.filter(parent__code=code).order_by("code")) for code in PROVINCE_SHARE}
        # Capitals are bigger: weight each province's first prefecture (its capital) five times.
        weights = {code: [5] + [1] * (len(regions) - 1) for code, regions in prefectures.items()}
        industries, industry_weights = list(INDUSTRY_WEIGHTS), list(INDUSTRY_WEIGHTS.values())
        private = [Ownership.PRIVATE, Ownership.COLLECTIVE, Ownership.FOREIGN, Ownership.HK_MACAO_TAIWAN]
        # Names and codes carry the ordinal in the whole register: a second load adds new codes, never a clash.
        cursor.execute(f"SELECT COUNT(*), COALESCE(MAX(id), 0) FROM {Enterprise._meta.db_table}")
        already, before = cursor.fetchone()
        run_tag = rng.choice(ALPHABET)
        columns, defaults = _enterprise_columns()
        now = timezone.now()
        buffer, rows = io.StringIO(), 0
        for i in range(n):
            province = "530000" if rng.random() < PROVINCE_SHARE["530000"] else "610000"
            region = rng.choices(prefectures[province], weights[province])[0]
            state = rng.random() < STATE_SHARE[province]
            ownership = rng.choice(STATE_OWNERSHIPS) if state else rng.choices(private, [80, 5, 10, 5])[0]
            employees = int(rng.lognormvariate(5, 1.2)) + 10
            frontline = int(employees * rng.uniform(0.4, 0.8))
            skilled = int(employees * rng.uniform(0.1, 0.4))
            ordinal = already + i
            body8 = run_tag + f"{ordinal:07d}"
            # Registered over the last five and a half years (a few inside the lagging grace period), as a real
            # register is: registered "now", every enterprise would be in its grace period and none could lag.
            created = now - timedelta(days=(i * 7919) % 2000)
            row = defaults | {
                "created_at": created.isoformat(),
                "updated_at": now.isoformat(),
                "name": f"负载测试企业{run_tag}{ordinal:07d}有限公司",
                # 杨凌示范区's portal code is no GB/T 2260 code: its enterprises register under the province's.
                "credit_code": make_credit_code(region.code if gb2260_name(region.code) else province, body8),
                "region_id": str(region.pk),
                "ownership": ownership,
                "supervision_level": rng.choice([SupervisionLevel.PROVINCIAL, SupervisionLevel.MUNICIPAL])
                if state
                else SupervisionLevel.NONE,
                "supervisor": Supervisor.SASAC if state else "",
                "above_scale": _bool(employees > 300 or rng.random() < 0.3),
                "leading": _bool(rng.random() < 0.05),
                "has_board": _bool(state or rng.random() < 0.3),
                "industry": rng.choices(industries, industry_weights)[0],
                "size_class": SizeClass.LARGE
                if employees > 1000
                else SizeClass.MEDIUM
                if employees > 300
                else SizeClass.SMALL,
                "employees": str(employees),
                "frontline_workers": str(frontline),
                "union_members": str(int(employees * rng.uniform(0.5, 0.95))),
                "party_members": str(int(frontline * rng.uniform(0.02, 0.15))),
                "skilled_workers": str(skilled),
                "highly_skilled_workers": str(int(skilled * rng.uniform(0.1, 0.3))),
                "union_founded": _bool(rng.random() < 0.9),
            }
            buffer.write("\t".join(str(row[c]) for c in columns) + "\n")
            rows += 1
            if rows == COPY_BATCH or i == n - 1:
                buffer.seek(0)
                quoted = ", ".join(f'"{c}"' for c in columns)
                cursor.copy_expert(f"COPY {Enterprise._meta.db_table} ({quoted}) FROM STDIN", buffer)
                buffer, rows = io.StringIO(), 0
        cursor.execute(f"SELECT MIN(id) FROM {Enterprise._meta.db_table} WHERE id > %s", [before])
        return cursor.fetchone()[0]

    # Progress, values, assessments --------------------------------------------------------------------------------

    def _progress(self, cursor, first_id: int, seed: int) -> int:
        e, r = Enterprise._meta.db_table, Region._meta.db_table
        m, s, p = Measure._meta.db_table, Scope._meta.db_table, Progress._meta.db_table
        tracked = ", ".join(f"'{a}'" for a in TRACKED_ADDRESSEES)
        u = uniform_sql(seed, "e.credit_code", "m.code")
        u_percent = uniform_sql(seed + 1, "e.credit_code", "m.code")
        u_days = uniform_sql(seed + 2, "e.credit_code", "m.code")
        # Per row: a status drawn with realistic shares (some enterprises further along than others), a matching
        # percent, an update in the last 80 days, or for a fifth of the enterprises more than 90 days ago (lagging).
        cursor.execute(
            f"""
            INSERT INTO {p} (enterprise_id, measure_id, status, percent, note, version, created_at, updated_at)
            SELECT x.enterprise_id, x.measure_id,
                   CASE WHEN x.u < 0.18 THEN 'not_started' WHEN x.u < 0.55 THEN 'in_progress'
                        WHEN x.u < 0.85 THEN 'done' ELSE 'ongoing' END,
                   CASE WHEN x.u < 0.18 THEN 0 WHEN x.u < 0.55 THEN 1 + floor(x.u_percent * 98)::int ELSE 100 END,
                   '', 2, now() - interval '400 days',
                   now() - make_interval(days => CASE WHEN x.stale THEN 91 + floor(x.u_days * 200)::int
                                                      ELSE floor(x.u_days * 80)::int END)
            FROM (
                SELECT e.id AS enterprise_id, m.id AS measure_id,
                       {u} * (0.6 + 0.4 * mod(e.id - %(first)s, 7) / 6.0) AS u,
                       {u_percent} AS u_percent, {u_days} AS u_days,
                       (mod(e.id - %(first)s, 5) = 0) AS stale
                FROM {e} e JOIN {r} r ON r.id = e.region_id
                JOIN {m} m ON m.addressee IN ({tracked})
                JOIN {s} s ON s.id = m.scope_id AND {applies_sql("s", "e", "r.parent_id")}
                WHERE e.id >= %(first)s
                ORDER BY e.id, m.id
            ) x
            """,
            {"first": first_id},
        )
        return cursor.rowcount

    def _indicator_values(self, cursor, first_id: int, seed: int) -> int:
        e, r = Enterprise._meta.db_table, Region._meta.db_table
        i, s, v = Indicator._meta.db_table, Scope._meta.db_table, IndicatorValue._meta.db_table
        numeric = ", ".join(f"'{k}'" for k in NUMERIC_KINDS)
        u = uniform_sql(seed + 3, "e.credit_code", "i.code")
        u_value = uniform_sql(seed + 4, "e.credit_code", "i.code")
        u_days = uniform_sql(seed + 5, "e.credit_code", "i.code")
        # About 70% of applicable enterprises report each indicator this year; values scatter around the target.
        cursor.execute(
            f"""
            INSERT INTO {v} (enterprise_id, indicator_id, year, value, text, version, created_at, updated_at)
            SELECT e.id, i.id, extract(year FROM now())::int,
                   CASE WHEN i.comparison = %(true)s THEN ({u_value} < 0.6)::int
                        WHEN i.target IS NULL THEN round(({u_value} * 100)::numeric, 2)
                        ELSE round((i.target * (0.5 + {u_value}))::numeric, 2) END, '', 1,
                   now() - make_interval(days => floor({u_days} * 120)::int), now()
            FROM {e} e JOIN {r} r ON r.id = e.region_id
            JOIN {i} i ON i.kind IN ({numeric})
            JOIN {s} s ON s.id = i.scope_id AND {applies_sql("s", "e", "r.parent_id")}
            WHERE e.id >= %(first)s AND {u} < 0.7
            ORDER BY e.id, i.id
            """,
            {"true": Comparison.TRUE, "first": first_id},
        )
        return cursor.rowcount

    def _assessments(self, cursor, first_id: int, seed: int) -> int:
        """This year's open period in each province, and an assessment for most of the new enterprises."""
        today = timezone.localdate()
        periods = {}
        for code in PROVINCE_SHARE:
            province = Region.objects.get(code=code)
            period, _created = ReportingPeriod.objects.get_or_create(
                year=today.year,
                province=province,
                defaults={"opens_on": date(today.year, 1, 1), "deadline": date(today.year, 12, 31)},
            )
            periods[province.pk] = period.pk
        u = uniform_sql(seed + 6, "e.credit_code")
        state = "CASE " + " ".join(f"WHEN {u} < {share} THEN '{status}'" for share, status in ASSESSMENT_SHARES)
        state += " END"
        period = "CASE r.parent_id " + " ".join(f"WHEN {p} THEN {q}" for p, q in periods.items()) + " END"
        submitted = "('submitted', 'returned', 'accepted')"
        e, r, a = Enterprise._meta.db_table, Region._meta.db_table, Assessment._meta.db_table
        cursor.execute(
            f"""
            INSERT INTO {a} (period_id, enterprise_id, status, round, version, created_at, updated_at,
                             first_submitted_at, submitted_at, returned_at, accepted_at, days_taken)
            SELECT x.period_id, x.id, x.status, CASE WHEN x.status IN {submitted} THEN 1 ELSE 0 END, 1,
                   now() - interval '60 days', now() - interval '10 days',
                   CASE WHEN x.status IN {submitted} THEN now() - interval '30 days' END,
                   CASE WHEN x.status IN {submitted} THEN now() - interval '30 days' END,
                   CASE WHEN x.status = 'returned' THEN now() - interval '20 days' END,
                   CASE WHEN x.status = 'accepted' THEN now() - interval '10 days' END,
                   CASE WHEN x.status = 'accepted' THEN 20 END
            FROM (
                SELECT e.id, {period} AS period_id, {state} AS status
                FROM {e} e JOIN {r} r ON r.id = e.region_id WHERE e.id >= %(first)s
            ) x
            WHERE x.status IS NOT NULL AND x.period_id IS NOT NULL
            ORDER BY x.id
            ON CONFLICT (period_id, enterprise_id) DO NOTHING
            """,
            {"first": first_id},
        )
        return cursor.rowcount


def analyse(cursor) -> None:
    for model in (Enterprise, Progress, IndicatorValue, Assessment, ProgressSummary):
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def _bool(value: bool) -> str:
    return "t" if value else "f"


def _enterprise_columns() -> tuple[list[str], dict[str, str]]:
    """The columns COPY writes (every concrete one but the id) and, in COPY's text format, each model default."""
    columns, defaults = [], {}
    for field in Enterprise._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        value = field.get_db_prep_save(field.get_default(), connection) if field.has_default() else None
        if value is None and not field.null and not field.has_default():
            value = ""  # a text column without default, or one the loop sets
        defaults[field.column] = "\\N" if value is None else _bool(value) if isinstance(value, bool) else str(value)
    return columns, defaults


class triggers_off:
    """Within the caller's transaction: every trigger of `model`'s table off, foreign-key checks included when the
    role may (a superuser), except those of KEPT_TRIGGERS; all on again on the way out."""

    def __init__(self, cursor, model):
        self.cursor, self.table = cursor, model._meta.db_table
        names = KEPT_TRIGGERS[model]
        self.keep = [
            trigger.get_pgid(m) for m, trigger in pgtrigger.registered() if m is model and trigger.name in names
        ]
        if len(self.keep) != len(names):
            raise CommandError(f"{self.table}: expected the triggers {names}, found {self.keep}")

    def __enter__(self):
        # ALTER TABLE refuses a table with pending trigger events: run the caller's deferred key checks now.
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        )  # may it disable system triggers
        self.which = "ALL" if self.cursor.fetchone()[0] else "USER"
        self.cursor.execute(f"ALTER TABLE {self.table} DISABLE TRIGGER {self.which}")
        for name in self.keep:
            self.cursor.execute(f"ALTER TABLE {self.table} ENABLE TRIGGER {name}")
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.cursor.execute(f"ALTER TABLE {self.table} ENABLE TRIGGER {self.which}")
            self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to the keys' own INITIALLY DEFERRED
        return False
