"""BENCHMARKS.md: one section per number of enterprises, each replaced by the next run at that N and the others
kept, with the date, the machine and whether it was shared."""

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Row:
    what: str
    result: str
    bare: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def ms(seconds: float, digits: int = 0) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:,.{digits}f} ms"


def verdict(ok: bool, why: str = "") -> str:
    return "met" if ok else ("**NOT met**" + (f" ({why})" if why else ""))


HEADER = """# Benchmarks

Written by `make bench` (`scripts/bench.py`; what each figure means: docs/performance/bench.md). One section per
number of enterprises: `make bench` writes N = 100,000, `BENCH_ENTERPRISES=1000000 make bench` N = 1,000,000.
Pages and API lists are timed through gunicorn (2 workers, DEBUG=0) as the SASAC user of 云南, against the bare SQL
of the same rows; exports and the import through the real Celery worker of the `jobs` queue. Targets from issue 12.
"""


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
    load = os.getloadavg()
    return {
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu,
        "memory": f"{int(mem.split()[1]) // 1024 // 1024} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "load": f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
    }


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def section(*, enterprises: int, progress_rows: int, rows: list[Row], pg_version: str, args) -> str:
    m = machine()
    table = ["| measurement | result | bare SQL | ratio | target | verdict |", "| --- | --- | --- | --- | --- | --- |"]
    table += [
        "| " + " | ".join(_cell(c) for c in (r.what, r.result, r.bare, r.ratio, r.target, r.verdict)) + " |"
        for r in rows
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!-- bench N={enterprises} -->
## N = {enterprises:,} enterprises

Measured on {stamp}: {enterprises:,} enterprises, {progress_rows:,} progress rows (`manage.py generate_load`).
Machine: {m["nproc"]} CPUs (`nproc`), {m["cpu"]}, {m["memory"]}; {pg_version}; {m["os"]}, Python {m["python"]}.
Load average when the report was written: {m["load"]} — the bench's own load included (gunicorn, the 20-client
rounds, the worker); any other work on the machine makes the figures noisier, and mostly slower.
One client: median of {args.requests} GETs after one not counted; {args.clients} clients: {args.each} GETs each,
all at once, 95th percentile. Bare SQL: median of 7 runs of the statements in docs/performance/bench.md.
{args.note}

{chr(10).join(table)}
<!-- end N={enterprises} -->
"""


def write(path: Path, **figures) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text.startswith(HEADER.splitlines()[0]) or "<!-- bench N=" not in text:
        text = HEADER  # the file of an earlier bench: started afresh
    new = section(**figures)
    n = figures["enterprises"]
    pattern = re.compile(rf"<!-- bench N={n} -->.*?<!-- end N={n} -->\n", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: new, text)
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text, encoding="utf-8")
